"""`releve run` as a user runs it: data within a minute, Ctrl-C stops it cleanly, a restart resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from releve.broker import free_port

pytestmark = pytest.mark.e2e


def start(data: Path, port: int, broker: str) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ, RELEVE_DATA_DIR=str(data), RELEVE_API_PORT=str(port), RELEVE_EMBEDDED_BROKER=broker
    )
    with (data.parent / f"run-{broker}.log").open("ab") as log:
        return subprocess.Popen([sys.executable, "-m", "releve", "run"], env=env, stdout=log, stderr=log)


def site_water(base: str, key: str, timeout: float = 60) -> float:
    """The water of all sites over their last 31 days (the simulator plays the last seven), once
    every site shows some. Not this month's: in a month's first hour a site may have none yet."""
    deadline = time.monotonic() + timeout
    headers = {"X-API-Key": key}
    while time.monotonic() < deadline:
        try:
            sites = httpx.get(f"{base}/api/v1/sites", headers=headers, timeout=5).json()["items"]
            water = [
                sum(
                    p["consumption"] or 0.0
                    for p in httpx.get(
                        f"{base}/api/v1/sites/{site['id']}/consumption",
                        params={"quantity": "water_volume", "window": "day"},
                        headers=headers,
                        timeout=5,
                    ).json()["points"]
                )
                for site in sites
            ]
            if len(water) == 4 and all(w > 0 for w in water):
                return float(sum(water))
        except (httpx.HTTPError, KeyError, ValueError, TypeError):
            pass
        time.sleep(1)
    raise AssertionError("no consumption in the sites' last 31 days within a minute")


def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    return proc.wait(30)


@pytest.mark.parametrize("broker", ["mosquitto", "amqtt"])
def test_run_shows_data_stops_on_ctrl_c_and_resumes(tmp_path: Path, broker: str) -> None:
    data, port = tmp_path / "data", free_port()
    data.mkdir()
    proc = start(data, port, broker)
    try:
        deadline = time.monotonic() + 30
        while not (data / "admin-key.txt").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        key = (data / "admin-key.txt").read_text().strip()
        base = f"http://127.0.0.1:{port}"
        first = site_water(base, key)
        page = httpx.get(f"{base}/ui/", timeout=5)
        assert page.status_code == 200 and "uPlot" in page.text
    finally:
        code = stop(proc)
    assert code == 0, (tmp_path / f"run-{broker}.log").read_text()[-3000:]
    assert "Traceback" not in (tmp_path / f"run-{broker}.log").read_text()

    proc = start(data, port, broker)
    try:
        again = site_water(base, key)
        assert again >= first  # the stored history is still there, and grows
    finally:
        assert stop(proc) == 0
