"""Milesight vendor output -> releve readings (units per the Milesight user guides and payload tables)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.unit.decoders.expected import Expected, R

INST = "instantaneous"


def _common(data: dict[str, Any]) -> list[R]:
    out = []
    if "battery" in data:
        out.append(R("battery_level", data["battery"], INST))
    if "temperature" in data:
        out.append(R("temperature", data["temperature"], INST))
    if "humidity" in data:
        out.append(R("humidity", data["humidity"], INST))
    return out


def em300_zld(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    readings = _common(data)
    alarms: set[tuple[str, str]] = set()
    if "water" in data:
        leak = data["water"] == "leak"
        readings.append(R("water_leak", 1.0 if leak else 0.0, "state"))
        if leak:
            alarms.add(("leak", ""))
    return Expected(readings=readings, alarms=alarms)


def em300_di(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    readings = _common(data)
    if "pulse" in data:
        readings.append(R("pulse_count", data["pulse"], "cumulative"))
    if "gpio" in data:
        readings.append(R("digital_input", float(data["gpio"] != 0), "state"))
    for record in data.get("history", []):
        at = datetime.fromtimestamp(record["timestamp"], UTC).isoformat()
        readings.append(R("temperature", record["temperature"], INST, at=at))
        readings.append(R("humidity", record["humidity"], INST, at=at))
        if "gpio" in record:
            readings.append(R("digital_input", float(record["gpio"] != 0), "state", at=at))
        if "pulse" in record:
            readings.append(R("pulse_count", record["pulse"], "cumulative", at=at))
    return Expected(readings=readings)


def em500_pp(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    readings = _common(data)
    if "pressure" in data:
        readings.append(R("pipe_pressure", data["pressure"] / 100, INST))  # kPa -> bar
    return Expected(readings=readings)


def ws52x(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    readings = []
    if "voltage" in data:
        readings.append(R("voltage", data["voltage"], INST))
    if "power" in data:  # the TTN codec's name for item 05 81, the power factor in percent
        readings.append(R("power_factor", data["power"] / 100, INST))
    if "energy" in data:
        readings.append(R("energy_import", data["energy"] / 1000, "cumulative"))  # Wh -> kWh
    if "current" in data:
        readings.append(R("current", data["current"] / 1000, INST))  # mA -> A
    if "button" in data:
        readings.append(R("switch_state", 1.0 if data["button"] == "open" else 0.0, "state"))
    return Expected(readings=readings)


def am107(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    readings = _common(data)
    if "activity" in data:
        readings.append(R("motion_count", data["activity"], "delta"))
    if "illumination" in data:
        readings.append(R("illuminance", data["illumination"], INST))
    for key, quantity in (("co2", "co2"), ("tvoc", "tvoc"), ("pressure", "pressure")):
        if key in data:
            readings.append(R(quantity, data[key], INST))
    return Expected(readings=readings)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {
    "milesight-iot/em300-zld": em300_zld,
    "milesight-iot/em300-di": em300_di,
    "milesight-iot/ws52x": ws52x,
    "milesight-iot/am107": am107,
    "milesight-iot/em500-pp": em500_pp,
}
