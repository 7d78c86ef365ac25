"""Engagement triage: the pure domain. Pydantic models in, pydantic models out.

No Slack, no database, no clock: ``assess`` and ``compare`` are deterministic functions of
the answers. The numbers they use live in ``triage/scoring.py``, the sentences in
``triage/wording.py`` and the labels people read in ``triage/questions.py``; the argument
behind them is ``docs/engine.md``.
"""

from triage.compare import compare
from triage.diagnose import diagnose
from triage.engine import ENGINE_VERSION, assess
from triage.explain import Reason, reasons
from triage.loading import IntakeError, Problem, load_intake, parse_intake
from triage.matrix import rank_models
from triage.models import Assessment, Comparison, Intake

__all__ = [
    "ENGINE_VERSION",
    "Assessment",
    "Comparison",
    "Intake",
    "IntakeError",
    "Problem",
    "Reason",
    "assess",
    "compare",
    "diagnose",
    "load_intake",
    "parse_intake",
    "rank_models",
    "reasons",
]

