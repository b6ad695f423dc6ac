"""The reviewed list for Netvox (vendor/netvox/payload/*.js).

Where the vendor codec is wrong and releve is right, each entry with its reason.
"""

from __future__ import annotations

from typing import Any

from tests.differential.vendor_wrong._base import Correct, Rule, data_of, refused

RULES: dict[str, tuple[Rule, ...]] = {}


_NETVOX_ENVELOPE = {"Device", "Volt"}


def _netvox_frame(reports: frozenset[int]) -> Correct:
    def correct(f_port: int, payload: bytes, output: Any) -> Any | None:
        if len(payload) != 11:
            return refused(f"a Netvox frame is 11 bytes, this one {len(payload)}")
        if f_port == 6 and payload[2] not in reports:
            return refused(f"report type 0x{payload[2]:02x} is not one of this device's")
        return None

    return correct


def _netvox_rule(*reports: int) -> Rule:
    return Rule(
        "netvox: frame outside the device's reports",
        "the codecs decode frames of any length (missing bytes read as 0) and read a report type "
        "the device's manual does not define as a data report, or print only the device name and "
        "battery for it; releve refuses both",
        _netvox_frame(frozenset({0x00, *reports})),
    )


def _r718n3_multiplier(f_port: int, payload: bytes, output: Any) -> Any | None:
    if f_port != 6 or len(payload) != 11 or payload[2] != 0x01 or payload[10] != 0:
        return None
    return refused("current multiplier 0 (the manual's are 1, 5, 10 and 100)")


def _u32(payload: bytes, at: int) -> int:
    return int.from_bytes(payload[at : at + 4], "big")


def _r809a_energy(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = data_of(output)
    if data is None or not isinstance(data.get("Energy"), int) or data["Energy"] >= 0:
        return None
    return {**output, "data": {**data, "Energy": _u32(payload, 4)}}


def _r726_pressure(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = data_of(output)
    if data is None or not isinstance(data.get("Atomsphere"), (int, float)) or data["Atomsphere"] >= 0:
        return None
    return {**output, "data": {**data, "Atomsphere": _u32(payload, 6) / 100}}


# report type -> vendor field -> (offset, scale, signed) of the 16-bit values
_R726_FIELDS: dict[int, dict[str, tuple[int, float, bool]]] = {
    0x07: {"CO2": (4, 0.1, False), "NH3": (6, 0.1, False), "Noise": (8, 0.1, False)},
    0x08: {"PH": (4, 0.01, False), "TempPH": (6, 0.01, True), "ORP": (8, 1, True)},
    0x09: {"NTU": (4, 0.1, False), "TempNTU": (6, 0.01, True), "EC5SoildHumi": (8, 0.01, False)},
    0x0A: {"SoildHumi5TE": (4, 0.01, False), "SoildTemp5TE": (6, 0.01, True), "WaterLevel": (8, 1, False)},
    0x0B: {"TempLDO": (4, 0.01, True), "LDO_DO": (6, 0.01, False), "LDO_Sat": (8, 0.1, False)},
    0x0C: {"Temperature": (4, 0.01, True), "Humidity": (6, 0.01, False), "WindSpeed": (8, 0.01, False)},
    0x0D: {"WindDirection": (4, 1, False)},
}


def _r726_ff(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = data_of(output)
    fields = _R726_FIELDS.get(payload[2]) if data is not None and len(payload) == 11 else None
    if fields is None:
        return None
    fixed, changed = dict(data or {}), False
    for name, (at, scale, signed) in fields.items():
        raw = int.from_bytes(payload[at : at + 2], "big", signed=signed)
        if fixed.get(name) == "NoSensor" and raw in (0xFF, 0xFF - 0x10000):
            fixed[name] = round(raw * scale, 6)
            changed = True
    if payload[2] == 0x0D and fixed.get("Atomsphere") == "NoSensor" and _u32(payload, 6) == 0xFF:
        fixed["Atomsphere"] = 2.55
        changed = True
    return {**output, "data": fixed} if changed else None


RULES.update(
    {
        "netvox/r711": (_netvox_rule(0x01),),
        "netvox/r718h": (_netvox_rule(0x01),),
        "netvox/r718n3": (
            _netvox_rule(0x01, 0x02, 0x03, 0x04),
            Rule(
                "netvox: R718N3 current times a multiplier of 0",
                "a report 0x01 whose multiplier byte is 0 gives every current as 0 A in the codec; "
                "the multiplier is 1, 5, 10 or 100, so releve refuses the frame",
                _r718n3_multiplier,
            ),
        ),
        "netvox/r809a": (
            _netvox_rule(0x01, 0x02),
            Rule(
                "netvox: R809A energy over 2^31 Wh negative",
                "the codec assembles the 32-bit energy index with shifts (bytes[4] << 24 | ...), a "
                "signed 32-bit operation in JavaScript: from 2,147,483,648 Wh the index turns negative",
                _r809a_energy,
            ),
        ),
        "netvox/r72615a": (
            _netvox_rule(*range(0x01, 0x0F)),
            Rule(
                "netvox: R726 pressure over 2^31 negative",
                "the codec assembles the 32-bit pressure with shifts (signed 32-bit in JavaScript)",
                _r726_pressure,
            ),
            Rule(
                "netvox: a 16-bit value of 255 taken for 'no sensor'",
                "checkSensorExist treats 0xFF as the absent-sensor marker whatever the field's width, "
                "so a 16-bit value of 255 (25.5 ppm, 255 degrees, 2.55 m/s) is printed 'NoSensor'; the "
                "marker of a 16-bit field is 0xFFFF",
                _r726_ff,
            ),
        ),
    }
)
