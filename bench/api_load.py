"""Scenario 5 of issue #9: the API under load, with ``wrk`` on loopback (Debian: apt-get install wrk).

    python -m bench.api_load --workers 1,2,4 --duration 15 --write
    python -m bench.api_load --workers 1,2 --baseline ../releve-before --dir DATA  # side by side

A town of 1,000 meters on 200 sites (the registry provisioned from the benchmark fleet, the store
filled with this month and last year's same month, hourly readings: the API reads rollups, whose
number does not depend on how often meters report), served by uvicorn with N worker processes.
Two requests: the daily consumption of a site (its default span, the last 31 days; a random
site per request) and the overview of the 200 sites (this month against last year's).

uvicorn runs as ``releve api`` runs it (log level info, access log on, written to a file in the
data directory), once per series cache setting (``--cache-ttl``: RELEVE_API_CACHE_TTL_S, 0 is
off) and, with ``--baseline``, also from another checkout, alternating run by run on the same
data. The share of site requests served from the series cache (``X-Cache: hit``) is counted.
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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.fleet import PARIS, bench_fleet, readings
from bench.report import machine_line, write_section
from registry import Role, open_registry
from releve.broker import free_port
from releve.runtime import provision_fleet
from simulator.fleet import Fleet
from store.open import open_store

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
    """uvicorn with ``workers`` processes of the app factory (releve.services), from checkout ``code``."""

    def __init__(self, workdir: Path, store_url: str, workers: int, variant: Variant) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "RELEVE_DATA_DIR": str(workdir),
            "RELEVE_STORE_URL": store_url,
            "RELEVE_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(variant.code),
        }
        if variant.cache_ttl is not None:
            env["RELEVE_API_CACHE_TTL_S"] = str(variant.cache_ttl)
        # The app factory moved with the layout of issue 23 (a "before" checkout may predate it).
        before_layout = not (variant.code / "releve" / "services.py").exists()
        factory = "api.app:app_from_environment" if before_layout else "releve.services:app_from_environment"
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            factory,
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--log-level",
            "info",  # as `releve api` runs it: one access log line per request
            *([] if variant.access_log else ["--no-access-log"]),
        ]
        self.log = (workdir / "uvicorn.log").open("ab")
        self.proc = subprocess.Popen(cmd, env=env, cwd=variant.code, stdout=self.log, stderr=self.log)
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
        self.log.close()


@dataclass(frozen=True)
class Variant:
    """What serves the requests: a checkout, its series cache TTL (None: the code's own), logs."""

    name: str
    code: Path
    cache_ttl: float | None
    access_log: bool


_LUA_SITES = """
wrk.headers["Authorization"] = "Bearer {token}"
local threads = {{}}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  hits, seen = 0, 0
end
request = function()
  return wrk.format(nil, "/api/v1/sites/" .. math.random(1, {sites}) .. "/consumption?window=day")
end
response = function(status, headers, body)
  seen = seen + 1
  if headers["X-Cache"] == "hit" or headers["x-cache"] == "hit" then hits = hits + 1 end
end
function done(summary, latency, requests)
  local h, n = 0, 0
  for _, t in ipairs(threads) do
    h = h + t:get("hits")
    n = n + t:get("seen")
  end
  io.write(string.format("cache hits %d of %d\\n", h, n))
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
    hits = re.search(r"cache hits (\d+) of (\d+)", out)
    return {
        "rps": rps,
        "p50_ms": lat.get("50", float("nan")),
        "p99_ms": lat.get("99", float("nan")),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
        "hit_rate": int(hits.group(1)) / max(1, int(hits.group(2))) if hits else float("nan"),
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
    parser.add_argument(
        "--cache-ttl", default="10,0", help="RELEVE_API_CACHE_TTL_S values to run (0: series cache off)"
    )
    parser.add_argument("--baseline", type=Path, default=None, help="also run this checkout (before)")
    parser.add_argument("--no-access-log", action="store_true", help="uvicorn without its access log")
    parser.add_argument("--no-overview", action="store_true", help="only the site daily consumption")
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


def variants(args: argparse.Namespace) -> list[Variant]:
    here = Path(__file__).resolve().parents[1]
    log = not args.no_access_log
    found = [Variant("before", args.baseline.resolve(), None, log)] if args.baseline else []
    for ttl in (float(t) for t in args.cache_ttl.split(",")):
        name = f"series cache {ttl:g} s" if ttl else "series cache off"
        found.append(Variant(name, here, ttl, log))
    return found


def measure(args: argparse.Namespace, workdir: Path, store_url: str, token: str) -> dict[str, Any]:
    """Each (workers, variant) ``args.runs`` times, the variants alternating run by run."""
    scenarios = {"site daily consumption": _LUA_SITES.format(token=token, sites=args.sites)}
    if not args.no_overview:
        scenarios["overview of the sites"] = _LUA_ONE.format(token=token, path="/api/v1/overview")
    results: dict[str, Any] = {}
    for workers in [int(w) for w in args.workers.split(",")]:
        runs: dict[str, list[dict[str, float]]] = {}
        for _ in range(args.runs):
            for variant in variants(args):
                for name, r in one_run(args, workdir, store_url, token, workers, variant, scenarios).items():
                    runs.setdefault(f"{name}|{workers}|{variant.name}", []).append(r)
        for key, found in runs.items():
            med = {k: statistics.median(r[k] for r in found) for k in found[0]}
            results[key] = {**med, "loads": [r["load"] for r in found]}
            name, _, variant_name = key.split("|")
            print(
                f"{name}, {workers} workers, {variant_name}: {med['rps']:,.0f} req/s, "
                f"p50 {med['p50_ms']:.1f} ms, p99 {med['p99_ms']:.1f} ms, "
                f"non-2xx {med['non_2xx']:.0f}, cache hits {med['hit_rate']:.1%}",
                flush=True,
            )
    return results


def one_run(
    args: argparse.Namespace,
    workdir: Path,
    store_url: str,
    token: str,
    workers: int,
    variant: Variant,
    scenarios: dict[str, str],
) -> dict[str, dict[str, float]]:
    api = Api(workdir, store_url, workers, variant)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        for path in ("/api/v1/sites/1/consumption?window=day", "/api/v1/overview"):
            httpx.get(api.url + path, headers=headers, timeout=60).raise_for_status()
        found = {}
        for name, script in scenarios.items():
            conns = args.connections if name.startswith("site") else max(2, args.connections // 4)
            r = wrk(api.url, script, args.duration, conns, 2)
            found[name] = {**r, "connections": conns, "load": os.getloadavg()[0]}
            print(
                f"  {name}, {workers} workers, {variant.name}: {r['rps']:,.0f} req/s, "
                f"p99 {r['p99_ms']:.1f} ms, hits {r['hit_rate']:.1%}, load {found[name]['load']:.1f}",
                flush=True,
            )
        return found
    finally:
        api.stop()


def markdown(results: dict[str, Any], args: argparse.Namespace, store_url: str) -> str:
    backend = "InfluxDB" if store_url.startswith("influx") else "SQLite"
    command = (
        f"python -m bench.api_load --workers {args.workers} --duration {args.duration} "
        f"--connections {args.connections} --runs {args.runs} --cache-ttl {args.cache_ttl}"
        + (" --baseline BEFORE" if args.baseline else "")
        + (" --no-access-log" if args.no_access_log else "")
        + (" --no-overview" if args.no_overview else "")
        + " --write"
    )
    log = "off" if args.no_access_log else "on, as `releve api` runs it"
    lines = [
        "## API under load (issue #9 scenario 5)",
        "",
        machine_line(command, args.runs),
        f"{args.meters:,} meters on {args.sites} sites, store {backend}; wrk (2 threads) on loopback against",
        f"uvicorn with N worker processes (`releve api --workers N`, access log {log}). Site daily",
        "consumption: the last 31 days of a random site per request; hits: the share served from the",
        "series cache (`X-Cache: hit`). Overview: every site's month to date against last year's.",
        f"Target: {TARGET_RPS:,} req/s with p99 under {TARGET_P99_MS:.0f} ms for a site's daily consumption.",
        "",
        "| request | workers | code | connections | req/s | p50 | p99 | hits | load | target |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for key, r in results.items():
        name, workers, variant = key.split("|")
        target = hits = ""
        if name.startswith("site"):
            target = "met" if r["rps"] >= TARGET_RPS and r["p99_ms"] < TARGET_P99_MS else "**missed**"
            counted = variant != "before" and r["hit_rate"] == r["hit_rate"]  # no X-Cache before
            hits = f"{r['hit_rate']:.0%}" if counted else "-"
        loads = " ".join(f"{x:.1f}" for x in r["loads"])
        lines.append(
            f"| {name} | {workers} | {variant} | {r['connections']:.0f} | {r['rps']:,.0f} | "
            f"{r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | {hits} | {loads} | {target} |"
        )
    if args.notes:
        lines += ["", args.notes.read_text().strip()]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
