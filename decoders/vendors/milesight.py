"""Milesight IoT sensors: EM300-ZLD, EM300-DI, WS52x, AM107.

Format: Milesight's channel list (uplinks on port 85), as in the Milesight user guides and the
TTN Device Repository codecs ``vendor/milesight-iot/*.js``, summarized in shared/vectors/
FORMATS.md. The payload is a sequence of items ``channel id, channel type, value`` with
little-endian values. Unlike the vendor codecs, which stop silently at an unknown item, an
unknown item here is an error: releve never returns half a frame.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from decoders._bytes import Reader
from decoders.errors import BadLength, EncodeError, UnknownFrameType
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

PORT = 85
Item = tuple[int, int]
Handler = Callable[
    [Reader, list[DecodedReading], list[Alarm], list[tuple[str, str | int | float | bool]]], None
]


def _inst(q: Quantity, v: float, channel: str = "") -> DecodedReading:
    return DecodedReading(q, v, Kind.INSTANTANEOUS, channel)


def _battery(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    out.append(_inst(Quantity.BATTERY_LEVEL, float(r.u8())))


def _temperature(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    out.append(_inst(Quantity.TEMPERATURE, r.s16le() / 10))


def _humidity(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    out.append(_inst(Quantity.HUMIDITY, r.u8() / 2))


def _info(name: str, size: int) -> Handler:
    def handler(
        r: Reader, _o: list[DecodedReading], _a: list[Alarm], info: list[tuple[str, str | int | float | bool]]
    ) -> None:
        info.append((name, r.take(size).hex()))

    return handler


# Device-information items sent at power-on by every Milesight device.
_DEVICE_INFO: dict[Item, Handler] = {
    (0xFF, 0x01): _info("protocol_version", 1),
    (0xFF, 0x09): _info("hardware_version", 2),
    (0xFF, 0x0A): _info("firmware_version", 2),
    (0xFF, 0x0B): _info("power_on", 1),
    (0xFF, 0x0F): _info("lorawan_class", 1),
    (0xFF, 0x16): _info("serial_number", 8),
}
_COMMON: dict[Item, Handler] = {(0x01, 0x75): _battery, (0x03, 0x67): _temperature, (0x04, 0x68): _humidity}


def _decode(model: str, payload: bytes, items: Mapping[Item, Handler]) -> Frame:
    if not payload:
        raise BadLength(f"{model}: empty frame")
    r = Reader(payload, model)
    readings: list[DecodedReading] = []
    alarms: list[Alarm] = []
    info: list[tuple[str, str | int | float | bool]] = []
    while r.remaining:
        item = (r.u8(), r.u8())
        handler = items.get(item) or _DEVICE_INFO.get(item)
        if handler is None:
            raise UnknownFrameType(
                f"{model}: unknown channel {item[0]:02x} {item[1]:02x} at offset {r.pos - 2}"
            )
        handler(r, readings, alarms, info)
    return Frame(readings=tuple(readings), alarms=tuple(alarms), info=tuple(info))


# -- EM300-ZLD: zone leak detection -----------------------------------------------------------------
def _leak(
    r: Reader, out: list[DecodedReading], alarms: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    leak = r.u8() != 0
    out.append(DecodedReading(Quantity.WATER_LEAK, 1.0 if leak else 0.0, Kind.STATE))
    if leak:
        alarms.append(Alarm(AlarmKind.LEAK, detail="water detected by the leak cable"))


_ZLD = {**_COMMON, (0x05, 0x00): _leak}


def decode_em300_zld(f_port: int, payload: bytes) -> Frame:
    return _decode("milesight-iot/em300-zld", payload, _ZLD)


# -- EM300-DI: pulse counter --------------------------------------------------------------------------
def _gpio(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    out.append(DecodedReading(Quantity.DIGITAL_INPUT, float(r.u8() != 0), Kind.STATE))


def _pulse(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    out.append(DecodedReading(Quantity.PULSE_COUNT, float(r.u32le()), Kind.CUMULATIVE))


def _history(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    """A stored record (sent after a network outage): values at the device clock's time."""
    at = datetime.fromtimestamp(r.u32le(), UTC)
    temperature, humidity, mode, gpio, pulse = r.s16le() / 10, r.u8() / 2, r.u8(), r.u8(), r.u32le()
    out.append(DecodedReading(Quantity.TEMPERATURE, temperature, Kind.INSTANTANEOUS, at=at))
    out.append(DecodedReading(Quantity.HUMIDITY, humidity, Kind.INSTANTANEOUS, at=at))
    if mode == 1:
        out.append(DecodedReading(Quantity.DIGITAL_INPUT, float(gpio != 0), Kind.STATE, at=at))
    elif mode == 2:
        out.append(DecodedReading(Quantity.PULSE_COUNT, float(pulse), Kind.CUMULATIVE, at=at))


