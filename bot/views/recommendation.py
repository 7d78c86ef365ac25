"""The recommendation: a parent message you can read at a glance, and a thread with the rest.

Parent: the bottleneck and how sure, the recommended model, a loud warning when the help
asked for does not fit, who asked, a status line (edited in place by block_id as check-ins
happen) and two buttons. Thread, in order: why (the evidence), the decision matrix, the
symptoms, the risks, the next steps.
"""

from __future__ import annotations

import re
from typing import Any

from bot.views.blocks import (
    Block,
    actions,
    button,
    clip,
    code_block,
    context,
    divider,
    esc,
    header,
    message,
    plain,
    section,
)
from bot.views.ids import Action, BlockId
from triage import questions as Q
from triage import tables as T
from triage.models import Assessment, Evidence, RankedModel

STATUS_BLOCK = BlockId.ASSESSMENT_STATUS.value
ACTIONS_BLOCK = BlockId.ASSESSMENT_ACTIONS.value
MISMATCH_BLOCK = BlockId.ASSESSMENT_MISMATCH.value
EVIDENCE_SHOWN = 12
ADJUSTED_MARK = "*"


USER_ID = re.compile(r"[UW][A-Z0-9]{1,30}")


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


def model_label(model: str) -> str:
    return Q.MODELS.get(model, model)


def _kind(a: Assessment) -> str:
    return Q.KINDS.get(a.bottleneck.kind.value, a.bottleneck.kind.value)


def headline(a: Assessment) -> str:
    """'Ownership bottleneck · 93% confident · recommended: Product delivery'."""
    return (f"{_kind(a)} · {a.bottleneck.confidence:.0%} confident · "
            f"recommended: {model_label(a.recommendation.model.value)}")


def mismatch_line(a: Assessment) -> str | None:
    m = a.mismatch
    if m is None:
        return None
    return (f"You asked for {model_label(m.stated.value).lower()}, the answers point to "
            f"{model_label(m.recommended.value).lower()}")


# ------------------------------------------------------------------ parent message


def parent_message(a: Assessment, *, owner_id: str, assessment_id: int | str,
                   status_line: str) -> dict[str, Any]:
    """The verdict at a glance. ``status_line`` is e.g. 'Check-ins after 2 weeks and 6
    weeks.' and sits in a context block with block_id ``STATUS_BLOCK``: plain text, escaped,
    unless it is ``Mrkdwn`` (e.g. ``stopped_status``)."""
    b = a.bottleneck
    top = a.recommendation.ranking[0] if a.recommendation.ranking else None
    fit = f"\n{esc(top.fit)}" if top is not None and top.fit else ""
    blocks: list[Block] = [header(f"Engagement triage: {a.engagement}")]
    loud = mismatch_line(a)
    if loud is not None and a.mismatch is not None:
        blocks.append(section(f":rotating_light: *{loud}.*\n{esc(a.mismatch.why)}",
                              block_id=MISMATCH_BLOCK))
    blocks += [
        section(f"*{_kind(a)}* · {b.confidence:.0%} confident\n{esc(b.summary)}".rstrip(),
                block_id=BlockId.ASSESSMENT_VERDICT.value),
        section(f"*Recommended:* {model_label(a.recommendation.model.value)}{fit}",
                block_id=BlockId.ASSESSMENT_MODEL.value),
        context(f"Asked by <@{esc(owner_id)}> · why, the full decision matrix, risks and next "
                "steps are in the thread", block_id=BlockId.ASSESSMENT_ASKED_BY.value),
        context(_status(status_line or "No check-ins scheduled."), block_id=STATUS_BLOCK),
        actions(ACTIONS_BLOCK,
                button("Show the full matrix", Action.SHOW_MATRIX.value, str(assessment_id)),
                button("Retake questionnaire", Action.RETAKE.value, str(assessment_id))),
    ]
    text = f"{esc(a.engagement)}: {headline(a)}."
    if loud is not None:
        text = f":rotating_light: Mismatch: {loud}. {text}"
    return message(text, blocks)


def with_status(parent: dict[str, Any], status_line: str) -> dict[str, Any]:
    """The same parent message with a new status line (edited in place by chat.update)."""
    blocks = [context(_status(status_line), block_id=STATUS_BLOCK)
              if blk.get("block_id") == STATUS_BLOCK else blk for blk in parent["blocks"]]
    return {"text": parent["text"], "blocks": blocks}


