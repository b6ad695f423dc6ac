"""Comparing a vendor codec's output with releve's frame; structure-keeping mutations of frames."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from decoders import DecodeError, DeviceConfig, Frame, decode
from tests.unit.decoders.expected import Expected, R, actual

Mapping = Callable[[dict[str, Any]], Expected]


@dataclass(frozen=True)
class Outcome:
    """releve's side of one frame: its frame, or the DecodeError it raised."""

    frame: Frame | None
    error: DecodeError | None


def releve(model: str, f_port: int, payload: bytes, config: DeviceConfig | None) -> Outcome:
    try:
        return Outcome(decode(model, f_port, payload, config), None)
    except DecodeError as exc:
        return Outcome(None, exc)


def vendor_refused(output: Any) -> bool:
    """The vendor codec did not decode the frame: it threw, returned no data, or listed errors."""
    if not isinstance(output, dict) or "exception" in output:
        return True
    if output.get("errors"):
        return True
    return output.get("data") is None


def _key(r: R) -> tuple[str, str, int, str]:
    return (r.quantity, r.channel, r.offset_s or 0, r.at or "")


def difference(
    output: Any,
    outcome: Outcome,
    mapping: Mapping,
    example: dict[str, Any],
    abs_tol: dict[str, float],
) -> str | None:
    """Why releve and the vendor disagree on a frame, or None when they agree.

    An output the reviewed list marked ``unverifiable`` (the codec lacks what the frame holds)
    is not compared; the test counts it under that entry.
    """
    if isinstance(output, dict) and "unverifiable" in output:
        return None
    if vendor_refused(output):
        if outcome.error is not None:
            return None
        return f"the vendor codec refused the frame ({str(output)[:200]}), releve decoded it"
    try:
        expected = mapping({**example, "expected": output})
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, AssertionError) as exc:
        return f"the mapping cannot read the vendor output ({type(exc).__name__}: {exc}): {str(output)[:300]}"
    if expected.error is not None:
        return (
            None if outcome.error is not None else "the vendor output is an error, releve decoded the frame"
        )
    if outcome.error is not None or outcome.frame is None:
        error = f"{type(outcome.error).__name__}: {outcome.error}"
        return f"releve refused the frame ({error}), the vendor decoded it"
    got, got_alarms = actual(outcome.frame)
    want = sorted(expected.readings, key=_key)
    got = sorted(got, key=_key)
    if [_key(r) for r in got] != [_key(r) for r in want]:
        return f"readings differ: releve {[_key(r) for r in got]}, vendor {[_key(r) for r in want]}"
    for g, w in zip(got, want, strict=True):
        if g.kind != w.kind:
            return f"{g.quantity}/{g.channel}: kind {g.kind}, vendor {w.kind}"
        if not math.isclose(g.value, w.value, rel_tol=1e-6, abs_tol=abs_tol.get(g.quantity, 1e-9)):
            when = g.offset_s or g.at or "reception"
            return f"{g.quantity}/{g.channel} at {when}: releve {g.value}, vendor {w.value}"
    if got_alarms != expected.alarms:
        return f"alarms differ: releve {sorted(got_alarms)}, vendor {sorted(expected.alarms)}"
    return None


def shape(value: Any, path: str = "") -> frozenset[str]:
    """The key paths of a vendor output (list positions collapsed): what a mutation must keep."""
    if isinstance(value, dict):
        return frozenset().union(*(shape(v, f"{path}.{k}") for k, v in value.items())) | {path}
    if isinstance(value, list):
        return frozenset().union(*(shape(v, f"{path}[]") for v in value)) | {path}
    return frozenset({path})


_EDGE_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF)


def mutants(seed: bytes, keep: frozenset[int], rng: random.Random, per_byte: int) -> Iterator[bytes]:
    """Frames of the seed's length with one byte changed (edge values, then random ones), or two;
    the offsets in ``keep`` (a model's identifying bytes) stay as they are."""
    free = [i for i in range(len(seed)) if i not in keep]
    for i in free:
        values = [*_EDGE_BYTES, *(rng.randrange(256) for _ in range(per_byte))]
        for v in values:
            if v != seed[i]:
                yield seed[:i] + bytes([v]) + seed[i + 1 :]
    for _ in range(len(free) * per_byte):
        if len(free) < 2:
            break
        i, j = rng.sample(free, 2)
        frame = bytearray(seed)
        frame[i], frame[j] = rng.randrange(256), rng.randrange(256)
        yield bytes(frame)
