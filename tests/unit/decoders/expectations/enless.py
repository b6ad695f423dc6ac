"""Enless vendor output -> releve readings (mA -> A, "75%" -> 75, input names -> channels)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.decoders.expected import Expected, R

_TEMPERATURES = {"temperature": "", "temperature_1": "1", "temperature_2": "2"}
_INPUTS = {"pulse_ch1": "1", "pulse_ch2": "2", "pulse_oc": "oc"}


def _expected(example: dict[str, Any], contact: bool) -> Expected:
    data = example["expected"]["data"]
    values, states = data["values"], data["states"]
    readings: list[R] = []
    alarms: set[tuple[str, str]] = set()
    for name, channel in _TEMPERATURES.items():
        if name in values:
            readings.append(R("temperature", values[name]["value"], "instantaneous", channel))
            flags = data["alarm_status"].get(name, {})
            alarms |= {(f"{side}_temperature", channel) for side in ("high", "low") if flags.get(side)}
    for name in ("humidity", "Humidity"):
        if name in values:
            readings.append(R("humidity", values[name]["value"], "instantaneous"))
    if "co2" in values:
        readings.append(R("co2", values["co2"]["value"], "instantaneous"))
    if "current" in values:
        readings.append(R("current", values["current"]["value"] / 1000, "instantaneous"))
    for name, channel in _INPUTS.items():
        if name in values:
            readings.append(R("pulse_count", values[name]["value"], "cumulative", channel))
            flow = data["alarm_status"][f"{name}_flow"]
            alarms |= {(f"{side}_flow", channel) for side in ("high", "low") if flow.get(side)}
            if data["alarm_status"][f"{name}_leak"]:
                alarms.add(("leak", channel))
            if contact:
                closed = states["status"][name] == "closed"
                readings.append(R("digital_input", 1.0 if closed else 0.0, "state", channel))
    readings.append(R("battery_level", float(states["battery"].rstrip("%")), "instantaneous"))
    return Expected(readings=readings, alarms=alarms)


def measures(example: dict[str, Any]) -> Expected:
    return _expected(example, contact=False)


def contact(example: dict[str, Any]) -> Expected:
    return _expected(example, contact=True)


_DEVICES = (
    "tx-trh-amb-600-021",
    "tx-temp-cont2-600-034",
    "tx-amb-600-023",
    "tx-temp-600-031",
    "tx-temp-cont1-600-032",
    "tx-temp-cont2-600-232",
    "tx-analog-600-035",
    "tx-pulse-600",
    "tx-pulse-atex-600-037",
    "tx-pulse-led-600-038",
)
EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {
    **{f"enless-wireless/{device}": measures for device in _DEVICES},
    "enless-wireless/tx-contact-600-039": contact,
}
