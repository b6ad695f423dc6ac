"""Netvox vendor output -> releve readings (Volt -> battery_voltage, mA -> A, Wh -> kWh)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from decoders import UnsupportedPort
from tests.unit.decoders.expected import Expected, R


def _volt(data: dict[str, Any]) -> tuple[list[R], set[tuple[str, str]]]:
    volt = data["Volt"]
    if isinstance(volt, str):  # "3.2(low battery)"
        return [R("battery_voltage", float(volt.split("(")[0]), "instantaneous")], {("low_battery", "")}
    return [R("battery_voltage", float(volt), "instantaneous")], set()


def r718h(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    if data is None:
        return Expected(error=UnsupportedPort)
    if "PulseCount" in data:
        readings, alarms = _volt(data)
        readings.append(R("pulse_count", float(data["PulseCount"]), "cumulative"))
        return Expected(readings=readings, alarms=alarms)
    if "PulseCount1" in data:
        readings, alarms = _volt(data)
        readings += [
            R("pulse_count", float(data["PulseCount1"]), "cumulative", channel="1"),
            R("pulse_count", float(data["PulseCount2"]), "cumulative", channel="2"),
        ]
        return Expected(readings=readings, alarms=alarms)
    return Expected()  # version reports and configuration responses carry no measurement


def r711(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    if "Temp" not in data:
        return Expected()
    readings, alarms = _volt(data)
    readings += [
        R("temperature", data["Temp"], "instantaneous"),
        R("humidity", data["Humi"], "instantaneous"),
    ]
    if data.get("Alarm") == "ON":
        alarms.add(("high_temperature", ""))
    return Expected(readings=readings, alarms=alarms)


def r718n3(example: dict[str, Any]) -> Expected:
    """Current (mA) times its multiplier, in A; a current whose multiplier the frame lacks is info."""
    data = example["expected"]["data"]
    if data is None:
        return Expected(error=UnsupportedPort)
    if "Volt" not in data:
        return Expected()
    readings, alarms = _volt(data)
    for i in (1, 2, 3):
        if f"Current{i}" in data and f"Multiplier{i}" in data:
            amps = data[f"Current{i}"] * data[f"Multiplier{i}"] / 1000
            readings.append(R("current", amps, "instantaneous", channel=f"L{i}"))
        if data.get(f"LowCurrent{i}Alarm"):
            alarms.add(("under_current", f"L{i}"))
        # the vendor codec spells the second high alarm "HighCurren2Alarm"
        if data.get(f"HighCurrent{i}Alarm") or data.get(f"HighCurren{i}Alarm"):
            alarms.add(("over_current", f"L{i}"))
    return Expected(readings=readings, alarms=alarms)


def r809a(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    if data is None:
        return Expected(error=UnsupportedPort)
    if "OnOff" in data:
        alarms = {
            kind
            for key, kind in (
                ("OverCurrentAlarm", ("over_current", "")),
                ("DashCurrentAlarm", ("over_current", "")),
                ("PowerOffAlarm", ("power_off", "")),
            )
            if data[key] == "Alarm"
        }
        readings = [
            R("switch_state", 1.0 if data["OnOff"] == "ON" else 0.0, "state"),
            R("energy_import", data["Energy"] / 1000, "cumulative"),
        ]
        return Expected(readings=readings, alarms=alarms)
    if "Vol" in data:
        readings = [
            R("voltage", data["Vol"], "instantaneous"),
            R("current", data["Current"] / 1000, "instantaneous"),
            R("power", data["Power"], "instantaneous"),
        ]
        return Expected(readings=readings)
    return Expected()


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {
    "netvox/r718h": r718h,
    "netvox/r711": r711,
    "netvox/r718n3": r718n3,
    "netvox/r809a": r809a,
}


# R726 series: vendor field -> (quantity or None for information, factor, channel)
_R726: dict[str, tuple[str | None, float, str]] = {
    "CO2": ("co2", 1, ""),
    "Noise": ("sound_level", 1, ""),
    "Temperature": ("temperature", 1, ""),
    "Humidity": ("humidity", 1, ""),
    "WindSpeed": ("wind_speed", 1, ""),
    "PH": ("ph", 1, ""),
    "TempPH": ("water_temperature", 1, "ph"),
    "ORP": ("orp", 1, ""),
    "NTU": ("turbidity", 1, ""),
    "TempNTU": ("water_temperature", 1, "turbidity"),
    "EC5SoildHumi": ("soil_moisture", 1, "ec5"),
    "SoildHumi5TE": ("soil_moisture", 1, "5te"),
    "SoildTemp5TE": ("soil_temperature", 1, "5te"),
    "TempLDO": ("water_temperature", 1, "oxygen"),
    "LDO_DO": ("dissolved_oxygen", 1, ""),
    "WindDirection": ("wind_direction", 1, ""),
    "Atomsphere": ("pressure", 1, ""),
}
_R72615A_OWN = {"CO2": "co2", "Temperature": "temperature", "Humidity": "humidity"}


def r72615a(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    if data is None:
        return Expected(error=UnsupportedPort)
    if "Volt" not in data:
        return Expected()
    readings, alarms = _volt(data)
    for name, (quantity, factor, channel) in _R726.items():
        value = data.get(name)
        if value == "NoSensor" and name in _R72615A_OWN:
            alarms.add(("sensor_fault", _R72615A_OWN[name]))
        elif isinstance(value, (int, float)) and quantity is not None:
            readings.append(R(quantity, value * factor, "instantaneous", channel))
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS["netvox/r72615a"] = r72615a
