"""Team health checks: the setup modal, the run message with one-click ratings, the summary."""

from __future__ import annotations

import functools
import zoneinfo
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.views.blocks import (
    actions,
    button,
    context,
    is_slack_id,
    message,
    option,
    plain,
    section,
)
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


# ------------------------------------------------------------------ time zones, from a list

ZONE_REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia",
                "Europe", "Indian", "Pacific")
GROUP_MAX = 100  # Slack: at most 100 options in an option group (and 100 groups)
UTC_ZONE = "UTC"


@functools.cache
def zone_names() -> tuple[str, ...]:
    """The IANA zones people live in (Europe/Berlin, America/Argentina/Salta ...), from the
    system's or the tzdata package's database; not the legacy aliases (US/Eastern, EST)."""
    return tuple(sorted(name for name in zoneinfo.available_timezones()
                        if name.split("/")[0] in ZONE_REGIONS))


def _offset(name: str, now: datetime) -> str:
    delta = now.astimezone(zoneinfo.ZoneInfo(name)).utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta else 0
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def zone_option(name: str, now: datetime) -> dict[str, Any]:
    """``Berlin · UTC+1`` (the offset as of ``now``), its value the IANA name."""
    if name == UTC_ZONE:
        return option(name, "UTC (no daylight saving)")
    place = name.split("/", 1)[-1].replace("_", " ").replace("/", " / ")
    return option(name, f"{place} · {_offset(name, now)}")


def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_select(initial: str, now: datetime) -> dict[str, Any]:
    """A select of every zone, grouped by region (a region of more than 100 split in
    alphabetical parts), with ``initial`` chosen; a valid zone not on the list (an alias
    Slack gave for someone) is added under "Other"."""
    initial = initial if _known_zone(initial) else UTC_ZONE
    names = zone_names()
    groups: list[dict[str, Any]] = [{"label": plain("Universal", 75),
                                     "options": [zone_option(UTC_ZONE, now)]}]
    for region in ZONE_REGIONS:
        inside = [n for n in names if n.split("/")[0] == region]
        parts = [inside[i:i + GROUP_MAX] for i in range(0, len(inside), GROUP_MAX)]
        for part in parts:
            label = region
            if len(parts) > 1:
                first, last = (p.split("/", 1)[1][0] for p in (part[0], part[-1]))
                label = f"{region} ({first}–{last})"
            groups.append({"label": plain(label, 75),
                           "options": [zone_option(n, now) for n in part]})
    if initial != UTC_ZONE and initial not in names:
        groups.append({"label": plain("Other", 75), "options": [zone_option(initial, now)]})
    return {"type": "static_select", "action_id": TZ_BLOCK, "option_groups": groups,
            "initial_option": zone_option(initial, now)}


def setup_modal(state: SetupState, *, timezone: str, now: datetime) -> dict[str, Any]:
    """The setup modal. ``timezone``: the one chosen at first (the creator's; the listener
    opens the modal with UTC, then updates it once Slack has said the creator's zone)."""
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
             "element": zone_select(timezone, now),
             "hint": plain("Yours, unless you pick another. Type to search the list.")},
            {"type": "input", "block_id": SKIP_BLOCK, "optional": True,
             "label": plain("Weekends"),
             "element": {"type": "checkboxes", "action_id": SKIP_BLOCK, "options": [skip],
                         "initial_options": [skip]}},
        ],
    }


def parse_setup(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    def get(block: str) -> dict[str, Any]:
        outer = values.get(block) if isinstance(values, dict) else None
        inner = outer.get(block) if isinstance(outer, dict) else None
        return inner if isinstance(inner, dict) else {}

    def chosen(block: str) -> Any:
        picked = get(block).get("selected_option")
        return picked.get("value") if isinstance(picked, dict) else None

    errors: dict[str, str] = {}
    cadence = chosen(CADENCE_BLOCK)
    if cadence not in Q.HEALTH_CADENCES:
        errors[CADENCE_BLOCK] = f"Allowed: {', '.join(Q.HEALTH_CADENCES)}."
    day = chosen(DAY_BLOCK)
    if day not in {str(i) for i in range(7)}:
        errors[DAY_BLOCK] = "Pick a day of the week."
    time = get(TIME_BLOCK).get("selected_time")
    time = time if isinstance(time, str) else ""
    # picked from the list; a modal opened before the list came (a text field) still works
    tz = chosen(TZ_BLOCK) or get(TZ_BLOCK).get("value") or ""
    tz = tz.strip() if isinstance(tz, str) else ""
    channel = get(CHANNEL_BLOCK).get("selected_conversation")
    if not (isinstance(channel, str) and is_slack_id(channel)):
        channel = None
        errors[CHANNEL_BLOCK] = "Pick the channel to ask."
    picked = get(SKIP_BLOCK).get("selected_options")
    skip = isinstance(picked, list) and any(
        isinstance(o, dict) and o.get("value") == "yes" for o in picked)
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
