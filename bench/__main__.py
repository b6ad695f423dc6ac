"""Run every benchmark side by side in one process and write BENCHMARKS.md.

Figures on these shared 2-core machines are noisy: each scenario is repeated and the median
reported, and comparisons are ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import base64
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from bench.report import machine_line, write_section
from decoders import decode
from gateway_bridge.mqtt import MqttConsumer, MqttPublisher
from gateway_bridge.service import Bridge
from ingest.archive import Archive
from ingest.pipeline import Ingestor
from kernel.settings import MqttTarget
from registry import open_registry
from releve.broker import MosquittoProcess
from releve.runtime import provision_fleet
from simulator.fleet import load_fleet
from simulator.player import reports
from store.open import open_store

PARIS = ZoneInfo("Europe/Paris")
ROOT = Path(__file__).resolve().parents[1]


def envelopes(days: float) -> list[tuple[str, bytes, str, int, bytes]]:
    """The demo village's uplinks: (topic, body, model, port, payload)."""
    fleet = load_fleet()
    start = datetime(2026, 4, 1, tzinfo=PARIS)
    end = datetime.fromtimestamp(start.timestamp() + days * 86400, PARIS)
    out = []
    for r in reports(fleet, start, end):
        body = orjson.loads(r.body)
        out.append((r.topic, r.body, r.sim.device.model, body["fPort"], base64.b64decode(body["data"])))
    return out


def median_of(runs: int, fn: Callable[[], float]) -> float:
    return statistics.median(fn() for _ in range(runs))


def bench_decode(items: list[tuple[str, bytes, str, int, bytes]]) -> float:
    """Frames decoded per second on one core, for the fleet's model mix."""
    frames = [(model, port, payload) for _, _, model, port, payload in items]
    start = time.perf_counter()
    for model, port, payload in frames:
        decode(model, port, payload)
    return len(frames) / (time.perf_counter() - start)


def _publish_all(url: str, items: list[tuple[str, bytes, str, int, bytes]]) -> None:
    publisher = MqttPublisher(MqttTarget.parse(url), client_id="bench-publisher")
    publisher.connect()
    for i in range(0, len(items), 1000):
        publisher.publish_many([(t, b) for t, b, *_ in items[i : i + 1000]])
    publisher.close()


def bench_bare_paho(broker: MosquittoProcess, items: list[tuple[str, bytes, str, int, bytes]]) -> float:
    """The ceiling of any paho-based consumer: a subscriber that only counts, QoS 1, backlog drain."""
    target = MqttTarget.parse(broker.url)
    done = threading.Event()
    count = [0]

    def on_message(_c: object, _u: object, _m: object) -> None:
        count[0] += 1
        if count[0] >= len(items):
            done.set()

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-bare", protocol=paho.MQTTv5)
    client.on_message = on_message
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = 3600
    client.connect(target.host, target.port, clean_start=False, properties=props)
    client.subscribe("application/#", qos=1)
    client.loop_start()
    time.sleep(0.5)
    client.disconnect()
    client.loop_stop()
    _publish_all(broker.url, items)  # queued for the offline session
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-bare", protocol=paho.MQTTv5)
    client.on_message = on_message
    start = time.perf_counter()
    client.connect(target.host, target.port, clean_start=False, properties=props)
    client.loop_start()
    done.wait(600)
    elapsed = time.perf_counter() - start
    client.disconnect()
    client.loop_stop()
    return count[0] / elapsed


