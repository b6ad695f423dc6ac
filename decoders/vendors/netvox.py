"""Netvox Class A/C sensors: R718H pulse counter, R711 climate, R718N3 currents, R809A plug, R726.

Formats: the Netvox user manuals (R718H, R711, R718N3 "3-phase current meter", R809A "power
outlet with consumption monitoring", RA0715/R72615 series) and the TTN Device Repository codecs
``vendor/netvox/payload/*.js`` (shared/vectors/FORMATS.md, "Shared rules: Netvox frame"). Every
frame is 11 bytes. Port 6 carries reports: byte 0 version, byte 1 device type, byte 2 report type
(0x00 = start-up version report), byte 3 battery in 0.1 V with bit 7 = low battery on battery
powered devices. Port 7 carries responses to configuration commands (no measurement).

Units from the manuals: R718N3 currents are in mA, times a per-channel multiplier (1, 5, 10 or
100, raised when a current exceeds 65 535 mA); R809A energy is in Wh, voltage in V, current in mA,
power in W; R72615A CO2 is in 0.1 ppm (the codec divides by 10), temperature and humidity in
0.01 degC / 0.01 %RH, and 0xFFFF marks a sensor that is absent or failed. The R726 series'
probe reports (the same frames from R726 variants with other probes): 0x08 pH (0.01) and ORP
(mV, signed), 0x09 turbidity (0.1 NTU) and EC-5 soil moisture (0.01 %), 0x0A 5TE soil moisture
and soil temperature, 0x0B dissolved oxygen (0.01 mg/L) with its saturation, 0x0C wind speed
(0.01 m/s), 0x0D wind direction (degrees) and barometric pressure (u32, 0.01 hPa); each probe's
own temperature is a water or soil temperature on the probe's channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from decoders._bytes import Reader, require_length
from decoders.errors import BadValue, EncodeError, UnknownFrameType, UnsupportedPort
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

REPORT_PORT = 6
CONFIG_PORT = 7
PORTS = frozenset({REPORT_PORT, CONFIG_PORT})
FRAME_LENGTH = 11
INST = Kind.INSTANTANEOUS
NO_SENSOR = 0xFFFF

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
    0x05: "RA07Series",
    0x09: "R726Series",
    0x0D: "RA07**YSeries",
}
Info = list[tuple[str, str | int | float | bool]]
Threshold = tuple[str, int, float]  # name, size in bytes, scale


def _device(code: int) -> str:
    return DEVICE_TYPES.get(code, f"0x{code:02x}")


def _battery(byte: int) -> tuple[DecodedReading, tuple[Alarm, ...]]:
    volts = (byte & 0x7F) / 10
    reading = DecodedReading(Quantity.BATTERY_VOLTAGE, volts, INST)
    alarms = (
        (Alarm(AlarmKind.LOW_BATTERY, detail=f"low-battery flag at {volts:.1f} V"),) if byte & 0x80 else ()
    )
    return reading, alarms


def _version_report(data: bytes) -> Frame:
    return Frame(
        info=(
            ("device", _device(data[1])),
            ("software_version", data[3] / 10),
            ("hardware_version", data[4]),
            ("date_code", "".join(f"{b:02x}" for b in data[5:9])),
        )
    )


def _report(
    model: str, f_port: int, payload: bytes, device_types: Sequence[int], report_types: Sequence[int]
) -> Frame | None:
    """Check a port-6 report: the version report's frame, or None for a data report to read."""
    if f_port != REPORT_PORT:
        raise UnsupportedPort(model, f_port)
    require_length(payload, model, exact=FRAME_LENGTH)
    device, report = payload[1], payload[2]
    if device not in device_types:
        raise BadValue(f"{model}: device type 0x{device:02x} is not one this decoder reads")
    if report == 0x00:
        return _version_report(payload)
    if report not in report_types:
        raise UnknownFrameType(f"{model}: unknown report type 0x{report:02x}")
    return None


def _config_response(
    model: str, data: bytes, thresholds: Sequence[Threshold], extra: dict[int, str] | None = None
) -> Frame:
    """Port 7: the device answers a configuration command; its settings become information."""
    require_length(data, f"{model} config response", exact=FRAME_LENGTH)
    cmd = data[0]
    info: Info = [("device", _device(data[1]))]
    if cmd == 0x81:
        info += [("command", "ConfigReportRsp"), ("success", data[2] == 0)]
    elif cmd == 0x82:
        r = Reader(data[2:], f"{model} ReadConfigReportRsp")
        info += [("command", "ReadConfigReportRsp"), ("min_time_s", r.u16be()), ("max_time_s", r.u16be())]
        info += [(name, round(r.uint(size) * scale, 6)) for name, size, scale in thresholds]
    elif extra and cmd in extra:
        info += [("command", extra[cmd]), ("value", data[2])]
    else:
        raise UnknownFrameType(f"{model}: unknown configuration response 0x{cmd:02x}")
    return Frame(info=tuple(info))


