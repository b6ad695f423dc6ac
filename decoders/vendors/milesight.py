"""Milesight IoT sensors: EM300-ZLD, EM300-DI, WS52x, AM107, EM500-PP, CT101.

Format: Milesight's channel list, sent on fPort 85 (the devices' default application port). The
payload is a sequence of items ``channel id, channel type, value`` with little-endian values; the
value's size depends on the pair. Sources: the Milesight user guides of each model, the payload
tables of Milesight's public decoders (github.com/Milesight-IoT/SensorDecoders, per-model
README), the TTN Device Repository codecs ``vendor/milesight-iot/*.js`` and shared/vectors/
FORMATS.md. Unlike the vendor codecs, which stop silently at an unknown item, an unknown item
here is an error: releve never returns half a frame.

Units, as the Milesight payload tables state them (the TTN codecs do not): WS52x energy in Wh
(-> kWh), current in mA (-> A), active power in W, item 05 81 is the power factor in percent
(-> ratio 0..1); EM500-PP pressure in kPa (-> bar); CT101 total current in Ah (0.01 Ah steps),
current in 0.01 A. The EM300-DI counts pulses; the pulse weight is a per-device registry setting
applied at ingest. Its firmware 1.3+ reports ``water = pulses x water_conv / pulse_conv`` in a
unit configured on the device; the pulse count is recovered from the device's own ratio.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from decoders._bytes import Reader
from decoders.errors import BadLength, BadValue, EncodeError, UnknownFrameType, UnsupportedPort
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

PORT = 85
INST = Kind.INSTANTANEOUS
InfoValue = str | int | float | bool


class _Sink:
    """What the items of one frame add up to."""

    __slots__ = ("alarms", "info", "readings")

    def __init__(self) -> None:
        self.readings: list[DecodedReading] = []
        self.alarms: list[Alarm] = []
        self.info: list[tuple[str, InfoValue]] = []

    def add(self, quantity: Quantity, value: float, kind: Kind = INST, at: datetime | None = None) -> None:
        self.readings.append(DecodedReading(quantity, value, kind, at=at))

    def alarm(self, kind: AlarmKind, detail: str) -> None:
        self.alarms.append(Alarm(kind, detail=detail))


Item = tuple[int, int]
Handler = Callable[[Reader, _Sink], None]


def _info(name: str, size: int) -> Handler:
    def handler(r: Reader, out: _Sink) -> None:
        out.info.append((name, r.take(size).hex()))

    return handler


# Attribute items every Milesight device sends at power-on (raw bytes in hex).
_DEVICE_INFO: dict[Item, Handler] = {
    (0xFF, 0x01): _info("protocol_version", 1),
    (0xFF, 0x09): _info("hardware_version", 2),
    (0xFF, 0x0A): _info("firmware_version", 2),
    (0xFF, 0x0B): _info("power_on", 1),
    (0xFF, 0x0F): _info("lorawan_class", 1),
    (0xFF, 0x16): _info("serial_number", 8),
    (0xFF, 0xFE): _info("reset_event", 1),
    (0xFF, 0xFF): _info("tsl_version", 2),
}


def _decode(model: str, f_port: int, payload: bytes, items: Mapping[Item, Handler]) -> Frame:
    if f_port != PORT:
        raise UnsupportedPort(model, f_port)
    if not payload:
        raise BadLength(f"{model}: empty frame")
    r = Reader(payload, model)
    out = _Sink()
    while r.remaining:
        item = (r.u8(), r.u8())
        handler = items.get(item) or _DEVICE_INFO.get(item)
        if handler is None:
            raise UnknownFrameType(f"{model}: unknown item {item[0]:02x} {item[1]:02x} at offset {r.pos - 2}")
        handler(r, out)
    return Frame(readings=tuple(out.readings), alarms=tuple(out.alarms), info=tuple(out.info))


def _clock(r: Reader) -> datetime:
    return datetime.fromtimestamp(r.u32le(), UTC)


def _scalar(
    quantity: Quantity, read: Callable[[Reader], int], divisor: float = 1, kind: Kind = INST
) -> Handler:
    """An item holding one value: ``read(r) / divisor`` in the quantity's canonical unit."""

    def handler(r: Reader, out: _Sink) -> None:
        out.add(quantity, read(r) / divisor, kind)

    return handler


