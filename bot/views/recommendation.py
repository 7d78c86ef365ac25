"""The verdict: a parent message read in ten seconds, two short thread replies, and a
**Details** modal with every piece of evidence.

Parent: a header naming the engagement and the recommended model (or the close call), one
sentence when the help asked for does not fit, the bottleneck with its confidence in words,
what the model is for, who asked, a status line (edited in place by block_id as check-ins
happen), and two buttons: *Details* and *Retake questionnaire*.

Thread, at post time (``thread_replies``; the poster iterates the list and resumes by
index): the three strongest reasons in the intake's own labels with the ranking, then the
first three next steps with the risks to watch by name and a *Details* button. A reply with
nothing in it is not posted. Parent and replies stay within ``VERDICT_WORD_BUDGET``.

Details (``details_modal``), three pages switched in place: *Why* (every answer that moved
the verdict, the symptoms), *Matrix* (one section per model with ``fields``, readable on a
390 px phone; the notes on moved scores as short bullets), *Risks & steps* (every risk and
every next step).

Nothing here shows a field path, a raw value or a weight: answers go through
``triage.questions`` (``label``, ``value_label``, ``importance_word``).
"""

from __future__ import annotations

import re
from typing import Any

from bot.views.blocks import (
    Block,
    actions,
    button,
    clip,
    context,
    divider,
    esc,
    header,
    message,
    plain,
    section,
    shown_words,
)
from bot.views.ids import Action, BlockId
from triage import questions as Q
from triage import reasons
from triage.models import Assessment, FactorCell, RankedModel

STATUS_BLOCK = BlockId.ASSESSMENT_STATUS.value
ACTIONS_BLOCK = BlockId.ASSESSMENT_ACTIONS.value
MISMATCH_BLOCK = BlockId.ASSESSMENT_MISMATCH.value

REASONS_SHOWN = 3
STEPS_SHOWN = 3
# Parent and the replies posted with it, in words (tests/views/test_verdict_budget.py).
VERDICT_WORD_BUDGET = 250
MAX_REPLIES = 2

# The phone budget for the matrix. A 390 px phone leaves 358 px for a message or a modal
# (16 px margins); Slack's 15 px Lato averages under 8 px a character even in bold, so a
# full-width line holds 44 characters. Section fields sit in two columns with a 12 px gap:
# (358 - 12) / 2 = 173 px, 22 characters. The desktop modal (500 px) is wider on both counts.
PHONE_WIDTH_PX = 390
PHONE_LINE_CHARS = 44
PHONE_FIELD_CHARS = 22
UP, DOWN = "↑", "↓"  # a score your answers moved (never "*": that is bold in mrkdwn)

DETAILS_TITLE = "Verdict details"
PAGES: tuple[tuple[Action, str], ...] = (
    (Action.DETAILS_WHY, "Why"),
    (Action.DETAILS_MATRIX, "Matrix"),
    (Action.DETAILS_RISKS, "Risks & steps"),
)
SECTION_CHUNK = 2900  # under Slack's 3,000 characters per section, with room for a title

