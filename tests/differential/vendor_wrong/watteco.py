"""The reviewed list for nke Watteco (its drivers, Watteco/Codec-API-LoRaWAN): where the vendor's
codec is wrong and releve is right, each with its reason.

The vendor's driver is one ZCL and batch decoder shared by every product. Most of its errors are
of structure: it reads bytes a frame does not have (JavaScript gives ``undefined``, read as 0 or
NaN), ignores bytes a frame has too many, and reads any cluster on any endpoint. Two entries need
more than the frame to be recognised: they ask the codec itself (``Probe``) whether its output
depends on bytes past the frame's end, and whether it reads the frame's last byte at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.differential.vendor_wrong._base import Correct, Rule, refused


@dataclass(frozen=True)
class Probe:
    """The vendor codec's outputs on variants of one frame."""

    zero_after: Any  # the frame followed by a 0x00 byte
    ones_after: Any  # the frame followed by a 0xFF byte
    last_flipped: Any  # the frame with its last byte inverted
    output: Any  # the frame itself


ProbedCorrect = Callable[[int, bytes, Any, Probe], Any | None]


@dataclass(frozen=True)
class ProbeRule:
    name: str
    reason: str
    correct: ProbedCorrect


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _past_end(f_port: int, payload: bytes, output: Any, probe: Probe) -> Any | None:
    if _same(probe.zero_after, probe.ones_after):
        return None
    return refused("the codec's output changes with bytes after the frame's end: it read past it")


def _unread_last(f_port: int, payload: bytes, output: Any, probe: Probe) -> Any | None:
    if not payload or not _same(probe.last_flipped, probe.output):
        return None
    return refused("the codec's output ignores the frame's last byte: bytes after the frame's end")


_STRUCTURE = (
    ProbeRule(
        "watteco: bytes past the frame's end read",
        "the driver reads a value, a cause or a batch field beyond the last byte (JavaScript's "
        "undefined becomes 0, NaN or null) instead of refusing the cut frame; found by running the "
        "codec on the frame followed by 0x00 and by 0xFF: its output differs",
        _past_end,
    ),
    ProbeRule(
        "watteco: bytes after the frame's end accepted",
        "the driver stops where its fields end and ignores what follows (a batch report with "
        "bytes after its last sample, a report with bytes after its value and causes), where "
        "releve refuses a frame it cannot account for whole; found by inverting the last byte: "
        "the codec's output is the same",
        _unread_last,
    ),
)

# ZCL data types (ZigBee Cluster Library, 07-5123, table 2-10); every other code is reserved.
_ZCL_TYPES = frozenset(
    (0x00, *range(0x08, 0x11), *range(0x18, 0x30), 0x30, 0x31, 0x38, 0x39, 0x3A, *range(0x41, 0x45))
) | frozenset((0x48, 0x4C, 0x50, 0x51, 0xE0, 0xE1, 0xE2, 0xE8, 0xE9, 0xEA, 0xF0, 0xF1, 0xFF))


def _standard(payload: bytes) -> bool:
    return len(payload) >= 2 and bool(payload[0] & 0x01)


def _type_at(payload: bytes) -> int | None:
    """Where a standard report's or a read response's attribute type is."""
    if not _standard(payload):
        return None
    if payload[1] in (0x0A, 0x8A):
        return 6
    if payload[1] == 0x01 and len(payload) > 6 and payload[6] == 0:
        return 7
    return None


def _reserved_type(f_port: int, payload: bytes, output: Any) -> Any | None:
    at = _type_at(payload)
    if at is None or len(payload) <= at or payload[at] in _ZCL_TYPES:
        return None
    return refused(f"attribute type 0x{payload[at]:02x} is reserved in ZCL")


def _failed_read(f_port: int, payload: bytes, output: Any) -> Any | None:
    if not _standard(payload) or payload[1] != 0x01 or len(payload) < 7 or payload[6] == 0:
        return None
    if len(payload) == 7:  # the response as it should be: no value, nothing to read
        return {**output, "data": {"samples": []}} if isinstance(output, dict) else None
    return refused(f"a read response of status 0x{payload[6]:02x} (failure) carries no value")