# -- items shared by the battery-powered models --------------------------------------------------
_battery = _scalar(Quantity.BATTERY_LEVEL, Reader.u8)
_COMMON: dict[Item, Handler] = {
    (0x01, 0x75): _battery,
    (0x03, 0x67): _scalar(Quantity.TEMPERATURE, Reader.s16le, 10),
    (0x04, 0x68): _scalar(Quantity.HUMIDITY, Reader.u8, 2),
}


# -- EM300-ZLD: zone leak detection ---------------------------------------------------------------
def _leak_state(out: _Sink, raw: int, at: datetime | None = None) -> None:
    leak = raw != 0
    out.add(Quantity.WATER_LEAK, float(leak), Kind.STATE, at)
    if leak and at is None:
        out.alarm(AlarmKind.LEAK, "water detected by the leak cable")


def _leak(r: Reader, out: _Sink) -> None:
    _leak_state(out, r.u8())


def _zld_history(r: Reader, out: _Sink) -> None:
    """A stored record (sent after a network outage), stamped by the device clock."""
    at = _clock(r)
    out.add(Quantity.TEMPERATURE, r.s16le() / 10, at=at)
    out.add(Quantity.HUMIDITY, r.u8() / 2, at=at)
    _leak_state(out, r.u8(), at)


_ZLD = {**_COMMON, (0x05, 0x00): _leak, (0x20, 0xCE): _zld_history}


def decode_em300_zld(f_port: int, payload: bytes) -> Frame:
    return _decode("milesight-iot/em300-zld", f_port, payload, _ZLD)


# -- EM300-DI: pulse counter --------------------------------------------------------------------------
def _gpio(r: Reader, out: _Sink) -> None:
    out.add(Quantity.DIGITAL_INPUT, float(r.u8() != 0), Kind.STATE)


def _converted_pulses(r: Reader, out: _Sink, at: datetime | None = None) -> None:
    """Firmware 1.3+: the count converted with the device's water/pulse ratio, as float32."""
    water_conv, pulse_conv = r.u16le() / 10, r.u16le() / 10
    (water,) = struct.unpack("<f", r.take(4))
    if water_conv <= 0 or pulse_conv <= 0 or not math.isfinite(water) or water < 0:
        raise BadValue(f"EM300-DI: water {water} with conversion {water_conv}/{pulse_conv} per pulse")
    out.add(Quantity.PULSE_COUNT, float(round(water * pulse_conv / water_conv)), Kind.CUMULATIVE, at)
    if at is None:
        out.info.append(("device_water_per_pulse", water_conv / pulse_conv))


_WATER_ALARMS = {
    1: (AlarmKind.DRY, "no pulse for longer than the water outage timeout"),
    3: (AlarmKind.LEAK, "pulses without pause for longer than the water flow timeout (possible leak)"),
}
_ALARM_NAMES = {
    2: "water outage timeout alarm release",
    4: "water flow timeout alarm release",
    5: "gpio alarm",
    6: "gpio alarm release",
}


def _water_alarm(out: _Sink, code: int) -> None:
    if code in _WATER_ALARMS:
        out.alarm(*_WATER_ALARMS[code])
    elif code in _ALARM_NAMES:
        out.info.append(("event", _ALARM_NAMES[code]))
    elif code != 0:
        raise BadValue(f"EM300-DI: unknown alarm code {code}")


def _gpio_alarm(r: Reader, out: _Sink) -> None:
    _gpio(r, out)
    out.info.append(("event", _ALARM_NAMES[5] if r.u8() else _ALARM_NAMES[6]))


def _water_with_alarm(r: Reader, out: _Sink) -> None:
    _converted_pulses(r, out)
    _water_alarm(out, r.u8())


def _di_history(r: Reader, out: _Sink) -> None:
    """A stored record: temperature, humidity, then the input's state or its pulse count."""
    at = _clock(r)
    out.add(Quantity.TEMPERATURE, r.s16le() / 10, at=at)
    out.add(Quantity.HUMIDITY, r.u8() / 2, at=at)
    mode, gpio, pulse = r.u8(), r.u8(), r.u32le()
    if mode == 1:
        out.add(Quantity.DIGITAL_INPUT, float(gpio != 0), Kind.STATE, at)
    elif mode == 2:
        out.add(Quantity.PULSE_COUNT, float(pulse), Kind.CUMULATIVE, at)


