"""What each ZCL cluster of nke Watteco sensors measures, in releve's quantities and units.

Sources: nke Watteco's cluster pages (support.watteco.com: Binary Input 0x000F, Analog Input
0x000C, Temperature 0x0402, Relative Humidity 0x0405, Pressure 0x0403, Illuminance 0x0400,
Occupancy 0x0406, Concentration 0x800C, Differential Pressure 0x8008, Multi Binary Input 0x8005,
On/Off 0x0006, Simple Metering 0x0052, Voltage and Current 0x800B / 0x800D, Energy and Power
Metering 0x800A / 0x8010, Voltage Quality 0x8052, Configuration 0x0050, LoRaWAN 0x8004, Basic
0x0000) and the TTN Device Repository codecs ``vendor/watteco/*.js``; no code copied.

A model says, per (cluster, attribute, endpoint), which releve quantity and channel a value
becomes (a ``Point``); a value that releve has no quantity for (an air quality index, a phase
angle) goes to the frame's info. Energy registers of single phases are kept in info, not as
readings: a Triphas'O also reports the three phases' total, and a site's consumption sums every
register of a quantity, so the phases would count twice.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from decoders.errors import BadLength, BadValue, UnknownFrameType
from decoders.model import Alarm, AlarmKind, DecodedReading, Kind, Quantity
from decoders.vendors._zcl import FLOAT_TYPE, Cause, ZclFrame

INST, CUM, STATE = Kind.INSTANTANEOUS, Kind.CUMULATIVE, Kind.STATE
InfoValue = str | int | float | bool


@dataclass(frozen=True, slots=True)
class Point:
    """Where a value of one endpoint goes: a quantity (None: the info entry ``name``) and channel.

    ``scale`` turns the cluster's unit into the quantity's canonical one (mA -> A: 0.001)."""

    quantity: Quantity | None
    channel: str = ""
    name: str = ""
    scale: float = 1.0
    inputs: int = 0  # a multi binary input: how many of its bits are inputs of this model


class Sink:
    """What one frame adds up to."""

    __slots__ = ("alarms", "info", "readings")

    def __init__(self) -> None:
        self.readings: list[DecodedReading] = []
        self.alarms: list[Alarm] = []
        self.info: list[tuple[str, InfoValue]] = []

    def add(self, quantity: Quantity, value: float, channel: str = "", offset_s: int | None = None) -> None:
        self.readings.append(DecodedReading(quantity, value, kind_of(quantity), channel, offset_s=offset_s))

    def alarm(self, kind: AlarmKind, channel: str, detail: str) -> None:
        self.alarms.append(Alarm(kind, channel, detail))


_STATES = frozenset({Quantity.DIGITAL_INPUT, Quantity.OCCUPANCY, Quantity.SWITCH_STATE})
_CUMULATIVE = frozenset(
    {
        Quantity.PULSE_COUNT,
        Quantity.ENERGY_IMPORT,
        Quantity.ENERGY_EXPORT,
        Quantity.REACTIVE_ENERGY_IMPORT,
        Quantity.REACTIVE_ENERGY_EXPORT,
    }
)

Points = Mapping[tuple[int, int, int], Point]  # (cluster, attribute, endpoint) -> Point
Handler = Callable[[ZclFrame, Points, Sink, str], None]

# Threshold alarms that mean something releve names: (rose above, fell below) per quantity.
_THRESHOLD_ALARMS: Final[Mapping[Quantity, tuple[AlarmKind | None, AlarmKind | None]]] = MappingProxyType(
    {
        Quantity.TEMPERATURE: (AlarmKind.HIGH_TEMPERATURE, AlarmKind.LOW_TEMPERATURE),
        Quantity.CURRENT: (AlarmKind.OVER_CURRENT, AlarmKind.UNDER_CURRENT),
        Quantity.VOLTAGE: (AlarmKind.OVER_VOLTAGE, AlarmKind.UNDER_VOLTAGE),
        Quantity.BATTERY_VOLTAGE: (None, AlarmKind.LOW_BATTERY),
    }
)


def _point(frame: ZclFrame, points: Points, what: str) -> Point:
    assert frame.attribute is not None
    found = points.get((frame.cluster, frame.attribute, frame.endpoint))
    if found is None:
        raise UnknownFrameType(
            f"{what}: cluster 0x{frame.cluster:04x} attribute 0x{frame.attribute:04x} on endpoint "
            f"{frame.endpoint} is not a measurement of this model"
        )
    return found


def _need(frame: ZclFrame, size: int, what: str) -> None:
    if len(frame.value) != size:
        raise BadLength(
            f"{what}: cluster 0x{frame.cluster:04x} value has {len(frame.value)} bytes, not {size}"
        )


def _number_of(frame: ZclFrame, what: str) -> float:
    """A plain numeric attribute: an integer, or a float that must be finite."""
    if frame.attr_type == FLOAT_TYPE:
        _need(frame, 4, what)
        return float(struct.unpack(">f", frame.value)[0])
    if frame.attr_type is None or frame.attr_type in (0x41, 0x42, 0x43, 0x4C):
        raise BadValue(f"{what}: cluster 0x{frame.cluster:04x} sent a string where a number belongs")
    return float(frame.number())


def _emit(point: Point, value: float, out: Sink, what: str) -> None:
    if point.quantity is None:
        out.info.append((point.name, value))
        return
    if not math.isfinite(value):
        out.alarm(
            AlarmKind.SENSOR_FAULT, point.channel, f"{point.name or point.quantity.value}: no valid value"
        )
        return
    if point.quantity in _STATES:
        value = 1.0 if value else 0.0
    out.add(point.quantity, float(f"{value * point.scale:.12g}"), point.channel)


def scalar(unit: float) -> Handler:
    """A one-number attribute in units of ``unit`` of its quantity (temperature: 0.01 degC)."""

    def handle(frame: ZclFrame, points: Points, out: Sink, what: str) -> None:
        point = _point(frame, points, what)
        _emit(point, _number_of(frame, what) * unit, out, what)
        _cause_alarms(frame, point.quantity, point.channel, out)

    return handle


def _case(frame: ZclFrame, points: Points, out: Sink, what: str) -> None:
    """A binary input's present value; on comfort sensors, the case switch (opened = tamper)."""
    point = _point(frame, points, what)
    _need(frame, 1, what)
    state = 1.0 if frame.value[0] else 0.0
    if point.name == "case_open":
        out.add(Quantity.DIGITAL_INPUT, state, point.channel)
        if state:
            out.alarm(AlarmKind.TAMPER, point.channel, "the sensor's case is open")
        return
    _emit(point, state, out, what)


