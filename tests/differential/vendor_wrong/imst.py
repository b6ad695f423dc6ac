"""The reviewed list for IMST iO-KE868 (ioke868.js).

Where the vendor codec is wrong and releve is right, each entry with its reason.
"""

from __future__ import annotations

from typing import Any

from tests.differential.vendor_wrong._base import Rule, data_of, refused

RULES: dict[str, tuple[Rule, ...]] = {}


_IMST_PORTS = {3, 5, 0x43, 0x45}


def _imst_fields(f_port: int, payload: bytes) -> tuple[list[bytes], str | None]:
    """The frame's OBIS objects with a number (types 0x40, 0x41), or why the frame is malformed."""
    body = payload[1:] if f_port & 0x40 else payload
    if f_port & ~0x40 == 3:
        return [], None if len(body) >= 28 else "a status frame is 28 bytes"
    objects: list[bytes] = []
    pos = 0
    while pos < len(body):
        if pos + 2 > len(body) or pos + 2 + body[pos + 1] > len(body):
            return objects, "a field cut short"
        kind, data = body[pos], body[pos + 2 : pos + 2 + body[pos + 1]]
        pos += 2 + len(data)
        if kind in (0x40, 0x41, 0x42):
            if not data:
                return objects, "an empty OBIS object"
            header = (
                1 + bin(data[0] & 0xFC).count("1") + (1 if kind == 0x40 else 0) + (1 if kind != 0x42 else 0)
            )
            mantissa = len(data) - header
            if kind != 0x42 and not 0 < mantissa <= 9:
                return objects, f"a {mantissa}-byte value field (the format's is 1 to 9)"
            if kind == 0x42 and mantissa < 0:
                return objects, "an OBIS object cut short"
            if kind != 0x42:
                objects.append(data)
        elif kind == 0x00 and len(data) < 2:
            return objects, "a status field shorter than 2 bytes"
        elif kind == 0x01 and len(data) != 4:
            return objects, "a time field that is not 4 bytes"
    return objects, None


def _imst_structure(f_port: int, payload: bytes, output: Any) -> Any | None:
    if f_port not in _IMST_PORTS:
        return refused(f"port {f_port} carries no meter data")
    _, why = _imst_fields(f_port, payload)
    return None if why is None else refused(why)


def _imst_wide(f_port: int, payload: bytes, output: Any) -> Any | None:
    """Mantissas over 32 bits, which the codec shifts into a 32-bit integer, read whole."""
    data = data_of(output)
    if data is None or f_port not in _IMST_PORTS:
        return None
    objects, why = _imst_fields(f_port, payload)
    numbered = [o for o in data.get("OBIS_IDs", []) if isinstance(o.get("Scaler"), int)]
    if why is not None or len(objects) != len(numbered):
        return None
    fixed, changed = [], False
    for raw, obj in zip(objects, numbered, strict=True):
        header = 1 + bin(raw[0] & 0xFC).count("1") + (1 if "unit" in obj else 0) + 1
        mantissa = raw[header:]
        power = (
            obj["OBIS_ID"].split("_")[2:4] in (["1", "7"], ["16", "7"]) or obj["OBIS_ID"].split("_")[3] == "7"
        )
        whole = int.from_bytes(
            mantissa, "big", signed=power and obj["OBIS_ID"].split("_")[2] in _SIGNED_POWER
        )
        if whole != obj["rawValue"]:
            obj = {**obj, "rawValue": whole, "value": whole * 10.0 ** obj["Scaler"]}
            changed = True
        fixed.append(obj)
    if not changed:
        return None
    others = [o for o in data.get("OBIS_IDs", []) if not isinstance(o.get("Scaler"), int)]
    return {**output, "data": {**data, "OBIS_IDs": fixed + others}}


_SIGNED_POWER = {"1", "16", "21", "41", "61", "36", "56", "76"}
RULES["imst/ioke868"] = (
    Rule(
        "imst: malformed frame decoded",
        "the codec decodes frames on any port, objects cut by the end of the frame, empty objects "
        "and value fields of any length; releve refuses them (value fields are 1 to 9 bytes)",
        _imst_structure,
    ),
    Rule(
        "imst: mantissa over 32 bits",
        "the codec builds the mantissa with 32-bit shifts (mantissa << 8), so an index above "
        "2^31 units loses its high bytes or turns negative (an 8-byte SML value is common); releve "
        "reads the whole field (two's complement for power, unsigned otherwise)",
        _imst_wide,
    ),
)
