"""The reviewed list for ELV LW-ESI (elv-lw-esi.js).

Where the vendor codec is wrong and releve is right, each entry with its reason.
"""

from __future__ import annotations

from typing import Any

from tests.differential.vendor_wrong._base import Rule, data_of, refused

RULES: dict[str, tuple[Rule, ...]] = {}


def _elv_codes(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = data_of(output)
    energy = data.get("Energy_Data") if data is not None else None
    if not isinstance(energy, dict):
        return None
    codes = [*energy.get("Energy_Counter_Unit", []), *energy.get("Energy_Power_Unit", [])]
    kinds = energy.get("Consumption_Type", [])
    if None in codes or any(kind not in ("Consumption", "Delivery") for kind in kinds):
        return refused("a consumption type or unit code the format does not define")
    return None


RULES["elv/elv-lw-esi"] = (
    Rule(
        "elv: undefined type or unit codes decoded",
        "a consumption type of 0 ('Reserved') or above 2 and the unit code 3 are not defined; the "
        "codec prints null or 'Reserved' and carries on with a counter of no known unit, releve refuses",
        _elv_codes,
    ),
)
