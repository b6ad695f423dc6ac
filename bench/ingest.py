"""Issue #9, scenarios 1 and 2: steady ingest side by side, and a backlog drain.

``python -m bench.ingest [--write]``: the same ChirpStack v4 uplinks (bench.workload's town) are
queued at QoS 1 on a private Mosquitto (published in chunks, checked against the broker's $SYS
counters) for each consumer in turn, which then drains them: releve's bridge into a real
InfluxDB (1 worker, and N workers on a ``$share/`` subscription), Node-RED 4 with the flow of
bench/nodered/flow.json into the same InfluxDB, and the limits of the path: mosquitto_sub, a bare
paho counter, InfluxDB taking the same points as pre-built line protocol. Then the storing
consumers run live at 10 % of the best sustained rate: publish-to-readable latency.

``--backlog 1000000``: 1,000,000 uplinks of 10,000 devices queued on the bridge's persistent
session, then the bridge started: time to drain, peak RSS, nothing lost or doubled.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import orjson
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from bench.consumers import (
    Consumer,
    GmqttCounter,
    Influx,
    MosquittoSub,
    NodeRed,
    PahoCounter,
    ReleveBridge,
    node_red_available,
    wait_exit,
    wait_points,
)
from bench.ingest_report import CHUNK, Drain, fmt_ms, write_backlog, write_steady
from bench.workload import Item, cached, recent_start, town
from decoders import decode
from gateway_bridge.mqtt import MqttPublisher
from kernel.settings import MqttTarget
from registry import open_registry
from releve.broker import MosquittoProcess
from releve.runtime import provision_fleet
from simulator.fleet import Fleet

CACHE = Path(tempfile.gettempdir()) / "releve-bench"


def points_per_uplink(items: Sequence[Item]) -> list[int]:
    """How many readings each uplink decodes to (what a store must hold at the end)."""
    out = []
    for _topic, body in items:
        doc = orjson.loads(body)
        frame = decode(doc["deviceInfo"]["deviceProfileName"], doc["fPort"], base64.b64decode(doc["data"]))
        out.append(len(frame.readings))
    return out


def start_broker(workdir: Path, window: int) -> MosquittoProcess:
    # autosave would rewrite a million queued messages every second; they are saved at exit.
    # Notices: connections, disconnections and the broker's own keepalive timeouts (which side
    # dropped a connection), counted by connection_notes.
    broker = MosquittoProcess(
        workdir,
        extra_config=(
            f"autosave_interval 3600\nsys_interval 1\nmax_inflight_messages {window}\nlog_type notice"
        ),
    )
    broker.start()
    return broker


def sys_counter(port: int, name: str) -> int:
    out = subprocess.run(
        [
            "mosquitto_sub",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-C",
            "1",
            "-W",
            "5",
            "-t",
            f"$SYS/broker/{name}",
        ],
        capture_output=True,
        text=True,
        timeout=10,
    ).stdout.strip()
    return int(out) if out.isdigit() else -1


def publish(port: int, items: Sequence[Item]) -> int:
    """Publish at QoS 1 in chunks, each acknowledged; check the broker received and holds them all.

    Returns the broker's stored-message count: every message (each stored once, for the one
    prepared session) plus its own retained $SYS messages.
    """
    publisher = MqttPublisher(MqttTarget.parse(f"mqtt://127.0.0.1:{port}"), client_id="bench-publisher")
    publisher.connect()
    for i in range(0, len(items), CHUNK):
        publisher.publish_many(items[i : i + CHUNK], timeout=120)
    publisher.close()
    deadline = time.monotonic() + 15  # $SYS is refreshed every second
    received = -1
    while received != len(items) and time.monotonic() < deadline:
        time.sleep(1.0)
        received = sys_counter(port, "publish/messages/received")
    if received != len(items):
        raise RuntimeError(f"the broker counted {received} publishes for {len(items)} sent")
    stored = sys_counter(port, "store/messages/count")
    if stored < len(items):
        raise RuntimeError(f"the broker holds {stored} messages for {len(items)} published")
    return stored


def connection_notes(broker_log: Path, since: int, consumer_log: Path, client_id: str) -> str:
    """How often the consumer reconnected, and who dropped the connections: the broker logs its
    own keepalive timeouts; paho's reason is in the bridge's log ("Keep alive timeout" is paho's
    own: no PINGRESP within the keepalive; a broker that drops without a DISCONNECT shows as
    "Unspecified error"). ``since``: the broker log's size when the consumer started."""
    broker_text = broker_log.read_bytes()[since:].decode(errors="replace") if broker_log.exists() else ""
    connects = sum(f" as {client_id}" in line and "New client" in line for line in broker_text.splitlines())
    timeouts = broker_text.count("has exceeded timeout")
    reasons: dict[str, int] = {}
    if consumer_log.exists():
        for line in consumer_log.read_text(errors="replace").splitlines():
            if "broker connection lost (" in line:
                reason = line.split("broker connection lost (", 1)[1].split(")", 1)[0]
                reasons[reason] = reasons.get(reason, 0) + 1
    return (
        f"{max(0, connects - 1)} reconnects of {client_id} seen by the broker, {timeouts} of them "
        f"dropped by the broker's keepalive; bridge: {reasons or 'no connection lost'}"
    )


