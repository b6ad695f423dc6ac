"""Scenario 5 of issue #9: the API under load, with ``wrk`` on loopback (Debian: apt-get install wrk).

    python -m bench.api_load --workers 1,2,4 --duration 15 --write

A town of 1,000 meters on 200 sites (the registry provisioned from the benchmark fleet, the store
filled with this month and last year's same month, hourly readings: the API reads rollups, whose
number does not depend on how often meters report), served by uvicorn with N worker processes.
Two requests: the daily consumption of a site (its default span, the last 31 days; a random
site per request) and the overview of the 200 sites (this month against last year's).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.fleet import PARIS, bench_fleet, readings
from bench.report import machine_line, write_section
from ingest.open_store import open_store
from ingest.registry import Role, open_registry
from releve.broker import free_port
from releve.runtime import provision_fleet
from simulator.fleet import Fleet

TARGET_RPS, TARGET_P99_MS = 1000, 50.0


def periods(now: datetime) -> list[tuple[datetime, datetime]]:
    """The last 40 days, and last year's month around today (what the overview compares)."""
    month = now.astimezone(PARIS).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_year = month.replace(year=month.year - 1)
    return [(last_year - timedelta(days=2), last_year + timedelta(days=33)), (now - timedelta(days=40), now)]


def build(workdir: Path, fleet_args: tuple[int, int], store_url: str, fill: bool) -> str:
    """Registry (and, with ``fill``, the store) for the load test; returns a viewer API key."""
    meters, sites = fleet_args
    registry = open_registry(f"sqlite:///{workdir / 'registry.db'}")
    provision_fleet(registry, bench_fleet(meters, sites))
    _, token = registry.create_key(registry.owner_tenant().id, Role.VIEWER, "bench")
    registry.close()
    if not fill:
        return token
    store = open_store(store_url, timezone="Europe/Paris")
    now = datetime.now(UTC)
    n = 0
    for start, end in periods(now):
        fleet: Fleet = bench_fleet(meters, sites, start=start.astimezone(PARIS), interval_s=3600)
        batch = []
        for r in readings(fleet, end):
            batch.append(r)
            if len(batch) >= 5000:
                store.write(batch)
                n += len(batch)
                batch = []
        store.write(batch)
        n += len(batch)
    print(f"store filled with {n:,} readings", flush=True)
    store.close()
    return token


