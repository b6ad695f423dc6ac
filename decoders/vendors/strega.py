"""STREGA Smart Valve (time-controlled, battery shut-off valve; firmware 2.x, hardware 3.x/4.x).

Source: the TTN Device Repository codec ``vendor/strega/smart-valve.js`` and its example in
``smart-valve-codec.yaml`` (the motorized valve's codec shares the frame), and STREGA's technical
manuals (stregatechnologies.com/technical-manuals). The frame is partly ASCII:

- byte 0: bit 7 LoRaWAN class (0 A, 1 C), bit 6 power (0 battery, 1 external), bits 5-4 always
  set, bits 3-0 the first decimal digit of the battery voltage; bytes 1-3: its next three digits
  as ASCII, so that "3188" is 3188 mV. STREGA's battery level is (mV - 2000) / 16 %, rounded and
  kept within 0-100. An externally powered valve reports no battery.
- byte 4: the status byte plus 0x30: bit 0 valve (1 open), bit 1 tamper, bit 2 cable (1 cut),
  bit 3 digital input 0, bit 4 digital input 1, bit 5 leak detected, bit 6 fraud (magnet).
- optional, from byte 5: ``#`` (0x23) and 4 bytes of temperature and humidity (u16 raw:
  raw / 65536 * 165 - 40 degC and raw / 65536 * 100 %, both to 0.01); then ASCII ``C`` with 6
  hex digits of the pulse counter (water meter index, pulses) and ``V`` with 4 hex digits of the
  analog input in mV; ``@`` (0x40) starts an acknowledgement of a configuration downlink (its
  ASCII text goes to ``info``). A frame that starts with ``@`` is the answer to a counter or
  analog-value request.

Valve open -> SWITCH_STATE 1. Leak -> WATER_LEAK 1 and a LEAK alarm; tamper -> TAMPER; cable cut
-> SENSOR_FAULT; fraud -> MAGNETIC_FRAUD. The codec ignores the port, and so does this decoder.
"""

from __future__ import annotations

from decoders._bytes import require_length
from decoders.errors import BadValue, EncodeError, UnknownFrameType
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "strega/smart-valve"
ENCODE_PORT = 4
INST = Kind.INSTANTANEOUS
STATE = Kind.STATE

VALVE, TAMPER, CABLE, DI0, DI1, LEAK, FRAUD = (1 << i for i in range(7))
_STATUS_ALARMS = (
    (TAMPER, AlarmKind.TAMPER, "enclosure opened"),
    (CABLE, AlarmKind.SENSOR_FAULT, "sensor cable cut"),
    (LEAK, AlarmKind.LEAK, "leak detected"),
    (FRAUD, AlarmKind.MAGNETIC_FRAUD, "fraud detected"),
)
_HEX_DIGITS = frozenset(b"0123456789ABCDEFabcdef")
_ACK_TYPES = {
    9: "class",
    10: "radio",
    11: "uplink interval",
    12: "time synchronization",
    13: "time synchronization request",
    21: "schedulers inhibition",
    22: "magnet control",
    23: "set counter",
    24: "counter",
    25: "analog value",
}


def _digits(data: bytes, what: str) -> int:
    if not data or any(not 0x30 <= b <= 0x39 for b in data):
        raise BadValue(f"{MODEL}: {what} {data!r} is not decimal ASCII")
    return int(data)


def _hex(data: bytes, what: str) -> int:
    if not data or any(b not in _HEX_DIGITS for b in data):
        raise BadValue(f"{MODEL}: {what} {data!r} is not hexadecimal ASCII")
    return int(data, 16)


def _battery_level(millivolts: int) -> float:
    return float(min(100, max(0, round((millivolts - 2000) / 16))))


Info = list[tuple[str, str | int | float | bool]]
Readings = dict[tuple[Quantity, str], DecodedReading]


