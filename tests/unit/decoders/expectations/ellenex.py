"""Ellenex vendor output -> releve readings.

The vendor codec outputs the PLS2-L ``level`` unscaled; Ellenex's reference decoder reads it as
millimetres of water column (see decoders/vendors/ellenex.py), so the expected level is
``level / 1000`` metres.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from decoders import BadLength, UnsupportedPort
from tests.unit.decoders.expected import Expected, R


def pls2_l(example: dict[str, Any]) -> Expected:
    errors = example["expected"].get("errors")
    if errors:
        return Expected(error=UnsupportedPort if "FPort" in errors[0] else BadLength)
    data = example["expected"]["data"]
    return Expected(
        readings=[
            R("level", data["level"] / 1000, "instantaneous"),
            R("battery_voltage", data["batteryVoltage"], "instantaneous"),
        ]
    )


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"ellenex/pls2-l": pls2_l}
