"""The recommendation: a parent message you can read at a glance, and a thread with the rest."""

from __future__ import annotations

from typing import Any

from bot.ids import Action
from bot.views.blocks import Block, actions, button, context, divider, header, message, section
from triage import questions as Q
from triage import tables as T
from triage.models import Assessment

STATUS_BLOCK = "assessment_status"
ACTIONS_BLOCK = "assessment_actions"


def _model(model: str) -> str:
    return Q.MODELS[model]


def headline(a: Assessment) -> str:
    return (f"{Q.KINDS[a.bottleneck.kind.value]} · {a.bottleneck.confidence:.0%} confident · "
            f"recommended: {_model(a.recommendation.model.value)}")


def parent_message(a: Assessment, *, owner_id: str, assessment_id: int,
                   status_line: str) -> dict[str, Any]:
    b = a.bottleneck
    blocks: list[Block] = [
        header(f"Engagement triage: {a.engagement}"),
        section(f"*{Q.KINDS[b.kind.value]}* · {b.confidence:.0%} confident\n{b.summary}",
                block_id="assessment_verdict"),
        section(f"*Recommended model:* {_model(a.recommendation.model.value)}",
                block_id="assessment_model"),
    ]
    text = f"Engagement triage for {a.engagement}: {headline(a)}."
    if a.mismatch:
        m = a.mismatch
        blocks.append(section(
            f":rotating_light: *Mismatch: you asked for {_model(m.stated.value).lower()}, the "
            f"answers point to {_model(m.recommended.value).lower()}.*\n{m.why}",
            block_id="assessment_mismatch"))
        text = (f"Mismatch: you asked for {_model(m.stated.value).lower()}, the answers point "
                f"to {_model(m.recommended.value).lower()}. " + text)
    blocks += [
        context(f"Asked by <@{owner_id}> · the evidence, the full decision matrix, risks and "
                "next steps are in the thread"),
        context(status_line, block_id=STATUS_BLOCK),
        actions(ACTIONS_BLOCK,
                button("Show the matrix", Action.SHOW_MATRIX.value, str(assessment_id)),
                button("Retake the questionnaire", Action.RETAKE.value, str(assessment_id))),
    ]
    return message(text, blocks)


def with_status(parent: dict[str, Any], status_line: str) -> dict[str, Any]:
    """The same parent message with a new status line (edited in place by chat.update)."""
    blocks = [context(status_line, block_id=STATUS_BLOCK) if blk.get("block_id") == STATUS_BLOCK
              else blk for blk in parent["blocks"]]
    return {"text": parent["text"], "blocks": blocks}


def matrix_text(a: Assessment) -> str:
    ranking = a.recommendation.ranking
    factors = list(ranking[0].factors)
    head = f"{'Factor':<23}{'Weight':>6}" + "".join(f"{T.MODEL_SHORT[r.model.value]:>12}"
                                              for r in ranking)
    rows = [head]
    for f in factors:
        w = ranking[0].factors[f].weight
        rows.append(f"{T.FACTOR_LABELS.get(f, f)[:23]:<23}{w:>6g}" + "".join(
            f"{r.factors[f].score:>12}" for r in ranking))
    rows.append(f"{'Weighted score':<29}" + "".join(f"{r.score:>12.2f}" for r in ranking))
    return "```\n" + "\n".join(rows) + "\n```"


def _evidence(a: Assessment) -> dict[str, Any]:
    lines = [f"• `{e.field}` = *{e.value}*: {e.why} _({e.leans})_"
             for e in a.bottleneck.evidence[:12]]
    body = "\n".join(lines) or "No single answer stood out."
    return message(f"Why: {a.bottleneck.summary}", [
        section("*Why this verdict*\n" + "\n".join(a.recommendation.rationale[:3]),
                block_id="why"),
        section("*The answers that moved it*\n" + body, block_id="evidence"),
    ])


def _matrix(a: Assessment) -> dict[str, Any]:
    ranking = a.recommendation.ranking
    order = " > ".join(f"{_model(r.model.value)} {r.score:.2f}" for r in ranking)
    return message(f"Decision matrix: {order}", [
        section("*Decision matrix* (each model scored 1-5 per factor, times how much the "
                "factor matters to you)", block_id="matrix_intro"),
        section(matrix_text(a), block_id="matrix"),
        context("Ranking: " + order),
    ])


def _symptoms(a: Assessment) -> dict[str, Any]:
    if not a.symptoms:
        return message("Symptoms: none reported.", [
            section("*Symptoms*\nYou reported none. The check-ins will tell if that holds.",
                    block_id="symptoms")])
    groups = {"ownership": [], "risk": []}  # type: dict[str, list[str]]
    for s in a.symptoms:
        groups[s.category.value].append(f"• {Q.SYMPTOMS[s.id]}: *{Q.LEVELS[s.level.value]}*")
    parts = []
    if groups["ownership"]:
        parts.append("*Signs of an ownership gap*\n" + "\n".join(groups["ownership"]))
    if groups["risk"]:
        parts.append("*Risks already showing*\n" + "\n".join(groups["risk"]))
    return message(f"Symptoms: {len(a.symptoms)} reported.",
                   [section("\n\n".join(parts), block_id="symptoms")])


def _risks(a: Assessment) -> dict[str, Any]:
    if not a.risks:
        return message("Risks: none raised by your answers.", [
            section("*Risks to watch*\nNone of your answers raised one.", block_id="risks")])
    lines = [f"• *{Q.RISKS[r.id.value]}*: {r.why}" for r in a.risks]
    return message(f"Risks to watch: {', '.join(Q.RISKS[r.id.value] for r in a.risks)}.",
                   [section("*Risks to watch*\n" + "\n".join(lines), block_id="risks")])


def _next_steps(a: Assessment) -> dict[str, Any]:
    lines = [f"{n}. {s}" for n, s in enumerate(a.next_steps, 1)]
    return message("Next steps: " + (a.next_steps[0] if a.next_steps else "none"),
                   [section("*Next steps*\n" + "\n".join(lines), block_id="next_steps")])


def thread_replies(a: Assessment) -> list[dict[str, Any]]:
    return [_evidence(a), _matrix(a), _symptoms(a), _risks(a), _next_steps(a)]


def matrix_modal(a: Assessment) -> dict[str, Any]:
    blocks: list[Block] = [section(f"*{a.engagement}*\n{headline(a)}"), divider(),
                           section(matrix_text(a))]
    for r in a.recommendation.ranking:
        blocks.append(section(f"*{_model(r.model.value)}* · {r.score:.2f}\n{r.fit}"))
    return {"type": "modal", "title": {"type": "plain_text", "text": "Decision matrix"},
            "close": {"type": "plain_text", "text": "Close"}, "blocks": blocks}