def _ascii_tail(tail: bytes, readings: list[DecodedReading], info: Info) -> None:
    """The ASCII part after the status (and climate) bytes: C counter, V analog, @ acknowledgement."""
    text = tail.split(b"\x00", 1)[0]
    if text.startswith(b"@"):
        code = _hex(text[1:3], "acknowledged port")
        info.append(("ack_port", code))
        info.append(("ack_type", _ACK_TYPES.get(code, "scheduler" if 14 <= code <= 20 else "unknown")))
        info.append(("ack_value", text[3:].decode("ascii", errors="replace")))
        return
    pos = 0
    while pos < len(text):
        marker = text[pos : pos + 1]
        if marker == b"C":
            require_length(text[pos + 1 : pos + 7], f"{MODEL} counter", exact=6)
            pulses = _hex(text[pos + 1 : pos + 7], "counter")
            readings.append(DecodedReading(Quantity.PULSE_COUNT, float(pulses), Kind.CUMULATIVE))
            pos += 7
        elif marker == b"V":
            require_length(text[pos + 1 : pos + 5], f"{MODEL} analog value", exact=4)
            millivolts = _hex(text[pos + 1 : pos + 5], "analog value")
            readings.append(DecodedReading(Quantity.VOLTAGE, millivolts / 1000, INST, channel="analog"))
            pos += 5
        else:
            raise UnknownFrameType(f"{MODEL}: field {marker!r} at offset {pos} of the ASCII part")


def decode_smart_valve(f_port: int, payload: bytes) -> Frame:
    del f_port  # the valve's uplinks do not depend on the port
    if payload[:1] == b"@":
        ack: Info = []
        _ascii_tail(payload, [], ack)
        return Frame(info=tuple(ack))
    require_length(payload, MODEL, minimum=5)
    head = payload[0]
    if head & 0x30 != 0x30:
        raise UnknownFrameType(f"{MODEL}: first byte 0x{head:02x} is not a status frame")
    millivolts = _digits(bytes((0x30 | head & 0x0F,)) + payload[1:4], "battery voltage")
    if not 0x30 <= payload[4] <= 0xAF:
        raise BadValue(f"{MODEL}: status byte 0x{payload[4]:02x} out of range")
    status = payload[4] - 0x30
    external = bool(head & 0x40)
    readings: list[DecodedReading] = []
    if not external:
        readings.append(DecodedReading(Quantity.BATTERY_VOLTAGE, millivolts / 1000, INST))
        readings.append(DecodedReading(Quantity.BATTERY_LEVEL, _battery_level(millivolts), INST))
    readings.append(DecodedReading(Quantity.SWITCH_STATE, float(status & VALVE), STATE))
    readings.append(DecodedReading(Quantity.DIGITAL_INPUT, float(bool(status & DI0)), STATE, channel="0"))
    readings.append(DecodedReading(Quantity.DIGITAL_INPUT, float(bool(status & DI1)), STATE, channel="1"))
    readings.append(DecodedReading(Quantity.WATER_LEAK, float(bool(status & LEAK)), STATE))
    info: Info = [
        ("lorawan_class", "C" if head & 0x80 else "A"),
        ("power", "external" if external else "battery"),
        ("status", status),
    ]
    tail = payload[5:]
    if tail[:1] == b"#":
        require_length(tail, f"{MODEL} climate", minimum=5)
        temperature = round(int.from_bytes(tail[1:3], "big") / 65536 * 165 - 40, 2)
        humidity = round(int.from_bytes(tail[3:5], "big") / 65536 * 100, 2)
        readings.append(DecodedReading(Quantity.TEMPERATURE, temperature, INST))
        readings.append(DecodedReading(Quantity.HUMIDITY, humidity, INST))
        tail = tail[5:]
    _ascii_tail(tail, readings, info)
    alarms = tuple(Alarm(kind, detail=detail) for bit, kind, detail in _STATUS_ALARMS if status & bit)
    return Frame(readings=tuple(readings), alarms=alarms, info=tuple(info))


def _climate_raw(value: float, offset: float, span: float) -> int:
    """The raw sensor word that decodes to ``value`` (the 0.01 grid is finer than the sensor's)."""
    estimate = round((value + offset) * 65536 / span)
    for raw in (estimate, estimate - 1, estimate + 1):
        if 0 <= raw <= 0xFFFF and round(raw / 65536 * span - offset, 2) == value:
            return raw
    raise EncodeError(f"{MODEL}: {value} is not a value of the climate sensor")