def _multi_binary(frame: ZclFrame, points: Points, out: Sink, what: str) -> None:
    """Multi binary input: bit i of the 16-bit value is input i+1's state."""
    point = _point(frame, points, what)
    _need(frame, 2, what)
    bits = int.from_bytes(frame.value, "big")
    for i in range(point.inputs):
        out.add(Quantity.DIGITAL_INPUT, float((bits >> i) & 1), str(i + 1))


def _battery(frame: ZclFrame, points: Points, out: Sink, what: str) -> None:
    """Node power descriptor: power mode, sources present, one voltage (mV) per source, current source."""
    v = frame.value
    if len(v) < 3:
        raise BadLength(f"{what}: a power descriptor has at least 3 bytes, this one {len(v)}")
    sources, pos = v[1], 2
    names = ("supply_voltage", "rechargeable_battery", "disposable_battery", "solar_voltage", "tic_voltage")
    for bit, name in enumerate(names):
        if not sources & (1 << bit):
            continue
        if pos + 2 > len(v):
            raise BadLength(f"{what}: the power descriptor lacks the voltage of source {name}")
        volts = int.from_bytes(v[pos : pos + 2], "big") / 1000
        pos += 2
        if name.endswith("battery"):
            out.add(Quantity.BATTERY_VOLTAGE, volts)
        else:
            out.info.append((name, volts))
    if pos + 1 != len(v):
        raise BadLength(f"{what}: the power descriptor's length does not match its sources")
    # Fields 2-6 are the sources' voltages (source bit i is field i + 2); 3 and 4 the batteries'.
    # A short cause names no field: it is a battery's when the frame's voltages are all batteries'.
    battery = (Quantity.BATTERY_VOLTAGE, "")
    fields = tuple(battery if i in (3, 4) and sources & (1 << (i - 2)) else None for i in range(7))
    only_batteries = bool(sources & 0x06) and not sources & 0x19
    _field_alarms(frame, fields, out, battery if only_batteries else None)


