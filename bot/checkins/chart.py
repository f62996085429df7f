"""The five conditions over the rounds as a PNG (matplotlib, Agg: no display needed)."""

import io

import matplotlib

matplotlib.use("Agg")  # before pyplot: render to memory, never to a window

import matplotlib.pyplot as plt  # noqa: E402


def conditions_chart(periods: list[str], series: dict[str, list[float | None]],
                     labels: dict[str, str], *, title: str, y_label: str) -> bytes:
    """A line per condition (1-5) across the periods; gaps where a round had too few answers."""
    figure, axes = plt.subplots(figsize=(7, 4), dpi=100)
    try:
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
    finally:
        plt.close(figure)
