"""The Slack side of the wire: requests to the bot, signed exactly as Slack signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

TEAM = "T1"
APP = "A1"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def signature(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackSender:
    def __init__(self, url: str, signing_secret: str, response_url: str | None = None) -> None:
        self.url = url
        self.secret = signing_secret
        self.response_url = response_url or "https://hooks.slack.invalid/commands/x"
        # (what was sent, the bot's JSON answer): acks carry ephemerals and modal steps
        self.responses: list[tuple[str, Any]] = []

    def send(self, body: str, content_type: str, *, timestamp: int | None = None,
             bad_signature: bool = False, retry_num: int | None = None,
             timeout: float = 10.0) -> Response:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        sig = signature(self.secret, ts, body)
        if bad_signature:
            sig = sig[:-4] + "0000"
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": sig}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        req = Request(self.url, data=body.encode(), headers=headers, method="POST")
        try:
            with urlopen(req, timeout=timeout) as resp:
                answer = Response(resp.status, dict(resp.headers), resp.read().decode())
        except HTTPError as err:
            return Response(err.code, dict(err.headers), err.read().decode())
        self._keep(body, answer)
        return answer

    def _keep(self, sent: str, answer: Response) -> None:
        try:
            parsed = json.loads(answer.body) if answer.body.strip() else None
        except ValueError:
            return
        if parsed is not None:
            kind = "command" if sent.startswith("token=") or "&command=" in sent else "ack"
            self.responses.append((kind, parsed))

    def form(self, fields: dict[str, str], **kw: Any) -> Response:
        return self.send(urlencode(fields), "application/x-www-form-urlencoded", **kw)

    def interactive(self, payload: dict[str, Any], **kw: Any) -> Response:
        return self.form({"payload": json.dumps(payload)}, **kw)

    # ------------------------------------------------------------------ payloads
    def command(self, text: str = "", *, user_id: str = "U1", channel_id: str = "C1",
                team_id: str = TEAM, trigger_id: str | None = None,
                enterprise_id: str | None = None, org_install: bool = False,
                **kw: Any) -> Response:
        fields = command_fields(text, user_id=user_id, channel_id=channel_id,
                                team_id=team_id, trigger_id=trigger_id)
        fields["response_url"] = self.response_url
        if enterprise_id:  # a workspace of an Enterprise Grid org
            fields.update(enterprise_id=enterprise_id, enterprise_name="Grid org",
                          is_enterprise_install="true" if org_install else "false")
        return self.form(fields, **kw)

    def view_submission(self, view: dict[str, Any], values: dict[str, Any], *,
                        user_id: str = "U1", team_id: str = TEAM, **kw: Any) -> Response:
        return self.interactive(view_submission_payload(view, values, user_id=user_id,
                                                        team_id=team_id), **kw)

    def block_action(self, action_id: str, value: str | None = None, *, block_id: str = "b",
                     view: dict[str, Any] | None = None, channel_id: str | None = None,
                     message_ts: str | None = None, user_id: str = "U1", team_id: str = TEAM,
                     values: dict[str, Any] | None = None, selected: str | None = None,
                     **kw: Any) -> Response:
        """A click: on a button (``value``), or on an overflow menu's option (``selected``,
        the option's value)."""
        payload = block_action_payload(
            action_id, value, block_id=block_id, view=view, channel_id=channel_id,
            message_ts=message_ts, user_id=user_id, team_id=team_id, values=values,
            selected=selected)
        if "response_url" in payload and "/response/" in self.response_url:
            # the fake's: replies to this click reach it (as method "response_url")
            payload["response_url"] = self.response_url.replace("/commands", "/actions")
        return self.interactive(payload, **kw)

    def event(self, event: dict[str, Any], *, event_id: str | None = None,
              team_id: str = TEAM, **kw: Any) -> Response:
        body = {"token": "legacy", "team_id": team_id, "api_app_id": APP, "type": "event_callback",
                "event": event, "event_id": event_id or f"Ev{uuid.uuid4().hex[:10]}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": team_id, "user_id": "UBOT", "is_bot": True}]}
        return self.send(json.dumps(body), "application/json", **kw)