def _on_off(frame: ZclFrame, points: Points, out: Sink, what: str) -> None:
    """The relay's state, a ZCL boolean: 0 off, 1 on; any other byte is not a state."""
    point = _point(frame, points, what)
    _need(frame, 1, what)
    if frame.value[0] > 1:
        raise BadValue(f"{what}: on/off state 0x{frame.value[0]:02x} is neither 0 (off) nor 1 (on)")
    out.add(Quantity.SWITCH_STATE, float(frame.value[0]), point.channel)


def _occupancy(frame: ZclFrame, points: Points, out: Sink, what: str) -> None:
    """ZCL occupancy: a bitmap whose bit 0 says occupied; its other bits are reserved (ignored)."""
    point = _point(frame, points, what)
    _need(frame, 1, what)
    out.add(Quantity.OCCUPANCY, float(frame.value[0] & 0x01), point.channel)


def _fields(frame: ZclFrame, size: int, count: int, what: str) -> list[int]:
    if frame.attr_type not in (0x41, 0x43) or len(frame.value) != size * count:
        raise BadLength(f"{what}: cluster 0x{frame.cluster:04x} holds {count} fields of {size} bytes")
    return [
        int.from_bytes(frame.value[i : i + size], "big", signed=True) for i in range(0, size * count, size)
    ]


def _energy_register(quantity: Quantity, wh: int, channel: str, out: Sink, name: str) -> None:
    """A Wh / varh register: a reading of the total in kWh; a single phase's stays in info."""
    if channel:
        out.info.append((f"{name}_{channel.lower()}", wh))
    elif wh < 0:
        out.alarm(AlarmKind.METER_ERROR, "", f"{name} register reads {wh} (negative)")
    else:
        out.add(quantity, wh / 1000)


def _energy_power(frame: ZclFrame, points: Points, out: Sink, what: str) -> None:
    """Energy and power metering of one endpoint (a phase, or the total): 8 signed 32-bit fields."""
    channel = _point(frame, points, what).channel
    f = _fields(frame, 4, 8, what)
    _energy_register(Quantity.ENERGY_IMPORT, f[0], channel, out, "active_energy_import_wh")
    _energy_register(Quantity.ENERGY_EXPORT, f[1], channel, out, "active_energy_export_wh")
    _energy_register(Quantity.REACTIVE_ENERGY_IMPORT, f[2], channel, out, "reactive_energy_import_varh")
    _energy_register(Quantity.REACTIVE_ENERGY_EXPORT, f[3], channel, out, "reactive_energy_export_varh")
    out.add(Quantity.POWER, float(f[4] - f[5]), channel)
    out.info.append((f"reactive_power_var{'_' + channel.lower() if channel else ''}", f[6] - f[7]))
    _field_alarms(frame, (), out)


_PHASES = ("L1", "L2", "L3")


def _multi_energy(frame: ZclFrame, points: Points, out: Sink, what: str) -> None:
    """Energies (attribute 0) or powers (attribute 1) of the three phases and their total, kept
    in info only: the unit (Wh or kWh, W or kW) is a setting of the sensor, absent from the frame."""
    _point(frame, points, what)
    f = _fields(frame, 4, 8, what)
    name, unit = ("energy", "Wh or kWh") if frame.attribute == 0 else ("power", "W or kW")
    for i, channel in enumerate((*_PHASES, "total")):
        out.info.append((f"active_{name}_{channel.lower()}", f[2 * i]))
        out.info.append((f"reactive_{name}_{channel.lower()}", f[2 * i + 1]))
    out.info.append((f"{name}_unit", f"{unit} (a setting of the sensor)"))


def _voltage_current(frame: ZclFrame, points: Points, out: Sink, what: str) -> None:
    """Vrms (0.1 V), Irms (0.1 A) and the phase angle (degrees), of one phase or of the three."""
    phases = (_point(frame, points, what).channel,) if frame.cluster == 0x800B else _PHASES
    f = _fields(frame, 2, 3 * len(phases), what)
    for i, channel in enumerate(phases):
        out.add(Quantity.VOLTAGE, f[3 * i] / 10, channel)
        out.add(Quantity.CURRENT, f[3 * i + 1] / 10, channel)
        out.info.append((f"angle_deg{'_' + channel.lower() if channel else ''}", f[3 * i + 2]))
    fields: list[tuple[Quantity, str] | None] = []
    for channel in phases:
        fields += [(Quantity.VOLTAGE, channel), (Quantity.CURRENT, channel), None]
    _field_alarms(frame, tuple(fields), out)


