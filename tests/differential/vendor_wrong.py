"""The reviewed list: where a vendor codec is wrong and releve is right, each with its reason.

An entry names the model, says why the vendor's output is wrong, and corrects that output for
exactly the frames it concerns (``correct`` returns None for any other frame). The differential
test counts a difference as the vendor's error only when the corrected output agrees with releve;
any other difference fails. Keep the list short: an entry is a reviewed finding, not a waiver.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Correct = Callable[[int, bytes, Any], Any | None]


@dataclass(frozen=True)
class Rule:
    name: str
    reason: str
    correct: Correct


RULES: dict[str, tuple[Rule, ...]] = {}  # filled per vendor below


def _data(output: Any) -> dict[str, Any] | None:
    if isinstance(output, dict) and isinstance(output.get("data"), dict):
        return output["data"]
    return None


def _refused(reason: str) -> dict[str, Any]:
    return {"errors": [f"(corrected) {reason}"]}


# --- Enless (enlessdecoder.js, one codec for the whole TX range) ---------------------------------

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
    data = _data(output)
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
    data = _data(output)
    if data is None or "co2" not in data.get("values", {}) or len(payload) < 14:
        return None
    co2 = int.from_bytes(payload[12:14], "big")
    return {**output, "data": {**data, "values": {**data["values"], "co2": {"unit": "ppm", "value": co2}}}}


def _enless_battery(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = _data(output)
    if data is None or "battery" in data.get("states", {}) or len(payload) != 22:
        return None
    level = ("100%", "75%", "50%", "25%")[payload[21] >> 2 & 3]
    return {**output, "data": {**data, "states": {**data["states"], "battery": level}}}


def _enless_length(f_port: int, payload: bytes, output: Any) -> Any | None:
    want = _ENLESS_LENGTH.get(payload[3]) if len(payload) > 3 else None
    if want is None or len(payload) == want:
        return None
    return _refused(f"type 0x{payload[3]:02x} frames are {want} bytes, this one {len(payload)}")


def _enless_other_type(device: str) -> Correct:
    def correct(f_port: int, payload: bytes, output: Any) -> Any | None:
        if len(payload) < 4 or payload[3] in _ENLESS_TYPES[device]:
            return None
        return _refused(f"type byte 0x{payload[3]:02x} is another transmitter's")

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
    lambda f_port, payload, output: None if f_port == 1 else _refused(f"port {f_port}"),
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


# --- Adeunis (@adeunis/codecs) -------------------------------------------------------------------


def _stamped(payload: bytes) -> int:
    return 4 if len(payload) > 1 and payload[1] & 0x04 else 0


def _probes(payload: bytes) -> int:
    return 2 if payload[1] & 0x10 else 1


def _history(base: int, step: int) -> Callable[[bytes], bool]:
    def fits(payload: bytes) -> bool:
        body = len(payload) - base - _stamped(payload)
        return body >= step and body % step == 0

    return fits


def _exact(size: int, stamped: bool = True) -> Callable[[bytes], bool]:
    return lambda payload: len(payload) == size + (_stamped(payload) if stamped else 0)


# model -> frame code -> does the frame have a length its layout allows
_ADEUNIS_LAYOUT: dict[str, dict[int, Callable[[bytes], bool]]] = {
    "adeunis/analog": {0x42: _exact(10, stamped=False), 0x30: _exact(10, stamped=False)},
    "adeunis/dry-contacts-2": {0x40: _exact(11), 0x30: _exact(11), 0x41: _exact(5)},
    "adeunis/deltap": {
        0x53: _history(2, 2),
        0x55: _history(2, 2),
        0x54: _exact(5, stamped=False),
        0x56: _exact(5, stamped=False),
        0x2F: _exact(3, stamped=False),
    },
    "adeunis/temp-4": {
        0x57: lambda p: _history(2, 2 * _probes(p))(p),
        0x30: lambda p: len(p) == 2 + 2 * _probes(p) + _stamped(p),
        0x58: lambda p: len(p) == 2 + 3 * _probes(p) + _stamped(p),
    },
    "adeunis/pulse-4": {
        0x46: _exact(10),
        0x47: _exact(6),
        0x30: _exact(11),
        0x5A: _history(6, 2),
        0x5B: _history(6, 2),
    },
}


def _adeunis_layout(model: str) -> Correct:
    layout = _ADEUNIS_LAYOUT[model]

    def correct(f_port: int, payload: bytes, output: Any) -> Any | None:
        fits = layout.get(payload[0]) if len(payload) > 1 else None
        if fits is None or fits(payload):
            return None
        return _refused(f"frame 0x{payload[0]:02x} of {len(payload)} bytes does not fit its layout")

    return correct


def _library(output: Any) -> dict[str, Any] | None:
    data = _data(output)
    return data["bytes"] if data is not None and isinstance(data.get("bytes"), dict) else None


def _probe_error(f_port: int, payload: bytes, output: Any) -> Any | None:
    content = _library(output)
    if content is None:
        return None
    changed = False
    probes = []
    for probe in content.get("temperatures", []):
        if -3276.8 in probe.get("values", []):
            probe = {**probe, "values": [None if v == -3276.8 else v for v in probe["values"]]}
            changed = True
        elif probe.get("value") == -3276.8:
            probe = {**probe, "value": None}
            changed = True
        probes.append(probe)
    alarms = []
    for alarm in content.get("alarms", []):
        if alarm.get("temperature", {}).get("value") == -3276.8:
            alarm = {**alarm, "temperature": {**alarm["temperature"], "value": None}}
            changed = True
        alarms.append(alarm)
    if not changed:
        return None
    fixed = {**content}
    if probes:
        fixed["temperatures"] = probes
    if alarms:
        fixed["alarms"] = alarms
    return {**output, "data": {**output["data"], "bytes": fixed}}


def _negative_history(f_port: int, payload: bytes, output: Any) -> Any | None:
    content = _library(output)
    if content is None or not any(v < 0 for v in content.get("counterValues", [])):
        return None
    return _refused("a pulse index below zero")


_LAYOUT_REASON = (
    "the library reads frames of any length: bytes past the end read as zero or garbage, extra "
    "bytes are ignored (a keep-alive of 15 bytes in its own unit tests gets a timestamp in 2120); "
    "releve refuses a frame whose length its layout does not allow"
)
for _model in _ADEUNIS_LAYOUT:
    _length = Rule("adeunis: frame length outside its layout", _LAYOUT_REASON, _adeunis_layout(_model))
    RULES[_model] = (_length,)
RULES["adeunis/temp-4"] += (
    Rule(
        "adeunis: probe error value as a temperature",
        "a Temp 4 probe sends -32768 (0x8000) when it has no measurement; the library prints "
        "-3276.8 degC, releve raises a sensor fault for that probe",
        _probe_error,
    ),
)
RULES["adeunis/pulse-4"] += (
    Rule(
        "adeunis: negative pulse index",
        "a history frame whose differences take the index below zero is corrupted (an index only "
        "grows); the library prints negative counts, releve refuses the frame",
        _negative_history,
    ),
)