def _di_history_v2(r: Reader, out: _Sink) -> None:
    """Firmware 1.3+ stored record; its alarm code is past and is kept as information only."""
    at = _clock(r)
    out.add(Quantity.TEMPERATURE, r.s16le() / 10, at=at)
    out.add(Quantity.HUMIDITY, r.u8() / 2, at=at)
    code, mode, gpio = r.u8(), r.u8(), r.u8()
    if mode == 2:
        _converted_pulses(r, out, at)
    else:
        r.take(8)
        if mode == 1:
            out.add(Quantity.DIGITAL_INPUT, float(gpio != 0), Kind.STATE, at)
    if code:
        out.info.append(("history_alarm_code", code))


_DI = {
    **_COMMON,
    (0x05, 0x00): _gpio,
    (0x05, 0xC8): _scalar(Quantity.PULSE_COUNT, Reader.u32le, kind=Kind.CUMULATIVE),
    (0x05, 0xE1): _converted_pulses,
    (0x85, 0x00): _gpio_alarm,
    (0x85, 0xE1): _water_with_alarm,
    (0x20, 0xCE): _di_history,
    (0x21, 0xCE): _di_history_v2,
}


def decode_em300_di(f_port: int, payload: bytes) -> Frame:
    return _decode("milesight-iot/em300-di", f_port, payload, _DI)


# -- WS52x: smart socket ----------------------------------------------------------------------------
def _socket(r: Reader, out: _Sink) -> None:
    state = r.u8()
    if state > 1:
        raise BadValue(f"WS52x: socket state byte {state} is neither 0 (off) nor 1 (on)")
    out.add(Quantity.SWITCH_STATE, float(state), Kind.STATE)


_WS52X = {
    (0x03, 0x74): _scalar(Quantity.VOLTAGE, Reader.u16le, 10),
    (0x04, 0x80): _scalar(Quantity.POWER, Reader.u32le),
    (0x05, 0x81): _scalar(Quantity.POWER_FACTOR, Reader.u8, 100),  # percent -> ratio
    (0x06, 0x83): _scalar(Quantity.ENERGY_IMPORT, Reader.u32le, 1000, Kind.CUMULATIVE),  # Wh -> kWh
    (0x07, 0xC9): _scalar(Quantity.CURRENT, Reader.u16le, 1000),  # mA -> A
    (0x08, 0x70): _socket,
}


def decode_ws52x(f_port: int, payload: bytes) -> Frame:
    return _decode("milesight-iot/ws52x", f_port, payload, _WS52X)


# -- AM107: indoor ambience --------------------------------------------------------------------------
def _light(r: Reader, out: _Sink) -> None:
    out.add(Quantity.ILLUMINANCE, float(r.u16le()))
    out.info.append(("infrared_and_visible", r.u16le()))
    out.info.append(("infrared", r.u16le()))


_AM107 = {
    **_COMMON,
    (0x05, 0x6A): _scalar(Quantity.MOTION_COUNT, Reader.u16le, kind=Kind.DELTA),  # PIR triggers
    (0x06, 0x65): _light,
    (0x07, 0x7D): _scalar(Quantity.CO2, Reader.u16le),
    (0x08, 0x7D): _scalar(Quantity.TVOC, Reader.u16le),
    (0x09, 0x73): _scalar(Quantity.PRESSURE, Reader.u16le, 10),
}


def decode_am107(f_port: int, payload: bytes) -> Frame:
    return _decode("milesight-iot/am107", f_port, payload, _AM107)


# -- EM500-PP: pipe pressure ---------------------------------------------------------------------------
def _pp_history(r: Reader, out: _Sink) -> None:
    at = _clock(r)
    out.add(Quantity.PIPE_PRESSURE, r.s16le() / 100, at=at)


_PP = {
    (0x01, 0x75): _battery,
    (0x03, 0x7B): _scalar(Quantity.PIPE_PRESSURE, Reader.s16le, 100),  # kPa -> bar
    (0x20, 0xCE): _pp_history,
}


def decode_em500_pp(f_port: int, payload: bytes) -> Frame:
    return _decode("milesight-iot/em500-pp", f_port, payload, _PP)


# -- CT101: current transformer ------------------------------------------------------------------------
def _ct_current(out: _Sink, raw: int) -> None:
    if raw == 0xFFFF:
        out.alarm(AlarmKind.SENSOR_FAULT, "current read failed")
    else:
        out.add(Quantity.CURRENT, raw / 100)  # 0.01 A


def _ct_current_item(r: Reader, out: _Sink) -> None:
    _ct_current(out, r.u16le())


