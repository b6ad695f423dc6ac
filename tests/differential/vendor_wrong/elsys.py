"""The reviewed list for Elsys (elsys.js).

Where the vendor codec is wrong and releve is right, each entry with its reason.
"""

from __future__ import annotations

from typing import Any

from tests.differential.vendor_wrong._base import Rule, data_of, refused

RULES: dict[str, tuple[Rule, ...]] = {}


_ELSYS_SIZES = {0x01: 2, 0x02: 1, 0x03: 3, 0x04: 2, 0x05: 1, 0x06: 2, 0x07: 2, 0x08: 2, 0x09: 6, 0x0A: 2}
_ELSYS_SIZES |= {0x0B: 4, 0x0C: 2, 0x0D: 1, 0x0E: 2, 0x0F: 1, 0x10: 4, 0x11: 1, 0x12: 1, 0x13: 65, 0x14: 4}
_ELSYS_SIZES |= {0x15: 2, 0x16: 2, 0x17: 4, 0x18: 2, 0x19: 2, 0x1A: 1, 0x1B: 4, 0x1C: 2}
_ELSYS_U32 = {0x0B: "pulseAbs", 0x17: "pulseAbs2"}


def _elsys_structure(f_port: int, payload: bytes, output: Any) -> Any | None:
    pos = 0
    while pos < len(payload):
        size = _ELSYS_SIZES.get(payload[pos])
        if size is None:
            return refused(f"unknown type 0x{payload[pos]:02x}: the codec stops there and drops the rest")
        if pos + 1 + size > len(payload):
            return refused(f"type 0x{payload[pos]:02x} cut short")
        pos += 1 + size
    return None


def _elsys_u32(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = data_of(output)
    if data is None:
        return None
    fixed, pos = dict(data), 0
    while pos < len(payload) and payload[pos] in _ELSYS_SIZES:
        kind, size = payload[pos], _ELSYS_SIZES[payload[pos]]
        if kind in _ELSYS_U32 and pos + 5 <= len(payload):
            fixed[_ELSYS_U32[kind]] = int.from_bytes(payload[pos + 1 : pos + 5], "big")
        pos += 1 + size
    return {**output, "data": fixed} if fixed != data else None


RULES["elsys/ems"] = RULES["elsys/ers-co2"] = (
    Rule(
        "elsys: unknown type or cut value decoded",
        "the codec ends decoding silently at a type byte it does not know (the rest of the frame is "
        "lost without an error) and reads a value cut by the end of the frame as NaN; releve refuses",
        _elsys_structure,
    ),
    Rule(
        "elsys: 32-bit pulse counter negative",
        "the codec assembles the absolute pulse count with shifts (bytes << 24, signed 32-bit in "
        "JavaScript): from 2^31 pulses the index turns negative",
        _elsys_u32,
    ),
)
