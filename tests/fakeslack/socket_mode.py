"""A fake Slack Socket Mode endpoint: the WebSocket server ``apps.connections.open`` points at.

Plain RFC 6455 over TCP on 127.0.0.1 (port 0), no TLS (slack_sdk's builtin client connects
without TLS to any port but 443). It does what Slack's side of the socket does:

* the opening handshake (``GET /link/?ticket=...``, ``Sec-WebSocket-Accept``); each ticket
  comes from ``apps.connections.open`` (``FakeSlack.attach_socket_mode``) and is good for one
  connection, like Slack's;
* a ``{"type": "hello", ...}`` message as soon as the socket is open;
* envelopes pushed by a test (``push_command``, ``push_interactive``, ``push_event``,
  ``disconnect``), sent as unmasked text frames;
* the client's acks (``{"envelope_id": ..., "payload": {...}}``) recorded, with how long
  after the push each came (Slack wants one within 3 seconds): ``wait_for_ack``;
* pings answered with a pong carrying the same payload (slack_sdk pings on connect and then
  every ``ping_interval`` seconds, and drops a connection that stops answering); ``ping``
  from the test side, with the client's pongs recorded;
* close frames answered and recorded, and a socket that just goes away (EOF) noticed.

What the client gets wrong on the wire (an unmasked frame, bad UTF-8, a control frame that is
fragmented or too long, a reserved bit, a message that is not JSON) is recorded in
``errors`` and the connection is closed with the RFC's status code, so a test can assert
``errors == []``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
MAX_HANDSHAKE = 16 * 1024
MAX_MESSAGE = 4 * 1024 * 1024
# close status codes (RFC 6455 section 7.4.1)
NORMAL, GOING_AWAY, PROTOCOL_ERROR, UNSUPPORTED, BAD_DATA, TOO_BIG = 1000, 1001, 1002, 1003, \
    1007, 1009


def accept_key(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` for a ``Sec-WebSocket-Key``."""
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


