"""Engagement triage: the pure domain. Pydantic models in, pydantic models out."""

from triage.engine import ENGINE_VERSION, assess, compare, diagnose, rank_models
from triage.loading import IntakeError, Problem, load_intake, parse_intake
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
