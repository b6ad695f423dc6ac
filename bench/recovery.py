"""Crash recovery against the normal drain, side by side in one run.

``python -m bench.recovery [--store influxdb|sqlite] [--uplinks N] [--devices D] [--runs R] [--write]``:
the town workload's ChirpStack v4 envelopes go through the bridge's pipeline (``Bridge.intake``
then ``Ingestor.process``, one thread, no MQTT) into a private real InfluxDB or a SQLite file:

1. the normal drain: the first N uplinks, rollups held as the bridge holds them (30 s);
2. a crash mid-drain: the next N uplinks are processed the same way, their raw readings are
   written, and the process "dies" before it writes its held rollups and marks its uplinks (as a
   SIGKILL leaves them: pending in the archive, their readings already in the store);
3. the recovery: a new ingestor processes the N pending uplinks (``Ingestor.recover``, what the
   bridge runs at its start), placing every replayed reading among what is stored.

Prints both rates (uplinks/s) and their ratio; issue #17's target is a recovery at least half as
fast as the normal drain.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.pipeline import ListSource
from bench.report import machine_line, write_section
from bench.workload import Item, cached, recent_start, town
from gateway_bridge.service import Bridge
from ingest.archive import Archive
from ingest.flushing import FlushPolicy
from ingest.pipeline import Ingestor
from registry import open_registry
from releve.runtime import provision_fleet
from store.open import open_store

CACHE = Path(tempfile.gettempdir()) / "releve-bench"
HOLD_S = 30.0


def drain(items: Sequence[Item], registry_url: str, store_url: str, *, crash: bool) -> float:
    """Uplinks per second through intake and processing; with ``crash``, stop before the last
    flush (no rollups written, no uplink marked), as a SIGKILL would."""
    registry = open_registry(registry_url)
    store = open_store(store_url)
    # with ``crash``, nothing is flushed before the "kill", whatever the size
    policy = FlushPolicy(HOLD_S, 10**9, 10**9) if crash else FlushPolicy(HOLD_S)
    ingestor = Ingestor(registry, Archive(registry.engine), store, flush=policy)
    bridge = Bridge(ListSource(items), ingestor, batch_size=500, batch_wait_s=0)
    ingestor.hold()
    start = time.perf_counter()
    while bridge.counters.messages < len(items):
        bridge.step()
    if not crash:
        ingestor.release()
    elapsed = time.perf_counter() - start
    store.close()
    registry.close()
    return len(items) / elapsed


def recover(registry_url: str, store_url: str) -> tuple[float, int]:
    """Uplinks per second of a new process's catch-up, and how many it processed."""
    registry = open_registry(registry_url)
    store = open_store(store_url)
    ingestor = Ingestor(registry, Archive(registry.engine), store, flush=FlushPolicy(HOLD_S))
    ingestor.hold()
    start = time.perf_counter()
    done = ingestor.recover(500)
    elapsed = time.perf_counter() - start
    store.close()
    registry.close()
    return done / elapsed, done


def one_run(items: Sequence[Item], devices: int, store: str, workdir: Path) -> tuple[float, float]:
    from tests.influx_server import InfluxProcess

    half = len(items) // 2
    registry_url = f"sqlite:///{workdir / 'registry.db'}"
    registry = open_registry(registry_url)
    provision_fleet(registry, town(devices, recent_start(len(items), devices)))
    registry.close()
    influx = InfluxProcess(workdir / "influx")
    if store == "influxdb":
        influx.start()
        store_url = f"influxdb://127.0.0.1:{influx.http_port}/bench"
    else:
        store_url = f"sqlite:///{workdir / 'readings.db'}"
    try:
        normal = drain(items[:half], registry_url, store_url, crash=False)
        drain(items[half:], registry_url, store_url, crash=True)
        recovery, done = recover(registry_url, store_url)
        assert done == len(items) - half, f"recovered {done} of {len(items) - half}"
    finally:
        if store == "influxdb":
            influx.stop()
    return normal, recovery


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", choices=("influxdb", "sqlite"), default="influxdb")
    parser.add_argument("--uplinks", type=int, default=40_000, help="both halves: drained, then recovered")
    parser.add_argument("--devices", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="rewrite this scenario's BENCHMARKS.md section")
    args = parser.parse_args()
    fleet = town(args.devices, recent_start(args.uplinks, args.devices))
    items = cached(CACHE / f"recovery-{args.devices}-{args.uplinks}.txt", fleet, args.uplinks)
    rows = []
    for n in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            normal, recovery = one_run(items, args.devices, args.store, Path(tmp))
        rows.append((normal, recovery))
        print(
            f"run {n + 1}: normal drain {normal:,.0f} uplinks/s, recovery after a crash "
            f"{recovery:,.0f} uplinks/s ({recovery / normal:.2f}x)"
        )
    if args.write:
        command = (
            f"python -m bench.recovery --store {args.store} --uplinks {args.uplinks} "
            f"--devices {args.devices} --runs {args.runs} --write"
        )
        lines = [
            "## Recovery after a crash (issue #17)",
            "",
            machine_line(command, args.runs),
            "",
            f"{args.uplinks // 2:,} uplinks of {args.devices:,} devices drained normally, then "
            f"{args.uplinks // 2:,} more processed and the process stopped before its flush (a "
            "SIGKILL: readings stored, rollups and marks lost), then recovered by a new process. "
            "Target: the recovery at least half the normal drain rate.",
            "",
            f"| run | normal drain ({args.store}) | recovery | ratio |",
            "|---|---:|---:|---:|",
            *(
                f"| {n + 1} | {normal:,.0f} uplinks/s | {back:,.0f} uplinks/s | {back / normal:.2f}x |"
                for n, (normal, back) in enumerate(rows)
            ),
        ]
        write_section("recovery", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