def bench_bridge(
    broker: MosquittoProcess, items: list[tuple[str, bytes, str, int, bytes]], store_url: str, workdir: Path
) -> float:
    """releve's bridge draining a backlog: archive, ack, decode, meter semantics, store."""
    registry = open_registry(f"sqlite:///{workdir / 'registry.db'}")
    provision_fleet(registry, load_fleet())
    store = open_store(store_url)
    target = MqttTarget.parse(broker.url)
    consumer = MqttConsumer(target, client_id="bench-bridge", topics=["application/+/device/+/event/+"])
    consumer.start()
    consumer.connected.wait(10)
    consumer.stop()  # the session exists; now the backlog builds up
    _publish_all(broker.url, items)
    consumer = MqttConsumer(
        target, client_id="bench-bridge", topics=["application/+/device/+/event/+"], receive_maximum=5000
    )
    archive = Archive(registry.engine)
    bridge = Bridge(consumer, Ingestor(registry, archive, store), batch_size=1000)
    stop = threading.Event()
    start = time.perf_counter()
    consumer.start()
    thread = threading.Thread(target=bridge.run, args=(stop,), daemon=True)
    thread.start()
    while bridge.counters.decoded < len(items) and time.perf_counter() - start < 600:
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    stop.set()
    thread.join(10)
    consumer.stop()
    store.close()
    registry.close()
    return bridge.counters.decoded / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=float, default=7.0, help="simulated days of the village (10 devices)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--influx-url", default=None, help="an InfluxDB to write to (default: start one)")
    parser.add_argument("--write", action="store_true", help="rewrite BENCHMARKS.md")
    args = parser.parse_args()
    items = envelopes(args.days)
    print(f"{len(items)} uplinks of the demo village ({args.days:g} days, 10 devices)")
    results: dict[str, float] = {}
    results["decode (frames/s, one core)"] = median_of(args.runs, lambda: bench_decode(items))
    print(f"decode: {results['decode (frames/s, one core)']:,.0f} frames/s")
    from tests.influx_server import InfluxProcess

    with tempfile.TemporaryDirectory() as tmp:
        influx = InfluxProcess(Path(tmp) / "influx")
        if args.influx_url is None:
            influx.start()
        influx_url = args.influx_url or f"influxdb://127.0.0.1:{influx.http_port}/bench"
        try:
            scenarios: list[tuple[str, Callable[[dict[str, Any]], float]]] = [
                (
                    "bare paho subscriber, count only (uplinks/s)",
                    lambda d: bench_bare_paho(d["broker"], items),
                ),
                (
                    "releve bridge -> SQLite (uplinks/s)",
                    lambda d: bench_bridge(d["broker"], items, f"sqlite:///{d['dir']}/readings.db", d["dir"]),
                ),
                (
                    "releve bridge -> InfluxDB (uplinks/s)",
                    lambda d: bench_bridge(d["broker"], items, influx_url + f"{d['n']}", d["dir"]),
                ),
            ]
            for name, fn in scenarios:
                values = []
                for n in range(args.runs):
                    run_dir = Path(tempfile.mkdtemp(dir=tmp))
                    broker = MosquittoProcess(run_dir / "mosquitto")
                    broker.start()
                    try:
                        values.append(fn({"broker": broker, "dir": run_dir, "n": n}))
                    finally:
                        broker.stop()
                results[name] = statistics.median(values)
                print(f"{name}: {results[name]:,.0f}  (runs: {', '.join(f'{v:,.0f}' for v in values)})")
        finally:
            influx.stop()
    if args.write:
        write_markdown(results, args, len(items))


def write_markdown(results: dict[str, float], args: argparse.Namespace, n: int) -> None:
    ceiling = results["bare paho subscriber, count only (uplinks/s)"]
    lines = [
        "## Bridge throughput against its ceiling",
        "",
        machine_line(f"python -m bench --days {args.days:g} --runs {args.runs} --write", args.runs),
        f"Workload: {n} ChirpStack v4 JSON uplinks of the demo village (water and electricity pulse",
        "counters, comfort sensors), queued at QoS 1 on a private Mosquitto, then drained (backlog mode).",
        "",
        "| scenario | figure | vs. bare paho |",
        "|---|---:|---:|",
    ]
    for name, value in results.items():
        ratio = f"{value / ceiling:.2f}x" if "uplinks/s" in name else ""
        lines.append(f"| {name} | {value:,.0f} | {ratio} |")
    lines += [
        "",
        "The bridge archives every uplink durably before acknowledging it, decodes it, computes",
        "consumption deltas and writes readings and rollups; the bare paho subscriber only counts.",
        "Scenarios of issue #9 not measured yet: Node-RED side by side, 1,000,000-uplink backlog,",
        "one-year backfill, monthly report over 1,000 meters, API load.",
        "",
        "### Where the time goes",
        "",
        "cProfile of the pipeline without MQTT, on the same 6,720 uplinks into SQLite (1.5 s in all,",
        "2026-11-22): envelope parsing 35 % (DevEUI normalization alone 11 %), archive insert 20 %,",
        "decoding 12 %, store write with hourly rollups 12 %, consumption deltas 7 %, archive state and",
        "link statistics the rest. Updating the archive row by row took half the time before it became",
        "one executemany (3,800 -> 5,400 uplinks/s into SQLite in this benchmark). The gap to the bare",
        "paho subscriber is paho's per-message Python callback plus this work on the same interpreter:",
        "the next steps are a faster envelope path and several bridge workers on a shared subscription.",
    ]
    write_section("bridge", "\n".join(lines))


if __name__ == "__main__":
    main()