def archive_check(registry_url: str, expected: int) -> str:
    """Uplinks in the bridge's archive: all there, each once."""
    path = registry_url.split("sqlite:///", 1)[1]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows, distinct, dups = conn.execute(
            "SELECT count(*), count(DISTINCT dedup_key), coalesce(sum(duplicates), 0) FROM uplinks"
        ).fetchone()
        states = dict(conn.execute("SELECT state, count(*) FROM uplinks GROUP BY state").fetchall())
    lost = expected - distinct
    return (
        f"archive: {rows} rows, {distinct} distinct, {lost} lost, {rows - distinct} doubled, "
        f"{dups} re-deliveries dropped; states {states}"
    )


def sustained_rate(samples: list[tuple[float, int]], total_points: int, uplinks: int) -> float:
    """Uplinks/s while the count went from 5 % to 95 % of its points (start-up and tail left out)."""

    def crossing(fraction: float) -> float:
        target = fraction * total_points
        for (t0, c0), (t1, c1) in itertools.pairwise(samples):
            if c1 >= target:
                return t0 + (t1 - t0) * ((target - c0) / (c1 - c0) if c1 > c0 else 1.0)
        return samples[-1][0]

    span = crossing(0.95) - crossing(0.05)
    return 0.9 * uplinks / span if span > 0 else float("nan")


def drain(
    consumer: Consumer,
    items: Sequence[Item],
    points: int,
    workdir: Path,
    influx: Influx,
    window: int,
    timeout: float,
    poll: float = 0.2,
) -> Drain:
    """Queue every item for the consumer, start it, wait until all are consumed (or stored)."""
    broker = start_broker(workdir / "mosquitto", window)
    try:
        consumer.prepare(broker.port)
        queued = publish(broker.port, items)
        broker_log = broker.workdir / "mosquitto.log"
        log_start = broker_log.stat().st_size if broker_log.exists() else 0
        start = time.perf_counter()
        influx_cpu = influx.cpu_s()
        consumer.start(broker.port, len(items), workdir / "consumer.log")
        notes = [f"broker received {len(items)} and held {queued} messages before the start"]
        if consumer.stores:
            db = consumer.db
            try:
                samples = wait_points(influx, db, consumer.measurement, points, timeout, poll)
            except KeyboardInterrupt:  # stopped by hand: the checks below still say what is where
                samples = [(time.perf_counter(), influx.count(db, consumer.measurement))]
                notes.append("stopped by hand")
            end, got = samples[-1]
            if got < points:  # it stalled: the end is when the last point arrived
                end = next(t for t, c in samples if c == got)
            sustained = sustained_rate(samples, points, len(items))
            cpu_k = (influx.cpu_s() - influx_cpu) * 1000 / len(items)
            own_k = consumer.cpu_s() * 1000 / len(items)
            notes.append(f"{got} of {points} points readable")
            notes.append(f"InfluxDB used {cpu_k:.3f} s of CPU per 1,000 uplinks (its final count included)")
            notes.append(f"the consumer used {own_k:.3f} s of CPU per 1,000 uplinks (start-up included)")
        else:
            finished, out = wait_exit(consumer, timeout)
            end = time.perf_counter()
            sustained = len(items) / float(out) if out.strip() else len(items) / (end - start)
            if not finished:
                notes.append("did not finish")
        rss = consumer.stop()
        time.sleep(1.5)  # $SYS is refreshed every second
        notes.append(
            f"broker held {sys_counter(broker.port, 'store/messages/count')} messages after the stop"
        )
        if isinstance(consumer, ReleveBridge):
            notes.append(archive_check(consumer.registry_url, len(items)))
            notes.append(connection_notes(broker_log, log_start, workdir / "consumer.log", "bench-bridge"))
        return Drain(
            consumer.name,
            len(items),
            end - start,
            sustained,
            rss,
            notes,
            cpu_k if consumer.stores else None,
            own_k if consumer.stores else None,
        )
    finally:
        consumer.stop()
        broker.stop()


