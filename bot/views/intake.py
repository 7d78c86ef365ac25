"""The intake questionnaire: four modal steps, and reading their answers back.

Every answer input has its field path as both ``block_id`` and ``action_id``
(``signals.roadmap_clear``) and every option the spec value (``often``, ``high``, ``3``).
Steps replace each other in place: the bot answers a step's submission with
``response_action="update"`` and the next step; *Back* is a button handled with
``views.update``. Coming back to a step (Back, a retake) shows what was answered before.

Every choice is a set of radio buttons: one click, no menu to open first. An answer the spec
gives a default (duration, how central, every symptom and priority) starts on it and is not
marked optional: it is always answered, so Slack shows no "(optional)" on it. Only the
free-text boxes and the three context answers that stay unanswered unless chosen
(``teams``, ``vendors_in_use``, ``requirements``) are optional.

Step layout (``STEPS``):

1. The work: engagement, stated_need, slowdown, duration, strategic_importance,
   requirements, teams, then the channel to post in and the check-in cadence (the box for
   custom times appears only when "My own times" is picked).
2. How the team runs: the eight signals, Strongly disagree .. Strongly agree.
3. What you see: the ownership symptoms, how many suppliers are in use, the risk symptoms.
4. What matters most: the eight priorities, low / medium / high, and notes.

``estimate`` counts the clicks the questionnaire takes (``min_clicks``) and turns them and
the questions to read into the time shown on the first step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.timing.durations import DurationError, parse_durations
from bot.views.blocks import Block, actions, button, clip, context, option, plain, section
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
    "Estimate",
    "Field",
    "answer_input",
    "block_id_for",
    "estimate",
    "intake_view",
    "merge",
    "min_clicks",
    "parse_fields",
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
    required: bool  # the person must pick something (no default to fall back on)
    default: str | None = None  # preselected, and used if Slack sends nothing
    widget: str = "radio_buttons"  # radio_buttons | static_select | text | multiline
    hint: str | None = None

    @property
    def max_length(self) -> int:
        return NOTES_MAX if self.widget == "multiline" else ENGAGEMENT_MAX

    @property
    def optional(self) -> bool:
        """What Slack marks "(optional)": only what may really be left unanswered."""
        return not self.required and self.default is None

    @property
    def clicks(self) -> int:
        """Clicks it takes at the least: none when preselected or optional, else one radio
        button (a menu: open it, then pick)."""
        if not self.required or self.default is not None or self.options is None:
            return 0
        return 1 if self.widget == "radio_buttons" else 2


def _question(path: str, options: dict[str, str] | None, required: bool, *,
              default: str | None = None, widget: str = "radio_buttons") -> Field:
    label, hint = Q.FIELD_QUESTIONS[path]
    return Field(path, label, options, required, default, widget, hint or None)


# The scale in words only: the number is the contract's value, not something to read.
_SCALE = {str(k): v for k, v in Q.AGREEMENT.items()}
FIRST_RISK = f"symptoms.{RISK_SYMPTOMS[0]}"

STEPS: tuple[tuple[Field, ...], ...] = (
    (
        _question("engagement", None, False, widget="text"),
        _question("stated_need", Q.STATED_NEED, True),
        _question("slowdown", Q.SLOWDOWN, True),
        _question("duration", Q.DURATION, False, default="quarter"),
        _question("strategic_importance", Q.IMPORTANCE, False, default="supporting"),
        _question("requirements", Q.REQUIREMENTS, False),
        _question("teams", Q.TEAMS, False),
    ),
    tuple(Field(f"signals.{s}", Q.SIGNALS[s], _SCALE, True) for s in SIGNAL_IDS),
    (
        *(Field(f"symptoms.{s}", Q.SYMPTOMS[s], dict(Q.LEVELS), False, default="never")
          for s in OWNERSHIP_SYMPTOMS),
        _question("vendors_in_use", Q.VENDORS_IN_USE, False),
        *(Field(f"symptoms.{s}", Q.SYMPTOMS[s], dict(Q.LEVELS), False, default="never")
          for s in RISK_SYMPTOMS),
    ),
    (
        *(Field(f"priorities.{p}", Q.PRIORITIES[p], dict(Q.WEIGHTS), False, default="medium")
          for p in PRIORITY_IDS),
        _question("notes", None, False, widget="multiline"),
    ),
)
assert len(STEPS) == STEP_COUNT, "bot.views.metadata.STEP_COUNT must match STEPS"
FIELD_STEP = {f.path: i for i, fields in enumerate(STEPS) for f in fields}


FIELDS = {f.path: f for fields in STEPS for f in fields}


def block_id_for(path: str) -> str:
    """The block that shows a field, for inline errors (the first question if unknown)."""
    return path if path in FIELD_STEP else STEPS[0][1].path


# ------------------------------------------------------------------ how long it takes

# Seconds a person spends, by what they meet (a reading speed, not a measurement): a question
# that needs an answer is read and decided; a preselected or optional one is read and, most
# often, left as it is; each click is a second; each page takes a moment to load and scan.
READ_AND_DECIDE_S = 6
READ_AND_KEEP_S = 3
CLICK_S = 1
PAGE_S = 3
CHANNEL_CLICKS = 2  # open the channel picker, pick one (when none is preselected)


@dataclass(frozen=True)
class Estimate:
    clicks: int  # at the least: every required answer, the channel if not preselected, the
    # Next buttons and the final submit
    minutes: int

    def text(self) -> str:
        return (f"Four short pages, about {self.minutes} minutes: as few as {self.clicks} "
                "clicks, because most answers start on the usual choice.")


def min_clicks(channel_preselected: bool = True) -> int:
    """The clicks the questionnaire takes when every preselected answer fits: one per
    required choice, the channel picker when no channel is preselected, and one per page
    (*Next*, then *Get my verdict*)."""
    answers = sum(f.clicks for fields in STEPS for f in fields)
    return answers + (0 if channel_preselected else CHANNEL_CLICKS) + STEP_COUNT


def estimate(channel_preselected: bool = True) -> Estimate:
    fields = [f for step in STEPS for f in step if f.options is not None]
    decide = sum(1 for f in fields if f.clicks)
    keep = len(fields) - decide
    clicks = min_clicks(channel_preselected)
    seconds = (decide * READ_AND_DECIDE_S + keep * READ_AND_KEEP_S + clicks * CLICK_S
               + STEP_COUNT * PAGE_S)
    return Estimate(clicks=clicks, minutes=max(1, -(-seconds // 60)))


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


# answer_input's blocks for choices and empty boxes, which never change: built once each
_INPUTS: dict[tuple[str, str, str, str, Any], Block] = {}
_INPUTS_MAX = 4096  # a few hundred (field, value) pairs exist; a bound all the same


def answer_input(f: Field, current: Any) -> Block:
    """The input block for one answer, pre-filled with ``current`` (a spec value) if any.

    The block of a choice, or of an empty text box, is the same every time: it is built
    once and the same object handed out (a modal's 15 inputs are most of the cost of
    rendering it). Callers never change a block they were given."""
    if (f.options is None and current) or not isinstance(current, str | int | float | None):
        return _build_input(f, current)  # typed text (unbounded): built each time
    key = (f.path, f.label, f.widget, type(current).__name__, current)
    block = _INPUTS.get(key)
    if block is None:
        if len(_INPUTS) >= _INPUTS_MAX:
            _INPUTS.clear()
        block = _INPUTS[key] = _build_input(f, current)
    return block


def _build_input(f: Field, current: Any) -> Block:
    block: Block = {"type": "input", "block_id": f.path, "label": plain(f.label, 2000),
                    "element": _element(f, current), "optional": f.optional}
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
    """Where to post and when to check in; the custom-times box only with "custom"."""
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
    cadence = _labelled_input(CADENCE_BLOCK, Q.CADENCE_QUESTION, cadence_el)
    cadence["dispatch_action"] = True  # picking "My own times" shows the box for them
    blocks = [_labelled_input(POST_CHANNEL_BLOCK, Q.POST_CHANNEL_QUESTION, channel_el),
              cadence]
    if state.cadence == "custom":
        blocks.append(_labelled_input(CADENCE_CUSTOM_BLOCK, Q.CADENCE_CUSTOM_QUESTION,
                                      custom_el))
    return blocks


def intake_view(state: IntakeState, *, default_cadence_label: str) -> dict[str, Any]:
    """The modal for ``state.step``, pre-filled from the answers in ``state``.

    ``default_cadence_label`` names the deployment's default check-ins ("2 weeks and 6
    weeks") for the cadence choice on step 1.
    """
    step = state.step
    intro = Q.STEP_INTROS[step]
    if step == 0:
        channel = state.post_channel or state.channel_id
        intro = intro.format(estimate=estimate(bool(channel and _CHANNEL_ID.match(channel)))
                             .text())
    blocks: list[Block] = [
        context(f"*Step {step + 1} of {STEP_COUNT}: {Q.STEP_TITLES[step]}*",
                block_id=STEP_BLOCK),
        section(intro),
    ]
    for f in STEPS[step]:
        if f.path == f"symptoms.{OWNERSHIP_SYMPTOMS[0]}":
            blocks.append(context(f"*{Q.SYMPTOM_GROUPS['ownership']}*"))
        elif f.path == "vendors_in_use":
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


def not_an_option(labels: Any) -> str:
    """For a value the modal never offered (tampering, or an outdated view): the choices,
    in words, never the value sent or the spec's ids."""
    return clip("That is not one of the choices here. Please pick one of: "
                + "; ".join(labels) + ".", 2000)


