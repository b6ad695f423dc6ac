"""Real servers for the tests, each on a free loopback port with its own temporary directory.

Mosquitto and PostgreSQL come from Debian's packages, which the test command installs. A missing
server makes the tests that need it fail with a clear message: they are never skipped.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from sqlalchemy import create_engine, text

from api.app import create_app
from api.deps import AppState
from kernel.settings import Settings
from releve.broker import MosquittoProcess, free_port, wait_for_port


def _require(found: bool, what: str) -> None:
    if not found:
        raise RuntimeError(f"{what} is not installed: run `make test` (scripts/test), which installs it")


@contextmanager
def mosquitto(workdir: Path, extra_config: str = "") -> Iterator[MosquittoProcess]:
    _require(MosquittoProcess.available(), "mosquitto (Debian package mosquitto)")
    broker = MosquittoProcess(workdir, extra_config=extra_config)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


_databases = itertools.count()


def fresh_database(server: str, prefix: str) -> str:
    """A new, empty database on the PostgreSQL server of ``server`` (a URL of ``postgresql``'s);
    its URL."""
    name = f"{prefix}_{next(_databases)}"
    admin = create_engine(
        server.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@contextmanager
def postgresql() -> Iterator[str]:
    """A private PostgreSQL cluster; yields a ``postgresql://`` URL to its database ``releve``."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    _require(bool(initdb and pg_ctl), "PostgreSQL (Debian package postgresql)")
    assert initdb is not None and pg_ctl is not None
    as_root = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="releve-pg-"))
    data = base / "data"
    port = free_port()

    def run(*cmd: str) -> None:
        full = ["runuser", "-u", "postgres", "--", *cmd] if as_root else list(cmd)
        subprocess.run(full, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    if as_root:
        shutil.chown(base, "postgres", "postgres")
    try:
        run(initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(pg_ctl, "-D", str(data), "-o", options, "-w", "-l", str(base / "log"), "start")
        wait_for_port(port)
        createdb = _pg_bin("createdb")
        assert createdb is not None
        for _ in range(20):
            try:
                run(createdb, "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "releve")
                break
            except subprocess.CalledProcessError:
                time.sleep(0.25)
        yield f"postgresql://postgres@127.0.0.1:{port}/releve"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                (["runuser", "-u", "postgres", "--"] if as_root else [])
                + [pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                check=False,
                capture_output=True,
            )
        shutil.rmtree(base, ignore_errors=True)


class _ThreadServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # runs in a thread
        pass


@contextmanager
def api_server(settings: Settings, state: AppState) -> Iterator[str]:
    """The API on uvicorn in a thread, on ``settings.api_port`` (a free port); yields its base URL.

    ``state`` stays the caller's to close.
    """
    server = _ThreadServer(
        uvicorn.Config(
            create_app(settings, state), host="127.0.0.1", port=settings.api_port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for_port(settings.api_port)
        yield f"http://127.0.0.1:{settings.api_port}"
    finally:
        server.should_exit = True
        thread.join(10)