# R718H / R718H2 ------------------------------------------------------------------------------


def decode_r718h(f_port: int, payload: bytes) -> Frame:
    """R718H / R718H2 pulse counter: a 16-bit counter (two on the R718H2) and the battery."""
    model = "netvox/r718h"
    if f_port == CONFIG_PORT:
        extra = {
            0x83: "SetFiltertimeRsp",
            0x84: "GetFiltertimeRsp",
            0x85: "SetPulseCounterClearModeRsp",
            0x86: "GetPulseCounterClearModeRsp",
        }
        return _config_response(model, payload, (("battery_change_v", 1, 0.1),), extra)
    version = _report(model, f_port, payload, (0x1F, 0x3F), (0x01,))
    if version is not None:
        return version
    battery, alarms = _battery(payload[3])
    r = Reader(payload[4:], model)
    cum = Kind.CUMULATIVE
    if payload[1] == 0x1F:
        counts = [DecodedReading(Quantity.PULSE_COUNT, float(r.u16be()), cum)]
    else:
        counts = [
            DecodedReading(Quantity.PULSE_COUNT, float(r.u16be()), cum, channel="1"),
            DecodedReading(Quantity.PULSE_COUNT, float(r.u16be()), cum, channel="2"),
        ]
    return Frame(readings=(battery, *counts), alarms=alarms)


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


# R711 and its relatives ----------------------------------------------------------------------


def decode_r711(f_port: int, payload: bytes) -> Frame:
    """R711 (and R718A/AB, R720A/B): temperature and humidity, battery; R720B adds an alarm."""
    model = "netvox/r711"
    if f_port == CONFIG_PORT:
        thresholds = (
            ("battery_change_v", 1, 0.1),
            ("temperature_change", 2, 0.01),
            ("humidity_change", 2, 0.01),
        )
        return _config_response(model, payload, thresholds)
    version = _report(model, f_port, payload, (0x01, 0x0B, 0x13, 0x6E, 0x6F), (0x01,))
    if version is not None:
        return version
    battery, alarms = _battery(payload[3])
    r = Reader(payload[4:], model)
    readings = (
        battery,
        DecodedReading(Quantity.TEMPERATURE, r.s16be() / 100, INST),
        DecodedReading(Quantity.HUMIDITY, r.u16be() / 100, INST),
    )
    if payload[1] == 0x6F and payload[8]:
        alarms = (*alarms, Alarm(AlarmKind.HIGH_TEMPERATURE, detail="temperature/humidity threshold alarm"))
    return Frame(readings=readings, alarms=alarms)


# R718N3 --------------------------------------------------------------------------------------

PHASES = ("L1", "L2", "L3")
MULTIPLIER_CODES = (1, 5, 10, 100)


def _current(raw_ma: int, multiplier: int, phase: str) -> DecodedReading:
    return DecodedReading(Quantity.CURRENT, round(raw_ma * multiplier / 1000, 6), INST, channel=phase)


def decode_r718n3(f_port: int, payload: bytes) -> Frame:
    """R718N3 three CT clamps: currents in A (mA times multiplier), threshold alarms.

    Report 0x01 carries the three raw currents but only the first multiplier (the other two come
    apart in report 0x02), so only L1 becomes a reading; the raw L2/L3 values go to ``info``
    rather than be read with a multiplier the frame does not give. Report 0x03 carries all three
    multipliers as 2-bit codes, so all three currents are read.
    """
    model = "netvox/r718n3"
    if f_port == CONFIG_PORT:
        return _config_response(model, payload, (("current_change_a", 2, 0.001),))
    version = _report(model, f_port, payload, (0x4A,), (0x01, 0x02, 0x03, 0x04))
    if version is not None:
        return version
    battery, alarms = _battery(payload[3])
    r = Reader(payload[4:], model)
    report = payload[2]
    readings = [battery]
    info: Info = []
    if report in (0x01, 0x03):
        raw = [r.u16be() for _ in PHASES]
        packed = r.u8()
        if report == 0x03:
            multipliers = [MULTIPLIER_CODES[(packed >> shift) & 0x03] for shift in (0, 2, 4)]
            readings += [_current(v, m, p) for v, m, p in zip(raw, multipliers, PHASES, strict=True)]
        else:
            if packed == 0:
                raise BadValue(f"{model}: current multiplier 0")
            readings.append(_current(raw[0], packed, "L1"))
            info += [("current_l2_raw_ma", raw[1]), ("current_l3_raw_ma", raw[2])]
    elif report == 0x02:
        info += [("multiplier_l2", r.u8()), ("multiplier_l3", r.u8())]
    else:
        bits = r.u8()
        for i, phase in enumerate(PHASES):
            if bits & (1 << (2 * i)):
                alarms += (Alarm(AlarmKind.UNDER_CURRENT, channel=phase, detail="low current threshold"),)
            if bits & (2 << (2 * i)):
                alarms += (Alarm(AlarmKind.OVER_CURRENT, channel=phase, detail="high current threshold"),)
    return Frame(readings=tuple(readings), alarms=alarms, info=tuple(info))


