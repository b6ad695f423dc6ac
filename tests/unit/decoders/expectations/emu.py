"""EMU vendor output (registers by name, Wh/varh) -> releve readings in kWh/kvarh at the logger time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from decoders import BadValue
from tests.unit.decoders.expected import Expected, R

NAMES = {
    "Active Energy Import": "energy_import",
    "Active Energy Export": "energy_export",
    "Reactive Energy Import": "reactive_energy_import",
    "Reactive Energy Export": "reactive_energy_export",
}


def emu(example: dict[str, Any]) -> Expected:
    if "crc-8 wrong" in (example["expected"].get("warnings") or []):
        return Expected(error=BadValue)  # the codec warns and reads on; releve refuses a corrupted index
    data = example["expected"]["data"]
    at = datetime.fromtimestamp(data["timeStamp"], UTC).isoformat()
    readings = []
    for key, value in data.items():
        for prefix, quantity in NAMES.items():
            if key.startswith(prefix) and key.endswith(("T1", "T2")):
                readings.append(R(quantity, value["value"] / 1000, "cumulative", channel=key[-2:], at=at))
    return Expected(readings=readings)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"emu/emu-prof-ii": emu}
