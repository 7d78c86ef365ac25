"""Team health checks: the setup modal, the run message with one-click ratings, the summary."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.views.blocks import actions, button, context, message, option, plain, section
from bot.views.ids import Action, BlockId, Callback
from bot.views.metadata import MetadataError
from triage import questions as Q

CADENCE_BLOCK, DAY_BLOCK = BlockId.HEALTH_CADENCE.value, BlockId.HEALTH_WEEKDAY.value
TIME_BLOCK, TZ_BLOCK = BlockId.HEALTH_TIME.value, BlockId.HEALTH_TZ.value
SKIP_BLOCK, CHANNEL_BLOCK = BlockId.HEALTH_SKIP_WEEKENDS.value, BlockId.HEALTH_CHANNEL.value
ARROWS = {"up": ":arrow_upper_right:", "down": ":arrow_lower_right:", "same": ":arrow_right:",
          "new": ""}
LIGHTS = {"green": ":large_green_circle:", "yellow": ":large_yellow_circle:",
          "red": ":red_circle:"}


class SetupState(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    team_id: str
    channel_id: str

    def encode(self) -> str:
        return self.model_dump_json()

    @classmethod
    def decode(cls, text: str) -> SetupState:
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            raise MetadataError("setup state does not decode") from exc


def setup_modal(state: SetupState, *, timezone: str) -> dict[str, Any]:
    def select(block: str, label: str, options: dict[str, str], initial: str) -> dict[str, Any]:
        return {"type": "input", "block_id": block, "label": plain(label),
                "element": {"type": "static_select", "action_id": block,
                            "options": [option(k, v) for k, v in options.items()],
                            "initial_option": option(initial, options[initial])}}

    days = {str(i): d for i, d in enumerate(Q.WEEKDAYS)}
    skip = option("yes", "Never on a Saturday or Sunday")
    return {
        "type": "modal", "callback_id": Callback.HEALTHCHECK_SETUP.value,
        "title": plain("Team health check", 24), "submit": plain("Set it up"),
        "close": plain("Cancel"), "private_metadata": state.encode(),
        "blocks": [
            section("Everyone in the channel rates a few things green, yellow or red, with one "
                    "click. Answers are anonymous; results show once enough people answered."),
            {"type": "input", "block_id": CHANNEL_BLOCK, "label": plain("Channel"),
             "element": {"type": "conversations_select", "action_id": CHANNEL_BLOCK,
                         "initial_conversation": state.channel_id,
                         "filter": {"include": ["public", "private"],
                                    "exclude_bot_users": True}}},
            select(CADENCE_BLOCK, "How often", Q.HEALTH_CADENCES, "weekly"),
            select(DAY_BLOCK, "Day", days, "0"),
            {"type": "input", "block_id": TIME_BLOCK, "label": plain("Time"),
             "element": {"type": "timepicker", "action_id": TIME_BLOCK,
                         "initial_time": "09:00"}},
            {"type": "input", "block_id": TZ_BLOCK, "label": plain("Time zone"),
             "element": {"type": "plain_text_input", "action_id": TZ_BLOCK,
                         "initial_value": timezone, "max_length": 64},
             "hint": plain("An IANA name, e.g. Europe/Berlin. Defaults to yours.")},
            {"type": "input", "block_id": SKIP_BLOCK, "optional": True,
             "label": plain("Weekends"),
             "element": {"type": "checkboxes", "action_id": SKIP_BLOCK, "options": [skip],
                         "initial_options": [skip]}},
        ],
    }


def parse_setup(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    def get(block: str) -> dict[str, Any]:
        return (values.get(block) or {}).get(block) or {}

    errors: dict[str, str] = {}
    cadence = (get(CADENCE_BLOCK).get("selected_option") or {}).get("value")
    if cadence not in Q.HEALTH_CADENCES:
        errors[CADENCE_BLOCK] = f"Allowed: {', '.join(Q.HEALTH_CADENCES)}."
    day = (get(DAY_BLOCK).get("selected_option") or {}).get("value")
    if day not in {str(i) for i in range(7)}:
        errors[DAY_BLOCK] = "Pick a day of the week."
    time = get(TIME_BLOCK).get("selected_time") or ""
    tz = (get(TZ_BLOCK).get("value") or "").strip()
    channel = get(CHANNEL_BLOCK).get("selected_conversation")
    if not channel:
        errors[CHANNEL_BLOCK] = "Pick the channel to ask."
    skip = any(o.get("value") == "yes" for o in get(SKIP_BLOCK).get("selected_options") or [])
    return {"cadence": cadence, "weekday": int(day) if day and day.isdigit() else 0,
            "local_time": time, "timezone": tz, "skip_weekends": skip,
            "channel_id": channel}, errors


def people(n: int) -> str:
    return "nobody" if n == 0 else "1 person" if n == 1 else f"{n} people"


def answered_line(answered: int, min_responses: int, *, closed: bool = False) -> str:
    """The "N answered" line of a run's message, edited in place as people answer."""
    if closed:
        return (f":lock: Closed. {people(answered).capitalize()} answered; the results are "
                "in the thread.")
    if answered == 0:
        return f"No answers yet · results show once {min_responses} people have answered"
    more = "" if answered >= min_responses else \
        f" · results show once {min_responses} have"
    return f":busts_in_silhouette: {people(answered).capitalize()} answered so far{more}"