# R809A / R816B -------------------------------------------------------------------------------


def decode_r809a(f_port: int, payload: bytes) -> Frame:
    """R809A mains plug: relay state, energy index (Wh -> kWh), alarms; or voltage, current, power."""
    model = "netvox/r809a"
    if f_port == CONFIG_PORT:
        return _config_response(model, payload, (("current_change_a", 2, 0.001), ("power_change_w", 2, 1.0)))
    version = _report(model, f_port, payload, (0x0E, 0x73), (0x01, 0x02))
    if version is not None:
        return version
    r = Reader(payload[3:], model)
    if payload[2] == 0x02:
        measures = (
            DecodedReading(Quantity.VOLTAGE, float(r.u16be()), INST),
            DecodedReading(Quantity.CURRENT, r.u16be() / 1000, INST),
            DecodedReading(Quantity.POWER, float(r.u16be()), INST),
        )
        return Frame(readings=measures)
    on = r.u8() != 0
    energy_wh = r.u32be()  # an index never negative: read unsigned where the codec reads signed
    readings = (
        DecodedReading(Quantity.SWITCH_STATE, 1.0 if on else 0.0, Kind.STATE),
        DecodedReading(Quantity.ENERGY_IMPORT, energy_wh / 1000, Kind.CUMULATIVE),
    )
    flags = (
        (AlarmKind.OVER_CURRENT, "over-current (load disconnected)"),
        (AlarmKind.OVER_CURRENT, "dash (surge) current"),
        (AlarmKind.POWER_OFF, "mains power lost"),
    )
    alarms = tuple(Alarm(kind, detail=detail) for kind, detail in flags if r.u8())
    return Frame(readings=readings, alarms=alarms)


# R72615A (RA0715 / R726 series) --------------------------------------------------------------


class Field(NamedTuple):
    """One value of an R726 report: a reading when ``quantity`` is set, information otherwise."""

    name: str
    quantity: Quantity | None
    scale: float
    signed: bool = False
    size: int = 2
    channel: str = ""


_T = Quantity.WATER_TEMPERATURE
# report type -> its fields, in frame order from byte 4 (RA0715 / R726 series user manual)
_R726_FIELDS: dict[int, tuple[Field, ...]] = {
    0x01: (Field("pm1_0_ug_m3", None, 1), Field("pm2_5_ug_m3", None, 1), Field("pm10_ug_m3", None, 1)),
    0x02: (Field("pm1_0_ug_m3", None, 1), Field("pm2_5_ug_m3", None, 1), Field("pm10_ug_m3", None, 1)),
    0x03: (
        Field("particles_0_3um", None, 1),
        Field("particles_0_5um", None, 1),
        Field("particles_1_0um", None, 1),
    ),
    0x04: (
        Field("particles_2_5um", None, 1),
        Field("particles_5_0um", None, 1),
        Field("particles_10um", None, 1),
    ),
    0x05: (Field("o3", None, 0.1), Field("co", None, 0.1), Field("no", None, 0.1)),
    0x06: (Field("no2", None, 0.1), Field("so2", None, 0.1), Field("h2s", None, 0.1)),
    0x07: (
        Field("co2", Quantity.CO2, 0.1),
        Field("nh3", None, 0.1),
        Field("noise", Quantity.SOUND_LEVEL, 0.1),
    ),
    0x08: (
        Field("ph", Quantity.PH, 0.01),
        Field("ph_probe_temperature", _T, 0.01, signed=True, channel="ph"),
        Field("orp", Quantity.ORP, 1, signed=True),
    ),
    0x09: (
        Field("turbidity", Quantity.TURBIDITY, 0.1),
        Field("turbidity_probe_temperature", _T, 0.01, signed=True, channel="turbidity"),
        Field("soil_moisture_ec5", Quantity.SOIL_MOISTURE, 0.01, channel="ec5"),
    ),
    0x0A: (
        Field("soil_moisture_5te", Quantity.SOIL_MOISTURE, 0.01, channel="5te"),
        Field("soil_temperature_5te", Quantity.SOIL_TEMPERATURE, 0.01, signed=True, channel="5te"),
        Field("water_level_raw", None, 1),  # unit not given by the manual: information only
        Field("soil_conductivity_5te_ds_m", None, 0.1, size=1),
    ),
    0x0B: (
        Field("oxygen_probe_temperature", _T, 0.01, signed=True, channel="oxygen"),
        Field("dissolved_oxygen", Quantity.DISSOLVED_OXYGEN, 0.01),
        Field("oxygen_saturation_pct", None, 0.1),
    ),
    0x0C: (
        Field("temperature", Quantity.TEMPERATURE, 0.01, signed=True),
        Field("humidity", Quantity.HUMIDITY, 0.01),
        Field("wind_speed", Quantity.WIND_SPEED, 0.01),
    ),
    0x0D: (
        Field("wind_direction", Quantity.WIND_DIRECTION, 1),
        Field("pressure", Quantity.PRESSURE, 0.01, size=4),
    ),
    0x0E: (Field("voc", None, 0.1),),
}
# the R72615A's own sensors: a missing value there is a fault, elsewhere an absent option
_R72615A_SENSORS = frozenset({Quantity.CO2, Quantity.TEMPERATURE, Quantity.HUMIDITY})
R726_QUANTITIES = frozenset(f.quantity for fields in _R726_FIELDS.values() for f in fields if f.quantity)


