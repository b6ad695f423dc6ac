"""The intake's archive insert as the archive grows, side by side with another checkout.

``python -m bench.archive [--uplinks N] [--devices D] [--runs R] [--baseline DIR]``: the town
workload's ChirpStack v4 envelopes (bench.workload) are parsed, then archived in batches of
1,000 (``Archive.store``, as the bridge's intake does) into a new SQLite registry, by this
checkout and by ``--baseline`` (e.g. a ``git worktree`` of an older commit) in turn, each in a
process of its own. Prints, per tenth of the uplinks, the insert's CPU and wall time per uplink
in the thread that archives: how its cost grows with what the archive holds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.workload import cached, recent_start, town

CACHE = Path(tempfile.gettempdir()) / "releve-bench"

# Run in the checkout measured (its own modules): the API it uses is the same in earlier ones.
DRIVER = """
import json, sys, tempfile, time
from pathlib import Path
from gateway_bridge.envelopes import parse
from ingest.archive import Archive
from registry import open_registry

workload, tenths = sys.argv[1], int(sys.argv[2])
with open(workload, "rb") as fh:
    fh.readline()
    items = [(t.decode(), b) for t, _, b in (ln.rstrip(b"\\n").partition(b"\\t") for ln in fh)]
with tempfile.TemporaryDirectory() as tmp:
    registry = open_registry(f"sqlite:///{Path(tmp) / 'registry.db'}")
    archive = Archive(registry.engine)
    step = len(items) // tenths
    for start in range(0, step * tenths, step):
        uplinks = [(parse(topic, body), "bench") for topic, body in items[start : start + step]]
        cpu, wall = time.thread_time(), time.perf_counter()
        for i in range(0, len(uplinks), 1000):
            archive.store(uplinks[i : i + 1000])
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        print(json.dumps([start + step, cpu * 1e6 / step, wall * 1e6 / step]), flush=True)
    registry.close()
"""


def measure(checkout: Path, workload: Path, tenths: int) -> list[tuple[int, float, float]]:
    """(uplinks archived, CPU us and wall us per uplink) per tenth, in a process of ``checkout``."""
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(workload), str(tenths)],
        cwd=checkout,
        env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return [(int(n), float(cpu), float(wall)) for n, cpu, wall in map(json.loads, done.stdout.splitlines())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--uplinks", type=int, default=1_000_000)
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--baseline", type=Path, help="another checkout, measured in turn")
    args = parser.parse_args()
    fleet = town(args.devices, recent_start(args.uplinks, args.devices))
    workload = CACHE / f"pipeline-{args.devices}-{args.uplinks}.txt"
    cached(workload, fleet, args.uplinks)
    here = Path(__file__).resolve().parents[1]
    checkouts = [("this checkout", here)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    print(f"{args.uplinks:,} uplinks of {args.devices:,} devices archived in batches of 1,000 (SQLite)")
    for run in range(1, args.runs + 1):
        for name, checkout in checkouts if run % 2 else checkouts[::-1]:
            rows = measure(checkout, workload, 10)
            tenths = ", ".join(f"{cpu:.0f}/{wall:.0f}" for _, cpu, wall in rows)
            print(f"run {run} {name}: CPU/wall us an uplink per tenth of the archive: {tenths}", flush=True)


if __name__ == "__main__":
    main()