# ------------------------------------------------------------------ the matrix


def _adjusted(cell: Any) -> bool:
    return cell.base is not None and cell.base != cell.score


def matrix_text(a: Assessment) -> str:
    """The decision matrix as an aligned monospace table, best model first. A score that
    context moved away from the model's usual score is marked with ``*``."""
    ranking = a.recommendation.ranking
    factors = list(ranking[0].factors) if ranking else []
    head = f"{'Factor':<23}{'Weight':>6}" + "".join(
        f"{T.MODEL_SHORT.get(r.model.value, r.model.value)[:11]:>12}" for r in ranking)
    rows = [head]
    for f in factors:
        w = ranking[0].factors[f].weight
        cells = []
        for r in ranking:
            cell = r.factors.get(f)
            shown = "-" if cell is None else (
                f"{cell.score}{ADJUSTED_MARK if _adjusted(cell) else ' '}")
            cells.append(f"{shown:>12}")
        rows.append(f"{T.FACTOR_LABELS.get(f, f)[:23]:<23}{w:>6g}" + "".join(cells))
    rows.append(f"{'Weighted score':<29}" + "".join(f"{r.score:>11.2f} " for r in ranking))
    return code_block("\n".join(rows))


def ranking_why(a: Assessment) -> str:
    """One line on why the first model beat the second: the factors that decided it."""
    ranking = a.recommendation.ranking
    if not ranking:
        return "No models were ranked."
    best = ranking[0]
    if len(ranking) < 2:
        return f"{model_label(best.model.value)} is the only model ranked."
    second = ranking[1]
    total = sum(c.weight for c in best.factors.values()) or 1.0
    gains = []
    for f, cell in best.factors.items():
        other = second.factors.get(f)
        if other is not None:
            gains.append((cell.weight * (cell.score - other.score) / total, f))
    deciding = [T.FACTOR_LABELS.get(f, f).lower() for g, f in sorted(gains, reverse=True)
                if g > 0][:2]
    gap = best.score - second.score
    lead = (f"{model_label(best.model.value)} leads {model_label(second.model.value).lower()} "
            f"by {gap:.2f}")
    if gap < 0.05 or not deciding:
        return f"{lead}: a close call, so read the rows that matter most to you."
    return f"{lead}, mostly on {' and '.join(deciding)}, weighted by how much each matters."


def _adjusted_notes(ranking: list[RankedModel], limit: int = 10) -> list[str]:
    notes = []
    for r in ranking:
        for f, cell in r.factors.items():
            if _adjusted(cell):
                why = "; ".join(cell.notes) or f"{cell.base} → {cell.score}"
                notes.append(f"{model_label(r.model.value)}, "
                             f"{T.FACTOR_LABELS.get(f, f).lower()}: {esc(why)}")
    return notes[:limit]


_MATRIX_INTRO = ("*Decision matrix*\nEach model scores 1-5 on each factor. The weight says "
                 "how much the factor counts for you; the weighted score is the average.")


def _matrix_blocks(a: Assessment) -> list[Block]:
    blocks: list[Block] = [
        section(_MATRIX_INTRO, block_id="matrix_intro"),
        section(matrix_text(a), block_id="matrix"),
        section(f"*Why this order:* {ranking_why(a)}", block_id="matrix_why"),
    ]
    notes = _adjusted_notes(a.recommendation.ranking)
    if notes:
        blocks.append(context(clip(f"Scores marked {ADJUSTED_MARK} were moved by your answers: "
                                   + " · ".join(notes), 3000), block_id="matrix_notes"))
    return blocks


def _order(a: Assessment) -> str:
    return " > ".join(f"{model_label(r.model.value)} {r.score:.2f}"
                      for r in a.recommendation.ranking)


# ------------------------------------------------------------------ thread replies


def answer_label(field: str, value: Any) -> tuple[str, str]:
    """An answer in words: ('The roadmap for this work is clear', '2 · Disagree')."""
    group, _, sub = field.partition(".")
    tables: dict[str, tuple[dict[str, str], dict[Any, str]]] = {
        "signals": (Q.SIGNALS, dict(Q.SIGNAL_SCALE)),
        "symptoms": (Q.SYMPTOMS, dict(Q.LEVELS)),
        "priorities": (Q.PRIORITIES, dict(Q.WEIGHTS)),
    }
    options: dict[str, dict[Any, str]] = {
        "stated_need": dict(Q.STATED_NEED), "slowdown": dict(Q.SLOWDOWN),
        "duration": dict(Q.DURATION), "strategic_importance": dict(Q.IMPORTANCE),
    }
    if sub and group in tables:
        labels, values = tables[group]
        return labels.get(sub, field), values.get(value, str(value))
    if field in options:
        return Q.FIELD_SHORT.get(field, field), options[field].get(value, str(value))
    return field, str(value)


