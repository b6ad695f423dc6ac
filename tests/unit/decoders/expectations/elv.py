"""ELV vendor output -> releve readings (units and sign applied)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.decoders.expected import Expected, R


def esi(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    readings = [R("battery_voltage", data["Supply_Voltage"] / 1000, "instantaneous")]
    blocks = data.get("Energy_Data", {})
    for i, counter in enumerate(blocks.get("Energy_Counter", [])):
        unit = blocks["Energy_Counter_Unit"][i]
        delivery = blocks["Consumption_Type"][i] == "Delivery"
        if unit == "m^3":
            readings.append(R("gas_volume", counter, "cumulative"))
        else:
            kwh = counter if unit == "kWh" else counter / 1000
            readings.append(R("energy_export" if delivery else "energy_import", kwh, "cumulative"))
        power, power_unit = blocks["Power"][i], blocks["Energy_Power_Unit"][i]
        if power_unit == "m^3/h":
            readings.append(R("flow", power, "instantaneous"))
        else:
            watts = power * 1000 if power_unit == "kW" else power
            if blocks["Signum_Of_Power"][i] == "Negative":
                watts = -watts
            readings.append(R("power", watts, "instantaneous"))
    return Expected(readings=readings)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"elv/elv-lw-esi": esi}
