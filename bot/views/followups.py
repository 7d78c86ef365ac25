"""Check-ins in the recommendation's thread: the message, its modal, the comparison.

The modal asks only what can move the verdict: the symptoms the leader sees (the ownership
ones always, the others once reported or when they drove the verdict) and the statements
that drove it, each pre-filled with the last answers given. Its time estimate is counted
from the questions it shows. The comparison speaks the intake's words ("Often → Never",
"Disagree → Agree"), lists only what moved, says how late in days, offers a retake when the
verdict shifted, and carries the trend (its chart, or the chart's text alone).

Names and notes people typed are escaped (``esc``): an engagement called ``<!channel>``
must not ping anyone at every check-in.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.views.blocks import (
    Block,
    actions,
    button,
    clip,
    confirm,
    context,
    esc,
    message,
    plain,
    section,
)
from bot.views.ids import Action, BlockId, Callback
from bot.views.intake import FIELDS, Field, answer_input, parse_fields
from bot.views.metadata import MetadataError
from triage import questions as Q
from triage.models import OWNERSHIP_SYMPTOMS, SIGNAL_IDS, SYMPTOM_IDS, Assessment, Comparison

STARTED_BLOCK = BlockId.CHECKIN_STARTED.value  # no longer asked; older answers may carry it
NOTE_BLOCK = BlockId.CHECKIN_NOTE.value
ACTIONS_BLOCK = "checkin_actions"
NOTE_MAX = 1000

# Reading a pre-filled answer and leaving it, or changing it with one click (seconds).
CHECKIN_QUESTION_S = 3
CHECKIN_SUBMIT_S = 5
SYMPTOM_FIELDS = tuple(FIELDS[f"symptoms.{s}"] for s in SYMPTOM_IDS)
SIGNAL_FIELDS = tuple(FIELDS[f"signals.{s}"] for s in SIGNAL_IDS)


def checkin_fields(verdict: Assessment | None) -> list[Field]:
    """What a check-in asks: the symptoms (the ownership ones always: the check-ins exist to
    watch them; the others when reported or when they moved the verdict), then the
    statements that moved the verdict. No verdict (an old row): every symptom and signal."""
    if verdict is None:
        return [*SYMPTOM_FIELDS, *SIGNAL_FIELDS]
    moved = {e.field for e in (*verdict.bottleneck.evidence, *verdict.recommendation.drivers)}
    moved |= {f"symptoms.{s.id}" for s in verdict.symptoms}
    moved |= {f"symptoms.{s}" for s in OWNERSHIP_SYMPTOMS}
    return [f for f in (*SYMPTOM_FIELDS, *SIGNAL_FIELDS) if f.path in moved]


def checkin_time(questions: int) -> str:
    """'about a minute' / 'about 2 minutes' for a check-in of ``questions`` answers."""
    seconds = questions * CHECKIN_QUESTION_S + CHECKIN_SUBMIT_S
    minutes = max(1, -(-seconds // 60))
    return "about a minute" if minutes == 1 else f"about {minutes} minutes"


# The longest a check-in can be (every symptom and statement): what the message promises.
LONGEST = checkin_time(len(SYMPTOM_FIELDS) + len(SIGNAL_FIELDS))


def in_days(late: timedelta) -> str:
    """'3 days', '1 day'; under a day, hours ('5 hours'); under 90 minutes, minutes."""
    hours = late.total_seconds() / 3600
    if hours >= 24:
        days = round(hours / 24)
        return f"{days} day{'s' if days != 1 else ''}"
    if hours >= 1.5:
        return f"{hours:.0f} hours"
    return f"{late.total_seconds() / 60:.0f} minutes"


def late_note(late: timedelta) -> str:
    return f"This check-in is {in_days(late)} late: I was offline when it fell due."


def stop_confirm(engagement: str) -> dict[str, Any]:
    """The dialog before the thread's *Stop follow-ups* (stopping cannot be undone)."""
    return confirm("Stop follow-ups?",
                   f"No more check-ins for *{clip(esc(engagement), 80)}*. You can't undo this.",
                   "Stop them", "Keep them")


def checkin_message(*, owner_id: str, checkin_id: int, seq: int, of_total: int,
                    engagement: str, late_note: str | None = None) -> dict[str, Any]:
    name = esc(engagement)
    blocks: list[Block] = [
        section(f"<@{owner_id}> check-in {seq} of {of_total} for *{name}*: has anything "
                f"moved? {LONGEST.capitalize()} at most: the answers behind the verdict, "
                "filled in with your last ones.",
                block_id=BlockId.CHECKIN.value),
    ]
    if late_note:
        blocks.append(context(late_note))
    blocks.append(actions(
        ACTIONS_BLOCK,
        button("Answer the check-in", Action.OPEN_CHECKIN.value, str(checkin_id), "primary"),
        button("Snooze 1 day", Action.SNOOZE_DAY.value, str(checkin_id)),
        button("Snooze 1 week", Action.SNOOZE_WEEK.value, str(checkin_id)),
        dict(button("Stop follow-ups", Action.STOP_FOLLOWUPS.value, str(checkin_id), "danger"),
             confirm=stop_confirm(engagement)),
    ))
    return message(f"Check-in {seq} of {of_total} for {name}: has anything moved?", blocks)


def nudge_message(*, owner_id: str, checkin_id: int) -> dict[str, Any]:
    return message("A gentle reminder: the check-in above is still open.", [
        section(f"<@{owner_id}> a gentle reminder: the check-in above is still open.",
                block_id=BlockId.NUDGE.value),
        actions("nudge_actions",
                button("Answer the check-in", Action.OPEN_CHECKIN.value, str(checkin_id),
                       "primary")),
    ])