def _ct_temperature(out: _Sink, raw: int) -> None:
    if raw == 0xFFFD:
        out.alarm(AlarmKind.SENSOR_FAULT, "temperature over the sensor's range")
    elif raw == 0xFFFF:
        out.alarm(AlarmKind.SENSOR_FAULT, "temperature read failed")
    else:
        out.add(Quantity.TEMPERATURE, (raw - 0x10000 if raw & 0x8000 else raw) / 10)


def _ct_temperature_item(r: Reader, out: _Sink) -> None:
    _ct_temperature(out, r.u16le())


def _ct_current_alarm(r: Reader, out: _Sink) -> None:
    """Alarm report: the period's maximum and minimum current, the current, then event bits."""
    highest, lowest, now, bits = r.u16le(), r.u16le(), r.u16le(), r.u8()
    out.info.extend((("current_max_a", highest / 100), ("current_min_a", lowest / 100)))
    _ct_current(out, now)
    # The threshold's direction is a device setting not in the frame; "above" is the usual one.
    if bits & 0x01:
        out.alarm(AlarmKind.OVER_CURRENT, "current threshold alarm")
    if bits & 0x04:
        out.alarm(AlarmKind.OVER_CURRENT, "current over the transformer's range")
    for bit, name in ((0x02, "current threshold alarm release"), (0x08, "current over range release")):
        if bits & bit:
            out.info.append(("event", name))


def _ct_temperature_alarm(r: Reader, out: _Sink) -> None:
    _ct_temperature(out, r.u16le())
    if r.u8() == 1:
        out.alarm(AlarmKind.HIGH_TEMPERATURE, "temperature threshold alarm")
    else:
        out.info.append(("event", "temperature threshold alarm release"))


_CT = {
    (0x03, 0x97): _scalar(Quantity.ELECTRIC_CHARGE, Reader.u32le, 100, Kind.CUMULATIVE),  # 0.01 Ah
    (0x04, 0x98): _ct_current_item,
    (0x09, 0x67): _ct_temperature_item,
    (0x84, 0x98): _ct_current_alarm,
    (0x89, 0x67): _ct_temperature_alarm,
}


def decode_ct101(f_port: int, payload: bytes) -> Frame:
    return _decode("milesight-iot/ct101", f_port, payload, _CT)


# -- encoders (for the simulator) -----------------------------------------------------------------
def _grid(value: float, step: float, lo: int, hi: int, what: str) -> int:
    raw = round(value / step)
    if not lo <= raw <= hi or abs(raw * step - value) > 1e-9:
        raise EncodeError(f"{what} {value} is not on the {step} grid within {lo * step}..{hi * step}")
    return raw


# quantity -> (item, value step, lowest raw, highest raw, value bytes, signed)
_ENCODING: dict[Quantity, tuple[Item, float, int, int, int, bool]] = {
    Quantity.BATTERY_LEVEL: ((0x01, 0x75), 1, 0, 100, 1, False),
    Quantity.TEMPERATURE: ((0x03, 0x67), 0.1, -32768, 32767, 2, True),
    Quantity.HUMIDITY: ((0x04, 0x68), 0.5, 0, 255, 1, False),
    Quantity.WATER_LEAK: ((0x05, 0x00), 1, 0, 1, 1, False),
    Quantity.DIGITAL_INPUT: ((0x05, 0x00), 1, 0, 1, 1, False),
    Quantity.PULSE_COUNT: ((0x05, 0xC8), 1, 0, 2**32 - 1, 4, False),
    Quantity.MOTION_COUNT: ((0x05, 0x6A), 1, 0, 0xFFFF, 2, False),
    Quantity.CO2: ((0x07, 0x7D), 1, 0, 0xFFFF, 2, False),
    Quantity.TVOC: ((0x08, 0x7D), 1, 0, 0xFFFF, 2, False),
    Quantity.PRESSURE: ((0x09, 0x73), 0.1, 0, 0xFFFF, 2, False),
}


def _encode_reading(reading: DecodedReading) -> bytes:
    q = reading.quantity
    if q is Quantity.ILLUMINANCE:  # the infrared channels are not modelled: sent as zero
        lux = _grid(reading.value, 1, 0, 0xFFFF, "illuminance")
        return bytes([0x06, 0x65]) + lux.to_bytes(2, "little") + bytes(4)
    item, step, lo, hi, size, signed = _ENCODING[q]
    raw = _grid(reading.value, step, lo, hi, str(q))
    return bytes(item) + raw.to_bytes(size, "little", signed=signed)


