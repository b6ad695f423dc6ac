"""Every scenario of issue #9, one after the other: ``python -m bench.suite [--only a,b] [--dry-run]``.

Each scenario is its own module with its own private servers (Mosquitto, InfluxDB, Node-RED,
uvicorn), run here in a subprocess with the command its section of BENCHMARKS.md gives, and
rewrites that section (``--write``). The scenarios must not overlap: they measure CPU and
latency on the same cores. The whole suite takes about three hours on 2 cores (the backlog,
the year of backfill and the two 30-minute city runs are most of it); ``--only`` picks some.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (name, arguments after ``python -m``): the order runs the short ones first.
SCENARIOS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (name, tuple(command.split()))
    for name, command in (
        ("decode", "bench.decode --write"),
        ("bridge", "bench --days 7 --runs 3 --write"),
        ("ingest", "bench.ingest --runs 3 --workers 2 --write"),
        ("backlog", "bench.ingest --backlog 1000000 --only bridge,nodered --write"),
        ("recovery", "bench.recovery --runs 3 --write"),
        ("store", "bench.store --meters 1000 --sites 200 --interval 900 --write"),
        (
            "api",
            "bench.api_load --workers 1,2 --duration 8 --connections 16 --runs 3 --cache-ttl 10,0 "
            "--no-overview --write",
        ),
        ("dashboard", "bench.dashboard --sites 200 --runs 5 --write"),
        ("city", "bench.city --rate 150 --minutes 30 --write"),
        ("city-outage", "bench.city --rate 150 --minutes 36 --outage-minutes 30 --outage-at 3 --write"),
    )
)


def chosen(only: str | None) -> list[tuple[str, tuple[str, ...]]]:
    """The scenarios named in ``only`` (comma-separated), in the suite's order; all by default."""
    if not only:
        return list(SCENARIOS)
    names = {n.strip() for n in only.split(",") if n.strip()}
    unknown = names - {name for name, _ in SCENARIOS}
    if unknown:
        known = ", ".join(name for name, _ in SCENARIOS)
        raise SystemExit(f"unknown scenario(s): {', '.join(sorted(unknown))} (known: {known})")
    return [(name, args) for name, args in SCENARIOS if name in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default=None, help="comma-separated scenarios (default: all)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    args = parser.parse_args()
    failed: list[str] = []
    for name, module_args in chosen(args.only):
        cmd = [sys.executable, "-m", *module_args]
        print(f"== {name}: python -m {' '.join(module_args)}", flush=True)
        if args.dry_run:
            continue
        start = time.monotonic()
        result = subprocess.run(cmd, cwd=ROOT, check=False)
        print(f"== {name}: exit {result.returncode} after {time.monotonic() - start:,.0f} s", flush=True)
        if result.returncode != 0:
            failed.append(name)  # the others still run: each writes its own section
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
