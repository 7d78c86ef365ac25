"""A real, throwaway PostgreSQL for the tests.

``TEST_DATABASE_URL`` wins if set. Otherwise the server binaries (Debian's postgresql
package; scripts/test.sh installs it) start a private cluster in a temp dir on a free
port, as the ``postgres`` user when we are root (PostgreSQL refuses to run as root).
Without binaries the PostgreSQL tests are skipped, except under CI=true where that fails.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker


def _bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    return [runuser, "-u", "postgres", "--", *cmd] if runuser else ["su", "postgres", "-c",
                                                                      " ".join(cmd)]


class Cluster:
    def __init__(self) -> None:
        self.url: str | None = os.environ.get("TEST_DATABASE_URL")
        self._dir: str | None = None
        self._bindir: str | None = None

    def start(self) -> str:
        if self.url:
            return self.url
        bindir = _bindir()
        if bindir is None:
            reason = "PostgreSQL server binaries not found (install Debian's postgresql)"
            if os.environ.get("CI") == "true":
                pytest.fail(reason + " -- required in CI")
            pytest.skip(reason)
        self._bindir = bindir
        self._dir = tempfile.mkdtemp(prefix="engagement-pg-")
        os.chmod(self._dir, 0o777)
        data = os.path.join(self._dir, "data")
        port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self._dir, "postgres", "postgres")
        subprocess.run(_as_postgres([f"{bindir}/initdb", "-D", data, "-U", "postgres",
                                     "--auth=trust", "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True)
        subprocess.run(_as_postgres([
            f"{bindir}/pg_ctl", "-D", data, "-w", "-l", os.path.join(self._dir, "log"),
            "-o", f"-p {port} -k {self._dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c max_connections=200",
            "start"]), check=True, capture_output=True)
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        return self.url

    def stop(self) -> None:
        if self._dir and self._bindir:
            subprocess.run(_as_postgres([f"{self._bindir}/pg_ctl", "-D",
                                         os.path.join(self._dir, "data"), "-m", "immediate",
                                         "stop"]), capture_output=True)
            shutil.rmtree(self._dir, ignore_errors=True)

    def restart(self) -> None:
        """Stop and start the server (the database restarted under load)."""
        assert self._dir and self._bindir
        data = os.path.join(self._dir, "data")
        # -l: the restarted server must not inherit our pipes (run() would wait forever)
        subprocess.run(_as_postgres([f"{self._bindir}/pg_ctl", "-D", data, "-w", "-m", "fast",
                                     "-l", os.path.join(self._dir, "log"), "restart"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60)

    def fresh_database(self) -> str:
        import psycopg

        base = self.start()
        name = "t_" + uuid.uuid4().hex[:12]
        plain = base.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return base.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    cluster = Cluster()
    yield cluster
    cluster.stop()


KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _database(request: pytest.FixtureRequest, tmp_path: Path, *, migrated: bool) -> str:
    from bot.db.migrate import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/test.db"
    else:
        url = request.getfixturevalue("pg_cluster").fresh_database()
    if migrated:
        upgrade(url)
    return url


@pytest.fixture(params=KINDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated database of each kind."""
    return _database(request, tmp_path, migrated=True)


@pytest.fixture(params=KINDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database of each kind, never migrated (for migration tests)."""
    return _database(request, tmp_path, migrated=False)


@pytest.fixture
def session_factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    """A ``sessionmaker`` on ``db_url``; its engine is disposed afterwards."""
    from bot.db.session import make_engine, make_session_factory

    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()
