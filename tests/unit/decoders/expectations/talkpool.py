"""Talkpool vendor output -> releve readings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from decoders import DecodeError
from tests.unit.decoders.expected import Expected, R


def oy1210(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    if data is None:  # the vendor codec's "data: null" for a wrong port or length
        return Expected(error=DecodeError)
    return Expected(
        readings=[
            R("temperature", data["Temperature"], "instantaneous"),
            R("humidity", data["Humidity"], "instantaneous"),
            R("co2", data["CO2"], "instantaneous"),
        ]
    )


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"talkpool/oy1210": oy1210}


def oy1320(example: dict[str, Any]) -> Expected:
    """MeterReading in litres; Status the alarm byte (bit 1 fraud, bits above 1 a meter error)."""
    data = example["expected"]["data"]
    status = int(data["Status"], 16) if isinstance(data["Status"], str) else int(data["Status"])
    alarms = {("tamper", "")} if status & 0x02 else set()
    if status & ~0x03:
        alarms.add(("meter_error", ""))
    return Expected(readings=[R("water_volume", data["MeterReading"] / 1000, "cumulative")], alarms=alarms)


EXPECTATIONS["talkpool/oy1320"] = oy1320
