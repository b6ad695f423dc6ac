"""Meter semantics: turning index readings into consumption, the way a town's bills need it.

Pure functions. An index (cumulative) reading's consumption is its difference with the previous
reading of the same series in reading time (not arrival time). An index that goes down is either
a wrap at the register's width (99,999.999 m3, 65,535 pulses...) or an anomaly: a wrap is counted
as consumption, an anomaly is flagged and excluded, never turned into a negative or huge number.
The consumption between two readings is attributed to the window holding the later one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kernel.types import Replacement


@dataclass(frozen=True, slots=True)
class Point:
    ts: datetime
    value: float


@dataclass(frozen=True, slots=True)
class Step:
    """The consumption since the previous point, or why there is none."""

    delta: float | None
    anomaly: str | None = None


def index_step(
    prev: Point | None,
    cur: Point,
    register_max: float | None = None,
    replacements: tuple[Replacement, ...] = (),
) -> Step:
    """Consumption between two index readings of one meter.

    ``register_max`` is the value at which the index wraps to zero (the register's modulus).
    A decrease is a wrap only when the register is known and the wrapped difference is less than
    half the register: anything else is a reset or a replaced meter, reported as an anomaly.
    A replacement recorded between the two readings splits the difference in two: what the old
    meter counted up to its final index, and what the new one counted from its initial index.
    """
    if prev is None:
        return Step(None)
    between = (
        sorted((r for r in replacements if prev.ts < r.at <= cur.ts), key=lambda r: r.at)
        if replacements
        else ()
    )
    if between:
        total, start = 0.0, prev.value
        for r in between:
            total += r.old_final - start
            start = r.new_initial
        total += cur.value - start
        if total < 0:
            return Step(None, f"negative consumption {total:g} across a meter replacement: check its indexes")
        return Step(total)
    if cur.value >= prev.value:
        return Step(cur.value - prev.value)
    if register_max is not None and register_max > 0:
        wrapped = cur.value + register_max - prev.value
        if 0 <= wrapped < register_max / 2:
            return Step(wrapped)
    return Step(None, f"index went down from {prev.value:g} to {cur.value:g} without a wrap or replacement")


def delta_step(value: float) -> Step:
    """A counter cleared at every report: the value is itself the consumption."""
    if value < 0:
        return Step(None, f"negative increment {value:g}")
    return Step(value)
