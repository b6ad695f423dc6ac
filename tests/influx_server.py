"""A real InfluxDB 1.x (Debian's ``influxdb`` package) on free loopback ports, for the tests."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from releve.broker import free_port


@contextmanager
def influxd() -> Iterator[str]:
    """Yield the base URL (``http://127.0.0.1:PORT``) of a fresh influxd; stop and remove it after."""
    binary = shutil.which("influxd") or "/usr/bin/influxd"
    if not Path(binary).exists():
        raise RuntimeError("influxd is not installed: run `make test` (scripts/test), which installs it")
    base = Path(tempfile.mkdtemp(prefix="releve-influx-"))
    http_port, rpc_port = free_port(), free_port()
    config = base / "influxdb.conf"
    config.write_text(
        f"""reporting-enabled = false
bind-address = "127.0.0.1:{rpc_port}"
[meta]
  dir = "{base}/meta"
[data]
  dir = "{base}/data"
  wal-dir = "{base}/wal"
  query-log-enabled = false
  wal-fsync-delay = "0s"
[http]
  bind-address = "127.0.0.1:{http_port}"
  log-enabled = false
  max-body-size = 0
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[logging]
  level = "warn"
"""
    )
    with (base / "influxd.log").open("ab") as log:
        proc = subprocess.Popen([binary, "-config", str(config)], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/ping", timeout=1).status_code == 204:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"influxd did not start: {(base / 'influxd.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(base, ignore_errors=True)
