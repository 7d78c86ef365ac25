"""The intake questionnaire: four modal steps, and reading their answers back.

Every answer input has its field path as both ``block_id`` and ``action_id``
(``signals.roadmap_clear``) and every option the spec value (``often``, ``high``, ``3``).
Steps replace each other in place: the bot answers a step's submission with
``response_action="update"`` and the next step; *Back* is a button handled with
``views.update``. Coming back to a step (Back, a retake) shows what was answered before.

Step layout (``STEPS``):

1. The work: engagement, stated_need, slowdown, duration, strategic_importance, then the
   channel to post in and the check-in cadence (with an optional custom list).
2. How the team runs: the eight signals, 1-5.
3. What you see: the nine symptoms, ownership then risk, never .. constantly.
4. What matters most: the eight priorities, low / medium / high, and notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.timing.durations import DurationError, parse_durations
from bot.views.blocks import Block, actions, button, context, option, plain, section
from bot.views.ids import Action, BlockId, Callback
from bot.views.metadata import (
    CADENCE_CUSTOM_MAX,
    CADENCES,
    ENGAGEMENT_MAX,
    NOTES_MAX,
    STEP_COUNT,
    IntakeState,
    clean_line,
    clean_multiline,
    nest,
)
from triage import questions as Q
from triage.models import OWNERSHIP_SYMPTOMS, PRIORITY_IDS, RISK_SYMPTOMS, SIGNAL_IDS

__all__ = [
    "CADENCE_BLOCK",
    "CADENCE_CUSTOM_BLOCK",
    "ENGAGEMENT_MAX",
    "NOTES_MAX",
    "POST_CHANNEL_BLOCK",
    "STEPS",
    "STEP_COUNT",
    "TITLE",
    "Field",
    "answer_input",
    "block_id_for",
    "intake_view",
    "merge",
    "parse_step",
    "to_intake_dict",
]

TITLE = "Engagement triage"
POST_CHANNEL_BLOCK = BlockId.INTAKE_POST_CHANNEL.value
CADENCE_BLOCK = BlockId.INTAKE_CADENCE.value
CADENCE_CUSTOM_BLOCK = BlockId.INTAKE_CADENCE_CUSTOM.value
BACK_BLOCK = BlockId.INTAKE_NAV.value
STEP_BLOCK = BlockId.INTAKE_STEP.value
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{1,31}$")
# Keys of a step's partial answers that are not answers but modal settings.
_POST_CHANNEL, _CADENCE, _CADENCE_CUSTOM = "_post_channel", "_cadence", "_cadence_custom"


@dataclass(frozen=True)
class Field:
    path: str  # field path = block_id = action_id
    label: str
    options: dict[str, str] | None  # spec value (as a string) -> label; None for free text
    required: bool
    default: str | None = None
    widget: str = "static_select"  # static_select | radio_buttons | text | multiline
    hint: str | None = None

    @property
    def max_length(self) -> int:
        return NOTES_MAX if self.widget == "multiline" else ENGAGEMENT_MAX


def _question(path: str, options: dict[str, str] | None, required: bool, *,
              default: str | None = None, widget: str = "static_select") -> Field:
    label, hint = Q.FIELD_QUESTIONS[path]
    return Field(path, label, options, required, default, widget, hint or None)


_SCALE = {str(k): v for k, v in Q.SIGNAL_SCALE.items()}

STEPS: tuple[tuple[Field, ...], ...] = (
    (
        _question("engagement", None, False, widget="text"),
        _question("stated_need", Q.STATED_NEED, True),
        _question("slowdown", Q.SLOWDOWN, True, widget="radio_buttons"),
        _question("duration", Q.DURATION, True, default="quarter"),
        _question("strategic_importance", Q.IMPORTANCE, True, default="supporting"),
    ),
    tuple(Field(f"signals.{s}", Q.SIGNALS[s], _SCALE, True) for s in SIGNAL_IDS),
    tuple(Field(f"symptoms.{s}", Q.SYMPTOMS[s], dict(Q.LEVELS), False, default="never")
          for s in OWNERSHIP_SYMPTOMS + RISK_SYMPTOMS),
    (
        *(Field(f"priorities.{p}", Q.PRIORITIES[p], dict(Q.WEIGHTS), False, default="medium")
          for p in PRIORITY_IDS),
        _question("notes", None, False, widget="multiline"),
    ),
)
assert len(STEPS) == STEP_COUNT, "bot.views.metadata.STEP_COUNT must match STEPS"
FIELD_STEP = {f.path: i for i, fields in enumerate(STEPS) for f in fields}


def block_id_for(path: str) -> str:
    """The block that shows a field, for inline errors (the first question if unknown)."""
    return path if path in FIELD_STEP else STEPS[0][1].path


# ------------------------------------------------------------------ building


def _element(f: Field, current: Any) -> dict[str, Any]:
    if f.options is None:
        el: dict[str, Any] = {"type": "plain_text_input", "action_id": f.path,
                              "max_length": f.max_length}
        if f.widget == "multiline":
            el["multiline"] = True
        if isinstance(current, str) and current:
            el["initial_value"] = current[: f.max_length]
        return el
    el = {"type": f.widget, "action_id": f.path,
          "options": [option(v, label) for v, label in f.options.items()]}
    if f.widget == "static_select":
        el["placeholder"] = plain("Choose one")
    chosen = str(current) if current is not None else f.default
    if chosen in f.options:
        el["initial_option"] = option(chosen, f.options[chosen])
    return el


def answer_input(f: Field, current: Any) -> Block:
    """The input block for one answer, pre-filled with ``current`` (a spec value) if any."""
    block: Block = {"type": "input", "block_id": f.path, "label": plain(f.label, 2000),
                    "element": _element(f, current), "optional": not f.required}
    if f.hint:
        block["hint"] = plain(f.hint, 2000)
    return block


def _labelled_input(block_id: str, question: tuple[str, str], element: dict[str, Any],
                    *, optional: bool = False) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "label": plain(question[0], 2000),
                    "element": element, "optional": optional}
    if question[1]:
        block["hint"] = plain(question[1], 2000)
    return block


def _setup_blocks(state: IntakeState, default_cadence_label: str) -> list[Block]:
    channel_el: dict[str, Any] = {
        "type": "conversations_select", "action_id": Action.INTAKE_POST_CHANNEL.value,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        "placeholder": plain("Pick a channel"),
    }
    channel = state.post_channel or state.channel_id
    if channel and _CHANNEL_ID.match(channel):
        channel_el["initial_conversation"] = channel
    labels = {k: v.format(default=default_cadence_label or "the usual times")
              for k, v in Q.CADENCES.items()}
    cadence_el = {"type": "static_select", "action_id": Action.INTAKE_CADENCE.value,
                  "options": [option(k, labels[k]) for k in CADENCES],
                  "initial_option": option(state.cadence, labels[state.cadence])}
    custom_el: dict[str, Any] = {"type": "plain_text_input",
                                 "action_id": Action.INTAKE_CADENCE_CUSTOM.value,
                                 "max_length": CADENCE_CUSTOM_MAX,
                                 "placeholder": plain("7d, 30d")}
    if state.cadence_custom:
        custom_el["initial_value"] = state.cadence_custom
    return [
        _labelled_input(POST_CHANNEL_BLOCK, Q.POST_CHANNEL_QUESTION, channel_el),
        _labelled_input(CADENCE_BLOCK, Q.CADENCE_QUESTION, cadence_el),
        _labelled_input(CADENCE_CUSTOM_BLOCK, Q.CADENCE_CUSTOM_QUESTION, custom_el,
                        optional=True),
    ]


def intake_view(state: IntakeState, *, default_cadence_label: str) -> dict[str, Any]:
    """The modal for ``state.step``, pre-filled from the answers in ``state``.

    ``default_cadence_label`` names the deployment's default check-ins ("2 weeks and 6
    weeks") for the cadence choice on step 1.
    """
    step = state.step
    blocks: list[Block] = [
        context(f"*Step {step + 1} of {STEP_COUNT}: {Q.STEP_TITLES[step]}*",
                block_id=STEP_BLOCK),
        section(Q.STEP_INTROS[step]),
    ]
    for f in STEPS[step]:
        if f.path == f"symptoms.{OWNERSHIP_SYMPTOMS[0]}":
            blocks.append(context(f"*{Q.SYMPTOM_GROUPS['ownership']}*"))
        elif f.path == f"symptoms.{RISK_SYMPTOMS[0]}":
            blocks.append(context(f"*{Q.SYMPTOM_GROUPS['risk']}*"))
        blocks.append(answer_input(f, state.answers.get(f.path)))
    if step == 0:
        blocks.extend(_setup_blocks(state, default_cadence_label))
    if step > 0:
        blocks.append(actions(BACK_BLOCK, button("← Back", Action.INTAKE_BACK.value)))
    last = step == STEP_COUNT - 1
    return {
        "type": "modal",
        "callback_id": Callback.INTAKE.value,
        "title": plain(TITLE, 24),
        "submit": plain("Get my verdict" if last else "Next", 24),
        "close": plain("Cancel", 24),
        "private_metadata": state.encode(),
        "blocks": blocks,
    }


# ------------------------------------------------------------------ reading back


def _state_value(values: Any, block_id: str, action_id: str) -> str | None:
    """What Slack says is in one input, as a string, or None; never raises on odd shapes."""
    block = values.get(block_id) if isinstance(values, dict) else None
    entry = block.get(action_id) if isinstance(block, dict) else None
    if not isinstance(entry, dict):
        return None
    kind = entry.get("type")
    raw: Any = None
    if kind in ("static_select", "radio_buttons"):
        selected = entry.get("selected_option")
        raw = selected.get("value") if isinstance(selected, dict) else None
    elif kind == "conversations_select":
        raw = entry.get("selected_conversation")
    elif kind == "channels_select":
        raw = entry.get("selected_channel")
    elif kind == "plain_text_input":
        raw = entry.get("value")
    return raw if isinstance(raw, str) else None


def _shown(raw: str) -> str:
    return clean_line(raw)[:30].replace("`", "'")


def parse_step(step: int, state_values: dict[str, Any]
               ) -> tuple[dict[str, Any], dict[str, str]]:
    """Read one step's answers from ``view.state.values``.

    Returns (answers by field path with spec values, signals as int; errors by block_id for
    ``response_action="errors"``). Never raises on malformed input.
    """
    partial: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if not 0 <= step < STEP_COUNT:
        return partial, {block_id_for(""): "This questionnaire is out of date."}
    for f in STEPS[step]:
        raw = _state_value(state_values, f.path, f.path)
        if f.options is None:
            text = clean_line(raw or "") if f.widget == "text" else clean_multiline(raw or "")
            if len(text) > f.max_length:
                errors[f.path] = (f"Please keep this to {f.max_length} characters "
                                  f"(it has {len(text)}).")
            elif text:
                partial[f.path] = text
            continue
        if raw is None or raw == "":
            if f.required:
                errors[f.path] = "Please choose one of the options."
            elif f.default is not None:
                partial[f.path] = f.default
            continue
        if raw not in f.options:
            allowed = ", ".join(f.options)
            errors[f.path] = (f"`{_shown(raw)}` is not one of the options here. "
                              f"Allowed: {allowed}.")
            continue
        value: str | int = int(raw) if f.path.startswith("signals.") else raw
        partial[f.path] = value
    if step == 0:
        _parse_setup(state_values, partial, errors)
    return partial, errors


def _parse_setup(values: dict[str, Any], partial: dict[str, Any], errors: dict[str, str]
                 ) -> None:
    channel = _state_value(values, POST_CHANNEL_BLOCK, Action.INTAKE_POST_CHANNEL.value)
    if not channel:
        errors[POST_CHANNEL_BLOCK] = "Pick the channel where I should post the verdict."
    elif not _CHANNEL_ID.match(channel):
        errors[POST_CHANNEL_BLOCK] = "Pick a channel from the list (not a direct message)."
    else:
        partial[_POST_CHANNEL] = channel
    cadence = _state_value(values, CADENCE_BLOCK, Action.INTAKE_CADENCE.value) or "default"
    if cadence not in CADENCES:
        errors[CADENCE_BLOCK] = (f"`{_shown(cadence)}` is not one of the options here. "
                                 f"Allowed: {', '.join(CADENCES)}.")
        return
    partial[_CADENCE] = cadence
    custom = clean_line(_state_value(values, CADENCE_CUSTOM_BLOCK,
                                     Action.INTAKE_CADENCE_CUSTOM.value) or "")
    if not custom:
        if cadence == "custom":
            errors[CADENCE_CUSTOM_BLOCK] = "Write when to check in, for example 7d, 30d."
        partial[_CADENCE_CUSTOM] = None
        return
    try:
        if len(custom) > CADENCE_CUSTOM_MAX:
            raise DurationError(f"keep it to {CADENCE_CUSTOM_MAX} characters")
        parse_durations(custom)
    except DurationError as exc:
        if cadence == "custom":
            errors[CADENCE_CUSTOM_BLOCK] = f"I can't read that: {str(exc)[:120]}."
        partial[_CADENCE_CUSTOM] = None  # ignored unless "custom" is chosen
        return
    partial[_CADENCE_CUSTOM] = canonical_cadence(custom)


def canonical_cadence(text: str) -> str:
    """'7 d, 30D ,' -> '7d,30d': what we keep and show again (assumes it parses)."""
    return ",".join("".join(p.split()).lower() for p in text.split(",") if p.strip())


def merge(state: IntakeState, step: int, partial: dict[str, Any]) -> IntakeState:
    """``state`` with one step's answers (from ``parse_step``) in place of the old ones."""
    answers = {k: v for k, v in state.answers.items()
               if not (0 <= step < STEP_COUNT and k in FIELD_STEP and FIELD_STEP[k] == step)}
    update: dict[str, Any] = {}
    for key, value in partial.items():
        if key == _POST_CHANNEL:
            update["post_channel"] = value
        elif key == _CADENCE:
            update["cadence"] = value
        elif key == _CADENCE_CUSTOM:
            update["cadence_custom"] = value
        elif key in FIELD_STEP:
            answers[key] = value
    return IntakeState.model_validate({**state.model_dump(), **update, "answers": answers})


def to_intake_dict(state: IntakeState) -> dict[str, Any]:
    """The answers as the intake mapping ``triage.parse_intake`` takes."""
    return nest({k: v for k, v in state.answers.items() if k in FIELD_STEP})
