"""A real InfluxDB 1.x (Debian's ``influxdb`` package) on free loopback ports, for the tests."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from releve.broker import free_port


class InfluxProcess:
    """influxd with its own config and data directory; can be stopped and started again."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.http_port, self.rpc_port = free_port(), free_port()
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> None:
        binary = shutil.which("influxd") or "/usr/bin/influxd"
        if not Path(binary).exists():
            raise RuntimeError("influxd is not installed: run `make test` (scripts/test), which installs it")
        self.workdir.mkdir(parents=True, exist_ok=True)
        base = self.workdir
        config = base / "influxdb.conf"
        config.write_text(
            f"""reporting-enabled = false
bind-address = "127.0.0.1:{self.rpc_port}"
[meta]
  dir = "{base}/meta"
[data]
  dir = "{base}/data"
  wal-dir = "{base}/wal"
  query-log-enabled = false
  wal-fsync-delay = "0s"
  # write a shard's cache to TSM files after 10 s without writes (default 10 min), so that a
  # benchmark's reads after a backfill see what a long-running server holds
  cache-snapshot-write-cold-duration = "10s"
  # and compact a shard fully after 10 s without writes (default 4 h): a backfill rewrites each
  # rollup point once per batch, and until a full compaction a read merges all those versions
  compact-full-write-cold-duration = "10s"
[http]
  bind-address = "127.0.0.1:{self.http_port}"
  log-enabled = false
  max-body-size = 0
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[retention]
  check-interval = "1s"
[logging]
  level = "warn"
"""
        )
        with (base / "influxd.log").open("ab") as log:
            self._proc = subprocess.Popen([binary, "-config", str(config)], stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.url}/ping", timeout=1).status_code == 204:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self._proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"influxd did not start: {(base / 'influxd.log').read_text()[-2000:]}")
            time.sleep(0.1)

    @property
    def pid(self) -> int | None:
        """The running influxd's process id (a restart gives a new one)."""
        return self._proc.pid if self._proc is not None else None

    def pause(self) -> None:
        """Freeze influxd (SIGSTOP): connections are accepted by the kernel, never answered."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """Stop abruptly (SIGKILL), as a crash or the OOM killer would; ``start`` brings it back."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None


@contextmanager
def influxd() -> Iterator[str]:
    """Yield the base URL of a fresh influxd; stop and remove it afterwards."""
    base = Path(tempfile.mkdtemp(prefix="releve-influx-"))
    server = InfluxProcess(base)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
