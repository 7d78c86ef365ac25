"""The intake questionnaire: four modal steps, and reading their answers back.

Every answer input has its field path as both ``block_id`` and ``action_id``
(``signals.roadmap_clear``) and every option the spec value (``often``, ``high``, ``3``).
Steps replace each other in place (``response_action="update"`` / ``views.update``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.durations import DurationError, parse_durations
from bot.ids import Action, Callback
from bot.views.blocks import Block, actions, button, context, option, plain, section
from bot.views.metadata import METADATA_MAX, IntakeState, nest
from triage import questions as Q
from triage.models import OWNERSHIP_SYMPTOMS, PRIORITY_IDS, RISK_SYMPTOMS, SIGNAL_IDS

TITLE = "Engagement triage"
NOTES_MAX = 1400  # keeps the worst-case private_metadata under Slack's 3,000 characters
ENGAGEMENT_MAX = 80
CADENCE_BLOCK = "checkin_cadence"
CADENCE_CUSTOM_BLOCK = "checkin_cadence_custom"
POST_CHANNEL_BLOCK = "post_channel"
BACK_BLOCK = "intake_nav"


@dataclass(frozen=True)
class Field:
    path: str  # field path = block_id = action_id
    label: str
    options: dict[str, str] | None  # value -> label; None for free text
    required: bool
    default: str | None = None
    widget: str = "static_select"  # static_select | radio_buttons | text | multiline
    hint: str | None = None


def _signal_options() -> dict[str, str]:
    return {str(k): v for k, v in Q.SIGNAL_SCALE.items()}


STEPS: tuple[tuple[Field, ...], ...] = (
    (
        Field("engagement", "What should we call this piece of work?", None, False,
              widget="text", hint="For example: Checkout revamp"),
        Field("stated_need", "What kind of help are you thinking of?", Q.STATED_NEED, True),
        Field("slowdown", "What slows the path from a decision to shipped value?", Q.SLOWDOWN,
              True, widget="radio_buttons"),
        Field("duration", "How long will you need help?", Q.DURATION, True, default="quarter"),
        Field("strategic_importance", "How central is this work to your product?", Q.IMPORTANCE,
              True, default="supporting"),
    ),
    tuple(Field(f"signals.{s}", Q.SIGNALS[s], _signal_options(), True) for s in SIGNAL_IDS),
    tuple(Field(f"symptoms.{s}", Q.SYMPTOMS[s], Q.LEVELS, False, default="never")
          for s in OWNERSHIP_SYMPTOMS + RISK_SYMPTOMS),
    (
        *(Field(f"priorities.{p}", Q.PRIORITIES[p], Q.WEIGHTS, False, default="medium")
          for p in PRIORITY_IDS),
        Field("notes", "Anything else we should know? (optional)", None, False,
              widget="multiline"),
    ),
)
STEP_COUNT = len(STEPS)
FIELD_STEP = {f.path: i for i, fields in enumerate(STEPS) for f in fields}

CADENCE_OPTIONS = ("default", "none", "custom")


def block_id_for(path: str) -> str:
    """The block that shows a field, for inline errors."""
    return path if path in FIELD_STEP else "stated_need"


def _element(f: Field, current: Any) -> dict[str, Any]:
    if f.options is None:
        el: dict[str, Any] = {"type": "plain_text_input", "action_id": f.path,
                              "max_length": NOTES_MAX if f.widget == "multiline" else
                              ENGAGEMENT_MAX}
        if f.widget == "multiline":
            el["multiline"] = True
        if current:
            el["initial_value"] = str(current)
        return el
    opts = [option(v, label) for v, label in f.options.items()]
    el = {"type": f.widget, "action_id": f.path, "options": opts}
    if f.widget == "static_select":
        el["placeholder"] = plain("Choose…")
    chosen = str(current) if current is not None else f.default
    if chosen in f.options:
        el["initial_option"] = option(chosen, f.options[chosen])
    return el


def answer_input(f: Field, current: Any) -> Block:
    block: Block = {"type": "input", "block_id": f.path, "label": plain(f.label, 2000),
                    "element": _element(f, current), "optional": not f.required}
    if f.hint:
        block["hint"] = plain(f.hint, 2000)
    return block


def _setup_blocks(state: IntakeState, default_cadence_label: str) -> list[Block]:
    channel_el: dict[str, Any] = {
        "type": "conversations_select", "action_id": Action.INTAKE_POST_CHANNEL.value,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        "placeholder": plain("Pick a channel"),
    }
    if state.post_channel or state.channel_id:
        channel_el["initial_conversation"] = state.post_channel or state.channel_id
    cadence = {
        "default": f"Check in after {default_cadence_label}",
        "none": "No check-ins",
        "custom": "My own schedule (below)",
    }
    cadence_el = {"type": "static_select", "action_id": Action.INTAKE_CADENCE.value,
                  "options": [option(k, v) for k, v in cadence.items()],
                  "initial_option": option(state.cadence, cadence[state.cadence])}
    custom_el: dict[str, Any] = {"type": "plain_text_input",
                                 "action_id": Action.INTAKE_CADENCE_CUSTOM.value,
                                 "max_length": 100,
                                 "placeholder": plain("e.g. 7d, 30d, 90d")}
    if state.cadence_custom:
        custom_el["initial_value"] = state.cadence_custom
    return [
        {"type": "input", "block_id": POST_CHANNEL_BLOCK,
         "label": plain("Where should I post the verdict?"), "element": channel_el},
        {"type": "input", "block_id": CADENCE_BLOCK, "label": plain("Follow-up check-ins"),
         "element": cadence_el},
        {"type": "input", "block_id": CADENCE_CUSTOM_BLOCK, "optional": True,
         "label": plain("Custom check-in times"), "element": custom_el,
         "hint": plain("Times after the verdict, separated by commas: 90s, 10m, 2h, 14d, 2w")},
    ]


def intake_view(state: IntakeState, *, default_cadence_label: str) -> dict[str, Any]:
    step = state.step
    blocks: list[Block] = [
        context(f"*Step {step + 1} of {STEP_COUNT}: {Q.STEP_TITLES[step]}*"),
        section(Q.STEP_INTROS[step]),
    ]
    if step == 2:
        blocks.append(context("*Signs of an ownership gap*"))
    for f in STEPS[step]:
        if step == 2 and f.path == f"symptoms.{RISK_SYMPTOMS[0]}":
            blocks.append(context("*Signs of risk with outside help*"))
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
        "submit": plain("Get my verdict" if last else "Next"),
        "close": plain("Cancel"),
        "private_metadata": state.encode(),
        "blocks": blocks,
    }


def _state_value(values: dict[str, Any], block_id: str, action_id: str) -> Any:
    entry = (values.get(block_id) or {}).get(action_id) or {}
    kind = entry.get("type")
    if kind in ("static_select", "radio_buttons"):
        selected = entry.get("selected_option")
        return selected.get("value") if isinstance(selected, dict) else None
    if kind == "conversations_select":
        return entry.get("selected_conversation")
    if kind == "channels_select":
        return entry.get("selected_channel")
    if kind == "plain_text_input":
        return entry.get("value")
    return None


def parse_step(step: int, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Read one step's answers. Returns (answers by field path, errors by block_id)."""
    partial: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in STEPS[step]:
        raw = _state_value(values, f.path, f.path)
        if f.options is None:
            text = (raw or "").strip()
            limit = NOTES_MAX if f.widget == "multiline" else ENGAGEMENT_MAX
            if len(text) > limit:
                errors[f.path] = f"Please keep this under {limit} characters."
            elif text:
                partial[f.path] = text
            continue
        if raw is None:
            if f.required:
                errors[f.path] = "Please choose one of the options."
            elif f.default is not None:
                partial[f.path] = f.default
            continue
        if raw not in f.options:
            allowed = ", ".join(f.options)
            errors[f.path] = f"'{str(raw)[:30]}' is not an option here. Allowed: {allowed}."
            continue
        partial[f.path] = int(raw) if f.path.startswith("signals.") else raw
    if step == 0:
        _parse_setup(values, partial, errors)
    return partial, errors


