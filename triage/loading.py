"""Reading answers from YAML or JSON text, with one clear message for everything that is wrong.

``load_intake`` and ``parse_intake`` never let a parser's or a validator's exception through:
every problem becomes a :class:`Problem` naming the field, the bad value and what is allowed,
collected into a single :class:`IntakeError`.
"""

from __future__ import annotations

import difflib
import json
import reprlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from triage.models import (
    Duration,
    Importance,
    Intake,
    Level,
    Priorities,
    Requirements,
    Signals,
    Slowdown,
    StatedNeed,
    Symptoms,
    Teams,
    VendorsInUse,
    Weight,
)

MAX_INPUT_CHARS = 200_000
MAX_EXPANDED_NODES = 50_000  # YAML aliases can make a small file expand enormously

# The words of the input errors (the ids and allowed values in them are the contract's).
_M: dict[str, str] = {
    "missing": "required",
    "unknown_field": "unknown field",
    "not_mapping": "must be a mapping of field: value",
    "not_integer": "must be a whole number",
    "out_of_range": "out of range",
    "not_choice": "not one of the allowed values",
    "not_text": "must be text",
    "too_long": "too long",
    "too_short": "empty",
    "invalid": "invalid value",
    "did_you_mean": "did you mean {suggestion}?",
    "headline": "The answers have {count} problem{plural}",
    "empty_file": "no answers found (the input is empty)",
    "binary": "not a text file (binary data)",
    "undecodable": "not UTF-8 text",
    "too_large": "too large",
    "syntax": "cannot be read as YAML or JSON: {reason}",
    "too_deep": "nested too deeply to be answers",
    "duplicate": "each key may appear only once",
}
_ALLOWED: dict[str, str] = {
    "signal": "an integer from 1 to 5 (1 strongly disagree ... 5 strongly agree)",
    "engagement": "text of 1 to 80 characters",
    "notes": "text of up to 3000 characters",
    "mapping": "a YAML or JSON mapping of field: value",
    "section": "a mapping of {section} ids to values",
    "file": "a YAML or JSON text file in UTF-8 holding one mapping",
}
_TYPE_WORDS: dict[str, str] = {
    "list": "a list", "str": "a piece of text", "int": "a number", "float": "a number",
    "bool": "true/false", "date": "a date", "datetime": "a date",
}

_SECTIONS: dict[str, type[BaseModel]] = {
    "signals": Signals,
    "symptoms": Symptoms,
    "priorities": Priorities,
}
_CHOICES: dict[str, type[StrEnum]] = {
    "stated_need": StatedNeed,
    "slowdown": Slowdown,
    "duration": Duration,
    "strategic_importance": Importance,
    "teams": Teams,
    "vendors_in_use": VendorsInUse,
    "requirements": Requirements,
    "symptoms": Level,
    "priorities": Weight,
}

_repr = reprlib.Repr()
_repr.maxstring = 40
_repr.maxother = 40
_repr.maxlevel = 2
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 4


@dataclass(frozen=True)
class Problem:
    """One bad answer: where, what was given (a short repr; None when missing), why, what fits."""

    field: str
    value: str | None
    message: str
    allowed: str

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.field}: missing; allowed: {self.allowed}"
        if self.message.startswith(_M["unknown_field"]):
            return f"{self.field}: {self.message}; allowed fields: {self.allowed}"
        return f"{self.field}: got {self.value} ({self.message}); allowed: {self.allowed}"


