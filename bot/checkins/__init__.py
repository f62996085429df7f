"""Periodic PDCA check-ins: schedules per team channel, rounds that open, remind and close
exactly once, answers, results with trends and a chart, and actions reviewed next round."""
