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
        data: dict[str, Any] = output["data"]
        return data
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
    return _refused("a TIC text field holds bytes that are not printable ASCII")


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
            _refused("unknown TIC alarm type")
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


# --- Laird RS1xx (rs1xx-temp-rh-sensor.js) -------------------------------------------------------


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
    return None if why is None else _refused(why)


RULES["laird/rs1xx-temp-rh-sensor"] = (
    Rule(
        "laird: frame outside the protocol note",
        "the codec checks no port, no count against the length, and no fixed-point byte pair (a "
        "fraction byte is 0-99 with the value's sign, humidity at most 100 %): it prints 101.5 %RH, "
        "or a null reading for a count larger than the list; releve refuses such frames",
        _laird,
    ),
)


# --- IMST iO-KE868 (ioke868.js) ------------------------------------------------------------------

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
        return _refused(f"port {f_port} carries no meter data")
    _, why = _imst_fields(f_port, payload)
    return None if why is None else _refused(why)


def _imst_wide(f_port: int, payload: bytes, output: Any) -> Any | None:
    """Mantissas over 32 bits, which the codec shifts into a 32-bit integer, read whole."""
    data = _data(output)
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


# --- Netvox (vendor/netvox/payload/*.js) ---------------------------------------------------------

_NETVOX_ENVELOPE = {"Device", "Volt"}


def _netvox_frame(reports: frozenset[int]) -> Correct:
    def correct(f_port: int, payload: bytes, output: Any) -> Any | None:
        if len(payload) != 11:
            return _refused(f"a Netvox frame is 11 bytes, this one {len(payload)}")
        if f_port == 6 and payload[2] not in reports:
            return _refused(f"report type 0x{payload[2]:02x} is not one of this device's")
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
    return _refused("current multiplier 0 (the manual's are 1, 5, 10 and 100)")


def _u32(payload: bytes, at: int) -> int:
    return int.from_bytes(payload[at : at + 4], "big")


