"""The reviewed list for Laird RS1xx (rs1xx-temp-rh-sensor.js).

Where the vendor codec is wrong and releve is right, each entry with its reason.
"""

from __future__ import annotations

from typing import Any

from tests.differential.vendor_wrong._base import Rule, refused

RULES: dict[str, tuple[Rule, ...]] = {}


def _laird_fixed_ok(frac: int, whole: int, *, humidity: bool) -> bool:
    if humidity:
        return frac <= 99 and whole * 100 + frac <= 10000
    f, w = frac - 256 if frac > 127 else frac, whole - 256 if whole > 127 else whole
    return abs(f) <= 99 and not (f > 0 > w) and not (f < 0 < w)


def _laird_pairs(payload: bytes, starts: list[int]) -> str | None:
    for start in starts:
        hum, temp = payload[start : start + 2], payload[start + 2 : start + 4]
        if len(temp) < 2:
            return "a reading cut short"
        if not _laird_fixed_ok(hum[0], hum[1], humidity=True):
            return f"humidity bytes {hum.hex()} are not a relative humidity (fraction 0-99, at most 100 %)"
        if not _laird_fixed_ok(temp[0], temp[1], humidity=False):
            return f"temperature bytes {temp.hex()} are not a value (fraction -99..99, same sign)"
    return None


def _laird_invalid(f_port: int, payload: bytes) -> str | None:
    """Why the frame breaks the RS1xx LoRa Protocol note, or None (the checks the codec skips)."""
    if f_port != 1:
        return f"port {f_port} (the sensor sends on port 1)"
    kind = payload[0] if payload else None
    if kind == 0x01:
        return _laird_pairs(payload, [2]) if len(payload) == 11 else "a notification is 11 bytes"
    if kind == 0x02 and len(payload) >= 7:
        count = payload[6]
        if len(payload) != 11 + 4 * count:
            return "the aggregate's count and length disagree"
        return _laird_pairs(payload, [11 + 4 * i for i in range(count)])
    if kind == 0x03:
        return _laird_pairs(payload, [6]) if len(payload) == 10 else "a backlog message is 10 bytes"
    if kind == 0x04 and len(payload) >= 3:
        count = payload[2]
        if len(payload) != 3 + 8 * count or count == 0:
            return "the backlog list's count and length disagree"
        return _laird_pairs(payload, [3 + 8 * i + 4 for i in range(count)])
    if kind == 0x0A and len(payload) == 4:
        ok = _laird_fixed_ok(payload[2], payload[3], humidity=False) and payload[3] < 128
        return None if ok else "battery voltage bytes are not a positive value"
    return None


def _laird(f_port: int, payload: bytes, output: Any) -> Any | None:
    why = _laird_invalid(f_port, payload)
    return None if why is None else refused(why)


RULES["laird/rs1xx-temp-rh-sensor"] = (
    Rule(
        "laird: frame outside the protocol note",
        "the codec checks no port, no count against the length, and no fixed-point byte pair (a "
        "fraction byte is 0-99 with the value's sign, humidity at most 100 %): it prints 101.5 %RH, "
        "or a null reading for a count larger than the list; releve refuses such frames",
        _laird,
    ),
)