def _parse_setup(values: dict[str, Any], partial: dict[str, Any], errors: dict[str, str]
                 ) -> None:
    channel = _state_value(values, POST_CHANNEL_BLOCK, Action.INTAKE_POST_CHANNEL.value)
    if not channel:
        errors[POST_CHANNEL_BLOCK] = "Pick the channel where I should post the verdict."
    else:
        partial["_post_channel"] = str(channel)[:32]
    cadence = _state_value(values, CADENCE_BLOCK, Action.INTAKE_CADENCE.value) or "default"
    if cadence not in CADENCE_OPTIONS:
        errors[CADENCE_BLOCK] = f"Allowed: {', '.join(CADENCE_OPTIONS)}."
        return
    partial["_cadence"] = cadence
    custom = (_state_value(values, CADENCE_CUSTOM_BLOCK,
                           Action.INTAKE_CADENCE_CUSTOM.value) or "").strip()
    if cadence == "custom":
        if not custom:
            errors[CADENCE_CUSTOM_BLOCK] = "Write when to check in, e.g. 7d, 30d."
            return
        try:
            parse_durations(custom)
        except DurationError as exc:
            errors[CADENCE_CUSTOM_BLOCK] = str(exc)[:150]
            return
    partial["_cadence_custom"] = custom or None


def merge(state: IntakeState, step: int, partial: dict[str, Any]) -> IntakeState:
    answers = dict(state.answers)
    for f in STEPS[step]:
        answers.pop(f.path, None)  # a cleared optional text field stays cleared
    update: dict[str, Any] = {}
    for key, value in partial.items():
        if key == "_post_channel":
            update["post_channel"] = value
        elif key == "_cadence":
            update["cadence"] = value
        elif key == "_cadence_custom":
            update["cadence_custom"] = value
        else:
            answers[key] = value
    return state.model_copy(update={**update, "answers": answers})


def to_intake_dict(state: IntakeState) -> dict[str, Any]:
    """The answers as the intake mapping ``triage.parse_intake`` takes."""
    return nest({k: v for k, v in state.answers.items() if k in FIELD_STEP})


def worst_case_metadata_length() -> int:
    """For tests and docs: the longest private_metadata the questionnaire can produce."""
    answers: dict[str, Any] = {}
    for fields in STEPS:
        for f in fields:
            if f.options:
                answers[f.path] = max(f.options, key=len)
            else:
                answers[f.path] = "\U0001f600" * (NOTES_MAX if f.widget == "multiline"
                                                  else ENGAGEMENT_MAX)
    state = IntakeState(team_id="T" * 32, user_id="U" * 32, channel_id="C" * 32,
                        post_channel="C" * 32, step=STEP_COUNT - 1, cadence="custom",
                        cadence_custom="9" * 100, answers=answers)
    try:
        return len(state.encode())
    except Exception:
        return METADATA_MAX + 1
