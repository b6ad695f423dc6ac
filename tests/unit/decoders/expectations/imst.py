"""IMST iO-KE868 vendor output (OBIS objects) -> releve readings, by OBIS code and unit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.decoders.expected import Expected, R

# unit -> (canonical unit, factor)
_UNITS = {"W": ("W", 1.0), "kW": ("W", 1e3), "Wh": ("kWh", 1e-3), "kWh": ("kWh", 1.0), "MWh": ("kWh", 1e3)}
_UNITS |= {
    "varh": ("kvarh", 1e-3),
    "kvarh": ("kvarh", 1.0),
    "A": ("A", 1.0),
    "V": ("V", 1.0),
    "kV": ("V", 1e3),
}
_UNITS |= {"Hz": ("Hz", 1.0)}
_ENERGY = {1: "energy_import", 2: "energy_export", 3: "reactive_energy_import", 4: "reactive_energy_export"}
_POWER = {1: "", 16: "", 21: "L1", 41: "L2", 61: "L3", 36: "L1", 56: "L2", 76: "L3"}
_INSTANT = {c: ("power", ch) for c, ch in _POWER.items()}
_INSTANT |= {31: ("current", "L1"), 51: ("current", "L2"), 71: ("current", "L3")}
_INSTANT |= {32: ("voltage", "L1"), 52: ("voltage", "L2"), 72: ("voltage", "L3"), 14: ("frequency", "")}
_CANONICAL = {"power": "W", "current": "A", "voltage": "V", "frequency": "Hz"}


def _reading(obj: dict[str, Any]) -> R | None:
    groups = [int(g) if g.isdigit() else None for g in obj["OBIS_ID"].split("_")]
    a, _, c, d, e, _ = groups
    if c is None or d is None:
        return None
    value = obj.get("value")
    if a != 1 or not isinstance(value, (int, float)):
        return None
    if d == 7 and c == 13:
        return R("power_factor", value, "instantaneous")
    unit = _UNITS.get(obj.get("unit", ""))
    if unit is None:
        return None
    if d == 8 and c in _ENERGY:
        wanted = "kWh" if c <= 2 else "kvarh"
        return (
            R(_ENERGY[c], round(value * unit[1], 10), "cumulative", channel=f"T{e}" if e else "")
            if unit[0] == wanted
            else None
        )
    if d == 7 and c in _INSTANT:
        quantity, channel = _INSTANT[c]
        return (
            R(quantity, round(value * unit[1], 10), "instantaneous", channel)
            if unit[0] == _CANONICAL[quantity]
            else None
        )
    return None


def ioke868(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    if "OBIS_IDs" not in data:  # the port-3 status frame
        return Expected()
    readings = [r for r in (_reading(o) for o in data["OBIS_IDs"]) if r is not None]
    info = data.get("general_info") or {}
    status = info.get("StatusByte")
    alarms = {("sensor_fault", "")} if status else set()
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"imst/ioke868": ioke868}
