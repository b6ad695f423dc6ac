"""Scenarios 3 and 4 of issue #9: a year of 15-minute history backfilled into each backend, then
the monthly consumption report of every meter and every site over that year, cold and warm.

    python -m bench.store --meters 1000 --days 365 --dir /tmp/releve-store --write

Readings come from the simulator's engine in backfill order (time order across the fleet,
batches of 5,000 like the bridge's), each backend timed on its own ``Store.write`` calls. The
report is ``domain.consumption.analytics.report`` (one read of the store per quantity for all groups);
``--legacy`` times instead one ``domain.consumption.analytics.consumption`` call per meter or site, the only
way the API had before, so that older code can be measured on the same data (see BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.fleet import PARIS, START, bench_fleet, readings
from bench.report import machine_line, write_section
from domain.consumption import analytics
from kernel.types import Reading
from registry import Device
from simulator.fleet import Fleet
from store import Store, Window
from store.influx.store import InfluxStore
from store.sqlite import SqliteStore
from tests.influx_server import InfluxProcess

BACKENDS = ("sqlite", "influxdb")
TARGET_S = 0.5


def devices_of(fleet: Fleet) -> dict[str, list[Device]]:
    """Registry devices per site slug."""
    out: dict[str, list[Device]] = {}
    for n, (site, spec) in enumerate(fleet.devices()):
        device = Device(dev_eui=spec.dev_eui, tenant_id=1, name=spec.name, model=spec.model, site_id=n)
        out.setdefault(site.slug, []).append(device)
    return out


def quantities_of(fleet: Fleet) -> dict[str, str]:
    return {d.dev_eui: d.quantity or "" for _, d in fleet.devices()}


class Backends:
    """The stores under test, in one working directory, InfluxDB being a real influxd."""

    def __init__(self, workdir: Path, names: Sequence[str], batch: int = 5000) -> None:
        self.workdir = workdir
        self.batch = batch
        self.names = list(names)
        self.influx = InfluxProcess(workdir / "influx") if "influxdb" in names else None
        if self.influx:
            self.influx.start()

    def open(self, name: str) -> Store:
        try:
            if name == "sqlite":
                return SqliteStore(self.workdir / "readings.db", timezone="Europe/Paris")
            assert self.influx is not None
            return InfluxStore(self.influx.url, "bench", timezone="Europe/Paris", batch_size=self.batch)
        except TypeError:  # the code before daily rollups (``--legacy`` on an older checkout)
            if name == "sqlite":
                return SqliteStore(self.workdir / "readings.db")
            assert self.influx is not None
            return InfluxStore(self.influx.url, "bench", batch_size=self.batch)

    def restart_influx(self) -> None:
        if self.influx:
            self.influx.stop()
            self.influx.start()

    def settle_influx(self, limit_s: float = 600.0) -> float:
        """Wait until InfluxDB has compacted what a backfill wrote (its server compacts a shard
        fully after 10 s without writes, as a long-running server does after hours): a backfill
        rewrites each rollup point once per batch, and a read merges every version not yet
        compacted. Returns the seconds waited."""
        if not self.influx:
            return 0.0
        start = time.monotonic()
        time.sleep(25.0)  # the cache snapshot (10 s cold), then the full compaction's 10 s
        while time.monotonic() - start < limit_s:
            stats = httpx.get(f"{self.influx.url}/debug/vars", timeout=10).json()
            active = sum(
                int(v)
                for key, entry in stats.items()
                if key.startswith("tsm1_engine")
                for name, v in entry.get("values", {}).items()
                if name.endswith("CompactionsActive")
            )
            if not active:
                break
            time.sleep(2.0)
        return time.monotonic() - start

    def size_mb(self, name: str) -> float:
        if name == "sqlite":
            files = [self.workdir / n for n in ("readings.db", "readings.db-wal")]
            return sum(f.stat().st_size for f in files if f.exists()) / 1e6
        out = subprocess.run(["du", "-sb", str(self.workdir / "influx")], capture_output=True, text=True)
        return int(out.stdout.split()[0]) / 1e6 if out.returncode == 0 else float("nan")

    def close(self) -> None:
        if self.influx:
            self.influx.stop()


def backfill(fleet: Fleet, days: float, backends: Backends, batch: int) -> dict[str, Any]:
    """Write the fleet's readings in time order into every backend; seconds spent in each."""
    stores = {name: backends.open(name) for name in backends.names}
    spent = dict.fromkeys(stores, 0.0)
    generated = 0.0
    n = 0
    pending = []
    end = fleet.start + timedelta(days=days)
    t_gen = time.perf_counter()
    last_note = time.monotonic()
    for r in readings(fleet, end):
        pending.append(r)
        if len(pending) < batch:
            continue
        generated += time.perf_counter() - t_gen
        for name, store in stores.items():
            t0 = time.perf_counter()
            store.write(pending)
            spent[name] += time.perf_counter() - t0
        n += len(pending)
        pending = []
        if time.monotonic() - last_note > 60:
            last_note = time.monotonic()
            rates = ", ".join(f"{k} {n / v:,.0f}/s" for k, v in spent.items())
            print(f"  {n:,} readings written ({rates})", flush=True)
        t_gen = time.perf_counter()
    generated += time.perf_counter() - t_gen
    for name, store in stores.items():
        t0 = time.perf_counter()
        store.write(pending)
        spent[name] += time.perf_counter() - t0
        store.close()
    n += len(pending)
    return {
        "readings": n,
        "generate_per_s": n / generated,
        "write_per_s": {k: n / v for k, v in spent.items()},
        "write_s": spent,
        "size_mb": {k: backends.size_mb(k) for k in stores},
    }