def _state(readings: Readings, quantity: Quantity, channel: str = "") -> int:
    reading = readings.pop((quantity, channel), None)
    if reading is None or reading.value not in (0.0, 1.0):
        raise EncodeError(f"{MODEL}: a periodic frame needs {quantity} {channel} as 0 or 1")
    return int(reading.value)


def encode(frame: Frame) -> tuple[int, bytes]:
    """A battery-powered class A periodic frame: battery, status, optional climate and counter."""
    readings = {(r.quantity, r.channel): r for r in frame.readings}
    timed = any(r.offset_s is not None or r.at is not None for r in frame.readings)
    if timed or len(readings) != len(frame.readings):
        raise EncodeError(f"{MODEL}: readings repeat or carry a time")
    volts = readings.pop((Quantity.BATTERY_VOLTAGE, ""), None)
    level = readings.pop((Quantity.BATTERY_LEVEL, ""), None)
    millivolts = round(volts.value * 1000) if volts is not None else 0
    if volts is None or not 1000 <= millivolts <= 9999 or millivolts / 1000 != volts.value:
        raise EncodeError(f"{MODEL}: the battery voltage must be four digits of mV")
    if level is None or level.value != _battery_level(millivolts):
        raise EncodeError(f"{MODEL}: the battery level follows from the voltage")
    status = _state(readings, Quantity.SWITCH_STATE) * VALVE
    status |= _state(readings, Quantity.DIGITAL_INPUT, "0") * DI0
    status |= _state(readings, Quantity.DIGITAL_INPUT, "1") * DI1
    status |= _state(readings, Quantity.WATER_LEAK) * LEAK
    alarm_kinds = {alarm.kind for alarm in frame.alarms}
    for bit, kind, _ in _STATUS_ALARMS:
        if kind in alarm_kinds and kind is not AlarmKind.LEAK:
            status |= bit
    expected = {kind for bit, kind, _ in _STATUS_ALARMS if status & bit}
    if alarm_kinds != expected or any(alarm.channel for alarm in frame.alarms):
        raise EncodeError(f"{MODEL}: alarms {sorted(alarm_kinds)} do not match the status bits")
    out = bytearray(b"%d" % millivolts)
    out.append(status + 0x30)
    temperature = readings.pop((Quantity.TEMPERATURE, ""), None)
    humidity = readings.pop((Quantity.HUMIDITY, ""), None)
    if (temperature is None) != (humidity is None):
        raise EncodeError(f"{MODEL}: temperature and humidity travel together")
    if temperature is not None and humidity is not None:
        out += b"#"
        out += _climate_raw(temperature.value, 40, 165).to_bytes(2, "big")
        out += _climate_raw(humidity.value, 0, 100).to_bytes(2, "big")
    counter = readings.pop((Quantity.PULSE_COUNT, ""), None)
    if counter is not None:
        if counter.kind is not Kind.CUMULATIVE or counter.value not in range(0x1000000):
            raise EncodeError(f"{MODEL}: counter {counter.value} does not fit 6 hex digits")
        out += b"C%06X" % int(counter.value)
    if readings:
        raise EncodeError(f"{MODEL}: cannot carry {sorted(str(q) for q, _ in readings)}")
    return ENCODE_PORT, bytes(out)


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="STREGA Smart Valve (LoRaWAN shut-off valve)",
        decode=decode_smart_valve,
        quantities=frozenset(
            {
                Quantity.BATTERY_VOLTAGE,
                Quantity.BATTERY_LEVEL,
                Quantity.SWITCH_STATE,
                Quantity.DIGITAL_INPUT,
                Quantity.WATER_LEAK,
                Quantity.TEMPERATURE,
                Quantity.HUMIDITY,
                Quantity.PULSE_COUNT,
                Quantity.VOLTAGE,
            }
        ),
        datasheet="STREGA Smart Valve technical manual; TTN vendor/strega/smart-valve.js",
        encode=encode,
    ),
)
