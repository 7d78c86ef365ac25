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