def run_message(*, run_id: int, seq: int, closes_text: str, min_responses: int,
                answered: int = 0, closed: bool = False) -> dict[str, Any]:
    """The run in the channel: one click per line rates it; the "N answered" line below
    is edited in place (at most once per ``HEALTH_COUNT_EVERY``), and once the run has
    closed the buttons make way for a pointer to the results."""
    count = context(answered_line(answered, min_responses, closed=closed),
                    block_id=BlockId.HEALTH_COUNT.value)
    if closed:
        return message(f"Team health check #{seq}: closed, results in the thread.", [
            section(f"*Team health check #{seq}*", block_id=BlockId.HEALTH_INTRO.value),
            count])
    blocks: list[dict[str, Any]] = [
        section(f"*Team health check #{seq}*: how does this feel right now? One click per "
                f"line, anonymous, open until {closes_text}.",
                block_id=BlockId.HEALTH_INTRO.value),
    ]
    for dim, (label, green, _own) in Q.HEALTH_DIMENSIONS.items():
        blocks.append(section(f"*{label}*: {green}", block_id=f"health_{dim}_q"))
        blocks.append(actions(f"health_{dim}", *[
            button(text, f"{Action.HEALTH_RATE.value}_{rating}", f"{run_id}|{dim}|{rating}")
            for rating, text in Q.HEALTH_RATINGS.items()]))
    blocks.append(count)
    return message(f"Team health check #{seq}: rate how things feel, anonymously.", blocks)


def summary_message(summary: dict[str, Any]) -> dict[str, Any]:
    """The results in the run's thread. Only what enough people gave is in ``summary``
    (``bot.services.health.summarize``): with fewer responders no result at all, and a
    dimension fewer of them rated says so instead of showing a colour."""
    least, responders = int(summary["min_responses"]), int(summary["responders"])
    if not summary.get("shown"):
        answered = "Nobody answered" if responders == 0 else \
            f"{people(responders).capitalize()} answered"
        text = (f"*Health check results*: not enough answers yet. {answered}; results show "
                f"once at least {least} people answer, so nothing is shown this time.")
        return message(text.replace("*", ""), [
            section(text, block_id=BlockId.HEALTH_SUMMARY.value)])
    lines = []
    hidden = 0
    for dim, row in summary["dimensions"].items():
        label = Q.HEALTH_DIMENSIONS[dim][0]
        if not row.get("shown", True):
            hidden += 1
            lines.append(f":white_circle: *{label}*: not enough answers yet")
            continue
        counts = f"{row['green']} green · {row['yellow']} yellow · {row['red']} red"
        lines.append(f"{LIGHTS[row['light']]} *{label}* {ARROWS[row['trend']]}  {counts}")
    blocks = [section(f"*Health check results* ({people(responders)})\n"
                      + "\n".join(lines), block_id=BlockId.HEALTH_SUMMARY.value)]
    if summary.get("suggestion"):
        blocks.append(section(summary["suggestion"], block_id=BlockId.HEALTH_SUGGESTION.value))
    legend = (":arrow_upper_right: better than last time · :arrow_lower_right: worse · "
              ":arrow_right: about the same")
    if hidden:
        legend += f" · a colour shows once {least} people rated that line"
    blocks.append(context(legend))
    return message(f"Health check results from {people(responders)}.", blocks)
