"""Apps under test as processes of their own, so each has a core and a GIL to itself while
the load generator and the fake Slack run in the benchmark process.

``start_bot`` runs the real CLI (``engagement-bot serve``) configured through the
environment as in production; ``start_bare`` runs ``python -m bench.bare_app`` behind the
same ``bot.transport.http.HttpServer`` with the same thread count. Both are waited on through
``GET /healthz`` (bounded) and stopped with SIGTERM (bounded, then killed).

``BENCH_BOT_SRC=<dir>`` runs the bot from another checkout of the product (``python -m
bot.cli serve`` with that directory first on the path), to compare before and after a
change in one run of the same harness.

With ``BENCH_PROFILE=<dir>`` set, py-spy samples each app while it is under load and
writes ``<dir>/<name>-c<concurrency>-r<round>.txt`` (collapsed stacks of the threads
holding the GIL, one line per stack).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """``pid`` and every process under it (``engagement-bot serve``'s workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                with contextlib.suppress(OSError):
                    todo += [int(c) for c in (task / "children").read_text().split()]
    return found


def peak_rss_mb(pid: int) -> int:
    """The process's peak resident set size so far (``VmHWM``), in MB; 0 once it is gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class AppProcess:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def events_url(self) -> str:
        return self.url + "/slack/events"

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode} before "
                                   f"/healthz answered; log:\n{self.tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                try:
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status == 200:
                        return
                finally:
                    conn.close()
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer /healthz in {timeout:.0f}s; "
                           f"log:\n{self.tail()}")

    def cpu_seconds(self) -> float:
        return sum(cpu_seconds(pid) for pid in descendants(self.proc.pid))

    def log_lines(self) -> int:
        with contextlib.suppress(OSError):
            return sum(1 for _ in self.log_path.open("rb"))
        return 0

    def tail(self, n: int = 30) -> str:
        with contextlib.suppress(OSError):
            lines = self.log_path.read_text(errors="replace").splitlines()
            return "\n".join(lines[-n:])
        return ""

    @contextlib.contextmanager
    def profiled(self, label: str) -> Iterator[None]:
        """Sample this process with py-spy for the duration of the block, when
        BENCH_PROFILE names a directory; otherwise do nothing."""
        out_dir = os.environ.get("BENCH_PROFILE")
        if not out_dir:
            yield
            return
        spy = str(Path(sys.executable).with_name("py-spy"))
        out = Path(out_dir) / f"{self.name}-{label}.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        sampler = subprocess.Popen([spy, "record", "--pid", str(self.proc.pid), "--format",
                                    "raw", "--output", str(out), "--rate", "250",
                                    "--gil", "--subprocesses"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.5)  # let it attach
            yield
        finally:
            sampler.send_signal(signal.SIGINT)
            try:
                sampler.wait(timeout=20)
            except subprocess.TimeoutExpired:
                sampler.kill()
                sampler.wait(timeout=5)

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.proc.returncode


def _spawn(name: str, argv: list[str], env: dict[str, str], port: int, log_dir: Path
           ) -> AppProcess:
    log_path = log_dir / f"{name}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(argv, env=env, cwd=str(log_dir), stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT)
    return AppProcess(name=name, proc=proc, port=port, log_path=log_path, _log=log)


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "ENGAGEMENT_", "DATABASE_URL", "PORT", "HOST",
                                "WEB_THREADS", "LOG_LEVEL"))}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def start_bot(*, api_url: str, token: str, secret: str, db_url: str, log_dir: Path,
              **extra_env: str) -> AppProcess:
    """``engagement-bot serve`` configured through the environment, as deployed. Its
    working directory is ``log_dir`` so no ``.env`` file of the checkout is read."""
    cli = [str(Path(sys.executable).with_name("engagement-bot"))]
    port = free_port()
    env = base_env(SLACK_BOT_TOKEN=token, SLACK_SIGNING_SECRET=secret, SLACK_API_URL=api_url,
                   DATABASE_URL=db_url, HOST="127.0.0.1", PORT=str(port), **extra_env)
    if src := os.environ.get("BENCH_BOT_SRC"):
        cli = [sys.executable, "-m", "bot.cli"]
        env["PYTHONPATH"] = str(Path(src).resolve()) + os.pathsep + env["PYTHONPATH"]
    subprocess.run([*cli, "db", "upgrade"], env=env, cwd=str(log_dir), check=True,
                   stdout=subprocess.DEVNULL, timeout=120)
    app = _spawn("bot", [*cli, "serve"], env, port, log_dir)
    app.wait_healthy()
    return app


def start_bare(*, api_url: str, token: str, secret: str, threads: int, log_dir: Path,
               **extra_env: str) -> AppProcess:
    port = free_port()
    env = base_env(SLACK_BOT_TOKEN=token, SLACK_SIGNING_SECRET=secret, SLACK_API_URL=api_url,
                   **extra_env)
    app = _spawn("bare", [sys.executable, "-m", "bench.bare_app", "--port", str(port),
                          "--threads", str(threads)], env, port, log_dir)
    app.wait_healthy()
    return app


def product_web_threads() -> int:
    """The thread count ``engagement-bot serve`` uses when WEB_THREADS is not set."""
    from bot.settings import Settings

    threads: int = Settings.model_fields["web_threads"].default
    return threads