def _simple_metering(frame: ZclFrame, points: Points, out: Sink, what: str) -> None:
    """Simple metering: active energy (Wh) and reactive energy (varh) as signed 24-bit, the samples
    count, active (W) and reactive (var) power as signed 16-bit."""
    channel = _point(frame, points, what).channel
    v = frame.value
    if len(v) != 12:
        raise BadLength(f"{what}: a simple metering value has 12 bytes, this one {len(v)}")
    active = int.from_bytes(v[0:3], "big", signed=True)
    if active < 0:
        out.alarm(AlarmKind.METER_ERROR, channel, f"active energy register reads {active} Wh (negative)")
    else:
        out.add(Quantity.ENERGY_IMPORT, active / 1000, channel)
    out.add(Quantity.POWER, float(int.from_bytes(v[8:10], "big", signed=True)), channel)
    out.info += [
        ("reactive_energy_varh", int.from_bytes(v[3:6], "big", signed=True)),
        ("samples", int.from_bytes(v[6:8], "big")),
        ("reactive_power_var", int.from_bytes(v[10:12], "big", signed=True)),
    ]


def _voltage_quality(frame: ZclFrame, points: Points, out: Sink, what: str) -> None:
    """Frequency (mHz offset by 22232), Vrms and peaks (0.1 V) with their minima and maxima, and
    counts of over-voltages, sags and brown-outs (the last only in newer firmware)."""
    channel = _point(frame, points, what).channel
    if len(frame.value) not in (22, 24):
        raise BadLength(f"{what}: a voltage quality value has 22 or 24 bytes, this one {len(frame.value)}")
    f = [int.from_bytes(frame.value[i : i + 2], "big", signed=True) for i in range(0, len(frame.value), 2)]
    out.add(Quantity.FREQUENCY, (f[0] + 22232) / 1000, channel)
    out.add(Quantity.VOLTAGE, f[3] / 10, channel)
    frequencies = ("frequency_min_hz", "frequency_max_hz")
    out.info += [(name, (f[1 + i] + 22232) / 1000) for i, name in enumerate(frequencies)]
    voltages = ("vrms_min_v", "vrms_max_v", "vpeak_v", "vpeak_min_v", "vpeak_max_v")
    out.info += [(name, f[4 + i] / 10) for i, name in enumerate(voltages)]
    out.info += [
        (name, f[9 + i]) for i, name in enumerate(("over_voltages", "sags", "brownouts")[: len(f) - 9])
    ]


def _firmware(frame: ZclFrame, points: Points, out: Sink, what: str) -> None:
    v = frame.value
    if len(v) != 6:
        raise BadLength(f"{what}: a firmware version has 6 bytes, this one {len(v)}")
    out.info.append(("firmware", f"{v[0]}.{v[1]}.{v[2]}.{int.from_bytes(v[3:6], 'big')}"))


def _text(name: str) -> Handler:
    def handle(frame: ZclFrame, points: Points, out: Sink, what: str) -> None:
        out.info.append((name, frame.value.decode("latin-1")))

    return handle


def _cause_alarms(frame: ZclFrame, quantity: Quantity | None, channel: str, out: Sink) -> None:
    if frame.causes:
        out.info.append(("report_causes", describe(frame.causes)))
    if not frame.is_alarm or quantity is None:
        return
    rose_kind, fell_kind = _THRESHOLD_ALARMS.get(quantity, (None, None))
    for cause in frame.causes:
        if cause.alarm and cause.mode == "threshold":
            kind = rose_kind if cause.rose else fell_kind if cause.fell else None
            if kind is not None:
                out.alarm(kind, channel, f"threshold criterion {cause.criterion} crossed")


def _field_alarms(
    frame: ZclFrame,
    fields: tuple[tuple[Quantity, str] | None, ...],
    out: Sink,
    unnamed: tuple[Quantity, str] | None = None,
) -> None:
    """Alarms of an attribute made of fields: a long cause names the field that crossed its
    threshold; a short one names none, and concerns ``unnamed`` if the attribute says which."""
    if frame.causes:
        out.info.append(("report_causes", describe(frame.causes)))
    if not frame.is_alarm:
        return
    for cause in frame.causes:
        target = (
            unnamed if cause.field is None else fields[cause.field] if cause.field < len(fields) else None
        )
        if target is None or not cause.alarm or cause.mode != "threshold":
            continue
        quantity, channel = target
        rose_kind, fell_kind = _THRESHOLD_ALARMS.get(quantity, (None, None))
        kind = rose_kind if cause.rose else fell_kind if cause.fell else None
        if kind is not None:
            out.alarm(kind, channel, f"threshold criterion {cause.criterion} crossed")


