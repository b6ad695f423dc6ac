"""Netvox Class A sensors (R718H pulse counter interface).

Format: Netvox's common LoRaWAN frame, as used by the TTN Device Repository codec
``vendor/netvox/payload/r718h.js`` and described in shared/vectors/FORMATS.md ("Shared rules:
Netvox frame"). Port 6 carries reports (byte 0 version, byte 1 device type, byte 2 report type,
byte 3 battery in 0.1 V with bit 7 = low battery); port 7 carries configuration responses.
"""

from __future__ import annotations

from decoders._bytes import Reader, require_length
from decoders.errors import BadValue, EncodeError, UnknownFrameType, UnsupportedPort
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

REPORT_PORT = 6
CONFIG_PORT = 7
FRAME_LENGTH = 11

DEVICE_TYPES = {
    0x1F: "R718H",
    0x3F: "R718H2",
    0x4A: "R718N3",
    0x0E: "R809A",
    0x73: "R816B",
    0x01: "R711(R712)",
    0x0B: "R718A",
    0x13: "R718AB",
    0x6E: "R720A",
    0x6F: "R720B",
}


def _battery(byte: int) -> tuple[DecodedReading, tuple[Alarm, ...]]:
    volts = (byte & 0x7F) / 10
    reading = DecodedReading(Quantity.BATTERY_VOLTAGE, volts, Kind.INSTANTANEOUS)
    alarms = (
        (Alarm(AlarmKind.LOW_BATTERY, detail=f"low-battery flag at {volts:.1f} V"),) if byte & 0x80 else ()
    )
    return reading, alarms


def _version_report(data: bytes) -> Frame:
    date_code = "".join(f"{b:02x}" for b in data[5:9])
    return Frame(
        info=(
            ("device", DEVICE_TYPES.get(data[1], f"0x{data[1]:02x}")),
            ("software_version", data[3] / 10),
            ("hardware_version", data[4]),
            ("date_code", date_code),
        )
    )


def _data_report(model: str, f_port: int, payload: bytes, device_types: tuple[int, ...]) -> Frame | None:
    """Check a port-6 report of one of ``device_types``: the version report's frame, or None for data."""
    if f_port != REPORT_PORT:
        raise UnsupportedPort(model, f_port)
    require_length(payload, model, exact=FRAME_LENGTH)
    device, report = payload[1], payload[2]
    if device not in device_types:
        raise BadValue(f"{model}: device type 0x{device:02x} is not one this decoder reads")
    if report == 0x00:
        return _version_report(payload)
    if report != 0x01:
        raise UnknownFrameType(f"{model}: unknown report type 0x{report:02x}")
    return None


def _config_response(model: str, data: bytes, extra: dict[int, str]) -> Frame:
    """Port 7: the device answers a configuration command; no measurement."""
    require_length(data, f"{model} config response", minimum=3)
    cmd = data[0]
    info: list[tuple[str, str | int | float | bool]] = [
        ("device", DEVICE_TYPES.get(data[1], f"0x{data[1]:02x}"))
    ]
    if cmd == 0x81 or cmd in (0x83, 0x85):
        names = {0x81: "ConfigReportRsp", 0x83: "SetFiltertimeRsp", 0x85: "SetPulseCounterClearModeRsp"}
        info += [("command", names[cmd]), ("success", data[2] == 0)]
    elif cmd == 0x82:
        r = Reader(data, f"{model} ReadConfigReportRsp")
        r.take(2)
        info += [("command", "ReadConfigReportRsp"), ("min_time_s", r.u16be()), ("max_time_s", r.u16be())]
        if r.remaining:
            info.append(("battery_change_v", r.u8() / 10))
    elif cmd in extra:
        info += [("command", extra[cmd]), ("value", data[2])]
    else:
        raise UnknownFrameType(f"{model}: unknown configuration response 0x{cmd:02x}")
    return Frame(info=tuple(info))


