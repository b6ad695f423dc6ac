"""Netvox vendor output -> releve readings (Volt -> battery_voltage, PulseCount -> pulse_count)."""

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


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"netvox/r718h": r718h, "netvox/r711": r711}