def command_fields(text: str, *, user_id: str, channel_id: str, team_id: str,
                   trigger_id: str | None) -> dict[str, str]:
    return {
        "token": "legacy", "team_id": team_id, "team_domain": "fake", "channel_id": channel_id,
        "channel_name": "general", "user_id": user_id, "user_name": user_id.lower(),
        "command": "/engagement", "text": text, "api_app_id": APP, "is_enterprise_install":
        "false", "response_url": "https://hooks.slack.invalid/commands/x",
        "trigger_id": trigger_id or f"{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:12]}",
    }


def _user(user_id: str, team_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(),
            "team_id": team_id}


def view_submission_payload(view: dict[str, Any], values: dict[str, Any], *, user_id: str,
                            team_id: str) -> dict[str, Any]:
    submitted = dict(view, state={"values": values}, team_id=team_id, app_id=APP,
                     bot_id="BBOT", root_view_id=view.get("id"), previous_view_id=None)
    return {"type": "view_submission", "team": {"id": team_id, "domain": "fake"},
            "user": _user(user_id, team_id), "api_app_id": APP, "token": "legacy",
            "trigger_id": f"{uuid.uuid4().int % 10**12}.x", "view": submitted,
            "response_urls": [], "is_enterprise_install": False, "enterprise": None}


def block_action_payload(action_id: str, value: str | None, *, block_id: str,
                         view: dict[str, Any] | None, channel_id: str | None,
                         message_ts: str | None, user_id: str, team_id: str,
                         values: dict[str, Any] | None = None,
                         selected: str | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "button", "action_id": action_id, "block_id": block_id,
                              "text": {"type": "plain_text", "text": "x"},
                              "action_ts": f"{time.time():.6f}"}
    if selected is not None:  # an overflow menu: the option picked, no value or text
        action = {"type": "overflow", "action_id": action_id, "block_id": block_id,
                  "selected_option": {"text": {"type": "plain_text", "text": "x"},
                                      "value": selected},
                  "action_ts": action["action_ts"]}
    if value is not None:
        action["value"] = value
    payload: dict[str, Any] = {
        "type": "block_actions", "team": {"id": team_id, "domain": "fake"},
        "user": _user(user_id, team_id), "api_app_id": APP, "token": "legacy",
        "trigger_id": f"{uuid.uuid4().int % 10**12}.x", "actions": [action],
        "is_enterprise_install": False, "enterprise": None,
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id")}
        payload["view"] = dict(view, state={"values": values or {}}, team_id=team_id)
    if channel_id is not None:
        payload["container"] = {"type": "message", "message_ts": message_ts,
                                "channel_id": channel_id, "is_ephemeral": False}
        payload["channel"] = {"id": channel_id, "name": "general"}
        payload["message"] = {"ts": message_ts, "type": "message", "text": ""}
        payload["response_url"] = "https://hooks.slack.invalid/actions/x"
    return payload


def fill(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """state.values for a view, as Slack would send it: the given answers (by action_id),
    else each element's initial value, else empty."""
    values: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        el = block["element"]
        aid, kind = el["action_id"], el["type"]
        given = answers.get(aid)
        state: dict[str, Any] = {"type": kind}
        if kind in ("static_select", "radio_buttons"):
            if given is not None:
                match = [o for o in el.get("options", []) if o["value"] == str(given)]
                opt = match[0] if match else {"text": {"type": "plain_text", "text": "?"},
                                              "value": str(given)}
                state["selected_option"] = opt
            else:
                state["selected_option"] = el.get("initial_option")
        elif kind == "conversations_select":
            state["selected_conversation"] = given if given is not None else el.get(
                "initial_conversation")
        elif kind == "plain_text_input":
            state["value"] = given if given is not None else el.get("initial_value")
        values[block["block_id"]] = {aid: state}
    return values