def _r809a_energy(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = _data(output)
    if data is None or not isinstance(data.get("Energy"), int) or data["Energy"] >= 0:
        return None
    return {**output, "data": {**data, "Energy": _u32(payload, 4)}}


def _r726_pressure(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = _data(output)
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
    data = _data(output)
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


# --- Aqua-Scope WWD (wwd.js) ---------------------------------------------------------------------


def _wwd_255(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = _data(output)
    if data is None or len(payload) < 4 or payload[2] == 0:
        return None
    return {**output, "data": {**data, "temperature": int.from_bytes(payload[2:4], "big")}}


RULES["aquascope/wwd"] = (
    Rule(
        "aquascope: temperature high byte times 255",
        "the codec computes byte2 * 0xff + byte3 for the big-endian 16-bit temperature (x 256); "
        "the two agree only while byte 2 is 0",
        _wwd_255,
    ),
)


# --- Elvaco CMi4140 (cmi4140.js) -----------------------------------------------------------------


def _mbus_records(payload: bytes) -> list[tuple[bytes, bytes]]:
    """(VIF bytes, data) of the standard message's records, walked as the codec walks them."""
    records, i = [], 1
    while i < len(payload):
        dif = payload[i]
        width = 2 if dif == 0x84 else 1
        vif = payload[i + 1 : i + 1 + width]
        i += 1 + width
        if len(payload) - i <= 5 and vif == b"\xfd":
            vif += payload[i : i + 1]
            i += 1
        size = dif if 2 <= dif <= 4 else 4
        records.append((vif, payload[i : i + size]))
        i += size
    return records


def _cmi4140_signed(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = _data(output)
    if data is None:
        return None
    fixed, changed = dict(data), False
    for vif, raw in _mbus_records(payload):
        if not raw:
            continue
        unsigned = int.from_bytes(raw, "little")
        if vif == b"\xfd\x17":
            if fixed.get("error_flag") != unsigned:
                fixed["error_flag"], changed = unsigned, True
            continue
        if not raw[-1] & 0x80:
            continue
        invalid = unsigned == 1 << (8 * len(raw) - 1)  # the most negative value: "no value"
        for name, value in data.items():
            if not isinstance(value, (int, float)) or name == "error_flag":
                continue
            for decimals in range(8):
                if abs(value * 10**decimals - unsigned) < 1e-6 * max(1, unsigned):
                    if invalid:
                        fixed.pop(name, None)
                        fixed["invalid"] = [*fixed.get("invalid", []), name]
                    else:
                        fixed[name] = (unsigned - (1 << 8 * len(raw))) / 10**decimals
                    changed = True
                    break
    return {**output, "data": fixed} if changed else None


RULES["elvaco/cmi4140"] = (
    Rule(
        "elvaco: M-Bus integers read unsigned, error flags read as decimal",
        "EN 13757-3 type B integers are two's complement, the most negative one meaning no value; "
        "the codec reads them unsigned (a negative power or a cooling flow becomes 650 W, 'no "
        "value' becomes 327.68), and parses the error flags' hex digits with "
        "parseInt without a radix (flags 0xE2 read as 0: a meter error vanishes)",
        _cmi4140_signed,
    ),
)


# --- ELV LW-ESI (elv-lw-esi.js) ------------------------------------------------------------------


def _elv_codes(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = _data(output)
    energy = data.get("Energy_Data") if data is not None else None
    if not isinstance(energy, dict):
        return None
    codes = [*energy.get("Energy_Counter_Unit", []), *energy.get("Energy_Power_Unit", [])]
    kinds = energy.get("Consumption_Type", [])
    if None in codes or any(kind not in ("Consumption", "Delivery") for kind in kinds):
        return _refused("a consumption type or unit code the format does not define")
    return None


RULES["elv/elv-lw-esi"] = (
    Rule(
        "elv: undefined type or unit codes decoded",
        "a consumption type of 0 ('Reserved') or above 2 and the unit code 3 are not defined; the "
        "codec prints null or 'Reserved' and carries on with a counter of no known unit, releve refuses",
        _elv_codes,
    ),
)


# --- Elsys (elsys.js) ----------------------------------------------------------------------------

_ELSYS_SIZES = {0x01: 2, 0x02: 1, 0x03: 3, 0x04: 2, 0x05: 1, 0x06: 2, 0x07: 2, 0x08: 2, 0x09: 6, 0x0A: 2}
_ELSYS_SIZES |= {0x0B: 4, 0x0C: 2, 0x0D: 1, 0x0E: 2, 0x0F: 1, 0x10: 4, 0x11: 1, 0x12: 1, 0x13: 65, 0x14: 4}
_ELSYS_SIZES |= {0x15: 2, 0x16: 2, 0x17: 4, 0x18: 2, 0x19: 2, 0x1A: 1, 0x1B: 4, 0x1C: 2}
_ELSYS_U32 = {0x0B: "pulseAbs", 0x17: "pulseAbs2"}


def _elsys_structure(f_port: int, payload: bytes, output: Any) -> Any | None:
    pos = 0
    while pos < len(payload):
        size = _ELSYS_SIZES.get(payload[pos])
        if size is None:
            return _refused(f"unknown type 0x{payload[pos]:02x}: the codec stops there and drops the rest")
        if pos + 1 + size > len(payload):
            return _refused(f"type 0x{payload[pos]:02x} cut short")
        pos += 1 + size
    return None


def _elsys_u32(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = _data(output)
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


# --- Milesight (channel lists, vendor/milesight-iot/*.js) ----------------------------------------

_MILESIGHT_COMMON = {(0x01, 0x75): 1, (0x03, 0x67): 2, (0x04, 0x68): 1}
# the items each codec knows, and their sizes
_MILESIGHT_ITEMS: dict[str, dict[tuple[int, int], int]] = {
    "milesight-iot/em300-zld": {**_MILESIGHT_COMMON, (0x05, 0x00): 1},
    "milesight-iot/em300-di": {**_MILESIGHT_COMMON, (0x05, 0x00): 1, (0x05, 0xC8): 4, (0x20, 0xCE): 13},
    "milesight-iot/ws52x": {
        (0x03, 0x74): 2,
        (0x05, 0x81): 1,
        (0x06, 0x83): 4,
        (0x07, 0xC9): 2,
        (0x08, 0x70): 1,
    },
    "milesight-iot/em500-pp": {(0x01, 0x75): 1, (0x03, 0x7B): 2},
    "milesight-iot/am107": {
        **_MILESIGHT_COMMON,
        (0x05, 0x6A): 2,
        (0x06, 0x65): 6,
        (0x07, 0x7D): 2,
        (0x08, 0x7D): 2,
        (0x09, 0x73): 2,
    },
}


def _milesight_items(model: str) -> Correct:
    items = _MILESIGHT_ITEMS[model]

    def correct(f_port: int, payload: bytes, output: Any) -> Any | None:
        if f_port != 85:
            return _refused(f"port {f_port} (Milesight sensors send on port 85)")
        pos = 0
        while pos < len(payload):
            if pos + 2 > len(payload):
                return _refused("a lone channel byte at the end")
            size = items.get((payload[pos], payload[pos + 1]))
            if size is None:
                item = f"{payload[pos]:02x} {payload[pos + 1]:02x}"
                return {"unverifiable": f"item {item} is not in this codec: it stops there silently"}
            if pos + 2 + size > len(payload):
                return _refused("an item cut by the end of the frame")
            pos += 2 + size
        return None

    return correct


def _ws52x_energy(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = _data(output)
    if data is None or not isinstance(data.get("energy"), int) or data["energy"] >= 0:
        return None
    return {**output, "data": {**data, "energy": data["energy"] + (1 << 32)}}


def _ws52x_state(f_port: int, payload: bytes, output: Any) -> Any | None:
    at = payload.find(b"\x08\x70")
    if at < 0 or at + 2 >= len(payload) or payload[at + 2] in (0, 1):
        return None
    return _refused(f"socket state byte {payload[at + 2]} (the format's are 0 and 1)")


_ITEMS_REASON = (
    "the codec reads any port (the sensors send on 85), stops silently at an item it does not "
    "know (the rest of the frame is dropped with no "
    "error) and reads an item cut by the end of the frame as NaN. A frame with an item the codec "
    "lacks (Milesight added items after this codec: EM300-DI water meter items, WS52x power) cannot "
    "be checked against it and is counted apart; a cut item makes releve refuse the frame"
)
for _model in _MILESIGHT_ITEMS:
    RULES[_model] = (
        Rule("milesight: item outside the codec's list", _ITEMS_REASON, _milesight_items(_model)),
    )
RULES["milesight-iot/ws52x"] += (
    Rule(
        "milesight: WS52x energy over 2^31 negative",
        "readUInt32LE shifts bytes[3] << 24 (signed 32-bit in JavaScript) and masks with 0xffffffff, "
        "which keeps the sign: from 2,147,483,648 the energy index is negative",
        _ws52x_energy,
    ),
    Rule(
        "milesight: WS52x socket state byte outside 0/1",
        "the codec prints 'close' for any byte but 1; the state is 0 or 1 and releve refuses another",
        _ws52x_state,
    ),
)


# --- Talkpool OY1320 (oy1320.js) -----------------------------------------------------------------


def _oy1320(f_port: int, payload: bytes, output: Any) -> Any | None:
    if f_port != 2:
        return _refused(f"port {f_port} (the reader sends on port 2)")
    if len(payload) not in (6, 9):
        return None
    records = [payload[i : i + 6] if i == 0 else payload[i : i + 3] for i in (0, 6) if i < len(payload)]
    if records[0][:2] != b"\x01\x21" or (len(records) > 1 and records[1][:2] != b"\x01\x20"):
        return _refused("a record that is not the meter reading (01 21) then the alarm status (01 20)")
    status = payload[8] if len(payload) == 9 else 0
    corrected = {"MeterReading": int.from_bytes(payload[2:6], "big"), "Status": status}
    data = _data(output)
    return None if data == corrected else {**(output if isinstance(output, dict) else {}), "data": corrected}


RULES["talkpool/oy1320"] = (
    Rule(
        "talkpool: OY1320 register read as 16 bits, status from the wrong byte",
        "the codec reads the 32-bit meter register 0x21 from its two low bytes (the index wraps "
        "every 65.536 m3) and takes the status as one hex digit of byte 4 (part of the reading), not "
        "register 0x20's byte; it checks neither port nor record ids",
        _oy1320,
    ),
)


def _cmi4160_error_state(f_port: int, payload: bytes, output: Any) -> Any | None:
    if not (isinstance(output, dict) and "Unknown dif 32" in str(output.get("exception", ""))):
        return None
    return {"unverifiable": "the codec throws on DIF 0x32 (a value during error state)"}


RULES["elvaco/cmi4160"] = (
    *RULES["elvaco/cmi4140"],
    Rule(
        "elvaco: CMi4160 values during error state",
        "the CMi4160 sends its values with DIF 0x32 (function 'value during error state') while the "
        "meter is in error; the codec has no entry for that DIF and throws, so the frame cannot be "
        "compared (releve reads the values and raises the meter error)",
        _cmi4160_error_state,
    ),
)


# --- TEKTELIC (decoder_smart_room_sensor_co2.js) -------------------------------------------------

_TEKTELIC_SIZES = {(0x00, 0xBA): 2, (0x00, 0xD3): 1, (0x11, 0xD3): 1, (0x0B, 0xE4): 2, (0x0E, 0xE4): 2}
_TEKTELIC_SIZES |= {(0x0C, 0x73): 2, (0x0A, 0x00): 1, (0x0D, 0x04): 2, (0x03, 0x67): 2, (0x04, 0x68): 1}


def _tektelic_cut(f_port: int, payload: bytes, output: Any) -> Any | None:
    if f_port != 10:
        return None
    pos = 0
    while pos + 2 <= len(payload):
        size = _TEKTELIC_SIZES.get((payload[pos], payload[pos + 1]))
        if size is None:
            return None
        if pos + 2 + size > len(payload):
            return _refused("a value cut by the end of the frame")
        pos += 2 + size
    return _refused("a lone byte at the end of the frame") if pos < len(payload) else None


RULES["tektelic/t00078xx-smart-room-sensor-co2"] = (
    Rule(
        "tektelic: value cut by the end of the frame decoded",
        "the codec reads a value whose bytes the frame does not hold (-25.6 degC from a lone 0xFF); "
        "releve refuses the frame",
        _tektelic_cut,
    ),
)


# --- STREGA Smart Valve (smart-valve.js) ---------------------------------------------------------

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
        return _refused(why)
    data = _data(output)
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


# --- Arwin LRS2M001 (lrs2m001-4xxx.js) -----------------------------------------------------------


def _arwin(f_port: int, payload: bytes, output: Any) -> Any | None:
    measuring = f_port == 10 or 50 <= f_port <= 61
    if measuring and (len(payload) != 11 or payload[0] != 0x0A):
        return _refused("a measurement frame is 11 bytes of type 0x0A")
    data = _data(output)
    if data is None or not isinstance(data.get("active_energy"), (int, float)) or data["active_energy"] >= 0:
        return None
    return {**output, "data": {**data, "active_energy": round(data["active_energy"] + 2**32 / 10, 1)}}


RULES["arwin-technology/lrs2m001-4xxx"] = (
    Rule(
        "arwin: frame type and length unchecked, energy over 2^31 negative",
        "the codec reads measurement frames of any length and type byte (a cut frame loses its "
        "battery level silently) and assembles the 32-bit energy index with shifts, signed in "
        "JavaScript: from 214,748,364.8 kWh it turns negative",
        _arwin,
    ),
)
