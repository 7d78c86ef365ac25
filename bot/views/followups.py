"""Check-in messages in the recommendation's thread. Names and notes people typed are escaped
(``esc``): an engagement called ``<!channel>`` must not ping anyone at every check-in."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.views.blocks import actions, button, context, esc, message, plain, section
from bot.views.ids import Action, BlockId, Callback
from bot.views.intake import STEPS, answer_input, parse_step
from bot.views.metadata import MetadataError
from triage import questions as Q
from triage.models import Comparison


def checkin_message(*, owner_id: str, checkin_id: int, seq: int, of_total: int,
                    engagement: str, late_note: str | None = None) -> dict[str, Any]:
    name = esc(engagement)
    blocks = [
        section(f"<@{owner_id}> check-in {seq} of {of_total} for *{name}*: how are the "
                "symptoms now? Two minutes, same questions as last time.",
                block_id=BlockId.CHECKIN.value),
    ]
    if late_note:
        blocks.append(context(late_note))
    blocks.append(actions(
        "checkin_actions",
        button("Answer the check-in", Action.OPEN_CHECKIN.value, str(checkin_id), "primary"),
        button("Snooze 1 day", Action.SNOOZE_DAY.value, str(checkin_id)),
        button("Snooze 1 week", Action.SNOOZE_WEEK.value, str(checkin_id)),
        button("Stop follow-ups", Action.STOP_FOLLOWUPS.value, str(checkin_id), "danger"),
    ))
    return message(f"Check-in {seq} of {of_total} for {name}: how are the symptoms now?", blocks)


def nudge_message(*, owner_id: str, checkin_id: int) -> dict[str, Any]:
    return message("A gentle reminder: the check-in above is still open.", [
        section(f"<@{owner_id}> a gentle reminder: the check-in above is still open.",
                block_id=BlockId.NUDGE.value),
        actions("nudge_actions",
                button("Answer the check-in", Action.OPEN_CHECKIN.value, str(checkin_id),
                       "primary")),
    ])


# ---------------------------------------------------------------- the check-in modal


STARTED_BLOCK = BlockId.CHECKIN_STARTED.value
NOTE_BLOCK = BlockId.CHECKIN_NOTE.value
STARTED = {"yes": "Yes, it has started", "no": "Not yet"}


class CheckinState(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    team_id: str
    checkin_id: int

    def encode(self) -> str:
        return self.model_dump_json()

    @classmethod
    def decode(cls, text: str) -> CheckinState:
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            raise MetadataError("check-in state does not decode") from exc


def checkin_modal(state: CheckinState, *, engagement: str, seq: int, of_total: int,
                  baseline: dict[str, Any]) -> dict[str, Any]:
    """Symptoms and signals pre-filled with the baseline: change only what moved."""
    blocks: list[dict[str, Any]] = [
        section(f"*{esc(engagement)}*, check-in {seq} of {of_total}. Your first answers are "
                "filled in; change what has moved since."),
        {"type": "input", "block_id": STARTED_BLOCK, "label": plain("Has the engagement started?"),
         "element": {"type": "radio_buttons", "action_id": STARTED_BLOCK,
                     "options": [{"text": plain(v), "value": k} for k, v in STARTED.items()]}},
        context("*What you see now*"),
    ]
    blocks += [answer_input(f, baseline.get(f.path)) for f in STEPS[2]]
    blocks.append(context("*How the team runs now*"))
    blocks += [answer_input(f, baseline.get(f.path)) for f in STEPS[1]]
    blocks.append({"type": "input", "block_id": NOTE_BLOCK, "optional": True,
                   "label": plain("Anything worth noting? (optional)"),
                   "element": {"type": "plain_text_input", "action_id": NOTE_BLOCK,
                               "multiline": True, "max_length": 1000}})
    return {"type": "modal", "callback_id": Callback.CHECKIN.value,
            "title": plain("Check-in", 24), "submit": plain("Compare"),
            "close": plain("Cancel"), "private_metadata": state.encode(), "blocks": blocks}


def parse_checkin(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    symptoms, errors = parse_step(2, values)
    signals, more = parse_step(1, values)
    errors.update(more)
    started = ((values.get(STARTED_BLOCK) or {}).get(STARTED_BLOCK) or {}).get(
        "selected_option") or {}
    if started.get("value") not in STARTED:
        errors[STARTED_BLOCK] = "Please say whether it has started."
    note = ((values.get(NOTE_BLOCK) or {}).get(NOTE_BLOCK) or {}).get("value") or ""
    return {"answers": {**symptoms, **signals}, "started": started.get("value"),
            "note": note.strip()[:1000]}, errors


def _change_lines(changes: list[Any]) -> str:
    out = []
    for c in changes[:12]:
        section_, field_id = c.field.split(".", 1)
        label = (Q.SYMPTOMS if section_ == "symptoms" else Q.SIGNALS).get(field_id, field_id)
        out.append(f"• {label}: {c.before} → *{c.after}*")
    return "\n".join(out)


def comparison_message(result: Comparison, *, seq: int, of_total: int, answered_by: str,
                       started: str | None, note: str) -> dict[str, Any]:
    title = f"Check-in {seq} of {of_total}: {result.summary}"
    blocks: list[dict[str, Any]] = [section(f"*{title}*",
                                            block_id=BlockId.CHECKIN_RESULT.value)]
    if result.model_shift or result.bottleneck_shift:
        new = result.follow_up
        shift = (f":rotating_light: *The verdict has shifted.* The answers now read as "
                 f"*{Q.KINDS[new.bottleneck.kind.value]}* "
                 f"({new.bottleneck.confidence:.0%} confident), and the best fit is now "
                 f"*{Q.MODELS[new.recommendation.model.value]}*.")
        blocks.append(section(shift, block_id=BlockId.CHECKIN_SHIFT.value))
    if result.improved:
        blocks.append(section("*Better*\n" + _change_lines(result.improved),
                              block_id=BlockId.CHECKIN_BETTER.value))
    if result.worsened:
        blocks.append(section("*Worse*\n" + _change_lines(result.worsened),
                              block_id=BlockId.CHECKIN_WORSE.value))
    if not result.improved and not result.worsened:
        blocks.append(section("Nothing moved since the baseline.",
                              block_id=BlockId.CHECKIN_SAME.value))
    started_text = {"yes": "the engagement has started", "no": "the engagement has not "
                    "started yet"}.get(started or "", "")
    foot = f"Answered by <@{answered_by}>" + (f" · {started_text}" if started_text else "")
    blocks.append(context(foot))
    if note:
        quoted = "\n".join(f"> {line}" for line in esc(note).splitlines())
        blocks.append(section(quoted, block_id=BlockId.CHECKIN_NOTE.value))
    return message(title, blocks)