# ---------------------------------------------------------------- the check-in modal


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
                  last: dict[str, Any], verdict: Assessment | None = None) -> dict[str, Any]:
    """The answers that can move the verdict (``checkin_fields``), pre-filled with the last
    ones given (``last``, flat field paths): change only what has moved."""
    fields = checkin_fields(verdict)
    symptoms = [f for f in fields if f.path.startswith("symptoms.")]
    signals = [f for f in fields if f.path.startswith("signals.")]
    blocks: list[Block] = [
        section(f"*{esc(engagement)}*, check-in {seq} of {of_total}: {len(fields)} questions, "
                f"{checkin_time(len(fields))}. Your last answers are filled in; change what "
                "has moved since."),
    ]
    if symptoms:
        blocks.append(context("*What you see now*"))
        blocks += [answer_input(f, last.get(f.path)) for f in symptoms]
    if signals:
        blocks.append(context("*How the team runs now*"))
        blocks += [answer_input(f, last.get(f.path)) for f in signals]
    blocks.append({"type": "input", "block_id": NOTE_BLOCK, "optional": True,
                   "label": plain("Anything worth noting?"),
                   "element": {"type": "plain_text_input", "action_id": NOTE_BLOCK,
                               "multiline": True, "max_length": NOTE_MAX}})
    return {"type": "modal", "callback_id": Callback.CHECKIN.value,
            "title": plain("Check-in", 24), "submit": plain("Compare"),
            "close": plain("Cancel"), "private_metadata": state.encode(), "blocks": blocks}


def parse_checkin(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers of the questions the modal showed (only those: one it did not ask keeps
    its last value), and the note."""
    shown = values if isinstance(values, dict) else {}
    fields = [f for f in (*SYMPTOM_FIELDS, *SIGNAL_FIELDS) if f.path in shown]
    answers, errors = parse_fields(fields, shown)
    note_block = shown.get(NOTE_BLOCK)
    note_state = note_block.get(NOTE_BLOCK) if isinstance(note_block, dict) else None
    note = note_state.get("value") if isinstance(note_state, dict) else None
    return {"answers": answers, "note": note.strip()[:NOTE_MAX] if isinstance(note, str)
            else ""}, errors


# ---------------------------------------------------------------- the comparison


def _change_lines(changes: list[Any]) -> str:
    out = []
    for c in changes[:12]:
        before, after = Q.value_label(c.field, c.before), Q.value_label(c.field, c.after)
        out.append(f"• {esc(Q.label(c.field))}: {before} → *{after}*")
    if len(changes) > 12:
        out.append(f"…and {len(changes) - 12} more.")
    return "\n".join(out)


def comparison_message(result: Comparison, *, seq: int, of_total: int, answered_by: str,
                       note: str, assessment_id: int | str = "", started: str | None = None,
                       late: timedelta | None = None, trend: str | None = None,
                       image: str | None = None) -> dict[str, Any]:
    """What moved since the verdict. ``trend`` is the chart's text equivalent (only the
    symptoms that moved over the check-ins), ``image`` the uploaded chart's file id, shown
    under it; ``late``, how long after it fell due the check-in was answered (shown from a
    day on)."""
    title = f"Check-in {seq} of {of_total}: {result.summary}"
    blocks: list[Block] = [section(f"*{esc(title)}*", block_id=BlockId.CHECKIN_RESULT.value)]
    shifted = bool(result.model_shift or result.bottleneck_shift)
    if shifted:
        new = result.follow_up
        shift = (f":rotating_light: *The verdict has shifted.* The answers now read as "
                 f"*{Q.KINDS[new.bottleneck.kind.value]}*, and the best fit is now "
                 f"*{Q.MODELS[new.recommendation.model.value]}*. Retake the questionnaire to "
                 "get a new verdict, with its reasons and next steps.")
        blocks.append(section(shift, block_id=BlockId.CHECKIN_SHIFT.value))
    if result.improved:
        blocks.append(section("*Better*\n" + _change_lines(result.improved),
                              block_id=BlockId.CHECKIN_BETTER.value))
    if result.worsened:
        blocks.append(section("*Worse*\n" + _change_lines(result.worsened),
                              block_id=BlockId.CHECKIN_WORSE.value))
    if result.changed:
        blocks.append(section("*Changed*\n" + _change_lines(result.changed),
                              block_id="checkin_changed"))
    if not (result.improved or result.worsened or result.changed):
        blocks.append(section("Nothing moved since the verdict.",
                              block_id=BlockId.CHECKIN_SAME.value))
    if trend:
        blocks.append(section(clip(esc(trend), 2900), block_id="checkin_trend"))
        if image:
            blocks.append({"type": "image", "block_id": "checkin_chart",
                           "slack_file": {"id": image}, "title": plain("Symptoms over time"),
                           "alt_text": clip(trend.replace("*", ""), 2000)})
    started_text = {"yes": "the engagement has started", "no": "the engagement has not "
                    "started yet"}.get(started or "", "")
    foot = f"Answered by <@{answered_by}>" + (f" · {started_text}" if started_text else "")
    if late is not None and late >= timedelta(days=1):
        foot += f" · {in_days(late)} after it fell due"
    blocks.append(context(foot))
    if note:
        quoted = "\n".join(f"> {line}" for line in esc(note).splitlines())
        blocks.append(section(quoted, block_id=BlockId.CHECKIN_NOTE.value))
    if shifted:
        blocks.append(actions("checkin_next", button(
            "Retake questionnaire", Action.RETAKE.value, str(assessment_id), "primary")))
    return message(title, blocks)
