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