class IntakeError(ValueError):
    """Invalid answers. ``problems`` lists every bad field; str() is one readable message."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        n = len(problems)
        head = _M["headline"].format(count=n, plural="" if n == 1 else "s")
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in problems))


def _short(value: object) -> str:
    return _repr.repr(value)


def _choices(enum: type[StrEnum]) -> str:
    return ", ".join(e.value for e in enum)


def _allowed(loc: tuple[str, ...]) -> str:
    """What a field accepts, in words."""
    top = loc[0] if loc else ""
    if top in _SECTIONS and len(loc) == 1:
        values = "an integer from 1 to 5" if top == "signals" else _choices(_CHOICES[top])
        return _ALLOWED["section"].format(section=top.rstrip("s")) + f" ({values})"
    if top == "signals":
        return _ALLOWED["signal"]
    if top in _CHOICES:
        return _choices(_CHOICES[top])
    if top in ("engagement", "notes"):
        return _ALLOWED[top]
    return _ALLOWED["mapping"]


def _fields_of(loc: tuple[str, ...]) -> list[str]:
    owner = _SECTIONS.get(loc[0]) if len(loc) == 2 else Intake
    return list((owner or Intake).model_fields)


_MESSAGE_BY_TYPE = {
    "int_type": "not_integer",
    "int_parsing": "not_integer",
    "int_from_float": "not_integer",
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
    "enum": "not_choice",
    "string_type": "not_text",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
    "model_type": "not_mapping",
    "dict_type": "not_mapping",
    "model_attributes_type": "not_mapping",
}


def _problem(err: Any) -> Problem:
    loc = tuple(str(p) for p in err["loc"])
    field = ".".join(loc) or "(answers)"
    kind = err["type"]
    if kind in ("extra_forbidden", "invalid_key"):
        known = _fields_of(loc)
        message = _M["unknown_field"]
        close = difflib.get_close_matches(loc[-1], known, n=1)
        if close:
            message += " (" + _M["did_you_mean"].format(suggestion=close[0]) + ")"
        return Problem(field, _short(err.get("input")), message, ", ".join(known))
    if kind == "missing":
        return Problem(field, None, _M["missing"], _allowed(loc))
    message = _M[_MESSAGE_BY_TYPE.get(kind, "invalid")]
    return Problem(field, _short(err.get("input")), message, _allowed(loc))


def parse_intake(data: object) -> Intake:
    """Validate an answers mapping already parsed from YAML or JSON."""
    if not isinstance(data, dict):
        kind = type(data).__name__
        what = _TYPE_WORDS.get(kind, kind)
        got = "nothing" if data is None else f"{what}: {_short(data)}"
        raise IntakeError([Problem("(answers)", got, _M["not_mapping"], _ALLOWED["mapping"])])
    try:
        return Intake.model_validate(data)
    except ValidationError as exc:
        raise IntakeError([_problem(e) for e in exc.errors()]) from None
    except RecursionError:
        raise IntakeError(
            [Problem("(answers)", "deeply nested data", _M["too_deep"], _ALLOWED["mapping"])]
        ) from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice (the second would silently win)."""


def _mapping_without_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Any:
    seen: set[object] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, str) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"{key!r} twice; {_M['duplicate']}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _parse(text: str) -> Any:
    """JSON first when it looks like JSON (exact, incl. \\u surrogate pairs), else YAML."""
    if text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError:
            pass  # YAML flow style, e.g. {stated_need: not_sure}, or broken: YAML says where
    return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass


def _file_problem(value: str, message: str) -> IntakeError:
    return IntakeError([Problem("(file)", value, message, _ALLOWED["file"])])


def load_intake(text: str | bytes, *, ignore_keys: Collection[str] = ()) -> Intake:
    """Parse YAML or JSON text (JSON is YAML) and validate it.

    ``ignore_keys`` names top-level keys to drop before validating (the command line drops
    the ``expect`` block of the worked scenarios); every other unknown key is an error.
    """
    if isinstance(text, bytes):
        if b"\x00" in text:
            raise _file_problem("binary data", _M["binary"])
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _file_problem(f"byte {exc.start}", _M["undecodable"]) from None
    text = text.removeprefix("\ufeff")
    if len(text) > MAX_INPUT_CHARS:
        raise _file_problem(
            f"{len(text)} characters", _M["too_large"] + f" (at most {MAX_INPUT_CHARS})"
        )
    if not text.strip():
        raise _file_problem("an empty input", _M["empty_file"])
    try:
        data = _parse(text)
        expanded = _expanded_size(data)
    except _DuplicateKey as exc:
        raise _file_problem(f"{exc.args[0]!r} twice", _M["duplicate"]) from None
    except RecursionError:
        raise _file_problem("deeply nested data", _M["too_deep"]) from None
    except Exception as exc:  # any parser failure is bad input, not a bug
        raise _file_problem(
            _yaml_where(exc), _M["syntax"].format(reason=_yaml_reason(exc))
        ) from None
    if expanded > MAX_EXPANDED_NODES:
        raise _file_problem("aliases that expand to a huge document", _M["too_large"])
    if data is None:  # only comments, or a bare "null"/"~"
        raise _file_problem("no answers", _M["empty_file"])
    if isinstance(data, dict) and ignore_keys:
        data = {k: v for k, v in data.items() if k not in ignore_keys}
    return parse_intake(data)


def _expanded_size(data: object) -> int:
    """How many values the document holds once every alias is expanded (memoised by id)."""
    sizes: dict[int, int] = {}

    def size(obj: object) -> int:
        if not isinstance(obj, dict | list):
            return 1
        key = id(obj)
        if key not in sizes:
            sizes[key] = MAX_EXPANDED_NODES + 1  # a cycle counts as too large
            children: Iterable[object] = obj.values() if isinstance(obj, dict) else obj
            total = 1
            for child in children:
                total += size(child)
                if total > MAX_EXPANDED_NODES:
                    break
            sizes[key] = total
        return sizes[key]

    return size(data)


def _yaml_where(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is None:
        return "text"
    return f"text at line {mark.line + 1}, column {mark.column + 1}"


def _yaml_reason(exc: Exception) -> str:
    reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return str(reason)[:120]
