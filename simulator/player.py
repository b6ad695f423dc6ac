"""Playing a fleet through time: backfill (as fast as the broker takes it) or real time (scaled).

Every report becomes an envelope published at QoS 1 (or written to a file for replay), and,
for metering devices, a ground-truth line: what the meter really consumed, to check the whole
path against.
"""

from __future__ import annotations

import base64
import heapq
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Protocol

import orjson

from simulator.engine import DeviceSim, Snapshot, simulators
from simulator.envelopes import chirpstack_v3_up, chirpstack_v4_protobuf, chirpstack_v4_up, tts_v3_up
from simulator.faults import FaultCounts, Faults, inject
from simulator.fleet import Fleet
from simulator.models import encode_report, encode_tamper

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Report:
    ts: datetime
    sim: DeviceSim
    snapshot: Snapshot
    topic: str
    body: bytes


class Sink(Protocol):
    """Where envelopes go: an MQTT publisher or a file."""

    def publish_many(
        self, items: Sequence[tuple[str, bytes]], *, qos: int = 1, timeout: float = 60.0
    ) -> None: ...


class FileSink:
    """Envelopes as JSON lines ``{"topic": ..., "payload_base64": ...}``, for replay."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh

    def publish_many(
        self, items: Sequence[tuple[str, bytes]], *, qos: int = 1, timeout: float = 60.0
    ) -> None:
        for topic, body in items:
            line = {"topic": topic, "payload_base64": base64.b64encode(body).decode()}
            self._fh.write(orjson.dumps(line) + b"\n")


LNS_FORMATS = ("chirpstack_v4", "chirpstack_v4_protobuf", "chirpstack_v3", "tts_v3")


def _envelope(
    lns: str, fleet: Fleet, sim: DeviceSim, ts: datetime, f_cnt: int, port: int, payload: bytes
) -> tuple[str, bytes]:
    addr = sim.dev_addr(ts)
    if lns == "chirpstack_v3":
        return chirpstack_v3_up(
            fleet, sim.site, sim.device, ts=ts, f_cnt=f_cnt, f_port=port, payload=payload, dev_addr=addr
        )
    if lns == "tts_v3":
        return tts_v3_up(
            fleet, sim.site, sim.device, ts=ts, f_cnt=f_cnt, f_port=port, payload=payload, dev_addr=addr
        )
    topic, body = chirpstack_v4_up(
        fleet, sim.site, sim.device, ts=ts, f_cnt=f_cnt, f_port=port, payload=payload, dev_addr=addr
    )
    if lns == "chirpstack_v4_protobuf":
        return chirpstack_v4_protobuf(topic, body)
    return topic, body


def reports(
    fleet: Fleet,
    start: datetime,
    end: datetime,
    sims: list[DeviceSim] | None = None,
    lns: str = "chirpstack_v4",
) -> Iterator[Report]:
    """Every report of the fleet in [start, end), in time order, in ``lns``'s envelopes."""
    if lns not in LNS_FORMATS:
        raise ValueError(f"unknown envelope format {lns!r}; one of {', '.join(LNS_FORMATS)}")
    sims = sims if sims is not None else simulators(fleet)
    streams = [_schedule(i, sim, start, end) for i, sim in enumerate(sims)]
    for ts, i in heapq.merge(*streams):
        sim = sims[i]
        if sim.silent(ts):
            continue  # nothing reaches the network server: no envelope, no truth line
        if sim.tampered(ts - timedelta(seconds=sim.device.interval_s), ts):
            port, payload = encode_tamper(sim.device.model)
            topic, body = _envelope(lns, fleet, sim, ts, sim.f_cnt(ts), port, payload)
            yield Report(ts, sim, Snapshot(ts=ts, f_cnt=sim.f_cnt(ts)), topic, body)
            # the alarm frame takes the slot of this period's report
            continue
        snapshot = sim.snapshot(ts)
        port, payload = encode_report(sim.device.model, snapshot)
        topic, body = _envelope(lns, fleet, sim, ts, snapshot.f_cnt, port, payload)
        yield Report(ts, sim, snapshot, topic, body)


