"""Where the bridge's time goes: its pipeline without MQTT, stage by stage.

``python -m bench.pipeline [--store influxdb|sqlite] [--uplinks N] [--devices D] [--batch B]``:
the town workload's ChirpStack v4 envelopes (bench.workload) are parsed, archived, decoded and
written exactly as the bridge does it (``Bridge.intake`` then ``Ingestor.process``, one thread),
into a private real InfluxDB or a SQLite file. Prints uplinks per second and the share of each
stage in a cProfile of the run (cumulative time of the stage's entry function).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import queue
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.city_stats import stat_ticks
from bench.workload import Item, cached, recent_start, town
from gateway_bridge.counters import tune_gc
from gateway_bridge.mqtt import Message
from gateway_bridge.service import Bridge
from ingest.archive import Archive
from ingest.flushing import FlushPolicy
from ingest.pipeline import Ingestor
from registry import open_registry
from releve.runtime import provision_fleet
from store.open import open_store

CACHE = Path(tempfile.gettempdir()) / "releve-bench"

# (label, module file suffix, function name): the stages, in the order the bridge runs them.
STAGES = (
    ("envelope parsing", "envelopes/__init__.py", "parse"),
    ("archive insert (dedup)", "ingest/archive.py", "store"),
    ("device look-ups", "ingest/devices.py", "lookup"),
    ("decoding", "decoders/registry.py", "decode"),
    ("consumption deltas", "ingest/meter_state.py", "plan"),
    ("store write (raw and rollups)", "", "write"),
    ("archive state", "ingest/archive.py", "mark_in"),
    ("link statistics", "ingest/linkstats.py", "apply"),
)


class ListSource:
    """A message source over a list, acking nothing (the pipeline alone is measured)."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.messages: queue.Queue[Message] = queue.Queue()
        for mid, (topic, body) in enumerate(items):
            self.messages.put(Message(topic, body, mid % 65535 + 1, 1, 0))

    def ack(self, messages: Sequence[Message]) -> int:
        return len(messages)


def server_cpu_s(pid: int | None) -> float:
    """CPU seconds a server process has used so far (0 when there is none: SQLite)."""
    if pid is None:
        return 0.0
    return stat_ticks(Path(f"/proc/{pid}/stat").read_text()) / os.sysconf("SC_CLK_TCK")


def run(
    items: Sequence[Item],
    store_url: str,
    workdir: Path,
    batch: int,
    devices: int,
    hold: float = 0.0,
    server_pid: int | None = None,
) -> tuple[float, float]:
    """Uplinks per second through the pipeline, and the store server's CPU seconds per 1,000."""
    registry = open_registry(f"sqlite:///{workdir / 'registry.db'}")
    provision_fleet(registry, town(devices, recent_start(len(items), devices)))
    store = open_store(store_url)
    archive = Archive(registry.engine)
    ingestor = Ingestor(registry, archive, store, flush=FlushPolicy(every_s=hold))
    bridge = Bridge(ListSource(items), ingestor, batch_size=batch, batch_wait_s=0)
    tune_gc()  # as the bridge process does
    start = time.perf_counter()
    server_start = server_cpu_s(server_pid)
    ingestor.hold()
    while bridge.counters.messages < len(items):
        bridge.step()
    ingestor.release()
    elapsed = time.perf_counter() - start
    server = server_cpu_s(server_pid) - server_start
    store.close()
    registry.close()
    return len(items) / elapsed, server * 1000 / len(items)


def stage_shares(stats: pstats.Stats) -> list[tuple[str, float]]:
    table = stats.stats  # type: ignore[attr-defined]
    total = max(ct for (_f, _l, _n), (_cc, _nc, _tt, ct, _callers) in table.items())
    shares = []
    for label, suffix, name in STAGES:
        cum = sum(
            ct
            for (file, _line, fn), (_cc, _nc, _tt, ct, _callers) in table.items()
            if fn == name and file.endswith(suffix) and ("store" in file or suffix)
        )
        shares.append((label, cum / total))
    return shares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", choices=("influxdb", "sqlite"), default="influxdb")
    parser.add_argument("--uplinks", type=int, default=20_000)
    parser.add_argument("--devices", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument(
        "--hold", type=float, default=0.0, help="seconds the store may hold rollups (the bridge's 5)"
    )
    parser.add_argument("--profile", action="store_true", help="print the stage shares and the top functions")
    args = parser.parse_args()
    fleet = town(args.devices, recent_start(args.uplinks, args.devices))
    items = cached(CACHE / f"pipeline-{args.devices}-{args.uplinks}.txt", fleet, args.uplinks)
    from tests.influx_server import InfluxProcess

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        influx = InfluxProcess(workdir / "influx")
        if args.store == "influxdb":
            influx.start()
            store_url = f"influxdb://127.0.0.1:{influx.http_port}/bench"
        else:
            store_url = f"sqlite:///{workdir / 'readings.db'}"
        try:
            if args.profile:
                profiler = cProfile.Profile()
                args_ = (items, store_url, workdir, args.batch, args.devices, args.hold)
                rate, _ = profiler.runcall(run, *args_)
                stats = pstats.Stats(profiler)
                print(f"{rate:,.0f} uplinks/s under cProfile ({args.store}, batches of {args.batch})")
                for label, share in stage_shares(stats):
                    print(f"  {label:32} {share:6.1%}")
                stats.sort_stats("tottime").print_stats(25)
                if os.environ.get("RELEVE_PROFILE_DUMP"):
                    stats.dump_stats(os.environ["RELEVE_PROFILE_DUMP"])
            else:
                pid = influx.pid if args.store == "influxdb" else None
                rate, server = run(items, store_url, workdir, args.batch, args.devices, args.hold, pid)
                print(
                    f"{rate:,.0f} uplinks/s ({args.store}, batches of {args.batch}, "
                    f"rollups held {args.hold:g} s); server CPU {server:.3f} s per 1,000 uplinks"
                )
        finally:
            if args.store == "influxdb":
                influx.stop()


if __name__ == "__main__":
    main()
