"""Small trend charts (PNG) with a text equivalent, for people who would rather look."""

from __future__ import annotations

import io
from typing import Any

from triage import questions as Q
from triage.models import OWNERSHIP_SYMPTOMS, Level

LEVELS = [lvl.value for lvl in Level]


def symptom_series(baseline: dict[str, Any], follow_ups: list[dict[str, Any]]
                   ) -> tuple[list[str], dict[str, list[int]]]:
    """Labels (baseline, check-in 1, ...) and each ownership symptom's level rank over them."""
    labels = ["baseline"] + [f"check-in {i}" for i in range(1, len(follow_ups) + 1)]
    series: dict[str, list[int]] = {}
    for sid in OWNERSHIP_SYMPTOMS:
        points = [answers.get("symptoms", {}).get(sid, "never")
                  for answers in [baseline, *follow_ups]]
        series[sid] = [LEVELS.index(p) if p in LEVELS else 0 for p in points]
    return labels, series


def symptom_text(labels: list[str], series: dict[str, list[int]]) -> str:
    lines = [f"• {Q.SYMPTOMS[sid]}: " + " → ".join(LEVELS[v] for v in values)
             for sid, values in series.items()]
    return f"Symptoms over time ({', '.join(labels)}):\n" + "\n".join(lines)


def symptom_png(labels: list[str], series: dict[str, list[int]]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
    try:
        for sid, values in series.items():
            ax.plot(labels, values, marker="o", label=Q.SYMPTOMS_SHORT[sid])
        ax.set_yticks(range(len(LEVELS)), [Q.LEVELS[lv] for lv in LEVELS])
        ax.set_ylim(-0.3, len(LEVELS) - 0.7)
        ax.set_title("Signs of an ownership gap, since the verdict", fontsize=10)
        ax.legend(fontsize=7, loc="upper right")
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)