def decode_r718h(f_port: int, payload: bytes) -> Frame:
    """R718H / R718H2 pulse counter: a 16-bit counter (two on the R718H2) and the battery."""
    model = "netvox/r718h"
    if f_port == CONFIG_PORT:
        return _config_response(
            model, payload, {0x84: "GetFiltertimeRsp", 0x86: "GetPulseCounterClearModeRsp"}
        )
    version = _data_report(model, f_port, payload, (0x1F, 0x3F))
    if version is not None:
        return version
    device = payload[1]
    battery, alarms = _battery(payload[3])
    r = Reader(payload[4:], model)
    if device == 0x1F:
        counts = [DecodedReading(Quantity.PULSE_COUNT, float(r.u16be()), Kind.CUMULATIVE)]
    else:
        counts = [
            DecodedReading(Quantity.PULSE_COUNT, float(r.u16be()), Kind.CUMULATIVE, channel="1"),
            DecodedReading(Quantity.PULSE_COUNT, float(r.u16be()), Kind.CUMULATIVE, channel="2"),
        ]
    return Frame(readings=(battery, *counts), alarms=alarms)


def decode_r711(f_port: int, payload: bytes) -> Frame:
    """R711 (and R718A/AB, R720A/B): temperature and humidity, battery; R720B adds an alarm."""
    model = "netvox/r711"
    if f_port == CONFIG_PORT:
        require_length(payload, f"{model} config response", minimum=3)
        if payload[0] == 0x82:
            r = Reader(payload, f"{model} ReadConfigReportRsp")
            r.take(2)
            info: tuple[tuple[str, str | int | float | bool], ...] = (
                ("device", DEVICE_TYPES.get(payload[1], f"0x{payload[1]:02x}")),
                ("command", "ReadConfigReportRsp"),
                ("min_time_s", r.u16be()),
                ("max_time_s", r.u16be()),
                ("battery_change_v", r.u8() / 10),
                ("temperature_change", r.u16be() / 100),
                ("humidity_change", r.u16be() / 100),
            )
            return Frame(info=info)
        return _config_response(model, payload, {})
    version = _data_report(model, f_port, payload, (0x01, 0x0B, 0x13, 0x6E, 0x6F))
    if version is not None:
        return version
    device = payload[1]
    battery, alarms = _battery(payload[3])
    r = Reader(payload[4:], model)
    readings = (
        battery,
        DecodedReading(Quantity.TEMPERATURE, r.s16be() / 100, Kind.INSTANTANEOUS),
        DecodedReading(Quantity.HUMIDITY, r.u16be() / 100, Kind.INSTANTANEOUS),
    )
    if device == 0x6F and payload[8]:
        alarms = (*alarms, Alarm(AlarmKind.HIGH_TEMPERATURE, detail="temperature/humidity threshold alarm"))
    return Frame(readings=readings, alarms=alarms)


def encode_r718h(frame: Frame) -> tuple[int, bytes]:
    """A single-counter R718H report (device type 0x1F) from its battery and pulse count."""
    volts = frame.battery_voltage
    counts = [r for r in frame.readings if r.quantity is Quantity.PULSE_COUNT]
    if volts is None or len(counts) != 1 or counts[0].channel:
        raise EncodeError("an R718H report needs a battery voltage and one pulse count")
    raw_volts = round(volts * 10)
    count = counts[0].value
    if not 0 <= raw_volts <= 0x7F or raw_volts / 10 != volts:
        raise EncodeError(f"battery voltage {volts} V is not on the 0.1 V grid in 0..12.7")
    if not (0 <= count <= 0xFFFF and count == int(count)):
        raise EncodeError(f"pulse count {count} does not fit the 16-bit register")
    low = any(a.kind is AlarmKind.LOW_BATTERY for a in frame.alarms)
    battery = raw_volts | (0x80 if low else 0)
    return REPORT_PORT, bytes([0x01, 0x1F, 0x01, battery]) + int(count).to_bytes(2, "big") + bytes(5)


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id="netvox/r711",
        name="Netvox R711 indoor temperature and humidity sensor (also R718A/AB, R720A/B)",
        decode=decode_r711,
        quantities=frozenset({Quantity.TEMPERATURE, Quantity.HUMIDITY, Quantity.BATTERY_VOLTAGE}),
        datasheet="Netvox R711 user manual; TTN Device Repository vendor/netvox/r711",
        ports=frozenset({REPORT_PORT, CONFIG_PORT}),
    ),
    ModelSpec(
        model_id="netvox/r718h",
        name="Netvox R718H wireless pulse counter interface",
        decode=decode_r718h,
        encode=encode_r718h,
        quantities=frozenset({Quantity.PULSE_COUNT, Quantity.BATTERY_VOLTAGE}),
        datasheet="Netvox R718H user manual; TTN Device Repository vendor/netvox/r718h",
        ports=frozenset({REPORT_PORT, CONFIG_PORT}),
    ),
)
