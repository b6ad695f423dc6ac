"""TEKTELIC vendor output -> releve readings (the codec's field names, already in releve's units)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from decoders import DecodeError
from tests.unit.decoders.expected import Expected, R

INST = "instantaneous"
# vendor field -> (quantity, kind, channel)
FIELDS: dict[str, tuple[str, str, str]] = {
    "ambient_temperature": ("temperature", INST, ""),
    "relative_humidity": ("humidity", INST, ""),
    "co2_concentration_filtered": ("co2", INST, ""),
    "co2_concentration_raw": ("co2", INST, "raw"),
    "atmospheric_pressure": ("pressure", INST, ""),
    "battery_voltage": ("battery_voltage", INST, ""),
    "remaining_battery_capacity": ("battery_level", INST, ""),
    "remaining_display_battery_capacity": ("battery_level", INST, "display"),
    "motion_event_state": ("occupancy", "state", ""),
    "motion_event_count": ("motion_count", "delta", ""),
}


def smart_room_co2(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    if "error" in data:  # the codec reports its errors inside data
        return Expected(error=DecodeError)
    readings = []
    for key, (quantity, kind, channel) in FIELDS.items():
        if key in data:
            value = float(data[key] != 0) if quantity == "occupancy" else data[key]
            readings.append(R(quantity, value, kind, channel))
    return Expected(readings=readings)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {
    "tektelic/t00078xx-smart-room-sensor-co2": smart_room_co2
}