def influx_line_protocol(influx: Influx, items: Sequence[Item], db: str) -> float:
    """InfluxDB taking the same readings as pre-built line protocol, 5,000 points a request."""
    lines = []
    for _topic, body in items:
        doc = orjson.loads(body)
        eui = doc["deviceInfo"]["devEui"]
        ns = int(_epoch(doc["time"]) * 1e9)
        frame = decode(doc["deviceInfo"]["deviceProfileName"], doc["fPort"], base64.b64decode(doc["data"]))
        for r in frame.readings:
            lines.append(
                f"reading,dev_eui={eui},quantity={r.quantity} "
                f"value={float(r.value)},f_cnt={doc['fCnt']}i {ns}"
            )
    bodies = ["\n".join(lines[i : i + 5000]).encode() for i in range(0, len(lines), 5000)]
    influx.query(f'CREATE DATABASE "{db}"')
    start = time.perf_counter()
    for body in bodies:
        influx.write(db, body)
    return len(items) / (time.perf_counter() - start)


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def latency(
    consumer: Consumer,
    items: Sequence[Item],
    per_uplink: Sequence[int],
    rate: float,
    seconds: float,
    workdir: Path,
    influx: Influx,
    window: int,
) -> tuple[float, float, float]:
    """Publish live at ``rate`` uplinks/s; (p50, p99 publish-to-readable in s, peak RSS MB)."""
    broker = start_broker(workdir / "mosquitto", window)
    db, measurement = consumer.db, consumer.measurement
    warm = 200
    try:
        consumer.prepare(broker.port)
        consumer.start(broker.port, len(items), workdir / "consumer.log")
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-live", protocol=paho.MQTTv5)
        client.max_inflight_messages_set(1000)
        client.connect("127.0.0.1", broker.port)
        client.loop_start()
        for topic, body in items[:warm]:  # the consumer is up when these are readable
            client.publish(topic, body, qos=1)
        wait_points(influx, db, measurement, sum(per_uplink[:warm]), 120)
        base = influx.count(db, measurement)
        live = items[warm : warm + int(rate * seconds)]
        sent: list[float] = []
        samples: list[tuple[float, int]] = []
        stop = threading.Event()

        def poll() -> None:
            while not stop.is_set():
                samples.append((time.perf_counter(), influx.count(db, measurement) - base))
                time.sleep(0.05)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        t0 = time.perf_counter()
        for i, (topic, body) in enumerate(live):
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sent.append(time.perf_counter())
            client.publish(topic, body, qos=1)
        total = sum(per_uplink[warm : warm + len(live)])
        deadline = time.perf_counter() + 120
        while (not samples or samples[-1][1] < total) and time.perf_counter() < deadline:
            time.sleep(0.05)
        stop.set()
        poller.join(2)
        client.disconnect()
        client.loop_stop()
        rss = consumer.stop()
        delays = []
        cum = 0
        j = 0
        for k, t_sent in enumerate(sent):
            cum += per_uplink[warm + k]
            while j < len(samples) and samples[j][1] < cum:
                j += 1
            # not readable when the wait ended: its delay is at least that long (a lower bound)
            end = samples[j][0] if j < len(samples) else samples[-1][0]
            delays.append(max(0.0, end - t_sent))
        q = statistics.quantiles(delays, n=100)
        return q[49], q[98], rss
    finally:
        consumer.stop()
        broker.stop()