def _encoder(
    kinds: Mapping[Quantity, Kind], alarms: Callable[[Frame], set[AlarmKind]]
) -> Callable[[Frame], tuple[int, bytes]]:
    def encode(frame: Frame) -> tuple[int, bytes]:
        if not frame.readings:
            raise EncodeError("nothing to encode")
        if {(a.kind, a.channel) for a in frame.alarms} != {(k, "") for k in alarms(frame)}:
            raise EncodeError(f"alarms {frame.alarms} do not follow from the readings")
        out = b""
        for reading in frame.readings:
            if reading.at is not None or reading.offset_s is not None or reading.channel:
                raise EncodeError("only current, single-channel readings can be encoded")
            if kinds.get(reading.quantity) is not reading.kind:
                raise EncodeError(f"this model does not send {reading.quantity} as {reading.kind}")
            out += _encode_reading(reading)
        return PORT, out

    return encode


def _no_alarms(_frame: Frame) -> set[AlarmKind]:
    return set()


def _leak_alarm(frame: Frame) -> set[AlarmKind]:
    leak = any(r.quantity is Quantity.WATER_LEAK and r.value == 1 for r in frame.readings)
    return {AlarmKind.LEAK} if leak else set()


_COMMON_KINDS = {Quantity.BATTERY_LEVEL: INST, Quantity.TEMPERATURE: INST, Quantity.HUMIDITY: INST}
_ZLD_KINDS = {**_COMMON_KINDS, Quantity.WATER_LEAK: Kind.STATE}
_DI_KINDS = {**_COMMON_KINDS, Quantity.PULSE_COUNT: Kind.CUMULATIVE}
_AM107_KINDS = {
    **_COMMON_KINDS,
    Quantity.MOTION_COUNT: Kind.DELTA,
    Quantity.ILLUMINANCE: INST,
    Quantity.CO2: INST,
    Quantity.TVOC: INST,
    Quantity.PRESSURE: INST,
}
_SOURCE = (
    "Milesight {name} user guide and payload table (github.com/Milesight-IoT/SensorDecoders); "
    "TTN Device Repository vendor/milesight-iot/{model}.js"
)

MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id="milesight-iot/em300-zld",
        name="Milesight EM300-ZLD zone leak detection sensor",
        decode=decode_em300_zld,
        encode=_encoder(_ZLD_KINDS, _leak_alarm),
        quantities=frozenset(_ZLD_KINDS),
        datasheet=_SOURCE.format(name="EM300 series", model="em300-zld"),
        ports=frozenset({PORT}),
    ),
    ModelSpec(
        model_id="milesight-iot/em300-di",
        name="Milesight EM300-DI pulse counter",
        decode=decode_em300_di,
        encode=_encoder(_DI_KINDS, _no_alarms),
        quantities=frozenset(_DI_KINDS) | {Quantity.DIGITAL_INPUT},
        datasheet=_SOURCE.format(name="EM300-DI", model="em300-di"),
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
        datasheet=_SOURCE.format(name="WS52x", model="ws52x"),
        version="2",
        ports=frozenset({PORT}),
    ),
    ModelSpec(
        model_id="milesight-iot/am107",
        name="Milesight AM107 indoor ambience monitoring sensor",
        decode=decode_am107,
        encode=_encoder(_AM107_KINDS, _no_alarms),
        quantities=frozenset(_AM107_KINDS),
        datasheet=_SOURCE.format(name="AM100 series", model="am107"),
        ports=frozenset({PORT}),
    ),
    ModelSpec(
        model_id="milesight-iot/em500-pp",
        name="Milesight EM500-PP pipe pressure sensor",
        decode=decode_em500_pp,
        quantities=frozenset({Quantity.BATTERY_LEVEL, Quantity.PIPE_PRESSURE}),
        datasheet=_SOURCE.format(name="EM500-PP", model="em500-pp"),
        ports=frozenset({PORT}),
    ),
    ModelSpec(
        model_id="milesight-iot/ct101",
        name="Milesight CT101 smart current transformer",
        decode=decode_ct101,
        quantities=frozenset({Quantity.ELECTRIC_CHARGE, Quantity.CURRENT, Quantity.TEMPERATURE}),
        datasheet=_SOURCE.format(name="CT10x", model="ct101"),
        ports=frozenset({PORT}),
    ),
)