USER_ID = re.compile(r"[UW][A-Z0-9]{1,30}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class Mrkdwn(str):
    """A status line already written as safe mrkdwn (a real mention in it): not escaped again.
    Any other status line is plain text and is escaped."""


def mention(user_id: str) -> str:
    """``<@U123>`` for a Slack user id; anything else is shown as escaped text."""
    return f"<@{user_id}>" if USER_ID.fullmatch(user_id) else esc(user_id)


def stopped_status(user_id: str) -> Mrkdwn:
    """The status line once follow-ups are stopped: who stopped them, as a real mention."""
    return Mrkdwn(f"Follow-ups stopped by {mention(user_id)}.")


def _status(status_line: str) -> str:
    if isinstance(status_line, Mrkdwn):
        return str(status_line)
    return esc(status_line)


# ------------------------------------------------------------------ words


def model_label(model: str) -> str:
    return Q.MODELS.get(model, Q.label(model))


def _kind(a: Assessment) -> str:
    return Q.KINDS.get(a.bottleneck.kind.value, Q.label(a.bottleneck.kind.value))


def confidence_word(confidence: float) -> str:
    """"high" / "medium" / "low": how sure the verdict is, in a word."""
    return "high" if confidence >= 0.75 else "medium" if confidence >= 0.5 else "low"


def _names(models: list[str], last: str = "or") -> str:
    """"A", "A or B", "A, B or C"."""
    return models[0] if len(models) == 1 else f"{', '.join(models[:-1])} {last} {models[-1]}"


def verdict_title(a: Assessment) -> str:
    """What the verdict recommends, in a few words: one model, or the close call."""
    close = [model_label(m.value) for m in a.recommendation.close_call]
    if len(close) > 3:
        return "no model stands out yet"
    if close:
        return _names(close)
    return model_label(a.recommendation.model.value)


def headline(a: Assessment) -> str:
    """'Ownership bottleneck, high confidence: Product delivery'."""
    return (f"{_kind(a)}, {confidence_word(a.bottleneck.confidence)} confidence: "
            f"{verdict_title(a)}")


def first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def mismatch_line(a: Assessment) -> str | None:
    """One sentence: what was asked for and why the answers point elsewhere."""
    if a.mismatch is None:
        return None
    return first_sentence(a.mismatch.why)


def _close_call_line(a: Assessment, *, named: bool = False) -> str | None:
    close = [model_label(m.value) for m in a.recommendation.close_call]
    if not close:
        return None
    if named:
        return (f"*Too close to call* between {_names(close, 'and')}: your answers fit them "
                "about equally, so look at each before choosing.")
    return "*Too close to call:* your answers fit these about equally. Look at each."


# ------------------------------------------------------------------ parent message


def parent_message(a: Assessment, *, owner_id: str, assessment_id: int | str,
                   status_line: str) -> dict[str, Any]:
    """The verdict at a glance. ``status_line`` is e.g. 'Check-ins after 2 weeks and 6
    weeks.' and sits in a context block with block_id ``STATUS_BLOCK``: plain text, escaped,
    unless it is ``Mrkdwn`` (e.g. ``stopped_status``)."""
    b = a.bottleneck
    blocks: list[Block] = [header(f"{a.engagement}: {verdict_title(a)}")]
    loud = mismatch_line(a)
    if loud is not None:
        blocks.append(section(f":rotating_light: *{esc(loud)}*", block_id=MISMATCH_BLOCK))
    verdict = f"*{_kind(a)}* · {confidence_word(b.confidence)} confidence"
    if b.summary:
        verdict += f"\n{esc(b.summary)}"
    blocks.append(section(verdict, block_id=BlockId.ASSESSMENT_VERDICT.value))
    close = _close_call_line(a, named=len(a.recommendation.close_call) > 3)
    if close is not None:
        blocks.append(section(close, block_id=BlockId.ASSESSMENT_MODEL.value))
    else:
        model = a.recommendation.model.value
        fit = Q.MODEL_WORDS[model].fit if model in Q.MODEL_WORDS else ""
        blocks.append(section(f"*{model_label(model)}*: {esc(fit)}".rstrip(": "),
                              block_id=BlockId.ASSESSMENT_MODEL.value))
    blocks += [
        context(f"Asked by {mention(owner_id)} · reasons and next steps in the thread",
                block_id=BlockId.ASSESSMENT_ASKED_BY.value),
        context(_status(status_line or "No check-ins scheduled."), block_id=STATUS_BLOCK),
        actions(ACTIONS_BLOCK,
                button("Details", Action.SHOW_MATRIX.value, str(assessment_id)),
                button("Retake questionnaire", Action.RETAKE.value, str(assessment_id))),
    ]
    text = f"{esc(a.engagement)}: {headline(a)}."
    if loud is not None:
        text = f":rotating_light: {esc(loud)} {text}"
    return message(text, blocks)


def with_status(parent: dict[str, Any], status_line: str) -> dict[str, Any]:
    """The same parent message with a new status line (edited in place by chat.update)."""
    blocks = [context(_status(status_line), block_id=STATUS_BLOCK)
              if blk.get("block_id") == STATUS_BLOCK else blk for blk in parent["blocks"]]
    return {"text": parent["text"], "blocks": blocks}


# ------------------------------------------------------------------ thread replies


def _score(value: float) -> str:
    return f"{value:.1f}"


def ranking_lines(a: Assessment) -> list[str]:
    """'1. Product delivery · 3.5', best first (scores out of 5)."""
    return [f"{n}. {model_label(r.model.value)} · {_score(r.score)}"
            for n, r in enumerate(a.recommendation.ranking, 1)]


def _why_reply(a: Assessment) -> dict[str, Any] | None:
    shown = reasons(a, limit=REASONS_SHOWN)
    blocks: list[Block] = []
    if shown:
        lines = [f"• {esc(r.label)}: *{esc(r.value_label)}*" for r in shown]
        blocks.append(section("*The strongest reasons*\n" + "\n".join(lines),
                              block_id="verdict_reasons"))
    ranking = ranking_lines(a)
    if ranking:
        blocks.append(section("*How the models rank* (out of 5)\n" + "\n".join(ranking),
                              block_id="verdict_ranking"))
    if not blocks:
        return None
    first = f"{shown[0].label}: {shown[0].value_label}" if shown else ranking[0]
    return message(f"Why: {first}", blocks)


def _steps_reply(a: Assessment, assessment_id: int | str, *, extras: bool = True
                 ) -> dict[str, Any] | None:
    """The first next steps; with ``extras``, the risks by name and what Details holds."""
    steps = a.next_steps[:STEPS_SHOWN]
    blocks: list[Block] = []
    if steps:
        lines = [f"{n}. {esc(s)}" for n, s in enumerate(steps, 1)]
        blocks.append(section("*Next steps*\n" + "\n".join(lines), block_id="verdict_steps"))
    if a.risks and (extras or not steps):
        names = ", ".join(Q.RISKS.get(r.id.value, Q.label(r.id.value)) for r in a.risks)
        blocks.append(section(f"*Risks to watch:* {names}", block_id="verdict_risks"))
    if not blocks:
        return None
    more = len(a.next_steps) - len(steps)
    if extras:
        rest = "every answer, the matrix" + (", why each risk" if a.risks else "")
        rest += f" and {more} more step{'s' if more > 1 else ''}" if more > 0 else ""
        blocks.append(context(f"In *Details*: {rest}."))
    blocks.append(actions("verdict_details",
                          button("Details", Action.SHOW_MATRIX.value, str(assessment_id))))
    fallback = f"Next step: {steps[0]}" if steps else "Risks to watch."
    return message(fallback, blocks)


def thread_replies(a: Assessment, assessment_id: int | str,
                   parent: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The replies posted with the verdict, in order, at most ``MAX_REPLIES``: the reasons
    and the ranking, then the first next steps and the risks by name. Empty ones are left
    out. With the ``parent`` they are posted under, they keep the whole within
    ``VERDICT_WORD_BUDGET`` (the risk names and the pointer to Details go first; both are in
    Details). The list is the same for the same verdict and parent, so a post resumes by
    index."""
    def build(extras: bool) -> list[dict[str, Any]]:
        replies = [_why_reply(a), _steps_reply(a, assessment_id, extras=extras)]
        return [r for r in replies if r is not None]

    replies = build(True)
    used = (shown_words(parent) if parent else 0) + sum(shown_words(r) for r in replies)
    return replies if parent is None or used <= VERDICT_WORD_BUDGET else build(False)


# ------------------------------------------------------------------ the Details modal


def _chunks(title: str, lines: list[str], block_id: str) -> list[Block]:
    """``lines`` under a bold title, in as many sections as Slack's limit needs."""
    blocks: list[Block] = []
    current = f"*{title}*"
    for line in lines:
        line = clip(line, SECTION_CHUNK - 20)
        if len(current) + 1 + len(line) > SECTION_CHUNK:
            blocks.append(section(current, block_id=f"{block_id}_{len(blocks)}"))
            current = line
        else:
            current += "\n" + line
    blocks.append(section(current, block_id=f"{block_id}_{len(blocks)}"))
    return blocks


def _nav(assessment_id: int | str, page: int) -> Block:
    return actions("details_pages", *(
        button(label, action.value, str(assessment_id),
               style="primary" if n == page else None)
        for n, (action, label) in enumerate(PAGES)))


def _moved(cell: FactorCell) -> str:
    if cell.base is None or cell.base == cell.score:
        return ""
    return UP if cell.score > cell.base else DOWN


def _cell(value: float) -> str:
    return f"{round(value, 2):g}"


def _why_page(a: Assessment) -> list[Block]:
    b = a.bottleneck
    top = (f"*{_kind(a)}* · {confidence_word(b.confidence)} confidence "
           f"({b.confidence:.0%})")
    if b.summary:
        top += f"\n{esc(b.summary)}"
    blocks: list[Block] = [section(top, block_id="details_verdict")]
    if a.mismatch is not None:
        blocks.append(section(f":rotating_light: {esc(a.mismatch.why)}",
                              block_id="details_mismatch"))
    close = _close_call_line(a, named=True)
    if close is not None:
        blocks.append(section(close, block_id="details_close_call"))
    rationale = [esc(r) for r in a.recommendation.rationale if r != b.summary]
    if rationale:
        blocks += _chunks("Why this verdict", rationale, "details_rationale")
    evidence = []
    for e in b.evidence:
        why = f" — {esc(e.why)}" if e.why else ""
        leans = Q.LEANS.get(e.leans, "")
        evidence.append(f"• {esc(Q.label(e.field))}: *{esc(Q.value_label(e.field, e.value))}*"
                        f"{why}" + (f" _({leans})_" if leans and e.leans != "context" else ""))
    blocks += _chunks("Every answer that moved it",
                      evidence or ["None of your answers stood out."], "details_evidence")
    groups: dict[str, list[str]] = {}
    for s in a.symptoms:
        path = f"symptoms.{s.id}"
        groups.setdefault(s.category.value, []).append(
            f"• {esc(Q.label(path))}: *{Q.value_label(path, s.level.value)}*")
    if groups:
        lines = []
        for group, items in groups.items():
            lines += [f"_{Q.SYMPTOM_GROUPS.get(group, Q.label(group))}_", *items]
        blocks += _chunks("What you see", lines, "details_symptoms")
    return blocks


def matrix_blocks(a: Assessment) -> list[Block]:
    """The decision matrix for a phone: how much each factor counts, then one section per
    model, best first, with a field per factor (lines within ``PHONE_FIELD_CHARS``)."""
    ranking = a.recommendation.ranking
    if not ranking:
        return [section("No models were ranked.", block_id="matrix_none")]
    factors = list(ranking[0].factors)
    weights = [f"*{Q.FACTORS.get(f, Q.label(f))}*\n"
               f"{Q.importance_word(ranking[0].factors[f].weight)}" for f in factors]
    blocks: list[Block] = [
        context(f"Each model scores 1 to 5 on each factor; {UP} or {DOWN} marks a score your "
                "answers moved. The total weighs each factor by how much it counts for you."),
        section("*How much each factor counts*", block_id="matrix_weights",
                fields=[{"type": "mrkdwn", "text": w} for w in weights[:10]]),
    ]
    for n, r in enumerate(ranking, 1):
        cells = []
        for f in factors[:10]:
            cell = r.factors.get(f)
            shown = "–" if cell is None else f"{_cell(cell.score)}{_moved(cell)}"
            cells.append({"type": "mrkdwn", "text": f"{Q.FACTORS.get(f, Q.label(f))}\n"
                                                    f"*{shown}*"})
        blocks.append(divider())
        blocks.append(section(f"*{n}. {model_label(r.model.value)}* · {_score(r.score)} of 5",
                              block_id=f"matrix_model_{n}", fields=cells))
    blocks.append(section(f"*Why this order:* {esc(ranking_why(a))}", block_id="matrix_why"))
    notes = adjusted_notes(ranking)
    if notes:
        blocks += _chunks("What your answers moved", notes, "matrix_notes")
    return blocks


def ranking_why(a: Assessment) -> str:
    """One line on why the first model beat the second: the factors that decided it."""
    ranking = a.recommendation.ranking
    if len(ranking) < 2:
        return "Only one model was ranked."
    best, second = ranking[0], ranking[1]
    total = sum(c.weight for c in best.factors.values()) or 1.0
    gains = []
    for f, cell in best.factors.items():
        other = second.factors.get(f)
        if other is not None:
            gains.append((cell.weight * (cell.score - other.score) / total, f))
    deciding = [Q.FACTORS.get(f, Q.label(f)).lower() for g, f in sorted(gains, reverse=True)
                if g > 0][:2]
    lead = (f"{model_label(best.model.value)} leads "
            f"{model_label(second.model.value).lower()} by {best.score - second.score:.1f}")
    if a.recommendation.close_call or not deciding:
        return f"{lead}: too close to call, so read the factors that matter most to you."
    return f"{lead}, mostly on {' and '.join(deciding)}."


def adjusted_notes(ranking: list[RankedModel]) -> list[str]:
    """Short bullets: which answer moved which score, and how."""
    notes = []
    for r in ranking:
        short = Q.MODEL_SHORT.get(r.model.value, model_label(r.model.value))
        for f, cell in r.factors.items():
            for note in cell.notes:
                delta, _, why = note.partition(": ")
                delta = delta.replace("-", "−")
                notes.append(f"• {short}, {Q.FACTORS.get(f, Q.label(f)).lower()} "
                             f"{delta}: {esc(why or note)}")
    return notes


def _risks_page(a: Assessment) -> list[Block]:
    blocks: list[Block] = []
    if a.risks:
        for n, r in enumerate(a.risks):
            blocks.append(section(clip(f"*{Q.RISKS.get(r.id.value, Q.label(r.id.value))}*\n"
                                       f"{esc(r.why)}", SECTION_CHUNK),
                                  block_id=f"details_risk_{n}"))
    else:
        blocks.append(section("*Risks to watch*\nNone of your answers raised one.",
                              block_id="details_risk_none"))
    steps = [f"{n}. {esc(s)}" for n, s in enumerate(a.next_steps, 1)]
    blocks.append(divider())
    blocks += _chunks("Next steps", steps or ["Nothing to add: the verdict is the next step."],
                      "details_steps")
    return blocks


def details_modal(a: Assessment, assessment_id: int | str, page: int = 0) -> dict[str, Any]:
    """The full evidence behind a verdict, one page at a time (the *Details* button)."""
    page = page if 0 <= page < len(PAGES) else 0
    body = (_why_page, matrix_blocks, _risks_page)[page](a)
    blocks: list[Block] = [
        section(f"*{esc(a.engagement)}*: {esc(verdict_title(a))}", block_id="details_title"),
        _nav(assessment_id, page),
        *body,
    ]
    return {"type": "modal", "title": plain(DETAILS_TITLE, 24), "close": plain("Close", 24),
            "private_metadata": f"{assessment_id}:{page}", "blocks": blocks[:100]}
