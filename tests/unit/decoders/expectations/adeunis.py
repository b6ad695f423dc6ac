"""Adeunis vendor output -> releve readings (history newest first, one device period apart)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from decoders import DecodeError
from decoders.vendors.adeunis import COMFORT_CO2_HISTORY_S, PULSE4_HISTORY_S
from tests.unit.decoders.expected import Expected, R

_REFUSED = ("Invalid", "Unsupported")
_KEEP_ALIVE = (
    ("flow", "alarm", "high_flow"),
    ("tamperAlarm", None, "tamper"),
    ("leakageAlarm", None, "leak"),
)


def pulse4(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]["bytes"]
    kind = data["type"][:4]
    if data.get("type", "Invalid") in _REFUSED:
        return Expected(error=DecodeError)
    alarms: set[tuple[str, str]] = {("low_battery", "")} if data["status"]["lowBattery"] else set()
    at = datetime.fromisoformat(data["timestamp"]).replace(tzinfo=UTC) if "timestamp" in data else None
    if kind == "0x46":
        stamp = at.isoformat() if at else None
        counts = data["counterValues"]
        return Expected(
            readings=[
                R("pulse_count", counts[i], "cumulative", channel=ch, at=stamp) for i, ch in enumerate("AB")
            ],
            alarms=alarms,
        )
    if kind == "0x47":
        flows = dict(zip("AB", data["flowValues"], strict=True))
        raised = [ch for ch, flow in flows.items() if flow] or [""]
        return Expected(alarms=alarms | {("high_flow", ch) for ch in raised})
    if kind == "0x30":
        for entry in data["channels"]:
            channel = entry["name"].split()[-1]
            for key, sub, alarm in _KEEP_ALIVE:
                flag = entry[key][sub] if sub else entry[key]
                if flag:
                    alarms.add((alarm, channel))
        return Expected(alarms=alarms)
    if kind not in ("0x5a", "0x5b"):
        return Expected(alarms=alarms)  # configuration and status frames: no measurement
    channel = {"0x5a": "A", "0x5b": "B"}[data["type"][:4]]
    at = datetime.fromisoformat(data["timestamp"]).replace(tzinfo=UTC) if "timestamp" in data else None
    readings = []
    for i, value in enumerate(data["counterValues"]):
        if at is not None:
            place: dict[str, Any] = {"at": (at - timedelta(seconds=i * PULSE4_HISTORY_S)).isoformat()}
        else:
            place = {"offset_s": -i * PULSE4_HISTORY_S if i else None}
        readings.append(R("pulse_count", value, "cumulative", channel=channel, **place))
    alarms = {("low_battery", "")} if data["status"]["lowBattery"] else set()
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"adeunis/pulse-4": pulse4}


def _period(example: dict[str, Any]) -> int:
    return int((example.get("config") or {}).get("read_period_s") or 0)


def _stamp(data: dict[str, Any]) -> datetime | None:
    return datetime.fromisoformat(data["timestamp"]).replace(tzinfo=UTC) if "timestamp" in data else None


def _series(
    quantity: str, channel: str, values: list[float | None], at: datetime | None, period: int
) -> list[R]:
    """Readings of a history newest first; a None (a value the reviewed list struck out) is skipped."""
    out = []
    for i, value in enumerate(values):
        if value is None:
            continue
        if at is not None:
            place: dict[str, Any] = {"at": (at - timedelta(seconds=i * period)).isoformat()}
        else:
            place = {"offset_s": -i * period if i else None}
        out.append(R(quantity, value, "instantaneous", channel=channel, **place))
    return out


def _low_battery(data: dict[str, Any]) -> set[tuple[str, str]]:
    return {("low_battery", "")} if data.get("status", {}).get("lowBattery") else set()


def temp4(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]["bytes"]
    if data.get("type", "Invalid") in _REFUSED:
        return Expected(error=DecodeError)
    at, alarms = _stamp(data), _low_battery(data)
    readings: list[R] = []
    for probe in data.get("temperatures", []):
        channel = probe["name"].split()[-1]
        values = probe["values"] if "values" in probe else [probe["value"]]
        readings += _series("temperature", channel, values, at, _period(example))
        if None in values:
            alarms.add(("sensor_fault", channel))
    for i, alarm in enumerate(data.get("alarms", [])):
        channel = str(i + 1)
        readings.append(
            R(
                "temperature",
                alarm["temperature"]["value"],
                "instantaneous",
                channel,
                at=at.isoformat() if at else None,
            )
        )
        side = {"highThreshold": "high", "lowThreshold": "low"}.get(alarm["alarmStatus"])
        if side:
            alarms.add((f"{side}_temperature", channel))
    return Expected(readings=readings, alarms=alarms)


def deltap(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]["bytes"]
    if data.get("type", "Invalid") in _REFUSED:
        return Expected(error=DecodeError)
    alarms = _low_battery(data)
    readings: list[R] = []
    if "deltaPressure" in data:
        pressure = data["deltaPressure"]
        values = pressure["values"] if "values" in pressure else [pressure["value"]]
        readings += _series("differential_pressure", "", [float(v) for v in values], None, _period(example))
    if "voltage" in data:
        volts = data["voltage"]
        values = volts["values"] if "values" in volts else [volts["value"]]
        readings += _series("voltage", "0-10V", [v / 1000 for v in values], None, _period(example))
    if data.get("alarmStatus") == "active":
        alarms.add(("high_pressure", "0-10V" if "voltage" in data else ""))
    return Expected(readings=readings, alarms=alarms)


def dry_contacts2(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]["bytes"]
    if data.get("type", "Invalid") in _REFUSED:
        return Expected(error=DecodeError)
    at = _stamp(data)
    place = at.isoformat() if at else None
    readings: list[R] = []
    for channel in "ABCD":
        contact = data.get(f"channel{channel}")
        if not isinstance(contact, dict) or "value" not in contact:
            continue
        state = contact["currentState"] if "currentState" in contact else contact["state"]
        readings.append(R("pulse_count", float(contact["value"]), "cumulative", channel, at=place))
        readings.append(R("digital_input", 1.0 if state else 0.0, "state", channel, at=place))
    return Expected(readings=readings, alarms=_low_battery(data))


def analog(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]["bytes"]
    if data.get("type", "Invalid") in _REFUSED:
        return Expected(error=DecodeError)
    readings: list[R] = []
    for entry in data.get("channels", []):
        if "value" not in entry or "type" in entry or "threshold" in entry:
            continue
        channel = entry["name"].split()[-1]
        if entry["unit"] == "V":
            readings.append(R("voltage", entry["value"], "instantaneous", channel))
        elif entry["unit"] == "mA":
            readings.append(R("current", entry["value"] / 1000, "instantaneous", channel))
    return Expected(readings=readings, alarms=_low_battery(data))


EXPECTATIONS.update(
    {
        "adeunis/temp-4": temp4,
        "adeunis/deltap": deltap,
        "adeunis/dry-contacts-2": dry_contacts2,
        "adeunis/analog": analog,
    }
)


def comfort_co2(example: dict[str, Any]) -> Expected:
    """History newest first, 10 minutes apart (releve's factory default of the sampling period)."""
    data = example["expected"]["data"]["bytes"]
    if data.get("type", "Invalid") in _REFUSED:
        return Expected(error=DecodeError)
    at, alarms = _stamp(data), _low_battery(data)
    readings: list[R] = []
    kind = data["type"][:4]
    if kind == "0x6a":
        for quantity, key in (("temperature", "temperature"), ("humidity", "humidity"), ("co2", "co2")):
            values = [float(v) for v in data[key]["values"]]
            readings += _series(quantity, "", list(values), at, COMFORT_CO2_HISTORY_S)
    elif kind == "0x6b":
        place = at.isoformat() if at else None
        for quantity, key in (
            ("temperature", "alarmTemperature"),
            ("humidity", "alarmHumidity"),
            ("co2", "alarmCo2"),
        ):
            readings.append(R(quantity, float(data[key][quantity]["value"]), "instantaneous", at=place))
    elif kind in ("0x51", "0x52"):
        channel = "1" if kind == "0x51" else "2"
        state = data.get("state", data.get("currentState"))
        readings.append(
            R("digital_input", 1.0 if state in (True, "high", "closed", 1) else 0.0, "state", channel)
        )
    return Expected(readings=readings, alarms=alarms)


def tic_cbe_linky_mono(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]["bytes"]
    if data.get("type", "Invalid") in _REFUSED:
        return Expected(error=DecodeError)
    alarms = _low_battery(data)
    readings: list[R] = []
    kind = data["type"][:4]
    if kind == "0x49":
        if data["status"].get("readError"):
            alarms.add(("sensor_fault", ""))
        for label in ("BASE", "HCHC", "HCHP"):
            if isinstance(data.get(label), dict):
                readings.append(R("energy_import", data[label]["value"] / 1000, "cumulative", label))
        if isinstance(data.get("IINST"), dict):
            readings.append(R("current", float(data["IINST"]["value"]), "instantaneous"))
        if isinstance(data.get("PAPP"), dict):
            readings.append(R("apparent_power", float(data["PAPP"]["value"]), "instantaneous"))
    elif kind == "0x4a":
        label, alarm = data["label"], data["alarmType"]
        if (label == "ADPS" and alarm == "labelAppearance") or (
            label == "IINST" and alarm == "highThreshold"
        ):
            alarms.add(("over_current", ""))
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS.update({"adeunis/comfort-co2": comfort_co2, "adeunis/tic-cbe-linky-mono": tic_cbe_linky_mono})