# Endpoints each product has (its inputs, probes or phases); the frame control's bits 5-7.
_ENDPOINTS: Mapping[str, frozenset[int]] = {
    "watteco/pulse-senso": frozenset({0, 1, 2}),
    "watteco/pulse-senso-atex": frozenset({0, 1, 2}),
    "watteco/atmo": frozenset({0, 1}),
    "watteco/tempo-remote-2-probes": frozenset({0, 1}),
    "watteco/presso": frozenset({0, 1}),
    "watteco/smartplug": frozenset({0, 1}),
    "watteco/ticso": frozenset({0, 1}),
    "watteco/triphaso": frozenset({0, 1, 2, 3}),
    **{
        f"watteco/{m}": frozenset({0, 1})
        for m in ("vaqao", "vaqao-lite", "vaqao-multi-lite", "vaqao-plus", "vaqao-plus-lite")
    },
}


def _endpoint(model: str) -> Correct:
    allowed = _ENDPOINTS.get(model, frozenset({0}))

    def correct(f_port: int, payload: bytes, output: Any) -> Any | None:
        if not _standard(payload) or payload[0] >> 5 in allowed:
            return None
        return refused(f"the product has no endpoint {payload[0] >> 5}")

    return correct


def _samples_fixed(fix: Callable[[dict[str, Any]], dict[str, Any] | None]) -> Correct:
    """A correction of some samples of the output; None when no sample needs one."""

    def correct(f_port: int, payload: bytes, output: Any) -> Any | None:
        data = output.get("data") if isinstance(output, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("samples"), list):
            return None
        samples = [fix(s) or s for s in data["samples"]]
        if samples == data["samples"]:
            return None
        return {**output, "data": {**data, "samples": samples}}

    return correct


def _u32_count(sample: dict[str, Any]) -> dict[str, Any] | None:
    value = sample.get("value")
    if not str(sample.get("variable", "")).startswith("index") or not isinstance(value, int) or value >= 0:
        return None
    return {**sample, "value": value + 2**32}


def _s16(name: str, payload: bytes) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    def fix(sample: dict[str, Any]) -> dict[str, Any] | None:
        value = sample.get("value")
        at = _type_at(payload)
        signed = at is not None and len(payload) > at and payload[at] == 0x29
        if sample.get("variable") != name or not signed or not isinstance(value, int) or value < 2**15:
            return None
        return {**sample, "value": value - 2**16}

    return fix


def _signed_pressure(f_port: int, payload: bytes, output: Any) -> Any | None:
    return _samples_fixed(_s16("differential_pressure", payload))(f_port, payload, output)


_COMMON = (
    Rule(
        "watteco: reserved ZCL type decoded",
        "the driver decodes the value whatever its type byte says, also a code ZCL reserves (its "
        "own Smart Plug example sends 0x16 where its description says 0x10, boolean)",
        _reserved_type,
    ),
    Rule(
        "watteco: failed read response decoded",
        "a read attribute response whose status is not 0 (success) has no type nor value; the "
        "driver decodes the bytes after the status as if it were 0 (the 2024 builds report a null "
        "value where there are none)",
        _failed_read,
    ),
)
_COUNTS = Rule(
    "watteco: batch 32-bit count >= 2^31 negative",
    "the batch decoder assembles a 32-bit unsigned sample with JavaScript's signed bit operators: "
    "from 2,147,483,648 pulses on it gives the count minus 2^32",
    _samples_fixed(_u32_count),
)
_SIGNED_PRESSURE = Rule(
    "watteco: Ventil'O differential pressure read unsigned",
    "the attribute is typed 0x29 (int16) and the datasheet's range is negative to positive; the "
    "driver reads it unsigned: -5 Pa comes out as 65,531 Pa",
    _signed_pressure,
)


def _endpoint_rule(model: str) -> Rule:
    return Rule(
        "watteco: report of an endpoint the product lacks decoded",
        "the driver reads any cluster on any endpoint and names the value after the cluster; "
        "releve refuses a report of an input, probe or phase the product does not have",
        _endpoint(model),
    )


def rules(models: list[str]) -> dict[str, tuple[Rule, ...]]:
    """The reviewed entries of each Watteco model."""
    found: dict[str, tuple[Rule, ...]] = {}
    for model in models:
        extra: tuple[Rule, ...] = ()
        if model in ("watteco/flasho", "watteco/pulse-senso", "watteco/pulse-senso-atex", "watteco/presso"):
            extra += (_COUNTS,)
        if model == "watteco/ventilo":
            extra += (_SIGNED_PRESSURE,)
        found[model] = (*_COMMON, _endpoint_rule(model), *extra)
    return found


PROBE_RULES: tuple[ProbeRule, ...] = _STRUCTURE