_DI = {**_COMMON, (0x05, 0x00): _gpio, (0x05, 0xC8): _pulse, (0x20, 0xCE): _history}


def decode_em300_di(f_port: int, payload: bytes) -> Frame:
    return _decode("milesight-iot/em300-di", payload, _DI)


# -- WS52x: smart socket ----------------------------------------------------------------------------
def _voltage(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    out.append(_inst(Quantity.VOLTAGE, r.u16le() / 10))


def _active_power(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    out.append(_inst(Quantity.POWER, float(r.s32le())))


def _power_factor(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    out.append(_inst(Quantity.POWER_FACTOR, r.u8() / 100))  # sent in percent


def _energy(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    out.append(DecodedReading(Quantity.ENERGY_IMPORT, r.u32le() / 1000, Kind.CUMULATIVE))  # Wh -> kWh


def _current(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    out.append(_inst(Quantity.CURRENT, r.u16le() / 1000))  # mA -> A


def _socket(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    out.append(DecodedReading(Quantity.SWITCH_STATE, 1.0 if r.u8() == 1 else 0.0, Kind.STATE))


_WS52X = {
    (0x03, 0x74): _voltage,
    (0x04, 0x80): _active_power,
    (0x05, 0x81): _power_factor,
    (0x06, 0x83): _energy,
    (0x07, 0xC9): _current,
    (0x08, 0x70): _socket,
}


def decode_ws52x(f_port: int, payload: bytes) -> Frame:
    return _decode("milesight-iot/ws52x", payload, _WS52X)


# -- AM107: indoor ambience --------------------------------------------------------------------------
def _activity(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    out.append(DecodedReading(Quantity.MOTION_COUNT, float(r.u16le()), Kind.DELTA))  # PIR triggers


def _light(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], info: list[tuple[str, str | int | float | bool]]
) -> None:
    out.append(_inst(Quantity.ILLUMINANCE, float(r.u16le())))
    info.append(("infrared_and_visible", r.u16le()))
    info.append(("infrared", r.u16le()))


def _co2(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    out.append(_inst(Quantity.CO2, float(r.u16le())))


def _tvoc(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    out.append(_inst(Quantity.TVOC, float(r.u16le())))


def _pressure(
    r: Reader, out: list[DecodedReading], _a: list[Alarm], _i: list[tuple[str, str | int | float | bool]]
) -> None:
    out.append(_inst(Quantity.PRESSURE, r.u16le() / 10))


_AM107 = {
    **_COMMON,
    (0x05, 0x6A): _activity,
    (0x06, 0x65): _light,
    (0x07, 0x7D): _co2,
    (0x08, 0x7D): _tvoc,
    (0x09, 0x73): _pressure,
}


def decode_am107(f_port: int, payload: bytes) -> Frame:
    return _decode("milesight-iot/am107", payload, _AM107)


# -- encoders (for the simulator) -----------------------------------------------------------------
def _grid(value: float, step: float, lo: int, hi: int, what: str) -> int:
    raw = round(value / step)
    if not lo <= raw <= hi or abs(raw * step - value) > 1e-9:
        raise EncodeError(f"{what} {value} is not on the {step} grid within range")
    return raw


def _common_items(frame: Frame) -> bytes:
    out = b""
    for reading in frame.readings:
        if reading.at is not None or reading.offset_s is not None or reading.channel:
            raise EncodeError("only current, single-channel readings can be encoded")
        q = reading.quantity
        if q is Quantity.BATTERY_LEVEL:
            out += bytes([0x01, 0x75, _grid(reading.value, 1, 0, 100, "battery")])
        elif q is Quantity.TEMPERATURE:
            out += bytes([0x03, 0x67]) + _grid(reading.value, 0.1, -32768, 32767, "temperature").to_bytes(
                2, "little", signed=True
            )
        elif q is Quantity.HUMIDITY:
            out += bytes([0x04, 0x68, _grid(reading.value, 0.5, 0, 255, "humidity")])
        elif q is Quantity.PULSE_COUNT:
            out += bytes([0x05, 0xC8]) + _grid(reading.value, 1, 0, 2**32 - 1, "pulse count").to_bytes(
                4, "little"
            )
        elif q is Quantity.CO2:
            out += bytes([0x07, 0x7D]) + _grid(reading.value, 1, 0, 0xFFFF, "co2").to_bytes(2, "little")
        elif q is Quantity.TVOC:
            out += bytes([0x08, 0x7D]) + _grid(reading.value, 1, 0, 0xFFFF, "tvoc").to_bytes(2, "little")
        elif q is Quantity.PRESSURE:
            out += bytes([0x09, 0x73]) + _grid(reading.value, 0.1, 0, 0xFFFF, "pressure").to_bytes(
                2, "little"
            )
        else:
            raise EncodeError(f"quantity {q} cannot be encoded here")
    if not out:
        raise EncodeError("nothing to encode")
    return out


def _encoder(allowed: frozenset[Quantity]) -> Callable[[Frame], tuple[int, bytes]]:
    def encode(frame: Frame) -> tuple[int, bytes]:
        extra = {r.quantity for r in frame.readings} - allowed
        if extra or frame.alarms:
            raise EncodeError(f"this model does not send {sorted(extra)} or alarms")
        return PORT, _common_items(frame)

    return encode


_COMMON_Q = frozenset({Quantity.BATTERY_LEVEL, Quantity.TEMPERATURE, Quantity.HUMIDITY})
_DI_ENCODED = _COMMON_Q | {Quantity.PULSE_COUNT}
_AM107_ENCODED = _COMMON_Q | {Quantity.CO2, Quantity.TVOC, Quantity.PRESSURE}
_SOURCE = "Milesight {model} user guide; TTN Device Repository vendor/milesight-iot/{model}"

MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id="milesight-iot/em300-zld",
        name="Milesight EM300-ZLD zone leak detection sensor",
        decode=decode_em300_zld,
        quantities=_COMMON_Q | {Quantity.WATER_LEAK},
        datasheet=_SOURCE.format(model="em300-zld"),
        ports=frozenset({PORT}),
    ),
    ModelSpec(
        model_id="milesight-iot/em300-di",
        name="Milesight EM300-DI pulse counter",
        decode=decode_em300_di,
        encode=_encoder(_DI_ENCODED),
        quantities=_DI_ENCODED | {Quantity.DIGITAL_INPUT},
        datasheet=_SOURCE.format(model="em300-di"),
        ports=frozenset({PORT}),
    ),
    ModelSpec(
        model_id="milesight-iot/ws52x",
        name="Milesight WS52x smart socket",
        decode=decode_ws52x,
        quantities=frozenset(
            {
                Quantity.VOLTAGE,
                Quantity.POWER,
                Quantity.POWER_FACTOR,
                Quantity.ENERGY_IMPORT,
                Quantity.CURRENT,
                Quantity.SWITCH_STATE,
            }
        ),
        datasheet=_SOURCE.format(model="ws52x"),
        ports=frozenset({PORT}),
    ),
    ModelSpec(
        model_id="milesight-iot/am107",
        name="Milesight AM107 indoor ambience monitoring sensor",
        decode=decode_am107,
        encode=_encoder(_AM107_ENCODED),
        quantities=_AM107_ENCODED | {Quantity.MOTION_COUNT, Quantity.ILLUMINANCE},
        datasheet=_SOURCE.format(model="am107"),
        ports=frozenset({PORT}),
    ),
)
