"""The normalized frame that every decoder returns.

A decoder turns a vendor frame into readings with one closed list of quantities, each in one
canonical unit (see ``CANONICAL_UNITS``), plus alarms and battery. Zero is a value; an absent
measurement is simply not in the frame; a vendor error sentinel becomes an alarm, never a number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Final, cast


class Quantity(StrEnum):
    """What a reading measures. The value is always in ``CANONICAL_UNITS[quantity]``."""

    # Metering (billing) quantities
    WATER_VOLUME = "water_volume"  # m3 (cold water unless the channel says otherwise)
    HOT_WATER_VOLUME = "hot_water_volume"  # m3
    GAS_VOLUME = "gas_volume"  # m3
    HEAT_ENERGY = "heat_energy"  # kWh (heat or cooling meter)
    HEAT_VOLUME = "heat_volume"  # m3 of heating water through a heat meter (not a consumption)
    ENERGY_IMPORT = "energy_import"  # kWh, active energy drawn from the grid
    ENERGY_EXPORT = "energy_export"  # kWh, active energy fed into the grid (solar)
    REACTIVE_ENERGY_IMPORT = "reactive_energy_import"  # kvarh
    REACTIVE_ENERGY_EXPORT = "reactive_energy_export"  # kvarh
    PULSE_COUNT = "pulse_count"  # pulses; a pulse weight set per device turns it into a volume/energy
    # Electrical
    POWER = "power"  # W, active power (negative = export)
    APPARENT_POWER = "apparent_power"  # VA
    CURRENT = "current"  # A
    VOLTAGE = "voltage"  # V
    FREQUENCY = "frequency"  # Hz
    POWER_FACTOR = "power_factor"  # ratio -1..1
    ELECTRIC_CHARGE = "electric_charge"  # Ah, accumulated current (a current clamp that sees no voltage)
    # Hydraulics
    FLOW = "flow"  # m3/h
    PIPE_PRESSURE = "pipe_pressure"  # bar (water network pressure)
    DIFFERENTIAL_PRESSURE = "differential_pressure"  # Pa (air: filters, ducts, clean rooms)
    WATER_TEMPERATURE = "water_temperature"  # degC
    FLOW_TEMPERATURE = "flow_temperature"  # degC (heating supply)
    RETURN_TEMPERATURE = "return_temperature"  # degC (heating return)
    LEVEL = "level"  # m
    DISTANCE = "distance"  # m
    # Water quality and outdoor (R726 probes)
    PH = "ph"  # pH
    ORP = "orp"  # mV, oxidation-reduction potential
    TURBIDITY = "turbidity"  # NTU
    DISSOLVED_OXYGEN = "dissolved_oxygen"  # mg/L
    SOIL_MOISTURE = "soil_moisture"  # % volumetric water content
    SOIL_TEMPERATURE = "soil_temperature"  # degC
    WIND_SPEED = "wind_speed"  # m/s
    WIND_DIRECTION = "wind_direction"  # degrees from north
    # Comfort / building
    TEMPERATURE = "temperature"  # degC (air, ambient)
    HUMIDITY = "humidity"  # % relative humidity
    CO2 = "co2"  # ppm
    TVOC = "tvoc"  # ppb
    PRESSURE = "pressure"  # hPa (barometric)
    ILLUMINANCE = "illuminance"  # lx
    MOTION_COUNT = "motion_count"  # PIR detections (cumulative or per report, see kind)
    OCCUPANCY = "occupancy"  # state: 0 free, 1 occupied
    SOUND_LEVEL = "sound_level"  # dB(A)
    VALVE_POSITION = "valve_position"  # % open
    SETPOINT_TEMPERATURE = "setpoint_temperature"  # degC
    # States
    WATER_LEAK = "water_leak"  # state: 0 dry, 1 water detected
    SWITCH_STATE = "switch_state"  # state: 0 off/closed, 1 on/open (relay, socket, valve)
    DIGITAL_INPUT = "digital_input"  # state: 0/1
    # Device health
    BATTERY_VOLTAGE = "battery_voltage"  # V
    BATTERY_LEVEL = "battery_level"  # %


CANONICAL_UNITS: Final[MappingProxyType[Quantity, str]] = MappingProxyType(
    {
        Quantity.WATER_VOLUME: "m3",
        Quantity.HOT_WATER_VOLUME: "m3",
        Quantity.GAS_VOLUME: "m3",
        Quantity.HEAT_ENERGY: "kWh",
        Quantity.HEAT_VOLUME: "m3",
        Quantity.ENERGY_IMPORT: "kWh",
        Quantity.ENERGY_EXPORT: "kWh",
        Quantity.REACTIVE_ENERGY_IMPORT: "kvarh",
        Quantity.REACTIVE_ENERGY_EXPORT: "kvarh",
        Quantity.PULSE_COUNT: "pulses",
        Quantity.POWER: "W",
        Quantity.APPARENT_POWER: "VA",
        Quantity.CURRENT: "A",
        Quantity.VOLTAGE: "V",
        Quantity.FREQUENCY: "Hz",
        Quantity.POWER_FACTOR: "ratio",
        Quantity.ELECTRIC_CHARGE: "Ah",
        Quantity.FLOW: "m3/h",
        Quantity.PIPE_PRESSURE: "bar",
        Quantity.DIFFERENTIAL_PRESSURE: "Pa",
        Quantity.WATER_TEMPERATURE: "degC",
        Quantity.FLOW_TEMPERATURE: "degC",
        Quantity.RETURN_TEMPERATURE: "degC",
        Quantity.LEVEL: "m",
        Quantity.DISTANCE: "m",
        Quantity.PH: "pH",
        Quantity.ORP: "mV",
        Quantity.TURBIDITY: "NTU",
        Quantity.DISSOLVED_OXYGEN: "mg/L",
        Quantity.SOIL_MOISTURE: "%",
        Quantity.SOIL_TEMPERATURE: "degC",
        Quantity.WIND_SPEED: "m/s",
        Quantity.WIND_DIRECTION: "deg",
        Quantity.TEMPERATURE: "degC",
        Quantity.HUMIDITY: "%",
        Quantity.CO2: "ppm",
        Quantity.TVOC: "ppb",
        Quantity.PRESSURE: "hPa",
        Quantity.ILLUMINANCE: "lx",
        Quantity.MOTION_COUNT: "count",
        Quantity.OCCUPANCY: "state",
        Quantity.SOUND_LEVEL: "dB",
        Quantity.VALVE_POSITION: "%",
        Quantity.SETPOINT_TEMPERATURE: "degC",
        Quantity.WATER_LEAK: "state",
        Quantity.SWITCH_STATE: "state",
        Quantity.DIGITAL_INPUT: "state",
        Quantity.BATTERY_VOLTAGE: "V",
        Quantity.BATTERY_LEVEL: "%",
    }
)


# What a meter bills: the quantities whose index differences are consumption.
METERING_QUANTITIES: Final[frozenset[Quantity]] = frozenset(
    {
        Quantity.WATER_VOLUME,
        Quantity.HOT_WATER_VOLUME,
        Quantity.GAS_VOLUME,
        Quantity.HEAT_ENERGY,
        Quantity.ENERGY_IMPORT,
        Quantity.ENERGY_EXPORT,
        Quantity.REACTIVE_ENERGY_IMPORT,
        Quantity.REACTIVE_ENERGY_EXPORT,
        Quantity.PULSE_COUNT,
    }
)


class Kind(StrEnum):
    """How a reading's value relates to time (Home Assistant's state classes, for meters)."""

    CUMULATIVE = "cumulative"  # a meter index that only grows (until it wraps or the meter is replaced)
    DELTA = "delta"  # an increment since the previous report (a counter cleared when sent)
    INSTANTANEOUS = "instantaneous"  # a measurement at one instant (temperature, power)
    STATE = "state"  # a discrete state (0/1, open/closed)


class AlarmKind(StrEnum):
    """Alarms and faults a device can raise, from one closed list."""

    LEAK = "leak"
    BURST = "burst"
    BACKFLOW = "backflow"
    DRY = "dry"  # empty pipe / no water
    TAMPER = "tamper"  # opening, removal, magnetic fraud
    REMOVAL = "removal"
    MAGNETIC_FRAUD = "magnetic_fraud"
    LOW_BATTERY = "low_battery"
    OVER_VOLTAGE = "over_voltage"
    UNDER_VOLTAGE = "under_voltage"
    OVER_CURRENT = "over_current"
    UNDER_CURRENT = "under_current"
    POWER_OFF = "power_off"
    HIGH_FLOW = "high_flow"
    LOW_FLOW = "low_flow"
    HIGH_TEMPERATURE = "high_temperature"
    LOW_TEMPERATURE = "low_temperature"  # includes freeze risk
    HIGH_PRESSURE = "high_pressure"
    LOW_PRESSURE = "low_pressure"
    VALVE_FAULT = "valve_fault"
    SENSOR_FAULT = "sensor_fault"  # a sensor error or a vendor error sentinel instead of a value
    METER_ERROR = "meter_error"  # the meter itself reports a permanent or temporary error
    CLOCK_ERROR = "clock_error"


@dataclass(frozen=True, slots=True, init=False)
class DecodedReading:
    """One measurement of a frame.

    ``offset_s`` (seconds relative to the frame's reception, negative for the past) or ``at`` (an
    absolute, timezone-aware time from the device clock) place historical readings; with neither,
    the reading is taken at reception. ``channel`` names the register or input where a device has
    several ("1", "2", "T1", "L1", ...); "" when it has one.
    """

    quantity: Quantity
    value: float
    kind: Kind
    channel: str = ""
    offset_s: int | None = None
    at: datetime | None = None

    def __init__(
        self,
        quantity: Quantity,
        value: float,
        kind: Kind,
        channel: str = "",
        offset_s: int | None = None,
        at: datetime | None = None,
    ) -> None:
        # The generated __init__ of a frozen class sets each field through object.__setattr__,
        # looked up per field: 1.4 us a reading, against 0.7 us through the slots' own setters.
        # The bridge's processor makes several readings per uplink (a thirtieth of its time).
        if at is not None and at.tzinfo is None:
            raise ValueError("DecodedReading.at must be timezone-aware")
        _SET_QUANTITY(self, quantity)
        _SET_VALUE(self, value)
        _SET_KIND(self, kind)
        _SET_CHANNEL(self, channel)
        _SET_OFFSET(self, offset_s)
        _SET_AT(self, at)

    @property
    def unit(self) -> str:
        return CANONICAL_UNITS[self.quantity]


# Each field's slot setter (the descriptors the class's slots made).
_SET_QUANTITY, _SET_VALUE, _SET_KIND, _SET_CHANNEL, _SET_OFFSET, _SET_AT = (
    cast("Callable[[DecodedReading, object], None]", getattr(DecodedReading, name).__set__)
    for name in ("quantity", "value", "kind", "channel", "offset_s", "at")
)


@dataclass(frozen=True, slots=True)
class Alarm:
    """An alarm or fault raised by the device; ``detail`` says in words what the frame said."""

    kind: AlarmKind
    channel: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Frame:
    """A decoded uplink: readings, alarms, and non-measurement facts (``info``: versions, config)."""

    readings: tuple[DecodedReading, ...] = ()
    alarms: tuple[Alarm, ...] = ()
    info: tuple[tuple[str, str | int | float | bool], ...] = field(default=())

    @property
    def battery_voltage(self) -> float | None:
        return self._first(Quantity.BATTERY_VOLTAGE)

    @property
    def battery_level(self) -> float | None:
        return self._first(Quantity.BATTERY_LEVEL)

    def _first(self, quantity: Quantity) -> float | None:
        for reading in self.readings:
            if reading.quantity is quantity and reading.offset_s is None and reading.at is None:
                return reading.value
        return None

    def info_dict(self) -> dict[str, str | int | float | bool]:
        return dict(self.info)


MAX_READ_PERIOD_S: Final = 7 * 86400


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    """What a decoder may need to know of one device that its frames do not carry.

    It comes from the device's provisioning (``from_tags``), never from I/O in a decoder.
    ``read_period_s`` is the sensor's read period: it spaces the readings of a frame that carries
    several of them under one timestamp (a Laird RS1xx aggregated notification).
    """

    read_period_s: int | None = None

    def __post_init__(self) -> None:
        if self.read_period_s is not None and not 0 < self.read_period_s <= MAX_READ_PERIOD_S:
            raise ValueError(f"read_period_s must be 1..{MAX_READ_PERIOD_S} s, got {self.read_period_s}")

    @classmethod
    def from_tags(cls, tags: Mapping[str, str]) -> DeviceConfig:
        """The configuration set on a device as provisioning tags (``read_period_s=600``).

        Raises ValueError naming the tag when its value is not one the decoders can use.
        """
        raw = tags.get(READ_PERIOD_TAG)
        if raw is None or not raw.strip():
            return cls()
        try:
            period = int(raw.strip())
        except ValueError:
            raise ValueError(f"tag {READ_PERIOD_TAG}={raw!r} is not a whole number of seconds") from None
        try:
            return cls(read_period_s=period)
        except ValueError as exc:
            raise ValueError(f"tag {READ_PERIOD_TAG}={raw!r}: {exc}") from None


READ_PERIOD_TAG: Final = "read_period_s"
