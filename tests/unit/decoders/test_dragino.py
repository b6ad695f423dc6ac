"""Dragino LHT65: external sensor modes, sentinels and flags that the shared vector does not show."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from decoders import AlarmKind, BadLength, BadValue, Frame, Kind, Quantity, UnsupportedPort, decode

MODEL = "dragino/lht65"
# Battery 0xCBF6 (status 3 "good", 3.062 V), SHT 28.29 degC / 88.6 %RH, as in the shared vector.
HEAD = "cbf60b0d0376"


def lht65(hex_payload: str) -> Frame:
    return decode(MODEL, 2, bytes.fromhex(hex_payload))


def readings(frame: Frame) -> dict[tuple[Quantity, str], float]:
    return {(r.quantity, r.channel): r.value for r in frame.readings}


@pytest.mark.parametrize(("battery", "status"), [("49f6", 1), ("09c4", 0)])
def test_low_battery_status_raises_an_alarm(battery: str, status: int) -> None:
    frame = lht65(battery + HEAD[4:] + "00" + "7fff7fff")
    assert [a.kind for a in frame.alarms] == [AlarmKind.LOW_BATTERY]
    assert f"status {status}" in frame.alarms[0].detail
    assert readings(frame)[(Quantity.BATTERY_VOLTAGE, "")] == (int(battery, 16) & 0x3FFF) / 1000


def test_disconnected_probe_is_a_fault_not_a_temperature() -> None:
    frame = lht65(HEAD + "01" + "7fff7fff")
    assert (Quantity.TEMPERATURE, "external") not in readings(frame)
    assert [(a.kind, a.channel) for a in frame.alarms] == [(AlarmKind.SENSOR_FAULT, "external")]
    flagged = lht65(HEAD + "81" + "0adb7fff")  # bit 7: "sensor not connected"
    assert (Quantity.TEMPERATURE, "external") not in readings(flagged)
    assert [a.kind for a in flagged.alarms] == [AlarmKind.SENSOR_FAULT]


def test_probe_temperature_below_zero() -> None:
    assert readings(lht65(HEAD + "01" + "fc187fff"))[(Quantity.TEMPERATURE, "external")] == -10.0


def test_timestamp_mode_puts_the_probe_reading_at_the_device_time() -> None:
    frame = lht65("0adb" + "0b0d" + "c376" + "09" + "6346749e")  # byte 4 bits 7-6: status 3
    (probe,) = [r for r in frame.readings if r.channel == "external"]
    assert probe.value == 27.79 and probe.at == datetime(2022, 10, 12, 8, 2, 38, tzinfo=UTC)
    assert Quantity.BATTERY_VOLTAGE not in {r.quantity for r in frame.readings}
    assert frame.alarms == ()


def test_illuminance_adc_and_counter_modes() -> None:
    assert readings(lht65(HEAD + "05" + "01f40000"))[(Quantity.ILLUMINANCE, "")] == 500.0
    assert readings(lht65(HEAD + "06" + "0c1c0000"))[(Quantity.VOLTAGE, "adc")] == 3.1
    counted = lht65(HEAD + "08" + "00010000")
    assert readings(counted)[(Quantity.PULSE_COUNT, "")] == 65536.0
    assert {r.kind for r in counted.readings if r.quantity is Quantity.PULSE_COUNT} == {Kind.CUMULATIVE}


def test_rejected_frames() -> None:
    with pytest.raises(BadValue):  # poll-message reply (bit 6), not a live measurement
        lht65(HEAD + "41" + "0add7fff")
    with pytest.raises(BadLength):
        lht65(HEAD + "01" + "0add7f")
    with pytest.raises(UnsupportedPort):
        decode(MODEL, 42, bytes.fromhex(HEAD + "01" + "0add7fff"))