def load_rollups(sqlite_path: Path, backends: Backends, hours: bool = True) -> dict[str, Any]:
    """Copy an SQLite run's rollups (and each series' newest raw day, for ``latest``) into
    InfluxDB as they are: the same year of hourly and daily rollups, without replaying the
    readings through the rollup recomputation (see BENCHMARKS.md for why)."""
    import sqlite3

    from store.influx.lineprotocol import line

    store = backends.open("influxdb")
    assert isinstance(store, InfluxStore)
    conn = sqlite3.connect(sqlite_path)
    t0 = time.perf_counter()
    n = 0
    tables = [("rollup_1h", "hour", "rollup_1h")] if hours else []
    for table, column, measurement in [*tables, ("rollup_1d", "day", "rollup_1d")]:
        cursor = conn.execute(
            f"SELECT dev_eui, quantity, channel, {column}, count, consumption, vmin, vmax, vsum, first, last "
            f"FROM {table}"
        )
        while rows := cursor.fetchmany(50_000):
            lines = [
                line(
                    measurement,
                    {"dev_eui": e, "quantity": q, "channel": ch},
                    {"count": c, "consumption": u, "min": lo, "max": hi, "sum": s, "first": f, "last": la},
                    datetime.fromtimestamp(t / 1e6, PARIS),
                    "u",
                )
                for e, q, ch, t, c, u, lo, hi, s, f, la in rows
            ]
            store.client.write(lines, store.client.rollup_rp, "u")
            n += len(lines)
    # InfluxDB also keeps monthly rollups, from its daily ones (SQLite groups days in SQL).
    first, last = conn.execute("SELECT min(day), max(day) FROM rollup_1d").fetchone()
    if first is not None:
        n += store.rebuild_months(
            datetime.fromtimestamp(first / 1e6, PARIS), datetime.fromtimestamp(last / 1e6 + 86400, PARIS)
        )
    newest = conn.execute("SELECT max(ts) FROM readings").fetchone()[0]
    raw = [
        Reading(e, q, v, unit, kind, datetime.fromtimestamp(ts / 1e6, PARIS), channel=ch, delta=d)
        for e, q, ch, ts, v, unit, kind, d in conn.execute(
            "SELECT dev_eui, quantity, channel, ts, value, unit, kind, delta FROM readings WHERE ts >= ?",
            (newest - 6 * 3600 * 1_000_000,),
        )
    ]
    for i in range(0, len(raw), 50_000):
        store.client.write([store.reading_line(r) for r in raw[i : i + 50_000]], store.client.raw_rp)
    conn.close()
    store.close()
    return {"rollups": n, "raw": len(raw), "seconds": time.perf_counter() - t0}


def report_groups(fleet: Fleet, per: str) -> dict[str, dict[str, list[Device]]]:
    """quantity -> group name -> devices, per meter or per site."""
    quantity = quantities_of(fleet)
    out: dict[str, dict[str, list[Device]]] = {}
    for slug, members in devices_of(fleet).items():
        for d in members:
            name = d.dev_eui if per == "meter" else slug
            out.setdefault(quantity[d.dev_eui], {}).setdefault(name, []).append(d)
    return out


