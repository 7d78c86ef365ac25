"""The HTTP front against hostile and slow clients, its metrics and its JSON logs: the real
`engagement-bot serve` (several worker processes) where processes matter, the in-process
server (the same uvicorn front, in a thread) otherwise."""

from __future__ import annotations

import http.client
import json
import logging
import re
import socket
import threading
import time
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest

from bot.db.migrate import upgrade
from tests.e2e.test_shutdown import Proc, env_for
from tests.fakeslack.client import SlackSender, signature
from tests.fakeslack.server import FakeSlack
from tests.support.harness import SECRET, Bot

LISTENING = r"listening on http://127\.0\.0\.1:(\d+)/"


def serve(fake: FakeSlack, tmp_path: Path, **extra: str) -> tuple[Proc, int]:
    url = f"sqlite:///{tmp_path}/bot.db"
    upgrade(url)
    proc = Proc(["serve"], env_for(fake, url, SLACK_BOT_TOKEN="xoxb-test",
                                   SLACK_SIGNING_SECRET=SECRET, HOST="127.0.0.1", PORT="0",
                                   **extra))
    port = int(proc.wait_for_line(LISTENING).group(1))
    wait_healthy(port)
    return proc, port


def stop(proc: Proc) -> None:
    """SIGTERM (the server removes its temporary directories), SIGKILL if it hangs."""
    if proc.popen.poll() is None:
        proc.popen.terminate()
        try:
            proc.popen.wait(timeout=30)
        except Exception:
            proc.stop()


def wait_healthy(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("never healthy")


def raw_post(port: int, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/slack/events", body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read().decode(errors="replace")
    finally:
        conn.close()


def signed_headers(body: bytes, content_type: str, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time()))
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature(secret, ts, body.decode())}


# ------------------------------------------------------------------ slow clients

class Trickler:
    """A connection that sends its request one byte every ``every`` seconds: the headers
    (never finished), or full headers and then the body."""

    def __init__(self, port: int, *, body: bool, every: float) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.setblocking(False)
        head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Slack-Signature: v0=aaaa\r\n"
        if body:
            self.sock.sendall(head + b"Content-Length: 1000\r\n\r\n")
            self.rest = b"x" * 1000
        else:
            self.rest = head * 100  # headers without end
        self.body = body
        self.every = every
        self.next_at = time.monotonic() + every
        self.opened = time.monotonic()
        self.closed_after: float | None = None

    def tick(self, now: float) -> None:
        if self.closed_after is not None:
            return
        try:
            if self.sock.recv(4096) == b"":
                self.closed_after = now - self.opened
                return
        except BlockingIOError:
            pass
        except OSError:
            self.closed_after = now - self.opened
            return
        if now >= self.next_at and self.rest:
            try:
                self.sock.send(self.rest[:1])
                self.rest = self.rest[1:]
            except OSError:
                self.closed_after = now - self.opened
            self.next_at = now + self.every


def timed(fn: Any) -> tuple[float, Any]:
    started = time.monotonic()
    result = fn()
    return time.monotonic() - started, result


def test_slow_clients_never_lock_out_slack_or_healthz(fake_slack: FakeSlack,
                                                      tmp_path: Path) -> None:
    """110 connections sending a byte every 2 s (100 in their headers, 10 in their body;
    waitress's default limit was 100 connections): signed commands and /healthz are still
    answered at once, and the server closes every trickling connection when its deadline
    for headers (3 s here), or for the body (4 s), has passed."""
    proc, port = serve(fake_slack, tmp_path, WEB_CONCURRENCY="2", WEB_HEADER_TIMEOUT="3",
                       WEB_BODY_TIMEOUT="4")
    sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET,
                         response_url=fake_slack.response_url)
    tricklers: list[Trickler] = []
    done = threading.Event()

    def trickle() -> None:
        while not done.is_set():
            now = time.monotonic()
            for t in tricklers:
                t.tick(now)
            time.sleep(0.05)

    try:
        tricklers += [Trickler(port, body=False, every=2.0) for _ in range(100)]
        tricklers += [Trickler(port, body=True, every=2.0) for _ in range(10)]
        worker = threading.Thread(target=trickle, daemon=True)
        worker.start()
        slack_times: list[float] = []
        health_times: list[float] = []
        attack_ends = time.monotonic() + 8.0  # bounded
        while time.monotonic() < attack_ends:
            took, resp = timed(lambda: sender.command("help", timeout=3))
            assert resp.status == 200 and "Engagement triage" in resp.body
            slack_times.append(took)
            took, status = timed(lambda: urlopen(f"http://127.0.0.1:{port}/healthz",
                                                 timeout=3).status)
            assert status == 200
            health_times.append(took)
            time.sleep(0.25)
        done.set()
        worker.join(timeout=5)
        closed = [t.closed_after for t in tricklers]
        heads = [t.closed_after for t in tricklers if not t.body]
        print(f"\n110 trickling connections: {len(slack_times)} signed commands answered in "
              f"max {max(slack_times) * 1000:.0f} ms, /healthz max "
              f"{max(health_times) * 1000:.0f} ms; trickling connections closed after "
              f"{min(c for c in closed if c is not None):.1f}-"
              f"{max(c for c in closed if c is not None):.1f} s "
              f"({sum(c is None for c in closed)} still open)")
        assert max(slack_times) < 1.0 and max(health_times) < 1.0
        assert all(c is not None for c in closed), "a trickling connection was never closed"
        assert all(c is not None and c < 3.0 + 1.5 for c in heads)
        assert all(c is not None and c < 4.0 + 1.5 for c in closed)
    finally:
        done.set()
        for t in tricklers:
            t.sock.close()
        stop(proc)


# ------------------------------------------------------------------ hostile input

