"""Arwin LRS2M001 vendor output -> releve readings (phases A/B/C -> L1/L2/L3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.decoders.expected import Expected, R

INST = "instantaneous"
_PHASES = {"A": "L1", "B": "L2", "C": "L3"}


def lrs2m001(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    events = [e for e in str(data.get("event", "")).split(",") if e]
    readings: list[R] = []
    alarms: set[tuple[str, str]] = set()
    if "phase_A_V" in data:
        readings += [R("voltage", data[f"phase_{p}_V"], INST, line) for p, line in _PHASES.items()]
        readings.append(R("frequency", data["freq"], INST))
        if "backup_batt" in data:
            readings.append(R("battery_level", data["backup_batt"], INST))
        for event in events:
            phase, _, kind = event.removeprefix("ph_").partition("_")
            if kind in ("over_V", "under_V"):
                alarms.add((f"{kind.split('_')[0]}_voltage", _PHASES[phase]))
            elif event == "bakcup power":  # sic: running on its backup battery, mains lost
                alarms.add(("power_off", ""))
            elif event == "backup_batt_low":
                alarms.add(("low_battery", ""))
    elif "channel" in data:
        channel = f"{data['channel']}-{_PHASES[data['phase']]}"
        readings += [
            R("current", data["current"], INST, channel),
            R("power", data["active_pow"], INST, channel),
            R("power_factor", data["power_factor"], INST, channel),
            R("energy_import", data["active_energy"], "cumulative", channel),
        ]
        if "over_current" in events:
            alarms.add(("over_current", channel))
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"arwin-technology/lrs2m001-4xxx": lrs2m001}