def encode_frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    """A server frame: never masked."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n <= 125:
        head += bytes([n])
    elif n <= 0xFFFF:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


class _Closed(Exception):
    """The peer went away (EOF or a reset)."""


class _ProtocolError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Ack:
    envelope_id: str
    payload: dict[str, Any] | None  # None: a bare ack (no "payload" key)
    raw: dict[str, Any]
    connection: int  # index in FakeSocketMode.connections
    received_at: float  # time.monotonic()
    after: float | None  # seconds since the envelope was pushed (None: never pushed)


@dataclass
class Pushed:
    envelope: dict[str, Any]
    connection: int
    sent_at: float


@dataclass
class Connection:
    """One WebSocket connection from the app."""

    index: int
    ticket: str
    path: str
    headers: dict[str, str]
    sock: socket.socket
    opened_at: float
    closed_at: float | None = None
    # how it ended: "close-frame" (the client sent one), "eof" (the socket just went away),
    # "server" (the fake closed it), "protocol-error"
    closed_how: str | None = None
    close_code: int | None = None  # from the client's close frame
    close_reason: str = ""
    pings: list[bytes] = field(default_factory=list)  # from the client (each answered)
    pongs: list[bytes] = field(default_factory=list)  # answers to the fake's pings
    messages: list[dict[str, Any]] = field(default_factory=list)  # text messages received
    _send_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _close_sent: bool = field(default=False, repr=False)

    @property
    def open(self) -> bool:
        return self.closed_at is None

    def send_frame(self, opcode: int, payload: bytes) -> None:
        with self._send_lock:
            if opcode == OP_CLOSE:
                if self._close_sent:
                    return
                self._close_sent = True
            elif self._close_sent:
                raise ConnectionError("close frame already sent on this connection")
            self.sock.sendall(encode_frame(opcode, payload))

    def send_json(self, message: dict[str, Any]) -> None:
        self.send_frame(OP_TEXT, json.dumps(message).encode())


class FakeSocketMode:
    def __init__(self, *, app_id: str = "A1", host: str = "applink-fake-1") -> None:
        self.app_id = app_id
        self.host = host  # debug_info.host, as Slack names its link servers
        self.connections: list[Connection] = []
        self.acks: dict[str, Ack] = {}  # the first ack of each envelope
        self.ack_log: list[Ack] = []  # every ack, duplicates included
        self.pushed: dict[str, Pushed] = {}
        self.errors: list[str] = []  # what the client got wrong (see the module docstring)
        self.rejected: list[str] = []  # handshakes refused, and why
        self.tickets: dict[str, bool] = {}  # ticket -> used
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = False

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> FakeSocketMode:
        self._listener = socket.create_server(("127.0.0.1", 0))
        t = threading.Thread(target=self._accept_loop, name="fake-socket-mode", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stopping = True
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        for conn in list(self.connections):
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
        for t in self._threads:
            t.join(timeout=2)

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._listener is not None
        return int(self._listener.getsockname()[1])

    def issue_url(self) -> str:
        """A new single-use URL, as ``apps.connections.open`` hands it out."""
        ticket = uuid.uuid4().hex
        with self._cond:
            self.tickets[ticket] = False
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    # ------------------------------------------------------------------ test side: sending
    def current(self, timeout: float = 10.0) -> Connection:
        """The newest open connection (waits for one)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                live = [c for c in self.connections if c.open]
                if live:
                    return live[-1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no open Socket Mode connection; {self._state()}")
                self._cond.wait(left)

    def push(self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool,
             envelope_id: str | None = None, **extra: Any) -> str:
        """Send an envelope on the newest open connection; returns its envelope_id."""
        envelope_id = envelope_id or f"{uuid.uuid4()}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": accepts_response_payload, **extra}
        conn = self.current()
        with self._cond:
            self.pushed[envelope_id] = Pushed(envelope, conn.index, time.monotonic())
        conn.send_json(envelope)
        return envelope_id

    def push_command(self, fields: dict[str, Any], **kw: Any) -> str:
        """A slash command: its fields (as Slack would post them in HTTP mode) as a dict."""
        return self.push("slash_commands", dict(fields), accepts_response_payload=True, **kw)

    def push_interactive(self, payload: dict[str, Any], **kw: Any) -> str:
        """block_actions, view_submission, ...; the ack may carry a payload (response_action,
        options) only for the kinds Slack waits on."""
        accepts = payload.get("type") in ("view_submission", "block_suggestion")
        return self.push("interactive", payload, accepts_response_payload=accepts, **kw)

    def push_event(self, body: dict[str, Any], *, retry_attempt: int = 0,
                   retry_reason: str = "", **kw: Any) -> str:
        """An Events API callback body (``{"type": "event_callback", "event": ...}``)."""
        return self.push("events_api", body, accepts_response_payload=False,
                         retry_attempt=retry_attempt, retry_reason=retry_reason, **kw)

    def disconnect(self, reason: str = "refresh_requested") -> Connection:
        """Slack's notice that it will drop this connection: the app should open another."""
        conn = self.current()
        conn.send_json({"type": "disconnect", "reason": reason,
                        "debug_info": {"host": self.host}})
        return conn

    def ping(self, conn: Connection | None = None, payload: bytes | None = None,
             timeout: float = 5.0) -> float:
        """Ping the client and wait for its pong; returns the round trip in seconds."""
        conn = conn or self.current()
        payload = payload if payload is not None else f"fake:{time.time()}".encode()
        started = time.monotonic()
        conn.send_frame(OP_PING, payload)
        deadline = started + timeout
        with self._cond:
            while payload not in conn.pongs:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no pong for {payload!r} within {timeout}s")
                self._cond.wait(left)
        return time.monotonic() - started

    def close(self, conn: Connection | None = None, code: int = GOING_AWAY,
              reason: str = "") -> None:
        """Close from the server's side with a close frame (the client should answer it)."""
        conn = conn or self.current()
        conn.send_frame(OP_CLOSE, struct.pack("!H", code) + reason.encode())

    # ------------------------------------------------------------------ test side: waiting
    def wait_for_connection(self, count: int = 1, timeout: float = 10.0) -> Connection:
        """Wait until ``count`` connections have been opened; returns the ``count``-th."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.connections) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for Socket Mode connection "
                                         f"#{count}; {self._state()}")
                self._cond.wait(left)
            return self.connections[count - 1]

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> Ack:
        deadline = time.monotonic() + timeout
        with self._cond:
            while envelope_id not in self.acks:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no ack for envelope {envelope_id} within "
                                         f"{timeout}s; {self._state()}")
                self._cond.wait(left)
            return self.acks[envelope_id]

    def wait_closed(self, conn: Connection, timeout: float = 10.0) -> Connection:
        deadline = time.monotonic() + timeout
        with self._cond:
            while conn.open:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"connection #{conn.index} still open after "
                                         f"{timeout}s")
                self._cond.wait(left)
        return conn

    def _state(self) -> str:
        return (f"connections: {[(c.index, c.closed_how) for c in self.connections]}, "
                f"acks: {list(self.acks)}, rejected: {self.rejected}, errors: {self.errors}")

    # ------------------------------------------------------------------ server side
    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            t = threading.Thread(target=self._serve, args=(sock,), name="fake-socket-mode-conn",
                                 daemon=True)
            t.start()
            self._threads.append(t)

    def _serve(self, sock: socket.socket) -> None:
        buf = bytearray()
        try:
            conn = self._handshake(sock, buf)
        except (OSError, _Closed):
            sock.close()
            return
        if conn is None:
            return
        try:
            conn.send_json({"type": "hello", "num_connections": sum(
                c.open for c in self.connections),
                "debug_info": {"host": self.host, "build_number": 1,
                               "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id}})
            self._read_frames(conn, buf)
            how = "eof"
        except _Closed:
            how = "eof"
        except _ProtocolError as exc:
            with self._cond:
                self.errors.append(f"connection #{conn.index}: {exc}")
            with contextlib.suppress(OSError, ConnectionError):
                conn.send_frame(OP_CLOSE, struct.pack("!H", exc.code))
            how = "protocol-error"
        except OSError:
            how = "server" if self._stopping else "eof"
        except _ClosedByFrame:
            how = "close-frame"
        with contextlib.suppress(OSError):
            sock.close()
        with self._cond:
            conn.closed_at = time.monotonic()
            conn.closed_how = how
            self._cond.notify_all()

    def _handshake(self, sock: socket.socket, buf: bytearray) -> Connection | None:
        sock.settimeout(10)
        while b"\r\n\r\n" not in buf:
            if len(buf) > MAX_HANDSHAKE:
                self._refuse(sock, 431, "request headers too large")
                return None
            chunk = sock.recv(4096)
            if not chunk:
                raise _Closed()
            buf += chunk
        sock.settimeout(None)
        head, _, rest = bytes(buf).partition(b"\r\n\r\n")
        buf[:] = rest  # frames the client sent right behind its request (none, normally)
        lines = head.decode("latin-1").split("\r\n")
        request_line = lines[0].split(" ")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                self._refuse(sock, 400, f"malformed header line {line!r}")
                return None
            headers[name.strip().lower()] = value.strip()
        if len(request_line) != 3 or request_line[0] != "GET" or \
                not request_line[2].startswith("HTTP/1.1"):
            self._refuse(sock, 400, f"bad request line {lines[0]!r}")
            return None
        target = urlsplit(request_line[1])
        ticket = (parse_qs(target.query).get("ticket") or [""])[0]
        key = headers.get("sec-websocket-key", "")
        try:
            key_ok = len(base64.b64decode(key, validate=True)) == 16
        except ValueError:
            key_ok = False
        problem = None
        if target.path != "/link/":
            problem = (404, f"unknown path {target.path!r}")
        elif headers.get("upgrade", "").lower() != "websocket":
            problem = (400, "no Upgrade: websocket")
        elif "upgrade" not in [v.strip().lower() for v in headers.get("connection", "").split(",")]:
            problem = (400, "no Connection: Upgrade")
        elif headers.get("sec-websocket-version") != "13":
            problem = (426, f"Sec-WebSocket-Version {headers.get('sec-websocket-version')!r}")
        elif not key_ok:
            problem = (400, f"bad Sec-WebSocket-Key {key!r}")
        elif not headers.get("host"):
            problem = (400, "no Host header")
        else:
            with self._cond:
                used = self.tickets.get(ticket)
                if used is None:
                    problem = (401, f"unknown ticket {ticket!r}")
                elif used:
                    problem = (401, f"ticket {ticket!r} already used")
                else:
                    self.tickets[ticket] = True
        if problem:
            self._refuse(sock, *problem)
            return None
        sock.sendall(("HTTP/1.1 101 Switching Protocols\r\n"
                      "Upgrade: websocket\r\n"
                      "Connection: Upgrade\r\n"
                      f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n").encode())
        with self._cond:
            conn = Connection(index=len(self.connections), ticket=ticket,
                              path=request_line[1], headers=headers, sock=sock,
                              opened_at=time.monotonic())
            self.connections.append(conn)
            self._cond.notify_all()
        return conn

    def _refuse(self, sock: socket.socket, status: int, why: str) -> None:
        with self._cond:
            self.rejected.append(f"{status} {why}")
            self._cond.notify_all()
        body = why.encode()
        with contextlib.suppress(OSError):
            sock.sendall(f"HTTP/1.1 {status} Refused\r\nContent-Length: {len(body)}\r\n"
                         f"Connection: close\r\n\r\n".encode() + body)
        sock.close()

    def _read_frames(self, conn: Connection, buf: bytearray) -> None:
        def take(n: int) -> bytes:
            while len(buf) < n:
                chunk = conn.sock.recv(65536)
                if not chunk:
                    raise _Closed()
                buf.extend(chunk)
            out = bytes(buf[:n])
            del buf[:n]
            return out

        fragments: list[bytes] = []
        fragment_op: int | None = None
        while True:
            b1, b2 = take(2)
            fin, rsv, opcode = b1 & 0x80, b1 & 0x70, b1 & 0x0F
            masked, length = b2 & 0x80, b2 & 0x7F
            if rsv:
                raise _ProtocolError(PROTOCOL_ERROR, "reserved bits set (no extension agreed)")
            if not masked:
                raise _ProtocolError(PROTOCOL_ERROR, "client frame not masked")
            if length == 126:
                (length,) = struct.unpack("!H", take(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", take(8))
            control = opcode >= 0x8
            if control and (length > 125 or not fin):
                raise _ProtocolError(PROTOCOL_ERROR, "control frame fragmented or too long")
            if opcode not in (OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG):
                raise _ProtocolError(PROTOCOL_ERROR, f"unknown opcode {opcode:#x}")
            if length > MAX_MESSAGE:
                raise _ProtocolError(TOO_BIG, f"frame of {length} bytes")
            mask = take(4)
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(take(length)))

            if opcode == OP_PING:
                with self._cond:
                    conn.pings.append(data)
                    self._cond.notify_all()
                with contextlib.suppress(ConnectionError):  # not after our close frame
                    conn.send_frame(OP_PONG, data)
                continue
            if opcode == OP_PONG:
                with self._cond:
                    conn.pongs.append(data)
                    self._cond.notify_all()
                continue
            if opcode == OP_CLOSE:
                if len(data) == 1:
                    raise _ProtocolError(PROTOCOL_ERROR, "close frame with a 1-byte payload")
                code = struct.unpack("!H", data[:2])[0] if data else None
                with self._cond:
                    conn.close_code = code
                    conn.close_reason = data[2:].decode("utf-8", errors="replace")
                with contextlib.suppress(OSError):  # echo the status (no-op if ours went)
                    conn.send_frame(OP_CLOSE, data[:2])
                raise _ClosedByFrame()
            if opcode == OP_CONT:
                if fragment_op is None:
                    raise _ProtocolError(PROTOCOL_ERROR, "continuation without a first frame")
            elif fragment_op is not None:
                raise _ProtocolError(PROTOCOL_ERROR, "new message inside a fragmented one")
            else:
                fragment_op = opcode
            fragments.append(data)
            if sum(map(len, fragments)) > MAX_MESSAGE:
                raise _ProtocolError(TOO_BIG, "message too big")
            if not fin:
                continue
            message, op = b"".join(fragments), fragment_op
            fragments, fragment_op = [], None
            if op == OP_BINARY:
                raise _ProtocolError(UNSUPPORTED, "binary message (Slack speaks JSON text)")
            try:
                text = message.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _ProtocolError(BAD_DATA, "text message is not UTF-8") from exc
            self._on_text(conn, text)

    def _on_text(self, conn: Connection, text: str) -> None:
        now = time.monotonic()
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        with self._cond:
            if not isinstance(message, dict):
                self.errors.append(f"connection #{conn.index}: not a JSON object: {text[:200]!r}")
                return
            conn.messages.append(message)
            envelope_id = message.get("envelope_id")
            if not isinstance(envelope_id, str):
                self.errors.append(f"connection #{conn.index}: message without envelope_id: "
                                   f"{text[:200]!r}")
                return
            pushed = self.pushed.get(envelope_id)
            payload = message.get("payload")
            ack = Ack(envelope_id=envelope_id,
                      payload=payload if isinstance(payload, dict) else None, raw=message,
                      connection=conn.index, received_at=now,
                      after=(now - pushed.sent_at) if pushed else None)
            if pushed is None:
                self.errors.append(f"connection #{conn.index}: ack of an envelope never sent: "
                                   f"{envelope_id}")
            elif "payload" in message and not isinstance(payload, dict):
                self.errors.append(f"ack of {envelope_id}: payload is not an object")
            elif payload and not pushed.envelope.get("accepts_response_payload"):
                self.errors.append(f"ack of {envelope_id} carries a payload its envelope "
                                   "does not accept")
            self.ack_log.append(ack)
            self.acks.setdefault(envelope_id, ack)
            self._cond.notify_all()


class _ClosedByFrame(Exception):
    """The client sent a close frame (and got ours back)."""