def _schedule(index: int, sim: DeviceSim, start: datetime, end: datetime) -> Iterator[tuple[datetime, int]]:
    for ts in sim.report_times(start, end):
        yield ts, index


@dataclass
class Summary:
    """What a play sent."""

    envelopes: int = 0
    extra: int = 0  # deliveries added by faults (duplicates, strangers, garbage, truncated frames)
    devices: set[str] = field(default_factory=set)
    first: datetime | None = None
    last: datetime | None = None

    def add(self, report: Report) -> None:
        self.envelopes += 1
        self.devices.add(report.sim.device.dev_eui)
        self.first = self.first or report.ts
        self.last = report.ts

    def __str__(self) -> str:
        if not (self.first and self.last):
            return f"{self.envelopes} uplinks"
        first, last = self.first.astimezone(UTC), self.last.astimezone(UTC)
        span = f"{first:%Y-%m-%d %H:%M} .. {last:%Y-%m-%d %H:%M} UTC"
        return f"{self.envelopes} uplinks from {len(self.devices)} devices, {span}"


def truth_lines(report: Report) -> list[bytes]:
    """The ground truth of a metering report: one line per index it carries (none for comfort)."""
    device, snap = report.sim.device, report.snapshot
    if device.quantity is None or snap.index is None:
        return []
    points = snap.history or ((snap.ts, snap.index, snap.shown),)
    return [
        orjson.dumps(
            {
                "dev_eui": device.dev_eui,
                "ts": ts.isoformat(),
                "f_cnt": snap.f_cnt,
                "quantity": device.quantity,
                "index": index,
                "shown": shown,
            }
        )
        + b"\n"
        for ts, index, shown in points
    ]


def play(
    fleet: Fleet,
    sink: Sink,
    start: datetime,
    end: datetime,
    *,
    speed: float | None = None,
    truth: IO[bytes] | None = None,
    chunk: int = 500,
    stop: threading.Event | None = None,
    progress: Callable[[Summary], None] | None = None,
    lns: str = "chirpstack_v4",
    faults: Faults | None = None,
    fault_counts: FaultCounts | None = None,
) -> Summary:
    """Publish every report in [start, end). ``speed=None``: as fast as possible (backfill);
    otherwise simulated seconds per real second (1.0 = real time, 86400/30 = a day in 30 s).
    With ``faults``, deliveries are duplicated, delayed, truncated, or mixed with strangers and
    garbage; the truth lists only the readings that arrive intact.
    """
    summary = Summary()
    pending: list[tuple[str, bytes]] = []
    wall0, sim0 = time.monotonic(), start

    def flush() -> None:
        if pending:
            sink.publish_many(pending)
            pending.clear()
            if progress:
                progress(summary)

    stream = reports(fleet, start, end, lns=lns)
    deliveries = (
        inject(stream, faults, fault_counts if fault_counts is not None else FaultCounts())
        if faults is not None
        else ((r, r.topic, r.body) for r in stream)
    )
    last_ts = sim0
    for report, topic, body in deliveries:
        if stop is not None and stop.is_set():
            break
        ts = report.ts if report is not None else last_ts
        last_ts = ts
        if speed is not None:
            due = wall0 + (ts - sim0).total_seconds() / speed
            delay = due - time.monotonic()
            if delay > 0:
                flush()
                if stop is not None:
                    if stop.wait(delay):
                        break
                else:
                    time.sleep(delay)
        pending.append((topic, body))
        if report is None:
            summary.extra += 1
        else:
            summary.add(report)
            if truth is not None:
                truth.writelines(truth_lines(report))
        if len(pending) >= chunk or speed is not None:
            flush()
    flush()
    return summary


def now_utc() -> datetime:
    return datetime.now(UTC)


def load_truth(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def resume_point(state_file: Path, fallback: datetime) -> datetime:
    """Where a previous ``run`` stopped publishing (so a restart does not replay days)."""
    try:
        value = datetime.fromisoformat(orjson.loads(state_file.read_bytes())["published_until"])
    except (OSError, KeyError, ValueError, orjson.JSONDecodeError):
        return fallback
    return max(value, fallback)


def save_resume_point(state_file: Path, until: datetime) -> None:
    state_file.write_bytes(orjson.dumps({"published_until": until.isoformat()}))