def run_report(store: Store, groups: dict[str, dict[str, list[Device]]], legacy: bool) -> int:
    """The monthly report over the year for every group; returns how many series it made."""
    start, end = START, START.replace(year=START.year + 1)
    made = 0
    for quantity, by_name in groups.items():
        if legacy:
            for members in by_name.values():
                analytics.consumption(store, members, quantity, Window.MONTH, start, end, "Europe/Paris")
                made += 1
        else:
            series = analytics.report(store, by_name, quantity, Window.MONTH, start, end, "Europe/Paris")
            made += len(series)
            assert all(len(s.points) == 12 for s in series.values())
    return made


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def profile_of(fn: Callable[[], object], lines: int = 8) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(lines)
    text = out.getvalue()
    table = text[text.find("ncalls") :] if "ncalls" in text else text
    return table.strip()


def reports(
    fleet: Fleet, backends: Backends, runs: int, legacy: bool, pers: Sequence[str] = ("meter", "site")
) -> dict[str, Any]:
    """Cold (first query after opening the store; InfluxDB restarted) and warm (median) times."""
    out: dict[str, Any] = {}
    for name in backends.names:
        for per in pers:
            groups = report_groups(fleet, per)
            if name == "influxdb":
                backends.restart_influx()
            store = backends.open(name)
            cold = timed(lambda s=store, g=groups: run_report(s, g, legacy))  # type: ignore[misc]
            warm_runs = [
                timed(lambda s=store, g=groups: run_report(s, g, legacy))  # type: ignore[misc]
                for _ in range(runs)
            ]
            warm = statistics.median(warm_runs)
            entry: dict[str, Any] = {"cold_s": cold, "warm_s": warm, "runs": warm_runs}
            if warm > TARGET_S and not legacy:
                entry["profile"] = profile_of(lambda s=store, g=groups: run_report(s, g, legacy))  # type: ignore[misc]
            out[f"{name}/{per}"] = entry
            store.close()
            print(f"report {name} per {per}: cold {cold:.3f} s, warm {warm:.3f} s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--meters", type=int, default=1000)
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--days", type=float, default=364.5, help="from 2025-12-01 to about now")
    parser.add_argument("--interval", type=int, default=900, help="seconds between a meter's readings")
    parser.add_argument("--batch", type=int, default=50_000, help="readings per Store.write call")
    parser.add_argument("--runs", type=int, default=5, help="warm repeats of each report (median)")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument(
        "--dir", type=Path, default=None, help="keep the data here (default: a temporary dir)"
    )
    parser.add_argument("--report-only", action="store_true", help="reuse the data already in --dir")
    parser.add_argument("--legacy", action="store_true", help="one analytics.consumption call per group")
    parser.add_argument(
        "--influx-from-sqlite", type=Path, default=None, help="load InfluxDB with this SQLite file's rollups"
    )
    parser.add_argument("--days-only", action="store_true", help="--influx-from-sqlite: daily rollups only")
    parser.add_argument("--per", default="meter,site", help="which reports: meter, site or both")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON here")
    parser.add_argument(
        "--before", type=Path, default=None, help="JSON of a --legacy run to show side by side"
    )
    parser.add_argument("--write", action="store_true", help="rewrite the store section of BENCHMARKS.md")
    parser.add_argument("--notes", type=Path, default=None, help="Markdown appended to the section")
    parser.add_argument(
        "--from-json", type=Path, nargs="+", default=None, help="only write the section from earlier runs"
    )
    args = parser.parse_args()
    if args.from_json:
        merged = merge([json.loads(p.read_text()) for p in args.from_json])
        before = json.loads(args.before.read_text()) if args.before else None
        write_section("store", markdown(merged, before, args))
        return
    names = [b for b in args.backends.split(",") if b]
    fleet = bench_fleet(args.meters, args.sites, interval_s=args.interval)
    workdir = args.dir or Path(f"/tmp/releve-bench-store-{int(time.time())}")
    if not args.report_only and workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    backends = Backends(workdir, names, args.batch)
    results: dict[str, Any] = {
        "meters": args.meters,
        "sites": args.sites,
        "days": args.days,
        "interval": args.interval,
        "batch": args.batch,
        "when": datetime.now(PARIS).isoformat(timespec="minutes"),
    }
    try:
        if args.influx_from_sqlite:
            results["loaded"] = load_rollups(args.influx_from_sqlite, backends, not args.days_only)
            print(f"loaded: {results['loaded']}", flush=True)
        elif not args.report_only:
            print(f"backfill: {args.meters} meters, {args.days:g} days, into {', '.join(names)}", flush=True)
            results["backfill"] = backfill(fleet, args.days, backends, args.batch)
            print(json.dumps(results["backfill"], indent=1), flush=True)
            results["settled_s"] = backends.settle_influx()
        results["report"] = reports(fleet, backends, args.runs, args.legacy, args.per.split(","))
    finally:
        backends.close()
    results["load"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if args.write:
        before = json.loads(args.before.read_text()) if args.before else None
        write_section("store", markdown(results, before, args))


def merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Runs of one backend each, or of several fleets: every backfill, and the reports of the
    runs that measured them (later runs win)."""
    out: dict[str, Any] = {**runs[0], "report": {}, "backfills": []}
    for r in runs:
        if "backfill" in r:
            out["backfills"].append({**r["backfill"], **{k: r.get(k) for k in ("days", "interval", "batch")}})
        out["report"].update(r.get("report", {}))
    return out


def markdown(results: dict[str, Any], before: dict[str, Any] | None, args: argparse.Namespace) -> str:
    command = (
        f"python -m bench.store --meters {args.meters} --sites {args.sites} --days {args.days:g} "
        f"--interval {args.interval} --runs {args.runs} --write"
    )
    lines = [
        "## Backfill and the monthly report (issue #9 scenarios 3 and 4)",
        "",
        machine_line(command, args.runs),
        f"Fleet: {args.meters:,} index meters (two water for one electricity) on {args.sites} sites, "
        f"one reading every {args.interval // 60} minutes for {args.days:g} days from {START:%Y-%m-%d}"
        " (Europe/Paris).",
        "",
    ]
    fills = results.get("backfills") or ([results["backfill"]] if "backfill" in results else [])
    if fills:
        lines += [
            "### Backfill (scenario 3)",
            "",
            "Readings from the simulator's engine in backfill order (time order across the fleet),",
            "written in batches (`Store.write` calls); the engine's own time is not counted. Each write",
            "upserts the readings and the latest values and recomputes the hourly, daily and monthly",
            "rollups it touched.",
            "",
            "| backend | readings | every | batch | readings/s | time | size on disk |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for fill in fills:
            every = f"{(fill.get('interval') or args.interval) // 60} min"
            batch = f"{fill.get('batch') or args.batch:,}"
            for name, rate in fill["write_per_s"].items():
                lines.append(
                    f"| {name} | {fill['readings']:,} | {every} | {batch} | {rate:,.0f} | "
                    f"{fill['write_s'][name]:,.0f} s | {fill['size_mb'][name]:,.0f} MB |"
                )
        lines.append("")
    lines += [
        "### Monthly report over the year (scenario 4)",
        "",
        "Every meter's (or every site's) consumption per month over the 12 months, through",
        "`domain.consumption.analytics.report`: one store read per quantity for all meters, "
        "whole months from the",
        "monthly rollups (days and hours around them from the daily and hourly ones). Cold: the first",
        "report after opening the store (InfluxDB restarted; the OS page cache stays warm). Warm:",
        "median of the repeats. Target: under 0.5 s warm.",
        "",
        "| backend, report | cold | warm | target |" + (" before: warm |" if before else ""),
        "|---|---:|---:|---|" + ("---:|" if before else ""),
    ]
    for key, entry in results["report"].items():
        ok = "met" if entry["warm_s"] < TARGET_S else "**missed**"
        row = f"| {key.replace('/', ', per ')} | {entry['cold_s']:.3f} s | {entry['warm_s']:.3f} s | {ok} |"
        if before:
            old = before["report"].get(key)
            row += f" {old['warm_s']:.2f} s |" if old else " |"
        lines.append(row)
    if before:
        lines += [
            "",
            f"Before (measured {before['when']} on the same data with the code of `main` before daily",
            "rollups, `--legacy`): one `analytics.consumption` call per meter or site, each folding the",
            "year's 8,760 hourly rollups per meter in Python.",
        ]
    if getattr(args, "notes", None):
        lines += ["", args.notes.read_text().strip()]
    for key, entry in results["report"].items():
        if "profile" in entry:
            lines += [
                "",
                f"Profile of the warm report {key} (cProfile, by own time):",
                "",
                "```",
                entry["profile"],
                "```",
            ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
