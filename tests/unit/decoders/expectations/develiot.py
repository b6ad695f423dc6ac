"""Develiot vendor output -> releve readings (counters of enabled inputs only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from decoders import UnsupportedPort
from tests.unit.decoders.expected import Expected, R


def rwmr(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    if data is None:
        return Expected(error=UnsupportedPort)
    services = data["activatedServices"]
    readings = [R("battery_voltage", data["batteryLevel"], "instantaneous")]
    if "LORASENSE_REPORT_SERVICE_PULSE_COUNTER1" in services:
        readings.append(R("pulse_count", data["pulseCounter1"], "cumulative", channel="1"))
    if "LORASENSE_REPORT_SERVICE_PULSE_COUNTER2" in services:
        readings.append(R("pulse_count", data["pulseCounter2"], "cumulative", channel="2"))
    if "LORASENSE_REPORT_SERVICE_TEMPERATURE" in services:
        readings.append(R("temperature", data["temperature"], "instantaneous"))
    return Expected(readings=readings)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"develiot/rwmr": rwmr}
