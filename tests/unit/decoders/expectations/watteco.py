"""nke Watteco vendor output -> releve readings.

The vendor's drivers (Watteco/Codec-API-LoRaWAN, built into the TTN Device Repository's
``vendor/watteco/<model>.js``) output a list of samples ``{variable, value, date}``: in
``data.samples`` in the current builds, as ``data`` itself in older ones. A sample's date minus
the frame's reception time (``recvTime``) is the reading's offset. Each model's table says which
releve quantity, channel, unit factor and kind a variable is; ``None`` marks what releve keeps in
the frame's info rather than as a reading (firmware, report statistics, phase angles, a single
phase's energy registers, the Triphas'O's 0x8010 registers whose unit is a setting of the sensor).
Threshold alarms come from the vendor's warnings: a report sent as an alarm whose cause is
configured as an alarm and names a crossing; what they become follows the quantity.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from decoders import UnknownFrameType
from tests.unit.decoders.expected import Expected, R

# quantity, channel, factor to releve's unit, kind; None: not a reading in releve
Spec = tuple[str, str, float, str] | None
Table = Mapping[str, Spec]

_RECEIVED = "2026-01-01T00:00:00+00:00"  # recvTime given by the differential runner
_INST, _CUM, _STATE = "instantaneous", "cumulative", "state"
# What releve keeps in the frame's info: the power descriptor's other sources, the ZCL measured
# range's limits (attributes 0x0001 and 0x0002 of a measurement cluster: settings, not readings).
_IGNORED = frozenset(
    {"firmware", "message_type", "NA", "nb_samples", "IAQ", "external_power_voltage"}
    | {"main_or_external_voltage", "solar_harvesting_voltage", "tic_harvesting_voltage"}
    | {f"{limit}_{q}" for limit in ("min", "max") for q in ("temperature", "humidity")}
)
_THRESHOLD_ALARMS = {
    "temperature": ("high_temperature", "low_temperature"),
    "current": ("over_current", "under_current"),
    "voltage": ("over_voltage", "under_voltage"),
    "battery_voltage": (None, "low_battery"),
}
_BATTERY: Table = {
    "battery_voltage": ("battery_voltage", "", 1, _INST),
    "disposable_battery_voltage": ("battery_voltage", "", 1, _INST),
    "rechargeable_battery_voltage": ("battery_voltage", "", 1, _INST),
}
_PHASES = {"a": "L1", "b": "L2", "c": "L3", "abc": ""}
_CAUSE = re.compile(r"alarm:(true|false).*?mode: (\w+)(?:, crossing: (\w+))?(?:.*?field: (\w+))?")


def _samples(output: dict[str, Any]) -> list[dict[str, Any]]:
    data = output["data"]
    samples = data.get("samples", []) if isinstance(data, dict) else data
    assert isinstance(samples, list), f"no samples in {str(output)[:200]}"
    return samples


def _offset(sample: dict[str, Any]) -> int | None:
    date = sample.get("date")
    if not date:
        return None
    delta = datetime.fromisoformat(str(date).replace("Z", "+00:00")) - datetime.fromisoformat(_RECEIVED)
    seconds = round(delta.total_seconds())
    return seconds or None


def _number(value: Any) -> float | None:
    """The sample's value as a number; None for the vendor's null (a float NaN: no valid value)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if value in ("ON", "OFF"):
        return 1.0 if value == "ON" else 0.0
    number = float(value)
    return None if math.isnan(number) else number


# Settings a product answers about (basic, configuration and LoRaWAN clusters on every product;
# binary and analog inputs' on products that have them): releve keeps them in the frame's info.
_SERVICE_SETTINGS = frozenset(
    {"kernel", "manufacturer", "model", "date", "position", "application_name", "configuration"}
    | {"nb_retry", "automatic_association", "data_rate", "ABP_dev_address", "OTA_app_EUI"}
)
_BINARY_SETTINGS = frozenset({"polarity", "edge_selection", "debounce_period", "poll_period", "force_notify"})
_ANALOG_SETTINGS = frozenset({"type", "power_duration"})


