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