def _evidence_line(e: Evidence) -> str:
    label, value = answer_label(e.field, e.value)
    leans = Q.LEANS.get(e.leans, e.leans)
    why = f" → {esc(e.why)}" if e.why else ""
    return f"• {esc(label)}: *{esc(value)}*{why} _({leans})_"


def _evidence(a: Assessment) -> dict[str, Any]:
    shown = a.bottleneck.evidence[:EVIDENCE_SHOWN]
    body = "\n".join(_evidence_line(e) for e in shown) or "No single answer stood out."
    more = len(a.bottleneck.evidence) - len(shown)
    if more > 0:
        body += f"\n_…and {more} smaller ones._"
    why = "\n".join(esc(r) for r in a.recommendation.rationale[:4]) or esc(a.bottleneck.summary)
    return message(f"Why: {a.bottleneck.summary}", [
        section("*Why this verdict*\n" + why, block_id="why"),
        section("*The answers that moved it*\n" + body, block_id="evidence"),
    ])


def _matrix(a: Assessment) -> dict[str, Any]:
    return message(f"Decision matrix: {_order(a)}", _matrix_blocks(a))


def _symptoms(a: Assessment) -> dict[str, Any]:
    if not a.symptoms:
        return message("Symptoms: none reported.", [
            section("*What you see*\nNone reported. The check-ins will tell if that holds.",
                    block_id="symptoms")])
    groups: dict[str, list[str]] = {"ownership": [], "risk": []}
    for s in a.symptoms:
        groups.setdefault(s.category.value, []).append(
            f"• {Q.SYMPTOMS.get(s.id, s.id)}: *{Q.LEVELS.get(s.level.value, s.level.value)}*")
    parts = [f"*{Q.SYMPTOM_GROUPS.get(group, group)}*\n" + "\n".join(lines)
             for group, lines in groups.items() if lines]
    return message(f"Symptoms: {len(a.symptoms)} reported.",
                   [section("\n\n".join(parts), block_id="symptoms")])


def _risks(a: Assessment) -> dict[str, Any]:
    if not a.risks:
        return message("Risks to watch: none raised by your answers.", [
            section("*Risks to watch*\nNone of your answers raised one.", block_id="risks")])
    lines = [f"• *{Q.RISKS.get(r.id.value, r.id.value)}*: {esc(r.why)}" for r in a.risks]
    names = ", ".join(Q.RISKS.get(r.id.value, r.id.value) for r in a.risks)
    return message(f"Risks to watch: {names}.",
                   [section("*Risks to watch*\n" + "\n".join(lines), block_id="risks")])


def _next_steps(a: Assessment) -> dict[str, Any]:
    if not a.next_steps:
        return message("Next steps: none proposed.", [
            section("*Next steps*\nNothing to add: the verdict above is the next step.",
                    block_id="next_steps")])
    lines = [f"{n}. {esc(s)}" for n, s in enumerate(a.next_steps, 1)]
    return message("Next steps: " + a.next_steps[0],
                   [section("*Next steps*\n" + "\n".join(lines), block_id="next_steps")])


def thread_replies(a: Assessment) -> list[dict[str, Any]]:
    """Five replies, in order: evidence, matrix, symptoms, risks, next steps."""
    return [_evidence(a), _matrix(a), _symptoms(a), _risks(a), _next_steps(a)]


# ------------------------------------------------------------------ the matrix modal


def matrix_modal(a: Assessment) -> dict[str, Any]:
    """The full matrix in a modal (the *Show the full matrix* button)."""
    blocks: list[Block] = [section(f"*{esc(a.engagement)}*\n{headline(a)}"), divider(),
                           *_matrix_blocks(a), divider()]
    for n, r in enumerate(a.recommendation.ranking, 1):
        fit = f"\n{esc(r.fit)}" if r.fit else ""
        blocks.append(section(f"*{n}. {model_label(r.model.value)}* · {r.score:.2f} of 5{fit}"))
    return {"type": "modal", "title": plain("Decision matrix", 24),
            "close": plain("Close", 24), "blocks": blocks}
