"""A fake Slack Web API on 127.0.0.1 (port 0) that answers like Slack and records every call.

It rejects what Slack rejects (unknown methods, missing required arguments, bad blocks),
and can be told to inject faults: Slack errors, HTTP 429 with Retry-After, 5xx, slow
answers, dropped connections, per method and per channel.

With ``limits`` (the e2e suite's fixture turns them on) it also rate-limits like Slack,
answering HTTP 429 with ``Retry-After``: every method per workspace by its tier
(``methods.TIER_LIMITS``), ``chat.postMessage`` per workspace (default 300 a minute, a
burst of 10), and, when asked (``rate_limit_per_channel``), one post a second per channel.
Each limit is a token bucket; the workspace is the one the token names.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.fakeslack import schemas
from tests.fakeslack.methods import (
    METHODS,
    TIER_LIMITS,
    WORKSPACE_POST_BURST,
    WORKSPACE_POSTS_PER_MINUTE,
    required_args,
)

JSON_ARGS = {"blocks", "view", "attachments", "metadata", "files"}
REQUIRED = required_args(schemas.shared_dir() / "slack-schemas/web-api-methods")


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    received_at: float  # time.monotonic()
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    injected: bool = False


@dataclass
class Fault:
    method: str
    error: str | None = None
    status: int = 200
    retry_after: float | None = None
    delay: float | None = None
    reset: bool = False
    times: int | None = 1
    channel: str | None = None
    when: Any = None  # a predicate on the call's arguments: inject only where it is true


@dataclass
class Limits:
    """Slack's rate limits as the fake enforces them (None: that limit is off)."""

    workspace_posts_per_minute: float | None = WORKSPACE_POSTS_PER_MINUTE
    workspace_post_burst: int = WORKSPACE_POST_BURST
    # tier -> (per minute, burst); a tier missing here is not limited
    tiers: dict[int | str, tuple[float, int]] = field(
        default_factory=lambda: dict(TIER_LIMITS))
    # method -> (per minute, burst): overrides its tier (e.g. conversations.history at
    # 1 a minute, as for apps distributed outside the Marketplace)
    methods: dict[str, tuple[float, int]] = field(default_factory=dict)

    def scaled(self, factor: float) -> Limits:
        """These limits ``factor`` times as generous (a test tightens with factor < 1)."""
        ws = self.workspace_posts_per_minute
        return Limits(
            workspace_posts_per_minute=None if ws is None else ws * factor,
            workspace_post_burst=self.workspace_post_burst,
            tiers={t: (r * factor, b) for t, (r, b) in self.tiers.items()},
            methods={m: (r * factor, b) for m, (r, b) in self.methods.items()})


class Bucket:
    """A token bucket: ``burst`` requests at once, refilled at ``per_second``."""

    __slots__ = ("at", "burst", "per_second", "tokens")

    def __init__(self, per_second: float, burst: int, now: float) -> None:
        self.per_second, self.burst = per_second, max(1, burst)
        self.tokens, self.at = float(self.burst), now

    def take(self, now: float) -> float:
        """0: taken. Otherwise the seconds until a token is there (nothing taken)."""
        if now > self.at:
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_second)
            self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.per_second


def team_of(token: str | None) -> str:
    """The workspace a token belongs to: the fake's OAuth names it (xoxb-T2-installed,
    xoxb-E1-org); any other token is the default workspace T1."""
    owner = str(token or "").split("-")[1] if str(token or "").count("-") >= 2 else ""
    return owner if owner.startswith(("T", "E")) else "T1"


@dataclass
class Channel:
    id: str
    name: str = "general"
    is_private: bool = False
    is_archived: bool = False
    is_member: bool = True
    exists: bool = True