def decode_r72615a(f_port: int, payload: bytes) -> Frame:
    """R72615A and the R726 / RA0715 series frames: a probe's value absent (all ones) is an absent
    option, except on the R72615A's own CO2, temperature and humidity sensors (a fault)."""
    model = "netvox/r72615a"
    if f_port == CONFIG_PORT:
        return _config_response(model, payload, ())
    version = _report(model, f_port, payload, (0x05, 0x09, 0x0D), tuple(_R726_FIELDS))
    if version is not None:
        return version
    battery, alarms = _battery(payload[3])
    readings = [battery]
    info: Info = []
    r = Reader(payload[4:], model)
    for field in _R726_FIELDS[payload[2]]:
        raw = r.uint(field.size)
        if raw == (1 << 8 * field.size) - 1:
            if field.quantity in _R72615A_SENSORS:
                detail = f"{field.name}: no value (all ones)"
                alarms += (Alarm(AlarmKind.SENSOR_FAULT, channel=field.name, detail=detail),)
            else:
                info.append((field.name, "no sensor"))
            continue
        if field.signed and raw >> (8 * field.size - 1):
            raw -= 1 << 8 * field.size
        value = round(raw * field.scale, 6)
        if field.quantity is None:
            info.append((field.name, value))
        else:
            readings.append(DecodedReading(field.quantity, value, INST, channel=field.channel))
    return Frame(readings=tuple(readings), alarms=alarms, info=tuple(info))


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id="netvox/r711",
        name="Netvox R711 indoor temperature and humidity sensor (also R718A/AB, R720A/B)",
        decode=decode_r711,
        quantities=frozenset({Quantity.TEMPERATURE, Quantity.HUMIDITY, Quantity.BATTERY_VOLTAGE}),
        datasheet="Netvox R711 user manual; TTN Device Repository vendor/netvox/r711",
        ports=PORTS,
    ),
    ModelSpec(
        model_id="netvox/r718h",
        name="Netvox R718H wireless pulse counter interface",
        decode=decode_r718h,
        encode=encode_r718h,
        quantities=frozenset({Quantity.PULSE_COUNT, Quantity.BATTERY_VOLTAGE}),
        datasheet="Netvox R718H user manual; TTN Device Repository vendor/netvox/r718h",
        ports=PORTS,
    ),
    ModelSpec(
        model_id="netvox/r718n3",
        name="Netvox R718N3 wireless three-phase current meter (3 CT clamps)",
        decode=decode_r718n3,
        quantities=frozenset({Quantity.CURRENT, Quantity.BATTERY_VOLTAGE}),
        datasheet="Netvox R718N3 series user manual (current 1 mA x multiplier); TTN vendor/netvox/r718n3",
        ports=PORTS,
    ),
    ModelSpec(
        model_id="netvox/r809a",
        name="Netvox R809A wireless power outlet with consumption monitoring (also R816B)",
        decode=decode_r809a,
        quantities=frozenset(
            {
                Quantity.SWITCH_STATE,
                Quantity.ENERGY_IMPORT,
                Quantity.VOLTAGE,
                Quantity.CURRENT,
                Quantity.POWER,
            }
        ),
        datasheet="Netvox R809A user manual (energy 1 Wh, current 1 mA, power 1 W); TTN vendor/netvox/r809a",
        ports=PORTS,
    ),
    ModelSpec(
        model_id="netvox/r72615a",
        name="Netvox R72615A wireless outdoor CO2 / temperature / humidity sensor",
        decode=decode_r72615a,
        quantities=R726_QUANTITIES | {Quantity.BATTERY_VOLTAGE},
        datasheet="Netvox R72615A datasheet, RA0715 / R726 series user manual; "
        "TTN vendor/netvox/r72615a (codec ra0715_r72615_..._r72615a.js)",
        ports=PORTS,
        version="2",
    ),
)
