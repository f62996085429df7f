"""The five conditions over the rounds as a PNG.

matplotlib's object API (a Figure with the Agg canvas), not pyplot: no display and no global
state, so a chart can be drawn in a worker thread (drawing one took 220 - 255 ms of CPU here,
which the event loop's acks should not wait for). matplotlib is imported when the first chart is
drawn: importing it took 1.1 s of every start of the bot (measured 2026-11-29).
"""

import io


def conditions_chart(periods: list[str], series: dict[str, list[float | None]],
                     labels: dict[str, str], *, title: str, y_label: str) -> bytes:
    """A line per condition (1-5) across the periods; gaps where a round had too few answers."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    positions = list(range(len(periods)))
    for question_id, values in series.items():
        points = [(x, y) for x, y in zip(positions, values, strict=False) if y is not None]
        if points:
            axes.plot([x for x, _ in points], [y for _, y in points], marker="o",
                      label=labels.get(question_id, question_id))
    axes.set_xticks(positions, periods)
    axes.set_ylim(1, 5)
    axes.set_ylabel(y_label)
    axes.set_title(title)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="lower left", fontsize="small", ncols=3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
