"""The reviewed list for Enless (enlessdecoder.js, one codec for the whole TX range).

Where the vendor codec is wrong and releve is right, each entry with its reason.
"""

from __future__ import annotations

from typing import Any

from tests.differential.vendor_wrong._base import Correct, Rule, data_of, refused

RULES: dict[str, tuple[Rule, ...]] = {}


# type byte -> frame length and the offsets of the signed 16-bit values the codec reads unsigned
_ENLESS_LENGTH = {0x04: 18, 0x0E: 14, 0x06: 18, 0x07: 14, 0x0F: 14, 0x10: 14, 0x0C: 14, 0x11: 14, 0x0D: 12}
_ENLESS_LENGTH |= dict.fromkeys((0x08, 0x09, 0x0A, 0x0B), 22)
_ENLESS_SIGNED = {"temperature": 6, "temperature_1": 6, "temperature_2": 8, "current": 6}
_ENLESS_TYPES = {
    "tx-trh-amb-600-021": {0x04},
    "tx-temp-cont2-600-034": {0x0E},
    "tx-amb-600-023": {0x06},
    "tx-temp-600-031": {0x07},
    "tx-temp-cont1-600-032": {0x0F, 0x10},
    "tx-temp-cont2-600-232": {0x0C, 0x11},
    "tx-analog-600-035": {0x0D},
    "tx-pulse-600": {0x08},
    "tx-pulse-atex-600-037": {0x09},
    "tx-pulse-led-600-038": {0x0A},
    "tx-contact-600-039": {0x0B},
}


def _enless_signed(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = data_of(output)
    if data is None or not isinstance(data.get("values"), dict) or len(payload) < 10:
        return None
    values = {**data["values"]}
    changed = False
    for name, offset in _ENLESS_SIGNED.items():
        if name in values and payload[offset] & 0x80:
            raw = int.from_bytes(payload[offset : offset + 2], "big", signed=True)
            values[name] = {**values[name], "value": raw / 10}
            changed = True
    return {**output, "data": {**data, "values": values}} if changed else None


def _enless_co2(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = data_of(output)
    if data is None or "co2" not in data.get("values", {}) or len(payload) < 14:
        return None
    co2 = int.from_bytes(payload[12:14], "big")
    return {**output, "data": {**data, "values": {**data["values"], "co2": {"unit": "ppm", "value": co2}}}}


def _enless_battery(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = data_of(output)
    if data is None or "battery" in data.get("states", {}) or len(payload) != 22:
        return None
    level = ("100%", "75%", "50%", "25%")[payload[21] >> 2 & 3]
    return {**output, "data": {**data, "states": {**data["states"], "battery": level}}}


def _enless_length(f_port: int, payload: bytes, output: Any) -> Any | None:
    want = _ENLESS_LENGTH.get(payload[3]) if len(payload) > 3 else None
    if want is None or len(payload) == want:
        return None
    return refused(f"type 0x{payload[3]:02x} frames are {want} bytes, this one {len(payload)}")


def _enless_other_type(device: str) -> Correct:
    def correct(f_port: int, payload: bytes, output: Any) -> Any | None:
        if len(payload) < 4 or payload[3] in _ENLESS_TYPES[device]:
            return None
        return refused(f"type byte 0x{payload[3]:02x} is another transmitter's")

    return correct


_SIGNED = Rule(
    "enless: two's complement read unsigned",
    "enlessdecoder.js hexToInt compares the number with the string 'FFFF' (NaN), so its sign test is "
    "never true: -2.7 degC comes out as 6550.9 degC, and a negative 4-20 mA reading likewise; "
    "the datasheet's values are signed 16-bit",
    _enless_signed,
)
_LENGTH = Rule(
    "enless: frame of the wrong length decoded",
    "the codec reads a cut or padded frame anyway (missing bytes become NaN or 'unknown'); releve "
    "refuses a frame whose length is not its type's",
    _enless_length,
)
_PORT = Rule(
    "enless: any port decoded",
    "the TX range sends its uplinks on port 1; the codec does not look at the port, releve refuses another",
    lambda f_port, payload, output: None if f_port == 1 else refused(f"port {f_port}"),
)
_ENLESS_RULES: dict[str, tuple[Rule, ...]] = {}
for _device in _ENLESS_TYPES:
    _rules = [
        _SIGNED,
        _LENGTH,
        _PORT,
        Rule(
            "enless: another transmitter's frame",
            "the shared codec decodes any type byte; a model's decoder in releve reads only its own "
            "transmitter's type (the vendor output there is not this model's reading)",
            _enless_other_type(_device),
        ),
    ]
    if _device == "tx-amb-600-023":
        _rules.append(
            Rule(
                "enless: CO2 divided by 10",
                "the codec divides the 600-023's CO2 by 10: its own example gives 60.9 ppm (a seventh "
                "of outdoor air's 420 ppm) beside 21.1 degC indoors; the value is whole ppm (609)",
                _enless_co2,
            )
        )
    if _ENLESS_LENGTH[next(iter(_ENLESS_TYPES[_device]))] == 22:
        _rules.append(
            Rule(
                "enless: battery state dropped",
                "on pulse and contact frames the codec sets its states twice and the second "
                "assignment replaces the battery level with the input states",
                _enless_battery,
            )
        )
    _ENLESS_RULES[f"enless-wireless/{_device}"] = tuple(_rules)
RULES.update(_ENLESS_RULES)