def describe(causes: tuple[Cause, ...]) -> str:
    """The causes in words, e.g. "criterion 0 threshold fell (alarm)"."""
    parts = []
    for c in causes:
        way = " rose" if c.rose else " fell" if c.fell else ""
        field = f" field {c.field}" if c.field is not None else ""
        parts.append(f"criterion {c.criterion} {c.mode}{way}{field}{' (alarm)' if c.alarm else ''}")
    return "; ".join(parts)


# Each measured attribute: how it is read, and its ZCL type as nke Watteco documents it (cluster
# pages; the vendor's examples send these). A report declaring a type of another layout is refused:
# where its value ends, and so where the report causes start, is then unknown.
_ATTRIBUTES: Final[Mapping[tuple[int, int], tuple[Handler, int]]] = MappingProxyType(
    {
        (0x000F, 0x0402): (scalar(1), 0x23),  # binary input: count (pulses), uint32
        (0x000F, 0x0055): (_case, 0x10),  # binary input: present value, boolean
        (0x8005, 0x0000): (_multi_binary, 0x19),  # bitmap16
        (0x000C, 0x0055): (scalar(1), 0x39),  # analog input: present value, float
        (0x0402, 0x0000): (scalar(0.01), 0x29),  # temperature, 0.01 degC, int16
        (0x0405, 0x0000): (scalar(0.01), 0x21),  # relative humidity, 0.01 %, uint16
        (0x0403, 0x0000): (scalar(1), 0x29),  # pressure, hPa, int16
        (0x0400, 0x0000): (scalar(1), 0x21),  # illuminance, lx, uint16
        (0x0406, 0x0000): (_occupancy, 0x18),  # occupancy, bitmap8
        (0x800C, 0x0000): (scalar(1), 0x21),  # concentration: ppm (CO2) or an index (IAQ), uint16
        (0x8008, 0x0000): (scalar(1), 0x29),  # differential pressure, Pa, int16
        (0x0006, 0x0000): (_on_off, 0x10),  # boolean
        (0x0052, 0x0000): (_simple_metering, 0x41),
        (0x8052, 0x0000): (_voltage_quality, 0x41),
        (0x800A, 0x0000): (_energy_power, 0x41),
        (0x8010, 0x0000): (_multi_energy, 0x41),
        (0x8010, 0x0001): (_multi_energy, 0x41),
        (0x800B, 0x0000): (_voltage_current, 0x41),
        (0x800D, 0x0000): (_voltage_current, 0x41),
        (0x0050, 0x0006): (_battery, 0x41),
        (0x0000, 0x0002): (_firmware, 0x0D),  # general data, 48 bits
        (0x0000, 0x0003): (_text("kernel"), 0x42),
        (0x0000, 0x0004): (_text("manufacturer"), 0x42),
        (0x0000, 0x0005): (_text("model"), 0x42),
        (0x0000, 0x0006): (_text("date_code"), 0x42),
        (0x0000, 0x0010): (_text("location"), 0x42),
        (0x0000, 0x8001): (_text("application_name"), 0x42),
    }
)
HANDLERS: Final[Mapping[tuple[int, int], Handler]] = MappingProxyType(
    {key: handler for key, (handler, _type) in _ATTRIBUTES.items()}
)
DOCUMENTED_TYPES: Final[Mapping[tuple[int, int], int]] = MappingProxyType(
    {key: attr_type for key, (_handler, attr_type) in _ATTRIBUTES.items()}
)
# Clusters of service every model answers: basic, configuration, LoRaWAN parameters.
SERVICE_CLUSTERS: Final = frozenset({0x0000, 0x0050, 0x8004})


def kind_of(quantity: Quantity) -> Kind:
    """The kind of every reading of ``quantity`` these sensors send."""
    return STATE if quantity in _STATES else CUM if quantity in _CUMULATIVE else INST
