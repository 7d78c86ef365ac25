"""Every Slack callback, block and action id the bot uses, as named constants; and the one
strict reader of the ids (row ids, page numbers) that come back in button values and command
text.

Intake and check-in inputs do not appear here: their action_id is the answer's field path
(``signals.roadmap_clear``), as ``shared/spec/intake.md`` requires.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Callback(StrEnum):
    """``callback_id`` of modals (view_submission / view_closed)."""

    INTAKE = "intake"
    CHECKIN = "checkin"
    HEALTHCHECK_SETUP = "healthcheck_setup"
    HOME_CONFIRM = "home_confirm"  # stop follow-ups / delete, asked from App Home's menu


class Action(StrEnum):
    """``action_id`` of buttons and other interactive elements outside the answer fields."""

    INTAKE_BACK = "intake_back"
    INTAKE_POST_CHANNEL = "post_channel"
    INTAKE_CADENCE = "checkin_cadence"
    INTAKE_CADENCE_CUSTOM = "checkin_cadence_custom"
    RETAKE = "assessment_retake"
    RETRY_POST = "assessment_retry_post"
    SHOW_MATRIX = "assessment_show_matrix"  # the *Details* button (it once showed the matrix)
    DETAILS_WHY = "assessment_details_why"  # the Details modal's pages; value: assessment id
    DETAILS_MATRIX = "assessment_details_matrix"
    DETAILS_RISKS = "assessment_details_risks"
    START_INTAKE = "start_intake"
    OPEN_CHECKIN = "checkin_open"
    SNOOZE_DAY = "followups_snooze_day"
    SNOOZE_WEEK = "followups_snooze_week"
    STOP_FOLLOWUPS = "followups_stop"
    HEALTH_RATE = "health_rate"
    HOME_NEWER = "home_page_newer"
    HOME_OLDER = "home_page_older"
    # App Home buttons: their value is the assessment id or the health check id
    HOME_OPEN_THREAD = "home_open_thread"  # a link button: Slack still sends it, we only ack
    HOME_SNOOZE_DAY = "home_followups_snooze_day"
    HOME_SNOOZE_WEEK = "home_followups_snooze_week"
    HOME_RESUME_FOLLOWUPS = "home_followups_resume"
    HOME_STOP_FOLLOWUPS = "home_followups_stop"
    HOME_DELETE_ASSESSMENT = "home_assessment_delete"
    # the overflow menu of an App Home item: option values are "verb:assessment id"
    HOME_ASSESSMENT_MORE = "home_assessment_more"
    HOME_HEALTH_PAUSE = "home_health_pause"
    HOME_HEALTH_RESUME = "home_health_resume"
    HOME_HEALTH_STOP = "home_health_stop"


class BlockId(StrEnum):
    """``block_id`` of blocks outside the answer fields (answer inputs use their field path).

    Stable: the bot finds blocks by these when it reads modal state or edits a message.
    """

    INTAKE_STEP = "intake_step"
    INTAKE_POST_CHANNEL = "post_channel"
    INTAKE_CADENCE = "checkin_cadence"
    INTAKE_CADENCE_CUSTOM = "checkin_cadence_custom"
    INTAKE_NAV = "intake_nav"
    ASSESSMENT_VERDICT = "assessment_verdict"
    ASSESSMENT_MODEL = "assessment_model"
    ASSESSMENT_MISMATCH = "assessment_mismatch"
    ASSESSMENT_ASKED_BY = "assessment_asked_by"
    ASSESSMENT_STATUS = "assessment_status"
    ASSESSMENT_ACTIONS = "assessment_actions"
    RETRY_POST = "retry"
    HOME_START = "home_actions"
    HOME_NOTICE = "home_notice"
    HOME_PAGES = "home_pages"
    # per item on App Home, the item's id is appended (``home_assessment_12``): block ids
    # must be unique in a view. Nothing reads them back; the buttons' values carry the ids.
    HOME_ASSESSMENT = "home_assessment"
    HOME_ASSESSMENT_ACTIONS = "home_assessment_actions"
    HOME_HEALTH = "home_health_check"
    HOME_HEALTH_ACTIONS = "home_health_actions"
    # check-ins: the message, its nudge, the modal's own inputs, the comparison's parts
    CHECKIN = "checkin"
    NUDGE = "nudge"
    CHECKIN_STARTED = "engagement_started"
    CHECKIN_NOTE = "checkin_note"
    CHECKIN_RESULT = "checkin_result"
    CHECKIN_SHIFT = "checkin_shift"
    CHECKIN_BETTER = "checkin_better"
    CHECKIN_WORSE = "checkin_worse"
    CHECKIN_SAME = "checkin_same"
    # health checks: the setup modal's inputs (also their action ids), the run, the summary
    HEALTH_CHANNEL = "hc_channel"
    HEALTH_CADENCE = "hc_cadence"
    HEALTH_WEEKDAY = "hc_weekday"
    HEALTH_TIME = "hc_time"
    HEALTH_TZ = "hc_tz"
    HEALTH_SKIP_WEEKENDS = "hc_skip_weekends"
    HEALTH_INTRO = "health_intro"
    HEALTH_COUNT = "health_count"  # the run's "N answered" line
    HEALTH_SUMMARY = "health_summary"
    HEALTH_SUGGESTION = "health_suggestion"


# ------------------------------------------------------------------ ids people can send us

MAX_ID = 2**63 - 1  # the largest id either database stores (BIGINT; SQLite's INTEGER)
MAX_PAGE = 100_000  # App Home pages (ten items each): far past any real history
_PLAIN_NUMBER = re.compile(r"[0-9]{1,19}")


def parse_number(text: object, *, low: int, high: int) -> int | None:
    """A number from a button value, command text or private_metadata, read strictly:
    ASCII digits only (no sign, spaces, underscores, exponent, or other scripts' digits
    such as ``²`` or ``٣``), between ``low`` and ``high``. Anything else is None, never an
    exception, so a tampered value is a plain "not found"."""
    if not isinstance(text, str) or not _PLAIN_NUMBER.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_id(text: object) -> int | None:
    """A row id (1 up to what the database stores), or None: see :func:`parse_number`."""
    return parse_number(text, low=1, high=MAX_ID)
