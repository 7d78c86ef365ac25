"""Reading answers from YAML/JSON, with one clear message for everything that is wrong."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from triage.models import Intake, Level, Priorities, Signals, Symptoms, Weight

_MAX_INPUT = 200_000


@dataclass(frozen=True)
class Problem:
    field: str
    value: str
    message: str
    allowed: str

    def __str__(self) -> str:
        got = "missing" if self.value == "" else f"got {self.value}"
        return f"{self.field}: {got}; {self.message}; allowed: {self.allowed}"


class IntakeError(ValueError):
    """Invalid answers. ``problems`` lists every bad field; str() is one readable message."""

    def __init__(self, problems: list[Problem], headline: str = "Invalid answers") -> None:
        self.problems = problems
        lines = [f"{headline}:"] + [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


def _enum_values(enum: type[StrEnum]) -> str:
    return ", ".join(e.value for e in enum)


def _allowed_for(path: tuple[str, ...]) -> str:
    """What a field accepts, from the models themselves."""
    section = path[0] if path else ""
    if section in ("signals", "symptoms", "priorities") and len(path) == 1:
        return "a mapping of field ids to values"
    model: type[BaseModel] = Intake
    name = path[-1] if path else ""
    if section == "signals" and len(path) == 2:
        return "an integer from 1 to 5 (1 strongly disagree ... 5 strongly agree)"
    if section == "symptoms" and len(path) == 2:
        return _enum_values(Level)
    if section == "priorities" and len(path) == 2:
        return _enum_values(Weight)
    if name == "engagement":
        return "text of 1 to 80 characters"
    if name == "notes":
        return "text of up to 3000 characters"
    field = model.model_fields.get(name)
    if field is not None:
        ann: Any = field.annotation
        if isinstance(ann, type) and issubclass(ann, StrEnum):
            return _enum_values(ann)
    return "see the intake specification"


_SECTION_MODELS: dict[str, type[BaseModel]] = {
    "signals": Signals, "symptoms": Symptoms, "priorities": Priorities,
}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _problems(exc: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for err in exc.errors():
        loc = tuple(str(p) for p in err["loc"])
        field = ".".join(loc) or "(answers)"
        if err["type"] == "extra_forbidden":
            owner = _SECTION_MODELS.get(loc[0]) if len(loc) == 2 else Intake
            allowed = ", ".join((owner or Intake).model_fields)
            problems.append(Problem(field, _short(err.get("input")), "unknown field",
                                    f"fields {allowed}"))
            continue
        if err["type"] == "missing":
            problems.append(Problem(field, "", "required", _allowed_for(loc)))
            continue
        message = err["msg"].removeprefix("Value error, ")
        problems.append(Problem(field, _short(err.get("input")), message, _allowed_for(loc)))
    return problems


def parse_intake(data: object) -> Intake:
    """Validate an answers mapping (already parsed from YAML/JSON)."""
    if not isinstance(data, dict):
        kind = "nothing" if data is None else type(data).__name__
        raise IntakeError([Problem("(answers)", kind, "the answers must be a mapping of "
                                   "field: value", "a YAML or JSON mapping (object)")])
    try:
        return Intake.model_validate(data)
    except ValidationError as exc:
        raise IntakeError(_problems(exc)) from None


def load_intake(text: str | bytes) -> Intake:
    """Parse YAML or JSON text (JSON is YAML) and validate it."""
    if isinstance(text, bytes):
        if b"\x00" in text:
            raise IntakeError([Problem("(file)", "binary data", "not a text file",
                                       "a YAML or JSON text file")])
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise IntakeError([Problem("(file)", "undecodable bytes", "not UTF-8 text",
                                       "a YAML or JSON text file in UTF-8")]) from None
    if len(text) > _MAX_INPUT:
        raise IntakeError([Problem("(file)", f"{len(text)} characters", "too large",
                                   f"at most {_MAX_INPUT} characters")])
    if not text.strip():
        raise IntakeError([Problem("(file)", "an empty file", "no answers found",
                                   "a YAML or JSON mapping (object)")])
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        raise IntakeError([Problem("(file)", f"invalid syntax at {where}",
                                   "cannot be read as YAML or JSON",
                                   "a YAML or JSON mapping (object)")]) from None
    return parse_intake(data)


def dump_json(obj: BaseModel) -> str:
    return json.dumps(obj.model_dump(mode="json"), indent=2, ensure_ascii=False)
