"""Issue #9, steady city traffic: the bridge's CPU share and publish-to-readable latency at a
fixed rate, and the same traffic through an InfluxDB outage.

``python -m bench.city --rate 150 --minutes 30 [--write]``: releve's bridge (one worker, its own
process) consumes a private Mosquitto and writes into a private InfluxDB, while this process
publishes a town's uplinks (bench.workload: water, electricity and comfort devices, each uplink
with its fCnt and time) at QoS 1 on a fixed-rate schedule. Measured: the bridge's CPU time from
``/proc/<pid>/stat`` over the wall time (whole window and per minute), its peak RSS (VmHWM), and
each uplink's delay from its publish to its readings being readable (see bench.city_stats.Readability).

``--outage-minutes 30``: InfluxDB is stopped (``--outage-mode stop``: the process ended and
restarted on its data directory; ``freeze``: SIGSTOP, so requests hang) ``--outage-at`` minutes
into the traffic, which goes on; measured: the catch-up time once it is back, the bridge's memory
during and after, and that every uplink is archived once and every reading readable once.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import math
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from bench.city_report import CityRun, write_city
from bench.city_stats import CpuSample, Probe, Readability, due, lateness, stat_ticks
from bench.consumers import Influx, ReleveBridge, tree
from bench.ingest import CACHE, archive_check, provision, start_broker, sys_counter
from bench.workload import Item, cached, recent_start, town
from decoders import decode
from releve.broker import MosquittoProcess

HZ = os.sysconf("SC_CLK_TCK")
RAW = '"raw"."reading"'
PROBE_SIZE = 200  # uplinks a query asks about (the store's own chunk of devices per statement)
GROUPED = f"SELECT count(value) FROM {RAW} GROUP BY dev_eui"


def expectations(items: Sequence[Item]) -> tuple[list[str], list[float], list[int], Counter[str]]:
    """Each uplink's device, data time and number of readings (all at that time); per device."""
    devices, times, points, per_device = [], [], [], Counter[str]()
    for _topic, body in items:
        doc = orjson.loads(body)
        frame = decode(doc["deviceInfo"]["deviceProfileName"], doc["fPort"], base64.b64decode(doc["data"]))
        if any(r.at is not None or r.offset_s is not None for r in frame.readings):
            raise ValueError("a reading with its own time: the frontier's counts would not hold")
        devices.append(doc["deviceInfo"]["devEui"])
        times.append(datetime.fromisoformat(doc["time"]).timestamp())
        points.append(len(frame.readings))
        per_device[doc["deviceInfo"]["devEui"]] += len(frame.readings)
    return devices, times, points, per_device


def proc_sample(pid: int, label: str = "", server: int | None = None) -> CpuSample:
    """CPU ticks and memory of a process and its children, now; and the CPU ticks of ``server``."""
    ticks, rss, hwm = 0, 0, 0
    for p in tree(pid):
        try:
            ticks += stat_ticks(Path(f"/proc/{p}/stat").read_text())
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm += int(line.split()[1])
        except OSError:  # a child that just ended
            continue
    server_ticks = None
    if server is not None:
        with contextlib.suppress(OSError):  # it was just stopped
            server_ticks = stat_ticks(Path(f"/proc/{server}/stat").read_text())
    return CpuSample(time.monotonic(), ticks, rss / 1024, hwm / 1024, label, server_ticks)


class Sampler:
    """The bridge's CPU and memory every ``every`` seconds, and at the moments asked for."""

    def __init__(self, pid: int, every: float, server: Callable[[], int | None]) -> None:
        self.pid, self.every, self.server = pid, every, server
        self.samples: list[CpuSample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self, label: str) -> CpuSample:
        first = self.mark(label)
        self._thread.start()
        return first

    def mark(self, label: str) -> CpuSample:
        sample = proc_sample(self.pid, label, self.server())
        self.samples.append(sample)
        return sample

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.mark("")

    def stop(self, label: str) -> CpuSample:
        self._stop.set()
        self._thread.join(5)
        return self.mark(label)