NESTED = "[" * 100_000 + "]" * 100_000


def test_json_nested_100000_deep_is_a_4xx_never_a_traceback(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    port = bot.server.port
    for body in (json.dumps({"type": "event_callback", "event": json.loads(
            "[" * 50 + "]" * 50)})[:-1] + ', "x": ' + NESTED + "}", NESTED):
        raw = body.encode()
        status, text = raw_post(port, raw, signed_headers(raw, "application/json"))
        assert status == 400, (status, text[:200])
        assert "Traceback" not in text
        # unsigned: refused before anything parses it
        status, _ = raw_post(port, raw, {"Content-Type": "application/json"})
        assert status == 401
    form = ("payload=" + NESTED).encode()
    status, _ = raw_post(port, form, signed_headers(form, "application/x-www-form-urlencoded"))
    assert status == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize("timestamp", ["abc", "1e9", "", " 1700000000", "-5",
                                       "1" * 40, "\u0661\u0662"])
def test_a_non_numeric_timestamp_is_a_401_never_a_traceback(
        bot: Bot, caplog: pytest.LogCaptureFixture, timestamp: str) -> None:
    caplog.set_level(logging.INFO)
    body = b"command=%2Fengagement&text=help&team_id=T1&user_id=U1&channel_id=C1"
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": signature(SECRET, timestamp, body.decode())}
    conn = http.client.HTTPConnection("127.0.0.1", bot.server.port, timeout=10)
    try:
        conn.putrequest("POST", "/slack/events")
        for name, value in headers.items():
            conn.putheader(name, value.encode())
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        status, text = resp.status, resp.read().decode()
    finally:
        conn.close()
    assert status == 401, text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_nothing_unsigned_is_logged_beyond_its_size(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """slack_bolt logs the whole body of a request failing its signature check, at INFO."""
    caplog.set_level(logging.DEBUG)
    forged = SlackSender(bot.slack.url, "not-the-secret")
    marker = "do-not-log-this-unsigned-text"
    assert forged.command(f"history {marker}", user_id="U-FORGER").status == 401
    assert bot.slack.command(f"history {marker}", timestamp=int(time.time()) - 600
                             ).status == 401  # stale
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert marker not in text and "U-FORGER" not in text
    assert not [r for r in caplog.records if r.name.startswith("slack_bolt.Request")]
    lines = [json.loads(r.getMessage().removeprefix("slack ")) for r in caplog.records
             if r.name == "bot.requests"]
    assert [(line["kind"], line["status"]) for line in lines] == [("unverified", 401)] * 2
    assert all(line["bytes"] > 100 for line in lines)


# ------------------------------------------------------------------ metrics and logs

def scrape(port: int) -> str:
    with urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        return str(resp.read().decode())


def sample(text: str, name: str, **labels: str) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}}} ") or (not labels and line.startswith(name + " ")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_add_up_across_worker_processes(fake_slack: FakeSlack, tmp_path: Path) -> None:
    proc, port = serve(fake_slack, tmp_path, WEB_CONCURRENCY="2")
    try:
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET,
                             response_url=fake_slack.response_url)
        for _ in range(30):  # each on a new connection: both workers take some
            assert sender.command("help").status == 200
        assert SlackSender(sender.url, "forged").command("help").status == 401
        texts = [scrape(port) for _ in range(6)]  # whichever worker answers: the same sums
        for text in texts:
            assert sample(text, "engagement_slack_requests_total", kind="command",
                          status="200") == 30
            assert sample(text, "engagement_slack_requests_total", kind="unverified",
                          status="401") == 1
            assert sample(text, "engagement_slack_ack_seconds_count", kind="command") == 30
            assert sample(text, "engagement_slack_ack_seconds_bucket", kind="command",
                          le="3.0") == 30
        pids = {line for line in proc.lines if "Booting worker" in line}
        assert len(pids) == 2, proc.log()
    finally:
        stop(proc)


def test_log_format_json_writes_one_object_per_line(fake_slack: FakeSlack,
                                                    tmp_path: Path) -> None:
    proc, port = serve(fake_slack, tmp_path, WEB_CONCURRENCY="1", LOG_FORMAT="json")
    try:
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET,
                             response_url=fake_slack.response_url)
        assert sender.command("history", user_id="U7", team_id="T1").status == 200
        assert SlackSender(sender.url, "forged").command("help").status == 401
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and sum('"bot.requests"' in x for x in proc.lines) < 2:
            time.sleep(0.05)
    finally:
        proc.popen.terminate()
        proc.popen.wait(timeout=30)
    lines = [line for line in proc.log().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    requests = [r for r in records if r["logger"] == "bot.requests"]
    assert requests[0]["kind"] == "command" and requests[0]["team"] == "T1"
    assert requests[0]["user"] == "U7" and requests[0]["what"] == "/engagement history"
    assert requests[0]["status"] == 200 and isinstance(requests[0]["ms"], float)
    assert requests[1]["kind"] == "unverified" and requests[1]["status"] == 401
    assert any(r["logger"].startswith("gunicorn") for r in records)  # the server's too


def test_the_scheduler_worker_serves_metrics_on_its_port(fake_slack: FakeSlack,
                                                         tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/worker.db"
    upgrade(url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = Proc(["worker"], env_for(fake_slack, url, SLACK_BOT_TOKEN="xoxb-test",
                                    HOST="127.0.0.1", ENGAGEMENT_METRICS_PORT=str(port)))
    try:
        proc.wait_for_line(re.escape(f"metrics on http://127.0.0.1:{port}/metrics"))
        deadline = time.monotonic() + 10
        while True:
            try:
                text = scrape(port)
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert "python_info" in text
    finally:
        proc.stop()