class Api:
    """uvicorn with ``workers`` processes of api.app:app_from_environment."""

    def __init__(self, workdir: Path, store_url: str, workers: int) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "RELEVE_DATA_DIR": str(workdir),
            "RELEVE_STORE_URL": store_url,
            "RELEVE_LOG_LEVEL": "WARNING",
        }
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:app_from_environment",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        self.proc = subprocess.Popen(cmd, env=env, cwd=Path(__file__).resolve().parents[1])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("uvicorn did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_LUA_SITES = """
wrk.headers["Authorization"] = "Bearer {token}"
request = function()
  return wrk.format(nil, "/api/v1/sites/" .. math.random(1, {sites}) .. "/consumption?window=day")
end
"""
_LUA_ONE = """
wrk.headers["Authorization"] = "Bearer {token}"
wrk.path = "{path}"
"""
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk(url: str, script: str, duration: int, connections: int, threads: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--latency",
        "-s",
        fh.name,
        url,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    os.unlink(fh.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = {
        p: float(v) * _UNITS[u]
        for p, v, u in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50_ms": lat.get("50", float("nan")),
        "p99_ms": lat.get("99", float("nan")),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--meters", type=int, default=1000)
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--workers", default="1,2,4", help="uvicorn worker counts to try")
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3, help="repeats of each measurement (median)")
    parser.add_argument("--store-url", default=None, help="a store bench.store filled (default: fill SQLite)")
    parser.add_argument("--influx-dir", type=Path, default=None, help="start influxd on bench.store's data")
    parser.add_argument("--dir", type=Path, default=None, help="reuse or keep the data here")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--notes", type=Path, default=None, help="Markdown appended to the section")
    parser.add_argument("--from-json", type=Path, default=None, help="only write the section from a run")
    args = parser.parse_args()
    if args.from_json:
        results = json.loads(args.from_json.read_text())
        write_section("api", markdown(results, args, args.store_url or "sqlite"))
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="releve-api-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    influx = None
    if args.influx_dir:
        from tests.influx_server import InfluxProcess

        influx = InfluxProcess(args.influx_dir)
        influx.start()
        args.store_url = f"influxdb://127.0.0.1:{influx.http_port}/bench?create=false"
    store_url = args.store_url or f"sqlite:///{workdir / 'readings.db'}"
    token_file = workdir / "token"
    if token_file.exists():
        token = token_file.read_text()
    else:
        token = build(workdir, (args.meters, args.sites), store_url, fill=args.store_url is None)
        token_file.write_text(token)
    try:
        results = measure(args, workdir, store_url, token)
    finally:
        if influx:
            influx.stop()
    (workdir / "api_load.json").write_text(json.dumps(results, indent=1))
    if args.write:
        write_section("api", markdown(results, args, store_url))


def measure(args: argparse.Namespace, workdir: Path, store_url: str, token: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for workers in [int(w) for w in args.workers.split(",")]:
        api = Api(workdir, store_url, workers)
        try:
            headers = {"Authorization": f"Bearer {token}"}
            for path in ("/api/v1/sites/1/consumption?window=day", "/api/v1/overview"):
                httpx.get(api.url + path, headers=headers, timeout=60).raise_for_status()
            scenarios = {
                "site daily consumption": _LUA_SITES.format(token=token, sites=args.sites),
                "overview of the sites": _LUA_ONE.format(token=token, path="/api/v1/overview"),
            }
            for name, script in scenarios.items():
                conns = args.connections if name.startswith("site") else max(2, args.connections // 4)
                runs = [wrk(api.url, script, args.duration, conns, 2) for _ in range(args.runs)]
                med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                results[f"{name}|{workers}"] = {**med, "connections": conns}
                print(
                    f"{name}, {workers} workers, {conns} connections: {med['rps']:,.0f} req/s, "
                    f"p50 {med['p50_ms']:.1f} ms, p99 {med['p99_ms']:.1f} ms, non-2xx {med['non_2xx']:.0f}",
                    flush=True,
                )
        finally:
            api.stop()
    return results


def markdown(results: dict[str, Any], args: argparse.Namespace, store_url: str) -> str:
    backend = "InfluxDB" if store_url.startswith("influx") else "SQLite"
    command = (
        f"python -m bench.api_load --workers {args.workers} --duration {args.duration} "
        f"--connections {args.connections} --runs {args.runs} --write"
    )
    lines = [
        "## API under load (issue #9 scenario 5)",
        "",
        machine_line(command, args.runs),
        f"{args.meters:,} meters on {args.sites} sites, store {backend}; wrk (2 threads) on loopback against",
        "uvicorn with N worker processes (`releve api --workers N`). Site daily consumption: the last",
        "31 days of a random site per request. Overview: every site's month to date against last year's.",
        f"Target: {TARGET_RPS:,} req/s with p99 under {TARGET_P99_MS:.0f} ms for a site's daily consumption.",
        "",
        "| request | workers | connections | req/s | p50 | p99 | target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for key, r in results.items():
        name, workers = key.split("|")
        target = ""
        if name.startswith("site"):
            target = "met" if r["rps"] >= TARGET_RPS and r["p99_ms"] < TARGET_P99_MS else "**missed**"
        lines.append(
            f"| {name} | {workers} | {r['connections']} | {r['rps']:,.0f} | {r['p50_ms']:.1f} ms | "
            f"{r['p99_ms']:.1f} ms | {target} |"
        )
    if args.notes:
        lines += ["", args.notes.read_text().strip()]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
