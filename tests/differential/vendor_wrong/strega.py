"""The reviewed list for STREGA Smart Valve (smart-valve.js).

Where the vendor codec is wrong and releve is right, each entry with its reason.
"""

from __future__ import annotations

from typing import Any

from tests.differential.vendor_wrong._base import Rule, data_of, refused

RULES: dict[str, tuple[Rule, ...]] = {}


_HEX = frozenset(b"0123456789ABCDEFabcdef")


def _strega_fields(payload: bytes) -> tuple[dict[str, float], str | None]:
    """The ASCII fields of a status frame (C counter, V analog), or why the frame breaks the format."""
    if len(payload) < 5 or payload[0] & 0x30 != 0x30:
        return {}, "not a status frame"
    digits = bytes((0x30 | payload[0] & 0x0F,)) + payload[1:4]
    if any(not 0x30 <= b <= 0x39 for b in digits):
        return {}, "battery voltage digits that are not decimal ASCII"
    if not 0x30 <= payload[4] <= 0xAF:
        return {}, f"status byte 0x{payload[4]:02x} out of range"
    tail = payload[5:]
    if tail[:1] == b"#":
        if len(tail) < 5:
            return {}, "climate field cut short"
        tail = tail[5:]
    text, fields, pos = tail.split(b"\x00", 1)[0], {}, 0
    if text[:1] == b"@":
        return {}, None
    while pos < len(text):
        marker, size = text[pos : pos + 1], {b"C": 6, b"V": 4}.get(text[pos : pos + 1])
        value = text[pos + 1 : pos + 1 + (size or 0)]
        if size is None:
            return {}, f"field {marker!r} the format does not define"
        if len(value) != size or any(b not in _HEX for b in value):
            return {}, f"field {marker!r} is not {size} hexadecimal digits"
        fields["counterValue" if marker == b"C" else "Ana"] = int(value, 16) / (1 if marker == b"C" else 1000)
        pos += 1 + size
    return fields, None


def _strega(f_port: int, payload: bytes, output: Any) -> Any | None:
    if payload[:1] == b"@":
        return None
    fields, why = _strega_fields(payload)
    if why is not None:
        return refused(why)
    data = data_of(output)
    if data is None:
        return None
    missed: dict[str, Any] = {k: v for k, v in fields.items() if data.get(k) == "null"}
    battery = data.get("Bat")
    if isinstance(battery, (int, float)) and not 0 <= battery <= 100:
        missed["Bat"] = min(100, max(0, battery))
    return {**output, "data": {**data, **missed}} if missed else None


RULES["strega/smart-valve"] = (
    Rule(
        "strega: ASCII fields not checked, counter missed",
        "the frame is partly ASCII (battery digits, status byte + 0x30, 'C' + 6 hex digits, 'V' + 4); "
        "the codec decodes any bytes there (a battery of '3\\x8f88' mV, a status below 0x30) and "
        "misses the counter field after an analog-less status, printing 'null'; its battery level "
        "(mV - 2000) / 16 is not kept within 0-100 % (-113 %, 216 %); releve refuses a frame that "
        "breaks the format, reads the counter and bounds the level",
        _strega,
    ),
)