def provision(fleet: Fleet, registry_url: str) -> None:
    registry = open_registry(registry_url)
    try:
        provision_fleet(registry, fleet)
    finally:
        registry.close()


def main() -> None:
    # SIGTERM ends the run through the finally blocks: no broker, InfluxDB or consumer left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--uplinks", type=int, default=50_000, help="uplinks queued per consumer")
    parser.add_argument("--devices", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="bridge workers on the shared subscription")
    parser.add_argument("--window", type=int, default=1000, help="in-flight QoS 1 messages per consumer")
    parser.add_argument("--latency-seconds", type=float, default=20.0)
    parser.add_argument("--backlog", type=int, default=0, help="run scenario 2 with this many uplinks")
    parser.add_argument("--backlog-devices", type=int, default=10_000)
    parser.add_argument("--no-node-red", action="store_true")
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="also run the bridge of another checkout (e.g. `git archive` of an older commit)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated consumer keys (sub,paho,gmqtt,consumer,lp,bridge,workers,nodered)",
    )
    parser.add_argument(
        "--write", action="store_true", help="rewrite this scenario's section of BENCHMARKS.md"
    )
    args = parser.parse_args()
    if args.backlog:
        backlog(args)
    else:
        steady(args)


def _keys(args: argparse.Namespace) -> set[str]:
    keys = set(args.only.split(",")) if args.only else {"sub", "paho", "lp", "bridge", "workers", "nodered"}
    if "nodered" in keys and not args.no_node_red:
        why = node_red_available()
        if why is not None:
            print(f"Node-RED skipped: {why}")
            keys.discard("nodered")
    elif args.no_node_red:
        keys.discard("nodered")
    return keys


def steady(args: argparse.Namespace) -> None:
    from tests.influx_server import InfluxProcess

    fleet = town(args.devices, recent_start(args.uplinks, args.devices))
    items = cached(CACHE / f"steady-{args.devices}-{args.uplinks}.tsv", fleet, args.uplinks)
    per_uplink = points_per_uplink(items)
    points = sum(per_uplink)
    keys = _keys(args)
    print(f"{len(items)} uplinks of {args.devices} devices, {points} readings; consumers: {sorted(keys)}")
    tmp = Path(tempfile.mkdtemp(prefix="releve-bench-ingest-"))
    influx_proc = InfluxProcess(tmp / "influx")
    influx_proc.start()
    influx = Influx(influx_proc.url, influx_proc.pid)
    results: dict[str, list[Drain]] = {}
    lp: list[float] = []
    run_no = 0
    try:
        for run in range(args.runs):
            consumers: list[tuple[str, Consumer]] = []
            if "sub" in keys:
                consumers.append(("sub", MosquittoSub()))
            if "paho" in keys:
                consumers.append(("paho", PahoCounter(args.window)))
            if "gmqtt" in keys:
                consumers.append(("gmqtt", GmqttCounter(args.window)))
            if "consumer" in keys:
                consumers.append(("consumer", GmqttCounter(args.window, releve=True)))
            if args.baseline is not None:
                base = ReleveBridge(
                    1, influx.url, f"releve{run_no}", tmp / f"r{run_no}", args.window, args.baseline
                )
                consumers.append(("baseline", base))
                run_no += 1
            for key, workers in (("bridge", 1), ("workers", args.workers)):
                if key in keys:
                    consumers.append(
                        (
                            key,
                            ReleveBridge(
                                workers, influx.url, f"releve{run_no}", tmp / f"r{run_no}", args.window
                            ),
                        )
                    )
                    run_no += 1
            if "nodered" in keys:
                consumers.append(("nodered", NodeRed(influx, f"nodered{run_no}", tmp / f"n{run_no}")))
                run_no += 1
            for key, consumer in consumers:
                if isinstance(consumer, ReleveBridge):
                    consumer.workdir.mkdir(parents=True)
                    provision(fleet, consumer.registry_url)
                d = drain(consumer, items, points, tmp / f"d{run}-{key}", influx, args.window, 900)
                results.setdefault(d.name, []).append(d)
                print(
                    f"run {run + 1} {d.name}: {d.sustained:,.0f} uplinks/s sustained, {d.seconds:.1f} s, "
                    f"peak RSS {d.rss_mb:.0f} MB; {'; '.join(d.notes)}",
                    flush=True,
                )
            if "lp" in keys:
                lp.append(influx_line_protocol(influx, items, f"lp{run}"))
                print(f"run {run + 1} InfluxDB line protocol: {lp[-1]:,.0f} uplinks/s", flush=True)
        storing = {
            n: statistics.median(d.sustained for d in ds)
            for n, ds in results.items()
            if "->" in n or "Node-RED" in n
        }
        lat: dict[str, list[tuple[float, float, float]]] = {}
        rate = 0.1 * max(storing.values()) if storing else 0.0
        if rate and args.latency_seconds > 0:
            for run in range(args.runs):
                live: list[Consumer] = []
                for key, workers in (("bridge", 1), ("workers", args.workers)):
                    if key in keys:
                        bridge = ReleveBridge(
                            workers, influx.url, f"live{run_no}", tmp / f"r{run_no}", args.window
                        )
                        bridge.workdir.mkdir(parents=True)
                        provision(fleet, bridge.registry_url)
                        live.append(bridge)
                        run_no += 1
                if "nodered" in keys:
                    live.append(NodeRed(influx, f"live{run_no}", tmp / f"n{run_no}"))
                    run_no += 1
                for c in live:
                    p50, p99, rss = latency(
                        c,
                        items,
                        per_uplink,
                        rate,
                        args.latency_seconds,
                        tmp / f"l{run_no}-{c.name[:6]}",
                        influx,
                        args.window,
                    )
                    run_no += 1
                    lat.setdefault(c.name, []).append((p50, p99, rss))
                    print(
                        f"run {run + 1} {c.name} at {rate:,.0f}/s: p50 {fmt_ms(p50)}, p99 {fmt_ms(p99)}, "
                        f"RSS {rss:.0f} MB",
                        flush=True,
                    )
    finally:
        influx_proc.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    if args.write:
        write_steady(args, len(items), points, results, lp, lat, rate)


