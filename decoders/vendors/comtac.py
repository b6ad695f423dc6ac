"""comtac LPN CM-4 temperature and humidity sensor (port 3 measurements, 100 config, 101 info).

Format: comtac LPN CM-4 payload description and the TTN Device Repository codec
``vendor/comtac/lpn-cm4.js`` (shared/vectors/FORMATS.md). A history block carries 8 past
measurements at the configured measurement interval, which is not in the frame: releve places
them at the device's default interval (10 minutes), newest last. A value of 250 (raw 25000 for
the temperature) is the sensor's "invalid" sentinel: a sensor fault, never a reading.
"""

from __future__ import annotations

from decoders._bytes import Reader, require_length
from decoders.errors import BadValue, UnknownFrameType, UnsupportedPort
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "comtac/lpn-cm4"
DATA, CONFIG, INFO = 3, 100, 101
INTERVAL_S = 600
INST = Kind.INSTANTANEOUS


def _pair(r: Reader, offset_s: int | None, out: list[DecodedReading], alarms: list[Alarm]) -> None:
    raw_t, hum = r.s16be(), r.u8()
    if raw_t == 25000:
        alarms.append(Alarm(AlarmKind.SENSOR_FAULT, "temperature", "invalid temperature"))
    else:
        out.append(DecodedReading(Quantity.TEMPERATURE, raw_t / 100, INST, offset_s=offset_s))
    if hum == 250:
        alarms.append(Alarm(AlarmKind.SENSOR_FAULT, "humidity", "invalid humidity"))
    else:
        out.append(DecodedReading(Quantity.HUMIDITY, float(hum), INST, offset_s=offset_s))


def decode_lpn_cm4(f_port: int, payload: bytes) -> Frame:
    if f_port not in (DATA, CONFIG, INFO):
        raise UnsupportedPort(MODEL, f_port)
    require_length(payload, MODEL, minimum=4)
    if payload[0] != 1:
        raise BadValue(f"{MODEL}: payload version {payload[0]} is not 1")
    battery = DecodedReading(Quantity.BATTERY_LEVEL, payload[3] / 2, INST)
    r = Reader(payload, MODEL)
    r.take(4)
    if f_port == CONFIG:
        info: tuple[tuple[str, str | int | float | bool], ...] = (
            ("measurement_interval_min", r.u16be()),
            ("history_trigger", r.u8()),
            ("temperature_offset", r.s16be() / 100),
            ("temperature_max", r.s8()),
            ("temperature_min", r.s8()),
            ("humidity_offset", r.s8()),
            ("humidity_max", r.u8()),
            ("humidity_min", r.u8()),
        )
        return Frame(readings=(battery,), info=info)
    if f_port == INFO:
        return Frame(readings=(battery,), info=(("app_version", f"{r.u8()}.{r.u8()}"),))
    readings: list[DecodedReading] = [battery]
    alarms: list[Alarm] = []
    while r.remaining:
        block = r.u8()
        if block == 0x03:
            _pair(r, None, readings, alarms)
        elif block == 0x04:
            for i in range(8):
                _pair(r, -(7 - i) * INTERVAL_S if i < 7 else None, readings, alarms)
        else:
            raise UnknownFrameType(f"{MODEL}: unknown block type 0x{block:02x}")
    return Frame(readings=tuple(readings), alarms=tuple(alarms))


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="comtac LPN CM-4 temperature and humidity sensor",
        decode=decode_lpn_cm4,
        quantities=frozenset({Quantity.TEMPERATURE, Quantity.HUMIDITY, Quantity.BATTERY_LEVEL}),
        datasheet="comtac LPN CM-4 payload description; TTN Device Repository vendor/comtac/lpn-cm4",
        ports=frozenset({DATA, CONFIG, INFO}),
    ),
)