# The poller waits this many times its last query's duration before the next one: it then takes
# at most a quarter of InfluxDB's time (a 5-minute outage's catch-up: 522 of its counts took 110 s
# of InfluxDB's request time in 140 s, the bridge's writes and queries 70 s).
QUIET_FACTOR = 3.0


class Poller:
    """Asks InfluxDB every ``period`` seconds (or ``QUIET_FACTOR`` times its last query's time,
    if longer) which of the oldest pending uplinks are readable.

    An uplink is readable at the end of the first query that finds it: its delay is an upper
    bound, by at most a period plus a query.
    """

    def __init__(self, url: str, db: str, seen: Readability, sent: list[float], period: float) -> None:
        self.url, self.db, self.seen, self.sent, self.period = url, db, seen, sent, period
        self.readable = [math.nan] * len(seen)
        self.queries: list[float] = []
        self.failures = 0
        self.client = httpx.Client(timeout=5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def counts(self, probe: Probe) -> dict[str, int] | None:
        """Readings per device of the probe in its span; None if InfluxDB did not answer."""
        devices = " OR ".join(f"dev_eui = '{eui}'" for eui in probe.devices)
        q = (
            f"SELECT count(value) FROM {RAW} WHERE ({devices}) AND time >= {round(probe.first * 1e9)} "
            f"AND time <= {round(probe.last * 1e9)} GROUP BY dev_eui"
        )
        try:
            response = self.client.post(f"{self.url}/query", params={"q": q, "db": self.db})
            response.raise_for_status()
        except httpx.HTTPError:
            return None
        found = orjson.loads(response.content)["results"][0].get("series") or []
        return {s["tags"]["dev_eui"]: int(s["values"][0][1]) for s in found}

    def _run(self) -> None:
        while not self._stop.is_set():
            begin = time.monotonic()
            probe = self.seen.probe(len(self.sent), PROBE_SIZE)
            if probe is not None:
                counts = self.counts(probe)
                end = time.monotonic()
                if counts is None:
                    self.failures += 1
                else:
                    self.queries.append(end - begin)
                    for i in self.seen.answer(probe, counts):
                        self.readable[i] = end
            # At least three times the query's own time between queries: during a catch-up
            # each took 200 ms, and asked back to back they were most of InfluxDB's work there.
            took = time.monotonic() - begin
            self._stop.wait(max(self.period - took, QUIET_FACTOR * took))

    def wait(self, upto: int, timeout: float, stall: float = 300.0) -> bool:
        """Wait until the first ``upto`` uplinks are readable (False if stalled or timed out)."""
        deadline = time.monotonic() + timeout
        moved, last = time.monotonic(), self.seen.oldest
        while not self.seen.done(upto):
            now = time.monotonic()
            if self.seen.oldest != last:
                moved, last = now, self.seen.oldest
            if now > deadline or now - moved > stall:
                return False
            time.sleep(0.1)
        return True

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.client.close()


class Outage:
    """Takes InfluxDB away at ``at`` (monotonic) for ``seconds``, in its own thread."""

    def __init__(self, down: Callable[[], None], up: Callable[[], None], at: float, seconds: float) -> None:
        self.down, self.up, self.at, self.seconds = down, up, at, seconds
        self.began = self.back = float("nan")
        self.on_down: Callable[[], object] = lambda: None
        self.on_back: Callable[[], object] = lambda: None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        time.sleep(max(0.0, self.at - time.monotonic()))
        self.down()
        self.began = time.monotonic()
        self.on_down()
        time.sleep(self.seconds)
        self.up()
        self.back = time.monotonic()
        self.on_back()

    def join(self) -> None:
        self._thread.join()


def publisher(port: int) -> tuple[paho.Client, list[int]]:
    acked = [0]
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-city", protocol=paho.MQTTv5)
    client.max_inflight_messages_set(1000)

    def on_publish(*_a: object) -> None:
        acked[0] += 1

    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client, acked


def paced(client: paho.Client, items: Sequence[Item], sent: list[float], rate: float) -> float:
    """Publish ``items`` at QoS 1 on a fixed-rate schedule; returns its start."""
    t0 = time.monotonic()
    for k, (topic, body) in enumerate(items):
        delay = due(t0, k, rate) - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sent.append(time.monotonic())
        client.publish(topic, body, qos=1)
    return t0


def series(influx: Influx, q: str, db: str) -> list[Any]:
    """The series of a one-statement InfluxQL answer (an empty list when it has none)."""
    out: list[Any] = influx.query(q, db)[0].get("series") or []  # type: ignore[assignment]
    return out


def store_checks(influx: Influx, db: str, per_device: Counter[str]) -> tuple[list[str], bool]:
    """Every device's readings readable once; the hourly rollups agree with the raw points."""
    got = {s["tags"]["dev_eui"]: int(s["values"][0][1]) for s in series(influx, GROUPED, db)}
    lost = sum(max(0, n - got.get(d, 0)) for d, n in per_device.items())
    extra = sum(max(0, n - per_device.get(d, 0)) for d, n in got.items())
    wrong = sum(1 for d, n in per_device.items() if got.get(d, 0) != n)
    raw = (series(influx, f"SELECT count(value), sum(delta) FROM {RAW}", db) or [{"values": [[0, 0, 0.0]]}])[
        0
    ]
    hours = series(influx, 'SELECT sum("count"), sum(consumption) FROM "rollups"."rollup_1h"', db)
    roll = (hours or [{"values": [[0, 0, 0.0]]}])[0]["values"][0]
    raw_count, raw_delta = raw["values"][0][1], raw["values"][0][2] or 0.0
    ok = lost == extra == wrong == 0 and roll[1] == raw_count and math.isclose(roll[2] or 0.0, raw_delta)
    lines = [
        f"InfluxDB: {sum(got.values())} readings of {len(got)} devices readable for "
        f"{sum(per_device.values())} expected: {lost} lost, {extra} extra, {wrong} devices off",
        f"hourly rollups: {roll[1]} readings counted (raw: {raw_count}), consumption {roll[2] or 0.0:.6g} "
        f"(sum of the raw deltas: {raw_delta:.6g})",
    ]
    return lines, ok


def meter_check(influx: Influx, db: str) -> str:
    """Each meter's deltas add up to its index's progress: a delta counted twice would not."""
    q = f"SELECT sum(delta), first(value), last(value) FROM {RAW} WHERE kind = 'cumulative' GROUP BY *"
    off, total = 0, 0
    for s in series(influx, q, db):
        _, deltas, first, last = s["values"][0]
        total += 1
        if not math.isclose(deltas or 0.0, last - first, rel_tol=1e-6, abs_tol=1e-6):
            off += 1
    return (
        f"meters: {off} of {total} index series whose deltas do not add up to the index's progress "
        "(a register wrap would show here too)"
    )


def run(args: argparse.Namespace) -> CityRun:
    from tests.influx_server import InfluxProcess

    warm = args.warm
    live = int(args.rate * args.minutes * 60)
    fleet = town(args.devices, recent_start(warm + live, args.devices))
    t = time.monotonic()
    items = cached(CACHE / f"city-{args.devices}-{warm + live}.tsv", fleet, warm + live)
    devices, times, points, per_device = expectations(items)
    print(
        f"{len(items):,} uplinks of {args.devices:,} devices ({sum(points):,} readings) ready in "
        f"{time.monotonic() - t:.0f} s; {warm} to warm up, then {live:,} at {args.rate:g}/s",
        flush=True,
    )
    tmp = Path(tempfile.mkdtemp(prefix="releve-bench-city-"))
    influx_proc = InfluxProcess(tmp / "influx")
    influx = Influx(influx_proc.url)
    bridge = ReleveBridge(1, influx.url, "city", tmp / "bridge", args.window)
    broker: MosquittoProcess | None = None
    result = CityRun(args=args, uplinks=live, readings=sum(points[warm:]))
    poller: Poller | None = None
    try:
        influx_proc.start()
        bridge.workdir.mkdir(parents=True)
        provision(fleet, bridge.registry_url)
        broker = start_broker(tmp / "mosquitto", args.window)
        bridge.prepare(broker.port)
        bridge.start(broker.port, len(items), tmp / "bridge.log")
        assert bridge.proc is not None
        client, acked = publisher(broker.port)
        sent: list[float] = []
        poller = Poller(influx.url, bridge.db, Readability(devices, times, points), sent, args.poll)
        paced(client, items[:warm], sent, args.rate)
        if not poller.wait(warm, 180):
            raise RuntimeError(f"the bridge did not store the {warm} warm-up uplinks (see {tmp})")
        sampler = Sampler(bridge.proc.pid, args.sample_seconds, lambda: influx_proc.pid)
        first = sampler.start("start")
        outage = None
        if args.outage_minutes:
            down, up = (
                (influx_proc.pause, influx_proc.resume)
                if args.outage_mode == "freeze"
                else (influx_proc.stop, influx_proc.start)
            )
            outage = Outage(down, up, first.wall + args.outage_at * 60, args.outage_minutes * 60)
            outage.on_down = lambda: sampler.mark("InfluxDB stopped")
            outage.on_back = lambda: sampler.mark("InfluxDB back")
        t0 = paced(client, items[warm:], sent, args.rate)
        last = sampler.mark("traffic end")
        if outage is not None:
            outage.join()
        # the backlog of an outage may take a while; 5 minutes without progress end the wait anyway
        done = poller.wait(len(items), 600 + 2 * args.outage_minutes * 60)
        sampler.stop("all readable" if done else "gave up")
        poller.stop()
        result.sent = sent[warm:]
        result.readable = poller.readable[warm:]
        result.late = lateness(t0, args.rate, result.sent)
        result.samples, result.hz = sampler.samples, HZ
        result.steady = (first, last)
        result.queries, result.poll_failures = poller.queries, poller.failures
        if outage is not None:
            result.outage = (outage.began, outage.back)
        result.acked = acked[0]
        result.broker_received = sys_counter(broker.port, "publish/messages/received")
        client.disconnect()
        client.loop_stop()
        result.peak_rss = bridge.stop()
        archived = archive_check(bridge.registry_url, len(items))
        stored, stored_ok = store_checks(influx, bridge.db, per_device)
        result.checks = [archived, *stored, meter_check(influx, bridge.db)]
        # archive_check's own words: all there once, and all decoded (none left pending)
        result.intact = (
            stored_ok and ", 0 lost, 0 doubled," in archived and f"{{'decoded': {len(items)}}}" in archived
        )
        result.log = (tmp / "bridge.log").read_text(errors="replace").splitlines()
        return result
    finally:
        if poller is not None:
            poller.stop()
        bridge.stop()
        if broker is not None:
            broker.stop()
        influx_proc.resume()
        influx_proc.stop()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    # SIGTERM ends the run through the finally blocks: no broker, InfluxDB or bridge left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=150.0, help="uplinks per second")
    parser.add_argument("--minutes", type=float, default=30.0, help="of paced traffic")
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--warm", type=int, default=300, help="uplinks stored before the measure starts")
    parser.add_argument("--outage-minutes", type=float, default=0.0, help="InfluxDB away this long")
    parser.add_argument("--outage-at", type=float, default=2.0, help="minutes into the traffic")
    parser.add_argument("--outage-mode", choices=("stop", "freeze"), default="stop")
    parser.add_argument("--poll", type=float, default=0.25, help="seconds between InfluxDB counts")
    parser.add_argument("--sample-seconds", type=float, default=60.0, help="CPU and memory samples")
    parser.add_argument("--window", type=int, default=1000, help="the bridge's in-flight window")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, data)")
    parser.add_argument("--write", action="store_true", help="rewrite this scenario's BENCHMARKS.md section")
    args = parser.parse_args()
    if args.outage_minutes and args.outage_at + args.outage_minutes > args.minutes:
        parser.error(
            "the outage must end before the traffic does (--outage-at + --outage-minutes <= --minutes)"
        )
    result = run(args)
    text = result.markdown()
    print(text)
    if args.write:
        write_city(result, text)


if __name__ == "__main__":
    main()