def backlog(args: argparse.Namespace) -> None:
    from tests.influx_server import InfluxProcess

    fleet = town(args.backlog_devices, recent_start(args.backlog, args.backlog_devices))
    t = time.perf_counter()
    items = cached(CACHE / f"backlog-{args.backlog_devices}-{args.backlog}.tsv", fleet, args.backlog)
    print(
        f"{len(items)} uplinks of {args.backlog_devices} devices ready in {time.perf_counter() - t:.0f} s",
        flush=True,
    )
    per_uplink = points_per_uplink(items)
    points = sum(per_uplink)
    keys = _keys(args)
    tmp = Path(tempfile.mkdtemp(prefix="releve-bench-backlog-"))
    influx_proc = InfluxProcess(tmp / "influx")
    influx_proc.start()
    influx = Influx(influx_proc.url, influx_proc.pid)
    out: list[Drain] = []
    try:
        runs: list[Consumer] = []
        for i, (key, workers) in enumerate((("bridge", 1), ("workers", args.workers))):
            if key in keys:
                bridge = ReleveBridge(workers, influx.url, f"backlog{i}", tmp / f"r{i}", args.window)
                bridge.workdir.mkdir(parents=True)
                provision(fleet, bridge.registry_url)
                runs.append(bridge)
        if args.baseline is not None:
            base = ReleveBridge(1, influx.url, "backlogbase", tmp / "rbase", args.window, args.baseline)
            base.workdir.mkdir(parents=True)
            provision(fleet, base.registry_url)
            runs.append(base)
        if "nodered" in keys:
            runs.append(NodeRed(influx, "backlognr", tmp / "nr"))
        for c in runs:
            d = drain(c, items, points, tmp / f"d-{len(out)}", influx, args.window, 3600, poll=1.0)
            out.append(d)
            print(
                f"{d.name}: drained {d.uplinks:,} in {d.seconds:.0f} s ({d.uplinks / d.seconds:,.0f}/s), "
                f"sustained {d.sustained:,.0f}/s, peak RSS {d.rss_mb:.0f} MB; {'; '.join(d.notes)}",
                flush=True,
            )
    finally:
        influx_proc.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    if args.write:
        write_backlog(args, len(items), points, out)


if __name__ == "__main__":
    main()