def _settings(table: Table) -> frozenset[str]:
    names = set(_SERVICE_SETTINGS)
    if any(n.startswith(("index", "pin_state")) or n == "violation_detection" for n in table):
        names |= _BINARY_SETTINGS
    if any(n in ("analog", "Irms", "4-20_mA", "0-10_V") for n in table):
        names |= _ANALOG_SETTINGS
    return frozenset(names)


def mapping(table: Table, case: str | None = None) -> Callable[[dict[str, Any]], Expected]:
    """The mapping of one model's vendor output: its variables' table, and the variable that is
    the case switch (its opening is a tamper alarm), if the model has one."""
    settings = _settings(table)

    def expected(example: dict[str, Any]) -> Expected:
        output = example["expected"]
        readings: list[R] = []
        alarms: set[tuple[str, str]] = set()
        powers: dict[tuple[str, int | None], float] = {}
        spec_of: dict[str, tuple[str, str]] = {}
        for sample in _samples(output):
            name = str(sample.get("variable"))  # "None" when the vendor named no variable
            if name in _IGNORED or name in settings or name.startswith("action "):
                continue  # "action N": the configuration cluster's attribute 0xFFnn
            if name not in table and name not in _BATTERY and _phase_part(name):
                continue
            if name not in table and name not in _BATTERY:
                # The vendor's decoder is the same for every product: it reads any cluster, and
                # leaves unnamed a value from an endpoint the product lacks. Releve refuses a
                # report of what the model does not have.
                return Expected(error=UnknownFrameType)
            spec = table[name] if name in table else _BATTERY[name]
            if spec is None:
                continue
            value = _number(sample["value"])
            offset = _offset(sample)
            quantity, channel, factor, kind = spec
            spec_of[name] = (quantity, channel)
            if value is None:
                alarms.add(("sensor_fault", channel))
                continue
            if quantity == "power" and kind == "net":  # positive minus negative active power
                powers[(channel, offset)] = powers.get((channel, offset), 0.0) + value * factor
                continue
            if kind == _CUM and value < 0:
                alarms.add(("meter_error", channel))
                continue
            readings.append(R(quantity, float(f"{value * factor:.12g}"), kind, channel, offset))
            if name == case and value:
                alarms.add(("tamper", channel))
        readings += [R("power", v, _INST, ch, off) for (ch, off), v in powers.items()]
        alarms |= _threshold_alarms(output, table, spec_of)
        return Expected(readings=readings, alarms=alarms)

    return expected


def _phase_part(name: str) -> bool:
    """A single phase's or the 0x8010 cluster's register, which releve keeps in info only."""
    return bool(
        re.fullmatch(r"(positive_|negative_)?(active|reactive)_(energy|power)_[abc]+|angle_[abc]", name)
    )


def _threshold_alarms(
    output: dict[str, Any], table: Table, spec_of: Mapping[str, tuple[str, str]]
) -> set[tuple[str, str]]:
    warnings = [str(w) for w in output.get("warnings") or []]
    # Current builds say "alarm triggered" then each cause with alarm:true|false; the 2024 builds
    # list each cause configured as an alarm as "alarm, criterion_index: ...".
    old_style = [w.replace("alarm, ", "alarm:true, ", 1) for w in warnings if w.startswith("alarm, ")]
    if "alarm triggered" not in warnings and not old_style:
        return set()
    found: set[tuple[str, str]] = set()
    for warning in old_style or warnings:
        match = _CAUSE.search(warning)
        if match is None or match[1] != "true" or match[2] != "threshold" or match[3] is None:
            continue
        target = _target(match[4], spec_of)
        if target is None:
            continue
        quantity, channel = target
        rose, fell = _THRESHOLD_ALARMS.get(quantity, (None, None))
        kind = rose if match[3] == "exceed" else fell
        if kind is not None:
            found.add((kind, channel))
    return found


def _target(field: str | None, spec_of: Mapping[str, tuple[str, str]]) -> tuple[str, str] | None:
    """The quantity and channel a cause is about: its field (``Irms``, ``Vrms_a``), or the report's
    one value."""
    if field is None:
        return next(iter(spec_of.values())) if len(spec_of) == 1 else None
    for name, target in spec_of.items():
        if name == field or name.startswith(f"{field}_"):
            return target
    return None


