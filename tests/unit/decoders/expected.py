"""What a vector promises, in releve's own terms, and how a decoded frame is compared with it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from decoders import DecodeError, Frame


@dataclass(frozen=True)
class R:
    """An expected reading: quantity and kind as their string values, value in canonical unit."""

    quantity: str
    value: float
    kind: str
    channel: str = ""
    offset_s: int | None = None
    at: str | None = None  # ISO 8601 with offset, e.g. "2026-09-02T23:09:34+00:00"


@dataclass(frozen=True)
class Expected:
    """Readings and alarms a frame must decode to, or the DecodeError subclass it must raise."""

    readings: list[R] = field(default_factory=list)
    alarms: set[tuple[str, str]] = field(default_factory=set)  # (alarm kind, channel)
    error: type[DecodeError] | None = None


def from_json(example: dict[str, Any]) -> Expected:
    """Build an Expected from one example of a ``releve-vectors/1`` file."""
    import decoders.errors as errors_module

    error_name = example.get("error")
    if error_name:
        error_cls = getattr(errors_module, error_name)
        assert issubclass(error_cls, DecodeError), error_name
        return Expected(error=error_cls)
    readings = [
        R(
            quantity=r["quantity"],
            value=float(r["value"]),
            kind=r["kind"],
            channel=r.get("channel", ""),
            offset_s=r.get("offset_s"),
            at=r.get("at"),
        )
        for r in example.get("readings", [])
    ]
    alarms = {(a["kind"], a.get("channel", "")) for a in example.get("alarms", [])}
    return Expected(readings=readings, alarms=alarms)


def _key(r: R) -> tuple[str, str, int, str]:
    return (r.quantity, r.channel, r.offset_s if r.offset_s is not None else 0, r.at or "")


def actual(frame: Frame) -> tuple[list[R], set[tuple[str, str]]]:
    readings = [
        R(
            quantity=str(r.quantity),
            value=r.value,
            kind=str(r.kind),
            channel=r.channel,
            offset_s=r.offset_s,
            at=r.at.isoformat() if isinstance(r.at, datetime) else None,
        )
        for r in frame.readings
    ]
    alarms = {(str(a.kind), a.channel) for a in frame.alarms}
    return readings, alarms


def assert_matches(frame: Frame, expected: Expected) -> None:
    """Compare readings as multisets (floats with a tolerance) and alarms as sets."""
    got, got_alarms = actual(frame)
    want = sorted(expected.readings, key=_key)
    got = sorted(got, key=_key)
    assert [_key(r) for r in got] == [_key(r) for r in want], f"readings differ:\n got {got}\nwant {want}"
    for g, w in zip(got, want, strict=True):
        assert g.kind == w.kind, f"{g.quantity}: kind {g.kind} != {w.kind}"
        assert math.isclose(g.value, w.value, rel_tol=1e-6, abs_tol=1e-9), f"{g} != {w}"
    assert got_alarms == expected.alarms, f"alarms differ: got {got_alarms}, want {expected.alarms}"
