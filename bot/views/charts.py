"""Small trend charts (PNG) with a text equivalent, for people who would rather look.

The PNGs need matplotlib, the optional ``charts`` extra; without it the callers post the
text equivalent alone (``available()``)."""

from __future__ import annotations

import io
from typing import Any

from triage import questions as Q
from triage.models import OWNERSHIP_SYMPTOMS, Level

LEVELS = [lvl.value for lvl in Level]


def available() -> bool:
    """True when matplotlib (``pip install 'engagement-bot[charts]'``) can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def symptom_series(baseline: dict[str, Any], follow_ups: list[dict[str, Any]]
                   ) -> tuple[list[str], dict[str, list[int]]]:
    """Labels (the verdict, check-in 1, ...) and each ownership symptom's level rank over
    them."""
    labels = ["verdict"] + [f"check-in {i}" for i in range(1, len(follow_ups) + 1)]
    series: dict[str, list[int]] = {}
    for sid in OWNERSHIP_SYMPTOMS:
        points = [answers.get("symptoms", {}).get(sid, "never")
                  for answers in [baseline, *follow_ups]]
        series[sid] = [LEVELS.index(p) if p in LEVELS else 0 for p in points]
    return labels, series


def moved(series: dict[str, list[int]]) -> dict[str, list[int]]:
    """Only the symptoms whose level changed at some point (an unchanged row says nothing)."""
    return {sid: values for sid, values in series.items() if len(set(values)) > 1}


def symptom_text(labels: list[str], series: dict[str, list[int]]) -> str:
    """The chart in words, in the intake's labels: "Tickets arrive unclear: Often → Never"."""
    lines = [f"• {Q.SYMPTOMS[sid]}: " + " → ".join(Q.LEVELS[LEVELS[v]] for v in values)
             for sid, values in series.items()]
    return f"*Over time* ({', '.join(labels)})\n" + "\n".join(lines)


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


# ------------------------------------------------------------------ team health checks

HEALTH_SCALE = ((0.0, "Bad"), (0.5, "So-so"), (1.0, "Good"))


def health_series(runs: list[tuple[str, dict[str, Any]]]
                  ) -> tuple[list[str], dict[str, list[float | None]]]:
    """``runs``: (label, summary) oldest first, summaries with their results shown. Each
    health dimension's average (0 = everyone said bad, 1 = everyone said good) per run;
    None where a run has no number for it."""
    labels = [label for label, _ in runs]
    series: dict[str, list[float | None]] = {}
    for dim in Q.HEALTH_DIMENSIONS:
        points: list[float | None] = []
        for _, summary in runs:
            score = ((summary.get("dimensions") or {}).get(dim) or {}).get("score")
            points.append(None if score is None else float(score))
        series[dim] = points
    return labels, series


def health_text(labels: list[str], series: dict[str, list[float | None]],
                responders: list[int] | None = None) -> str:
    """The chart in words: every number it shows."""
    runs = labels if responders is None else [
        f"{label} ({n} {'person' if n == 1 else 'people'})"
        for label, n in zip(labels, responders, strict=True)]
    lines = [f"• {Q.HEALTH_DIMENSIONS[dim][0]}: "
             + " → ".join("–" if v is None else f"{v:.2f}" for v in values)
             for dim, values in series.items()]
    return (f"Team health over the last {len(labels)} checks, from 0 (everyone said bad) to "
            f"1 (everyone said good). Checks: {', '.join(runs)}.\n" + "\n".join(lines))


def health_png(labels: list[str], series: dict[str, list[float | None]]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
    try:
        xs = list(range(len(labels)))
        for dim, values in series.items():
            ys = [float("nan") if v is None else v for v in values]
            ax.plot(xs, ys, marker="o", label=Q.HEALTH_DIMENSIONS[dim][0])
        ax.set_xticks(xs, labels, fontsize=8)
        ax.set_yticks([v for v, _ in HEALTH_SCALE], [name for _, name in HEALTH_SCALE])
        ax.set_ylim(-0.08, 1.08)
        ax.set_xlim(-0.3, len(labels) - 0.7)
        ax.grid(axis="y", alpha=0.3)
        ax.set_title("Team health, average per check", fontsize=10)
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()
    finally:
        plt.close(fig)
