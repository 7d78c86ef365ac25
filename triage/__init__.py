"""Engagement triage: the pure domain. Pydantic models in, pydantic models out.

No Slack, no database, no clock: ``assess`` and ``compare`` are deterministic functions of
the answers, and every number and sentence they use lives in ``triage/tables.py``.
"""

from triage.compare import compare
from triage.diagnose import diagnose
from triage.engine import ENGINE_VERSION, assess
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
    "assess",
    "compare",
    "diagnose",
    "load_intake",
    "parse_intake",
    "rank_models",
]