class FakeSlack:
    def __init__(self, *, strict_blocks: bool = True, validate: bool = True,
                 limits: Limits | None = None) -> None:
        self.strict_blocks = strict_blocks
        self.validate = validate  # benchmarks turn schema validation off (it costs CPU)
        self.calls: list[Call] = []
        self.schema_errors: list[tuple[str, str]] = []
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.revoked_tokens: set[str] = set()
        self._faults: list[Fault] = []
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self._view_ids = itertools.count(1)
        self.views: dict[str, dict[str, Any]] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        # channel -> its messages' ts: a lookup reads one channel, as Slack's does, not a
        # sort of every message posted (after a worker is killed in the 22,000-post
        # benchmark, each retried post's marker lookup sorted them all: 37 s of the fake's
        # CPU in one run, against 10 s without the kill)
        self._in_channel: dict[str, list[str]] = {}
        self.uploads: dict[str, bytes] = {}
        self.upload_names: dict[str, str] = {}
        self._rate: float | None = None
        self._last_post: dict[str, float] = {}
        self.limits = limits
        self._buckets: dict[str, Bucket] = {}
        self.rate_limited = 0  # 429s the fake's own limits answered (injected ones aside)
        # (method, which limit: "channel", "workspace" or "tier") -> 429s answered
        self.limited: Counter[tuple[str, str]] = Counter()
        self.connections = 0  # TCP connections accepted (keep-alive reuse shows here)
        self.summary_provider: Any = None
        self._busy = 0  # requests being handled
        self._arrival = threading.local()  # this handler thread's request: arrival time
        # a FakeSocketMode (tests/fakeslack/socket_mode.py): apps.connections.open hands out
        # its URLs
        self.socket_mode: Any = None
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in two writes; with Nagle's algorithm on, a client
            # that reuses its connection would wait for a delayed ACK (40 ms on Linux) on
            # each call. Production servers set TCP_NODELAY; so does the fake.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                with fake._cond:
                    fake.connections += 1

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:  # the out-of-process summary (tests/fakeslack/serve.py)
                provider = fake.summary_provider
                if self.path == "/_fake/summary" and provider is not None:
                    fake._send(self, 200, provider())
                else:
                    fake._send(self, 404, {"ok": False, "error": "not_found"})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    @property
    def response_url(self) -> str:
        return self.base_url.replace("/api/", "/response/commands")

    # ------------------------------------------------------------------ configuration
    def add_channel(self, channel_id: str, **kw: Any) -> Channel:
        ch = Channel(id=channel_id, **kw)
        self.channels[channel_id] = ch
        return ch

    def add_user(self, user_id: str, *, tz: str = "Europe/Berlin", is_admin: bool = False
                 ) -> None:
        self.users[user_id] = {"id": user_id, "name": user_id.lower(), "tz": tz,
                               "is_admin": is_admin, "is_owner": False}

    def attach_socket_mode(self, server: Any) -> Any:
        """Answer apps.connections.open with a URL of ``server`` (a started FakeSocketMode)."""
        self.socket_mode = server
        return server

    def inject(self, method: str, **kw: Any) -> Fault:
        fault = Fault(method=method, **kw)
        with self._cond:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._cond:
            self._faults.clear()

    def rate_limit_per_channel(self, per_second: float | None) -> None:
        self._rate = per_second

    def set_limits(self, limits: Limits | None) -> None:
        """Enforce ``limits`` from now on (None: no tier or workspace limits); the buckets
        start full."""
        with self._cond:
            self.limits = limits
            self._buckets.clear()

    # ------------------------------------------------------------------ inspection
    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method and not c.injected
                    and c.response.get("ok")]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0,
                 predicate: Any = None) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                hits = [c for c in self.calls if c.method == method and c.response.get("ok")
                        and (predicate is None or predicate(c))]
                if len(hits) >= count:
                    return hits
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.response.get("error")) for c in self.calls]
                    raise AssertionError(f"timed out waiting for {count} x {method}; "
                                         f"calls so far: {seen}")
                self._cond.wait(left)

    def reset(self) -> None:
        with self._cond:
            self.calls.clear()
            self.schema_errors.clear()

    # ------------------------------------------------------------------ HTTP
    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        with self._cond:
            self._busy += 1
        try:
            self._handle_one(req)
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until no request is being handled (a delayed answer has landed)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self._busy} request(s) still being handled")
                self._cond.wait(left)

    def _handle_one(self, req: BaseHTTPRequestHandler) -> None:
        # when the request arrived, before reading and parsing its body: what Slack's
        # per-channel limit counts (our own parsing time is not the client's doing)
        arrived = self._arrival.t = time.monotonic()
        length = int(req.headers.get("Content-Length") or 0)
        raw_bytes = req.rfile.read(length) if length else b""
        raw = raw_bytes.decode("utf-8", errors="replace")
        method = req.path.split("/api/", 1)[-1].split("?")[0]
        if req.path.startswith("/upload/"):  # the file upload URL handed out above
            file_id = req.path.rsplit("/", 1)[-1]
            with self._cond:
                self.uploads[file_id] = raw_bytes
            self._record(Call(method="file_upload", args={"file_id": file_id}, token=None,
                              received_at=time.monotonic(), response={"ok": True}))
            body = f"OK - {length}".encode()
            req.send_response(200)
            req.send_header("Content-Type", "text/plain")
            req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            req.wfile.write(body)
            return
        if req.path.startswith("/response/"):  # response_url posts (ephemeral replies)
            args = self._parse(raw, req.headers.get("Content-Type", ""))
            self._record(Call(method="response_url", args=args, token=None,
                              received_at=time.monotonic(), response={"ok": True}))
            self._send(req, 200, {"ok": True})
            return
        auth = req.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else None
        args = self._parse(raw, req.headers.get("Content-Type", ""))
        token = token or args.pop("token", None)
        call = Call(method=method, args=args, token=token, received_at=arrived)
        fault = self._take_fault(method, args)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            call.injected = bool(fault.reset or fault.status != 200 or fault.error)
            if fault.reset:
                self._record(call)
                req.close_connection = True
                with contextlib.suppress(OSError):
                    req.connection.shutdown(2)
                return
            if fault.status != 200:
                call.status = fault.status
                call.response = {"ok": False, "error": "ratelimited" if fault.status == 429
                                 else "internal_error"}
                headers = {"Retry-After": str(int(fault.retry_after or 1))} \
                    if fault.status == 429 else {}
                self._record(call)
                self._send(req, fault.status, call.response, headers)
                return
            if fault.error:
                call.response = {"ok": False, "error": fault.error}
                self._record(call)
                self._send(req, 200, call.response)
                return
        status, body, headers = self._answer(method, args, token)
        call.status, call.response = status, body
        self._record(call)
        self._send(req, status, body, headers)

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    @staticmethod
    def _parse(raw: str, content_type: str) -> dict[str, Any]:
        if "json" in content_type:
            data = json.loads(raw or "{}")
        else:
            data = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        for key in JSON_ARGS:
            if isinstance(data.get(key), str) and data[key].strip().startswith(("[", "{")):
                data[key] = json.loads(data[key])
        return dict(data)

    @staticmethod
    def _send(req: BaseHTTPRequestHandler, status: int, body: dict[str, Any],
              headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json; charset=utf-8")
        req.send_header("Content-Length", str(len(payload)))
        for k, v in (headers or {}).items():
            req.send_header(k, v)
        req.end_headers()
        req.wfile.write(payload)

    def _take_fault(self, method: str, args: dict[str, Any]) -> Fault | None:
        with self._cond:
            for fault in self._faults:
                if fault.method not in (method, "*"):
                    continue
                if fault.channel and args.get("channel") != fault.channel:
                    continue
                if fault.when is not None and not fault.when(args):
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    # ------------------------------------------------------------------ Slack behaviour
    def _answer(self, method: str, args: dict[str, Any], token: str | None
                ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method not in REQUIRED:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        if not token and method != "oauth.v2.access":  # OAuth uses client id + secret
            return 200, {"ok": False, "error": "not_authed"}, {}
        if token in self.revoked_tokens:
            return 200, {"ok": False, "error": "token_revoked"}, {}
        # apps.connections.open takes the app-level token (xapp-) and nothing else does
        if (method == "apps.connections.open") != str(token).startswith("xapp-"):
            return 200, {"ok": False, "error": "not_allowed_token_type"}, {}
        missing = [a for a in REQUIRED[method] if args.get(a) in (None, "")]
        missing += ["|".join(group) for group in METHODS[method].one_of
                    if all(args.get(a) in (None, "") for a in group)]
        if missing:
            return 200, {"ok": False, "error": "invalid_arguments",
                         "response_metadata": {"messages": [f"missing required: {missing}"]}}, {}
        problem = self._check_blocks(method, args)
        if problem:
            return 200, {"ok": False, "error": "invalid_blocks",
                         "response_metadata": {"messages": [problem[:500]]}}, {}
        limited = self._rate_limit(method, args, token)
        if limited is not None:
            return limited
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": True}, {}
        result = handler(dict(args, _token=token) if method == "auth.test" else args)
        if isinstance(result, tuple):
            return result
        return 200, result, {}

    def _rate_limit(self, method: str, args: dict[str, Any], token: str | None
                    ) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """HTTP 429 + Retry-After when a limit is exceeded, else None (the request counts
        against every limit it passed)."""
        limits = self.limits
        posting = method == "chat.postMessage"
        if (limits is None and not (posting and self._rate)) or token is None:
            return None
        now = getattr(self._arrival, "t", None) or time.monotonic()
        team = team_of(token)
        with self._cond:
            wait, which = 0.0, ""
            if posting:
                channel = str(args.get("channel"))
                last = self._last_post.get(channel)
                if self._rate and last is not None and now - last < 1.0 / self._rate:
                    wait, which = 1.0 / self._rate - (now - last), "channel"
                elif limits is not None and limits.workspace_posts_per_minute:
                    wait = self._bucket(f"post:{team}", limits.workspace_posts_per_minute,
                                        limits.workspace_post_burst, now).take(now)
                    which = "workspace"
                if not wait and self._rate:
                    self._last_post[channel] = now
            elif limits is not None:
                spec = limits.methods.get(method) or limits.tiers.get(METHODS[method].tier)
                if spec is not None:
                    wait = self._bucket(f"{method}:{team}", spec[0], spec[1], now).take(now)
                    which = "tier"
            if not wait:
                return None
            self.rate_limited += 1
            self.limited[(method, which)] += 1
        retry_after = max(1, int(wait + 0.999))
        return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}

    def _bucket(self, key: str, per_minute: float, burst: int, now: float) -> Bucket:
        bucket = self._buckets.get(key)
        if bucket is None or bucket.per_second != per_minute / 60:
            bucket = self._buckets[key] = Bucket(per_minute / 60, burst, now)
        return bucket

    def _check_blocks(self, method: str, args: dict[str, Any]) -> str | None:
        if not self.validate:
            return None
        try:
            if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
                schemas.validate_blocks_message(args)
            elif method in ("views.open", "views.push", "views.update"):
                schemas.validate_modal(args["view"])
            elif method == "views.publish":
                schemas.validate_home(args["view"])
            elif method == "files.completeUploadExternal":
                schemas.validate_file_share(args)
        except (schemas.BlockKitError, KeyError, TypeError) as exc:
            with self._cond:
                self.schema_errors.append((method, str(exc)))
            return str(exc) if self.strict_blocks else None
        return None

    def _channel_error(self, channel: str, *, posting: bool) -> str | None:
        ch = self.channels.get(channel)
        if ch is None:
            return None
        if not ch.exists:
            return "channel_not_found"
        if ch.is_archived:
            return "is_archived"
        if posting and not ch.is_member:
            return "not_in_channel"
        return None

    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.000100"

    def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if self.socket_mode is None:  # the fake's own error: no FakeSocketMode attached
            return {"ok": False, "error": "fake_socket_mode_not_attached"}
        return {"ok": True, "url": self.socket_mode.issue_url()}

    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        token = str(args.get("_token") or "")
        answer = {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "bot",
                  "team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT"}
        # tokens the fake's OAuth hands out name their workspace or org: xoxb-T2-installed,
        # xoxb-E1-org
        owner = token.split("-")[1] if token.count("-") >= 2 else ""
        if owner.startswith("T"):
            answer.update(team_id=owner, bot_id=f"B{owner}")
        elif owner.startswith("E"):
            answer.update(team_id=owner, enterprise_id=owner, is_enterprise_install=True,
                          bot_id=f"B{owner}")
        return answer

    def _m_chat_postMessage(self, args: dict[str, Any]) -> Any:
        channel = str(args["channel"])
        err = self._channel_error(channel, posting=True)
        if err:
            return {"ok": False, "error": err}
        ts = self._next_ts()
        msg = {"ts": ts, "text": args.get("text"), "blocks": args.get("blocks"),
               "thread_ts": args.get("thread_ts"), "user": "UBOT"}
        if args.get("metadata"):
            msg["metadata"] = args["metadata"]
        with self._cond:
            self._store(channel, ts, msg)
        return {"ok": True, "channel": channel, "ts": ts, "message": msg}

    def _store(self, channel: str, ts: str, msg: dict[str, Any]) -> None:
        """(Under ``_cond``.)"""
        if (channel, ts) not in self.messages:
            self._in_channel.setdefault(channel, []).append(ts)
        self.messages[(channel, ts)] = msg

    def _channel_messages(self, channel: str, *, newest_first: bool = False
                          ) -> list[dict[str, Any]]:
        """(Under ``_cond``.) A channel's messages in ts order (ts compare as strings, as
        the sort of every message did)."""
        stamps = sorted(self._in_channel.get(channel, ()), reverse=newest_first)
        return [self.messages[(channel, ts)] for ts in stamps]

    def _m_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args["channel"]), str(args["ts"])
        with self._cond:
            thread = [dict(m) for m in self._channel_messages(channel)
                      if m["ts"] == ts or m.get("thread_ts") == ts]
        return {"ok": True, "messages": thread, "has_more": False}

    def _m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages of a channel, newest first."""
        channel, limit = str(args["channel"]), int(args.get("limit") or 100)
        with self._cond:
            top = [dict(m) for m in self._channel_messages(channel, newest_first=True)
                   if m.get("thread_ts") in (None, m["ts"])]
        return {"ok": True, "messages": top[:limit], "has_more": len(top) > limit}

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args["channel"]), str(args["ts"]))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        self.messages[key].update(text=args.get("text"), blocks=args.get("blocks"))
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        err = self._channel_error(str(args["channel"]), posting=False)
        return {"ok": False, "error": err} if err else {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": args["channel"],
                "permalink": f"https://fake.slack.com/archives/{args['channel']}/p"
                             f"{str(args['message_ts']).replace('.', '')}"}

    def _new_view(self, view: dict[str, Any]) -> dict[str, Any]:
        vid = f"V{next(self._view_ids):08d}"
        stored = dict(view, id=vid, hash=f"h{time.monotonic_ns()}")
        self.views[vid] = stored
        return stored

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": self._new_view(args["view"])}

    def _m_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": self._new_view(args["view"])}

    def _m_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        vid = args.get("view_id")
        current = self.views.get(vid or "")
        if current is None:
            return {"ok": False, "error": "not_found"}
        if args.get("hash") and args["hash"] != current["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        stored = dict(args["view"], id=vid, hash=f"h{time.monotonic_ns()}")
        self.views[vid] = stored
        return {"ok": True, "view": stored}

    def _m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": dict(args["view"], id="VHOME")}

    def _m_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        ch = self.channels.get(str(args["channel"])) or Channel(id=str(args["channel"]))
        if not ch.exists:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": ch.id, "name": ch.name, "is_private": ch.is_private,
                                        "is_archived": ch.is_archived, "is_member": ch.is_member}}

    def _m_conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        ch = self.channels.get(str(args["channel"]))
        if ch is None:
            return {"ok": True, "channel": {"id": args["channel"]}}
        if not ch.exists:
            return {"ok": False, "error": "channel_not_found"}
        if ch.is_archived:
            return {"ok": False, "error": "is_archived"}
        if ch.is_private:
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        ch.is_member = True
        return {"ok": True, "channel": {"id": ch.id}}

    def _m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": "D" + str(args["users"]).split(",")[0][1:]}}

    def _m_oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        code = str(args["code"])
        if code == "bad":
            return {"ok": False, "error": "invalid_code"}
        if code.startswith("E"):  # "E1-org": an org-wide install of Enterprise Grid org E1
            org = code.split("-")[0]
            return {"ok": True, "access_token": f"xoxb-{org}-org", "token_type": "bot",
                    "scope": "commands,chat:write", "bot_user_id": "UBOTORG", "app_id": "A1",
                    "team": None, "enterprise": {"id": org, "name": "Grid org"},
                    "authed_user": {"id": "UADMIN"}, "is_enterprise_install": True}
        team = code.split("-")[0] if "-" in code else "T2"
        return {"ok": True, "access_token": f"xoxb-{team}-installed", "token_type": "bot",
                "scope": "commands,chat:write", "bot_user_id": "UBOT2", "app_id": "A1",
                "team": {"id": team, "name": "Second team"}, "enterprise": None,
                "authed_user": {"id": "UINSTALLER"}, "is_enterprise_install": False}

    def _m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._view_ids):08d}"
        self.upload_names[file_id] = str(args["filename"])
        return {"ok": True, "file_id": file_id,
                "upload_url": self.base_url.replace("/api/", f"/upload/{file_id}")}

    def _m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args["files"]
        missing = [f["id"] for f in files if f["id"] not in self.uploads]
        if missing:
            return {"ok": False, "error": "file_not_found"}
        channel = args.get("channel_id")
        if channel and args.get("blocks"):  # a message with blocks and the file in it
            err = self._channel_error(str(channel), posting=True)
            if err:
                return {"ok": False, "error": err}
            ts = self._next_ts()  # the file's share message, as Slack posts it
            msg = {"ts": ts, "text": "", "blocks": args.get("blocks"),
                   "thread_ts": args.get("thread_ts"),
                   "user": "UBOT", "files": [{"id": f["id"]} for f in files]}
            with self._cond:
                self._store(str(channel), ts, msg)
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title"),
                                       "name": self.upload_names.get(f["id"])} for f in files]}

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args["user"]))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}
