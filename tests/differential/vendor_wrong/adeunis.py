"""The reviewed list for Adeunis (@adeunis/codecs).

Where the vendor codec is wrong and releve is right, each entry with its reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.differential.vendor_wrong._base import Correct, Rule, data_of, refused

RULES: dict[str, tuple[Rule, ...]] = {}


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
    "adeunis/tic-cbe-linky-mono": {0x49: _exact(50, stamped=False)},
    "adeunis/comfort-co2": {
        0x6A: lambda p: _history(2, 5)(p),
        0x6B: _exact(8),
        0x51: _exact(9),
        0x52: _exact(9),
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
        return refused(f"frame 0x{payload[0]:02x} of {len(payload)} bytes does not fit its layout")

    return correct


def _library(output: Any) -> dict[str, Any] | None:
    data = data_of(output)
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
    return refused("a pulse index below zero")


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


def _tic_text(f_port: int, payload: bytes, output: Any) -> Any | None:
    """TIC labels and values are printable ASCII; other bytes there mean a corrupted frame."""
    if not payload or payload[0] not in (0x49, 0x4A):
        return None
    fields = (
        [payload[2:14], payload[14:18], payload[46:50]]
        if payload[0] == 0x49
        else [payload[2:12], payload[13:]]
    )
    if all(0x20 <= b < 0x7F for field in fields for b in field.replace(b"\x00", b"")):
        return None
    return refused("a TIC text field holds bytes that are not printable ASCII")


def _signed_co2(f_port: int, payload: bytes, output: Any) -> Any | None:
    content = _library(output)
    if content is None or not isinstance(content.get("alarmCo2"), dict):
        return None
    value = content["alarmCo2"]["co2"]["value"]
    if value >= 0:
        return None
    fixed = {**content, "alarmCo2": {**content["alarmCo2"], "co2": {"unit": "ppm", "value": value + 0x10000}}}
    return {**output, "data": {**output["data"], "bytes": fixed}}


RULES["adeunis/tic-cbe-linky-mono"] += (
    Rule(
        "adeunis: TIC text that is not text",
        "the TIC fields (meter address, tariff option, period, alarm label and value) are ASCII by "
        "the Enedis TIC specification; the library prints any bytes, releve refuses the frame",
        _tic_text,
    ),
)
RULES["adeunis/tic-cbe-linky-mono"] += (
    Rule(
        "adeunis: TIC alarm of an unknown type",
        "the alarm type byte is one of eight defined codes; for another the library prints an empty "
        "type and no alarm, releve refuses the frame",
        lambda f_port, payload, output: (
            refused("unknown TIC alarm type")
            if (_library(output) or {}).get("alarmType") == "" and payload[:1] == b"\x4a"
            else None
        ),
    ),
)
RULES["adeunis/comfort-co2"] += (
    Rule(
        "adeunis: CO2 of an alarm frame read signed",
        "the library reads the alarm frame's CO2 as a signed 16-bit value (its data frame reads it "
        "unsigned): above 32767 ppm it prints a negative concentration",
        _signed_co2,
    ),
)
