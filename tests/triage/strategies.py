"""Hypothesis strategies over every valid intake."""

from __future__ import annotations

from hypothesis import strategies as st

from triage.models import (
    PRIORITY_IDS,
    SIGNAL_IDS,
    SYMPTOM_IDS,
    Duration,
    Importance,
    Level,
    Requirements,
    Slowdown,
    StatedNeed,
    Teams,
    VendorsInUse,
    Weight,
)

# The answers that have an order, each with its values in that order. An optional answer
# left out (None) sits next to every value: answering it is one notch.
ORDERED: dict[str, list[object]] = {
    "duration": [e.value for e in Duration],
    "strategic_importance": [e.value for e in Importance],
    "teams": [e.value for e in Teams],
    "vendors_in_use": [e.value for e in VendorsInUse],
    "requirements": [e.value for e in Requirements],
    **{f"signals.{s}": [1, 2, 3, 4, 5] for s in SIGNAL_IDS},
    **{f"symptoms.{s}": [e.value for e in Level] for s in SYMPTOM_IDS},
    **{f"priorities.{p}": [e.value for e in Weight] for p in PRIORITY_IDS},
}
OPTIONAL = ("teams", "vendors_in_use", "requirements")
DEFAULTS: dict[str, object] = {"duration": "quarter", "strategic_importance": "supporting",
                               **{f"symptoms.{s}": "never" for s in SYMPTOM_IDS},
                               **{f"priorities.{p}": "medium" for p in PRIORITY_IDS}}


def answers() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "stated_need": st.sampled_from([e.value for e in StatedNeed]),
            "slowdown": st.sampled_from([e.value for e in Slowdown]),
            "signals": st.fixed_dictionaries({s: st.integers(1, 5) for s in SIGNAL_IDS}),
        },
        optional={
            "engagement": st.text(min_size=1, max_size=80).filter(lambda t: t.strip()),
            "duration": st.sampled_from([e.value for e in Duration]),
            "strategic_importance": st.sampled_from([e.value for e in Importance]),
            "symptoms": st.fixed_dictionaries(
                {}, optional={s: st.sampled_from([e.value for e in Level]) for s in SYMPTOM_IDS}
            ),
            "priorities": st.fixed_dictionaries(
                {}, optional={p: st.sampled_from([e.value for e in Weight]) for p in PRIORITY_IDS}
            ),
            "notes": st.text(max_size=50),
            "teams": st.sampled_from([e.value for e in Teams]),
            "vendors_in_use": st.sampled_from([e.value for e in VendorsInUse]),
            "requirements": st.sampled_from([e.value for e in Requirements]),
        },
    )


def get(data: dict, path: str) -> object:
    group, _, sub = path.partition(".")
    if sub:
        return data.get(group, {}).get(sub, DEFAULTS.get(path))
    return data.get(group, DEFAULTS.get(path))


def put(data: dict, path: str, value: object) -> dict:
    """A copy of ``data`` with one answer changed (None: the optional answer left out)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    group, _, sub = path.partition(".")
    if sub:
        out.setdefault(group, {})[sub] = value
    elif value is None:
        out.pop(group, None)
    else:
        out[group] = value
    return out


def neighbours(path: str, value: object) -> list[object]:
    """The values one notch away from ``value`` for this answer."""
    order = ORDERED[path]
    if path in OPTIONAL:
        if value is None:
            return list(order)
        near = [None]
        if len(order) == 2:
            near.append(order[1 - order.index(value)])
        else:
            i = order.index(value)
            near += [order[j] for j in (i - 1, i + 1) if 0 <= j < len(order)]
        return near
    i = order.index(value)
    return [order[j] for j in (i - 1, i + 1) if 0 <= j < len(order)]
