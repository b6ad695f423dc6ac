"""Dragino LHT65 temperature and humidity sensor (port 2, 11 bytes).

Format: Dragino LHT65 user manual (payload section) and the TTN Device Repository codec
``vendor/dragino/lht65.js`` (shared/vectors/FORMATS.md): battery in mV with a 2-bit status,
built-in SHT20 temperature/humidity, then an external sensor chosen by byte 6. A probe's
0x7FFF is the "not connected" sentinel: a sensor fault, no reading. A battery status of "low" or
"ultra low" is a low-battery alarm.
"""

from __future__ import annotations

from datetime import UTC, datetime

from decoders._bytes import require_length
from decoders.errors import BadValue, UnsupportedPort
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "dragino/lht65"
PORT = 2
INST = Kind.INSTANTANEOUS


def _s16(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 2], "big", signed=True)


def _u16(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 2], "big")


def decode_lht65(f_port: int, payload: bytes) -> Frame:
    if f_port != PORT:
        raise UnsupportedPort(MODEL, f_port)
    require_length(payload, MODEL, exact=11)
    ext = payload[6] & 0x0F
    if payload[6] & 0x40:
        raise BadValue(f"{MODEL}: a poll-message reply, not a measurement")
    readings: list[DecodedReading] = []
    alarms: list[Alarm] = []
    info: list[tuple[str, str | int | float | bool]] = [("external_sensor", ext)]
    if ext == 9:  # probe temperature in bytes 0..1, device timestamp in 7..10
        probe = _s16(payload, 0)
        at = datetime.fromtimestamp(int.from_bytes(payload[7:11], "big"), UTC)
        if probe == 0x7FFF:
            alarms.append(Alarm(AlarmKind.SENSOR_FAULT, "external", "probe not connected"))
        else:
            readings.append(DecodedReading(Quantity.TEMPERATURE, probe / 100, INST, "external", at=at))
    else:
        readings.append(DecodedReading(Quantity.BATTERY_VOLTAGE, (_u16(payload, 0) & 0x3FFF) / 1000, INST))
    # Battery status, 2 bits (bytes 0..1 bits 15-14; byte 4 bits 7-6 in the timestamp mode):
    # 0 "ultra low" (<= 2.50 V), 1 "low" (<= 2.55 V), 2 "OK", 3 "good".
    status = (payload[4] if ext == 9 else payload[0]) >> 6
    if status < 2:
        alarms.append(Alarm(AlarmKind.LOW_BATTERY, detail=f"battery status {status} (low)"))
    if ext != 15:
        readings.append(DecodedReading(Quantity.TEMPERATURE, round(_s16(payload, 2) / 100, 2), INST))
        readings.append(DecodedReading(Quantity.HUMIDITY, round((_u16(payload, 4) & 0x0FFF) / 10, 1), INST))
    if payload[6] & 0x80:
        alarms.append(Alarm(AlarmKind.SENSOR_FAULT, "external", "external sensor not connected"))
    elif ext == 1:
        probe = _s16(payload, 7)
        if probe == 0x7FFF:
            alarms.append(Alarm(AlarmKind.SENSOR_FAULT, "external", "probe not connected"))
        else:
            readings.append(DecodedReading(Quantity.TEMPERATURE, round(probe / 100, 2), INST, "external"))
    elif ext == 5:
        readings.append(DecodedReading(Quantity.ILLUMINANCE, float(_u16(payload, 7)), INST))
    elif ext in (4, 7, 8):
        count = _u16(payload, 7) if ext == 7 else int.from_bytes(payload[7:11], "big")
        if ext == 4:
            readings.append(DecodedReading(Quantity.DIGITAL_INPUT, float(payload[7] != 0), Kind.STATE))
        else:
            readings.append(DecodedReading(Quantity.PULSE_COUNT, float(count), Kind.CUMULATIVE))
    elif ext == 6:
        readings.append(DecodedReading(Quantity.VOLTAGE, _u16(payload, 7) / 1000, INST, "adc"))
    return Frame(readings=tuple(readings), alarms=tuple(alarms), info=tuple(info))


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="Dragino LHT65 temperature and humidity sensor",
        decode=decode_lht65,
        quantities=frozenset(
            {
                Quantity.TEMPERATURE,
                Quantity.HUMIDITY,
                Quantity.BATTERY_VOLTAGE,
                Quantity.ILLUMINANCE,
                Quantity.DIGITAL_INPUT,
                Quantity.PULSE_COUNT,
                Quantity.VOLTAGE,
            }
        ),
        datasheet="Dragino LHT65 LoRaWAN temperature & humidity sensor user manual; TTN vendor/dragino/lht65",
        ports=frozenset({PORT}),
    ),
)
