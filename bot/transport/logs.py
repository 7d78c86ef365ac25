"""``LOG_FORMAT=json``: one JSON object per line for every log record.

Each object has ``time`` (ISO 8601, UTC), ``level``, ``logger`` and ``message``; the line
per Slack request (``bot.requests``) also carries its fields at the top level, the same as
the text line's JSON (``kind``, ``team``, ``user``, ``what``, ``ms``, ``status``, and
``bytes`` for a request the front refused); an exception adds ``exc_info`` (the
traceback as text). Text stays the default.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
RESERVED = ("time", "level", "logger", "message")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                    + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            for key, value in fields.items():
                if key not in RESERVED:
                    out[key] = value
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exc_info"] = record.exc_text
        if record.stack_info:
            out["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(out, default=str, separators=(",", ":"))


def formatter(fmt: str) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)


class DropUnsignedBodies(logging.Filter):
    """slack_bolt's signature check logs the whole body of a request that fails it, at
    INFO. Nothing unsigned is logged beyond its size (the front logs that): drop those."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Invalid request signature detected")


def quiet_bolt_verification() -> None:
    logging.getLogger("slack_bolt.RequestVerification").addFilter(DropUnsignedBodies())