def parse_step(step: int, state_values: dict[str, Any]
               ) -> tuple[dict[str, Any], dict[str, str]]:
    """Read one step's answers from ``view.state.values``.

    Returns (answers by field path with spec values, signals as int; errors by block_id for
    ``response_action="errors"``). Never raises on malformed input.
    """
    if not 0 <= step < STEP_COUNT:
        return {}, {block_id_for(""): "This questionnaire is out of date."}
    partial, errors = parse_fields(STEPS[step], state_values)
    if step == 0:
        _parse_setup(state_values, partial, errors)
    return partial, errors


def parse_fields(fields: Any, state_values: dict[str, Any]
                 ) -> tuple[dict[str, Any], dict[str, str]]:
    """Read ``fields`` (answers, as in ``STEPS``) from ``view.state.values``: (answers by
    field path with spec values, errors by block_id). Never raises on malformed input."""
    partial: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in fields:
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
            if f.default is not None:
                partial[f.path] = f.default
            elif f.required:
                errors[f.path] = "Please choose one of the options."
            continue
        if raw not in f.options:
            errors[f.path] = not_an_option(f.options.values())
            continue
        value: str | int = int(raw) if f.path.startswith("signals.") else raw
        partial[f.path] = value
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
        errors[CADENCE_BLOCK] = not_an_option(
            label.format(default="the usual times") for label in Q.CADENCES.values())
        return
    partial[_CADENCE] = cadence
    shown = isinstance(values, dict) and CADENCE_CUSTOM_BLOCK in values
    if not shown and cadence != "custom":
        return  # the box is hidden: keep what was typed in it before, for when it returns
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
