"""Faults on demand: what real networks do to a stream of uplinks, seeded and reproducible.

Duplicate deliveries (the same envelope twice), late frames (delivered out of order),
truncated payloads (a frame that cannot be decoded: its reading is lost, the next one carries
the consumption), uplinks of unknown devices, and malformed envelopes.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from simulator.player import Report


@dataclass(frozen=True, slots=True)
class Faults:
    """Probabilities per uplink (0 disables a fault)."""

    duplicate: float = 0.0
    late: float = 0.0
    late_by: int = 20  # delivered this many envelopes later
    truncate: float = 0.0
    unknown_device: float = 0.0
    malformed: float = 0.0
    seed: int = 7

    @classmethod
    def parse(cls, text: str) -> Faults:
        """``duplicate=0.01,late=0.01,truncate=0.001,unknown_device=0.001,malformed=0.001``."""
        known = {f.name for f in fields(cls)}
        values: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, _, value = part.partition("=")
            if key not in known:
                raise ValueError(f"unknown fault {key!r}; one of {', '.join(sorted(known))}")
            values[key] = float(value)
        return cls(
            duplicate=values.get("duplicate", 0.0),
            late=values.get("late", 0.0),
            late_by=int(values.get("late_by", 20)),
            truncate=values.get("truncate", 0.0),
            unknown_device=values.get("unknown_device", 0.0),
            malformed=values.get("malformed", 0.0),
            seed=int(values.get("seed", 7)),
        )


@dataclass
class FaultCounts:
    """What was injected, for the checks of tests and benchmarks."""

    duplicates: int = 0
    late: int = 0
    truncated: int = 0
    unknown: int = 0
    malformed: int = 0


def truncate_payload(body: bytes) -> bytes | None:
    """The same JSON envelope with the last byte of its payload missing; None when not JSON."""
    if not body.startswith(b"{"):
        return None
    doc = orjson.loads(body)
    for holder, key in ((doc, "data"), (doc.get("uplink_message", {}), "frm_payload")):
        if isinstance(holder, dict) and isinstance(holder.get(key), str):
            raw = base64.b64decode(holder[key])
            if len(raw) < 2:
                return None
            holder[key] = base64.b64encode(raw[:-1]).decode()
            return orjson.dumps(doc)
    return None


Delivery = tuple["Report | None", str, bytes]


def inject(reports: Iterable[Report], faults: Faults, counts: FaultCounts) -> Iterator[Delivery]:
    """Deliveries of the reports with faults: (the report, when this is its one intact delivery)."""
    rng = random.Random(faults.seed)
    held: list[tuple[int, Delivery]] = []
    position = 0
    for report in reports:
        position += 1
        for entry in [h for h in held if h[0] <= position]:
            held.remove(entry)
            yield entry[1]
        eui = report.sim.device.dev_eui
        if rng.random() < faults.unknown_device:
            counts.unknown += 1
            stranger = f"{rng.getrandbits(64):016x}"
            yield (
                None,
                report.topic.replace(eui, stranger),
                report.body.replace(eui.encode(), stranger.encode()),
            )
        if rng.random() < faults.malformed:
            counts.malformed += 1
            yield None, report.topic, b'{"deviceInfo": {"devEui": "' + eui.encode() + b'", "data": '
        if rng.random() < faults.truncate:
            cut = truncate_payload(report.body)
            if cut is not None:
                counts.truncated += 1
                yield None, report.topic, cut  # undecodable: this reading is lost
                continue
        delivery: Delivery = (report, report.topic, report.body)
        if rng.random() < faults.late:
            counts.late += 1
            held.append((position + faults.late_by, delivery))
            continue
        yield delivery
        if rng.random() < faults.duplicate:
            counts.duplicates += 1
            yield None, report.topic, report.body
    for _due, late_delivery in held:
        yield late_delivery
