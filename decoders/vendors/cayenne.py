"""Cayenne Low Power Payload (LPP), the generic self-describing format many DIY and OEM devices use.

Source: myDevices, "Cayenne Low Power Payload" (Cayenne docs, LoRa section, and the reference
library myDevicesIoT/CayenneLPP). A frame is a sequence of records: data channel (1 byte), data
type (1 byte, IPSO object id - 3200), then the value, big-endian, at the type's fixed size and
resolution. Only the spec's own twelve types are decoded; the vendor "extended" types of later
libraries are refused as unknown rather than guessed.

Mapping to releve: digital input -> DIGITAL_INPUT, digital output -> SWITCH_STATE, presence ->
OCCUPANCY (states: any non-zero byte is 1); analog input -> VOLTAGE (the spec gives it no unit;
it is taken as volts, its usual use); illuminance, temperature, humidity and barometer as such.
Analog output, accelerometer, gyrometer and GPS are not measurements releve keeps: they go to
``info`` under ``<type>_<channel>``. The LPP channel number is the reading's channel. Cayenne LPP
does not fix the uplink port: any port is accepted.
"""

from __future__ import annotations

from collections.abc import Callable

from decoders._bytes import Reader
from decoders.errors import BadLength, EncodeError, UnknownFrameType
from decoders.model import DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "generic/cayenne-lpp"
ENCODE_PORT = 1

DIGITAL_INPUT = 0
DIGITAL_OUTPUT = 1
ANALOG_INPUT = 2
ANALOG_OUTPUT = 3
ILLUMINANCE = 101
PRESENCE = 102
TEMPERATURE = 103
HUMIDITY = 104
ACCELEROMETER = 113
BAROMETER = 115
GYROMETER = 134
GPS = 136

Info = list[tuple[str, str | int | float | bool]]
# A reading's quantity and kind, and how its raw value reads: size, signed, divisor.
_READINGS: dict[int, tuple[Quantity, Kind, int, bool, int]] = {
    DIGITAL_INPUT: (Quantity.DIGITAL_INPUT, Kind.STATE, 1, False, 1),
    DIGITAL_OUTPUT: (Quantity.SWITCH_STATE, Kind.STATE, 1, False, 1),
    ANALOG_INPUT: (Quantity.VOLTAGE, Kind.INSTANTANEOUS, 2, True, 100),
    ILLUMINANCE: (Quantity.ILLUMINANCE, Kind.INSTANTANEOUS, 2, False, 1),
    PRESENCE: (Quantity.OCCUPANCY, Kind.STATE, 1, False, 1),
    TEMPERATURE: (Quantity.TEMPERATURE, Kind.INSTANTANEOUS, 2, True, 10),
    HUMIDITY: (Quantity.HUMIDITY, Kind.INSTANTANEOUS, 1, False, 2),
    BAROMETER: (Quantity.PRESSURE, Kind.INSTANTANEOUS, 2, False, 10),
}


def _analog_output(r: Reader, channel: int, info: Info) -> None:
    info.append((f"analog_output_{channel}", r.s16be() / 100))


def _axes(name: str, divisor: int) -> Callable[[Reader, int, Info], None]:
    def read(r: Reader, channel: int, info: Info) -> None:
        for axis in "xyz":
            info.append((f"{name}_{channel}_{axis}", r.s16be() / divisor))

    return read


def _gps(r: Reader, channel: int, info: Info) -> None:
    info.append((f"gps_{channel}_latitude", r.sint(3) / 10_000))
    info.append((f"gps_{channel}_longitude", r.sint(3) / 10_000))
    info.append((f"gps_{channel}_altitude_m", r.sint(3) / 100))


_INFO: dict[int, Callable[[Reader, int, Info], None]] = {
    ANALOG_OUTPUT: _analog_output,
    ACCELEROMETER: _axes("accelerometer_g", 1000),
    GYROMETER: _axes("gyrometer_deg_s", 100),
    GPS: _gps,
}


def decode(f_port: int, payload: bytes) -> Frame:
    """Decode every LPP record of the frame; an unknown data type refuses the whole frame."""
    if not payload:
        raise BadLength(f"{MODEL}: empty frame")
    r = Reader(payload, MODEL)
    readings: list[DecodedReading] = []
    info: Info = []
    while r.remaining:
        channel, data_type = r.u8(), r.u8()
        spec = _READINGS.get(data_type)
        if spec is not None:
            quantity, kind, size, signed, divisor = spec
            raw = r.sint(size) if signed else r.uint(size)
            value = (1.0 if raw else 0.0) if kind is Kind.STATE else raw / divisor
            readings.append(DecodedReading(quantity, value, kind, channel=str(channel)))
        elif data_type in _INFO:
            _INFO[data_type](r, channel, info)
        else:
            raise UnknownFrameType(f"{MODEL}: data type {data_type} on channel {channel} is not an LPP type")
    return Frame(readings=tuple(readings), info=tuple(info))


_ENCODABLE: dict[Quantity, int] = {spec[0]: data_type for data_type, spec in _READINGS.items()}


def encode(frame: Frame) -> tuple[int, bytes]:
    """One LPP record per reading; the channel must be an LPP channel number (0-255)."""
    if frame.alarms:
        raise EncodeError(f"{MODEL}: LPP carries no alarms")
    if not frame.readings:
        raise EncodeError(f"{MODEL}: an LPP frame needs at least one reading")
    out = bytearray()
    for reading in frame.readings:
        data_type = _ENCODABLE.get(reading.quantity)
        if data_type is None or reading.offset_s is not None or reading.at is not None:
            raise EncodeError(f"{MODEL}: cannot carry {reading}")
        if not reading.channel.isdigit() or not 0 <= int(reading.channel) <= 255:
            raise EncodeError(f"{MODEL}: channel {reading.channel!r} is not an LPP channel number")
        _, kind, size, signed, divisor = _READINGS[data_type]
        if reading.kind is not kind:
            raise EncodeError(f"{MODEL}: {reading.quantity} is {kind}, not {reading.kind}")
        raw = round(reading.value * divisor)
        if raw / divisor != reading.value:
            raise EncodeError(f"{MODEL}: {reading.value} is off the {reading.quantity} resolution")
        try:
            value = raw.to_bytes(size, "big", signed=signed)
        except OverflowError as exc:
            raise EncodeError(f"{MODEL}: {reading.value} is out of the {reading.quantity} range") from exc
        out += bytes((int(reading.channel), data_type)) + value
    return ENCODE_PORT, bytes(out)


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="Cayenne Low Power Payload (generic)",
        decode=decode,
        quantities=frozenset(spec[0] for spec in _READINGS.values()),
        datasheet="myDevices Cayenne Low Power Payload (Cayenne docs; myDevicesIoT/CayenneLPP)",
        encode=encode,
    ),
)