def _pulses(*names: str, channels: tuple[str, ...] = ("",)) -> dict[str, Spec]:
    """Pulse inputs: ``index`` counts, ``pin_state`` states, one channel each."""
    table: dict[str, Spec] = {}
    for name, channel in zip(names, channels, strict=True):
        suffix = f"_{name}" if name else ""
        table[f"index{suffix}"] = ("pulse_count", channel, 1, _CUM)
        table[f"pin_state{suffix}"] = ("digital_input", channel, 1, _STATE)
    return table


_TEMPERATURE: Table = {"temperature": ("temperature", "", 1, _INST)}
_TH: Table = {
    **_TEMPERATURE,
    "humidity": ("humidity", "", 1, _INST),
    "violation_detection": ("digital_input", "case", 1, _STATE),
    "index": None,  # openings of the case, kept in info
}
_VAQAO: Table = {
    "temperature_1": ("temperature", "", 1, _INST),
    "temperature_2": ("temperature", "2", 1, _INST),
    "humidity_1": ("humidity", "", 1, _INST),
    "CO2": ("co2", "", 1, _INST),
    "occupancy": ("occupancy", "", 1, _STATE),
    "illuminance": ("illuminance", "", 1, _INST),
    "pressure": ("pressure", "", 1, _INST),
    "violation_detection": ("digital_input", "case", 1, _STATE),
}
_ENERGIES = {
    "positive_active_energy": "energy_import",
    "negative_active_energy": "energy_export",
    "positive_reactive_energy": "reactive_energy_import",
    "negative_reactive_energy": "reactive_energy_export",
}
_TRIPHASO: dict[str, Spec] = {
    **_pulses(""),
    "output": ("switch_state", "", 1, _STATE),
    **{f"{name}_abc": (q, "", 0.001, _CUM) for name, q in _ENERGIES.items()},
    **{f"positive_active_power_{p}": ("power", ch, 1, "net") for p, ch in _PHASES.items()},
    **{f"negative_active_power_{p}": ("power", ch, -1, "net") for p, ch in _PHASES.items()},
    **{f"Vrms_{p}": ("voltage", ch, 1, _INST) for p, ch in _PHASES.items() if p != "abc"},
    **{f"Irms_{p}": ("current", ch, 1, _INST) for p, ch in _PHASES.items() if p != "abc"},
    **{f"{kind}_reactive_power_{p}": None for kind in ("positive", "negative") for p in _PHASES},
    **{f"{r}_{q}_abc": None for r in ("active", "reactive") for q in ("energy", "power")},
}
_SMARTPLUG: Table = {
    "output": ("switch_state", "", 1, _STATE),
    "active_energy": ("energy_import", "", 0.001, _CUM),
    "ActiveEnergy": ("energy_import", "", 0.001, _CUM),
    "active_power": ("power", "", 1, _INST),
    "reactive_energy": None,
    "reactive_power": None,
    "frequency": ("frequency", "", 1, _INST),
    "Vrms": ("voltage", "", 1, _INST),
    **dict.fromkeys(
        (
            "frequency_min",
            "frequency_max",
            "Vrms_min",
            "Vrms_max",
            "Vpeak",
            "Vpeak_min",
            "Vpeak_max",
            "over_voltage",
            "sag_voltage",
            "brownout_number",
        )
    ),
}

EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {
    "watteco/flasho": mapping(_pulses("")),
    "watteco/pulse-senso": mapping(_pulses("1", "2", "3", channels=("1", "2", "3"))),
    "watteco/pulse-senso-atex": mapping(_pulses("1", "2", "3", channels=("1", "2", "3"))),
    "watteco/atmo": mapping(
        {
            **_TEMPERATURE,
            "humidity": ("humidity", "", 1, _INST),
            "pressure": ("pressure", "", 1, _INST),
            **_pulses("1", "2", channels=("1", "2")),
        }
    ),
    **{
        model: mapping(_TH, case="violation_detection")
        for model in (
            "watteco/climo",
            "watteco/hygrotempo",
            "watteco/hygrotempo-remote",
            "watteco/indoor-temperature-humidity",
            "watteco/th-sensor",
        )
    },
    "watteco/tempo": mapping(
        {**_TEMPERATURE, "violation_detection": ("digital_input", "case", 1, _STATE)},
        case="violation_detection",
    ),
    **{
        model: mapping(_TEMPERATURE)
        for model in ("watteco/indoor-temperature", "watteco/tempo-outdoor", "watteco/tempo-remote-1-probe")
    },
    "watteco/tempo-remote-2-probes": mapping(
        {"temperature_1": ("temperature", "1", 1, _INST), "temperature_2": ("temperature", "2", 1, _INST)}
    ),
    "watteco/intenso": mapping({"Irms": ("current", "", 1, _INST), "analog": ("current", "", 1, _INST)}),
    "watteco/presso": mapping(
        {
            "4-20_mA": ("current", "4-20mA", 0.001, _INST),
            "0-10_V": ("voltage", "0-10V", 1, _INST),
            **_pulses(""),
        }
    ),
    "watteco/ventilo": mapping(
        {**_TEMPERATURE, "differential_pressure": ("pressure", "differential", 0.01, _INST), **_pulses("")}
    ),
    **{
        f"watteco/{model}": mapping(_VAQAO, case="violation_detection")
        for model in ("vaqao", "vaqao-lite", "vaqao-multi-lite", "vaqao-plus", "vaqao-plus-lite")
    },
    "watteco/triphaso": mapping(_TRIPHASO),
    "watteco/smartplug": mapping(_SMARTPLUG),
}


_HISTORICAL = (
    "BASE",
    "HCHC",
    "HCHP",
    "EJPHN",
    "EJPHPM",
    "BBRHCJB",
    "BBRHPJB",
    "BBRHCJW",
    "BBRHPJW",
    "BBRHCJR",
    "BBRHPJR",
)
_TIC_PHASES = {"1": "L1", "2": "L2", "3": "L3"}


def _tic_spec(name: str, value: Any, supplier: bool) -> Spec:
    """A TIC label as releve reads it: energy registers (Wh -> kWh), currents, voltages, apparent
    powers; the supplier's registers EASF01-10 when the frame has them, else the total EAST."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if name in _HISTORICAL or (name.startswith("EASF") and supplier):
        return ("energy_import", name, 0.001, _CUM)
    if name == "EAST":
        return None if supplier else ("energy_import", "", 0.001, _CUM)
    if name == "EAIT":
        return ("energy_export", "", 0.001, _CUM)
    if name.startswith(("IINST", "IRMS")):
        return ("current", _TIC_PHASES.get(name[-1], ""), 1, _INST)
    if name.startswith("URMS"):
        return ("voltage", _TIC_PHASES[name[-1]], 1, _INST)
    if name == "PAPP" or name.startswith("SINSTS"):
        return ("apparent_power", _TIC_PHASES.get(name[-1], ""), 1, _INST)
    return None


def ticso(example: dict[str, Any]) -> Expected:
    """TIC'O: TIC reports (labels as the vendor names them) or simple metering reports."""
    samples = _samples(example["expected"])
    names = {str(s.get("variable")) for s in samples}
    profile = next((s["value"] for s in samples if s.get("variable") == "_TICFrameType"), None)
    if profile not in (None, "Standard", "CBE/Historique"):
        # ICE, CJE and PMEPMI: energies per tariff period, not indexes; releve does not read them
        return Expected(error=UnknownFrameType)
    if names & {"active_energy", "active_power"}:
        return mapping(_SMARTPLUG)(example)
    supplier = any(name.startswith("EASF") for name in names)
    table = {
        str(s["variable"]): _tic_spec(str(s["variable"]), s["value"], supplier)
        for s in samples
        if str(s["variable"]) not in _BATTERY  # the power descriptor's, read as on every model
    }
    found = mapping(table)(example)
    if "ADPS" in names:  # the meter's own warning that the subscribed current is exceeded
        found.alarms.add(("over_current", ""))
    return found


EXPECTATIONS["watteco/ticso"] = ticso
