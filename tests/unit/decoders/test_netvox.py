"""Netvox frames: battery flag, counter range, multipliers, alarms, sentinels and refusals."""

from __future__ import annotations

import pytest

from decoders import (
    AlarmKind,
    BadLength,
    BadValue,
    DecodedReading,
    EncodeError,
    Frame,
    Kind,
    Quantity,
    decode,
)
from decoders.vendors.netvox import encode_r718h


def _values(frame: Frame) -> dict[tuple[str, str], float]:
    return {(str(r.quantity), r.channel): r.value for r in frame.readings}


def test_r718h_low_battery_bit_is_an_alarm_and_not_part_of_the_voltage() -> None:
    frame = decode("netvox/r718h", 6, bytes.fromhex("011f019fffff0000000000"))
    assert _values(frame) == {("battery_voltage", ""): 3.1, ("pulse_count", ""): 65535.0}
    assert [a.kind for a in frame.alarms] == [AlarmKind.LOW_BATTERY]


def test_r718h_encoder_refuses_a_count_beyond_16_bits() -> None:
    frame = Frame(
        readings=(
            DecodedReading(Quantity.BATTERY_VOLTAGE, 3.6, Kind.INSTANTANEOUS),
            DecodedReading(Quantity.PULSE_COUNT, 65536.0, Kind.CUMULATIVE),
        )
    )
    with pytest.raises(EncodeError, match="16-bit"):
        encode_r718h(frame)


def test_r718h_other_device_type_is_refused() -> None:
    with pytest.raises(BadValue):
        decode("netvox/r718h", 6, bytes.fromhex("014a012403e800c81b5801"))


def test_r718n3_report_3_applies_each_multiplier() -> None:
    # codes 0b11 / 0b01 / 0b10 -> x100, x5, x10
    frame = decode("netvox/r718n3", 6, bytes.fromhex("014a0324000a00c80064" + "27"))
    assert _values(frame) == {
        ("battery_voltage", ""): 3.6,
        ("current", "L1"): 1.0,
        ("current", "L2"): 1.0,
        ("current", "L3"): 1.0,
    }


def test_r718n3_report_1_reads_l1_only_and_keeps_the_others_raw() -> None:
    frame = decode("netvox/r718n3", 6, bytes.fromhex("014a012403e800c81b580a"))
    assert _values(frame) == {("battery_voltage", ""): 3.6, ("current", "L1"): 10.0}
    assert frame.info_dict() == {"current_l2_raw_ma": 200, "current_l3_raw_ma": 7000}


def test_r718n3_zero_multiplier_is_refused() -> None:
    with pytest.raises(BadValue):
        decode("netvox/r718n3", 6, bytes.fromhex("014a012403e800c81b5800"))


def test_r809a_energy_is_unsigned_kwh_and_alarms_map() -> None:
    frame = decode("netvox/r809a", 6, bytes.fromhex("010e0100ffffffff000101"))
    assert _values(frame) == {("switch_state", ""): 0.0, ("energy_import", ""): 4294967.295}
    assert {a.kind for a in frame.alarms} == {AlarmKind.OVER_CURRENT, AlarmKind.POWER_OFF}


def test_r809a_config_response_thresholds_in_canonical_units() -> None:
    frame = decode("netvox/r809a", 7, bytes.fromhex("820e0002012c0064001400"))
    assert frame.info_dict()["current_change_a"] == 0.1
    assert frame.info_dict()["power_change_w"] == 20.0


def test_r72615a_missing_temperature_is_a_fault_not_a_number() -> None:
    frame = decode("netvox/r72615a", 6, bytes.fromhex("01090c48ffff03e8ffff00"))
    assert _values(frame) == {("battery_voltage", ""): 7.2, ("humidity", ""): 10.0}
    assert [(a.kind, a.channel) for a in frame.alarms] == [(AlarmKind.SENSOR_FAULT, "temperature")]


def test_r72615a_gases_are_information() -> None:
    frame = decode("netvox/r72615a", 6, bytes.fromhex("0109064800640000ffff00"))
    assert _values(frame) == {("battery_voltage", ""): 7.2}
    assert frame.info_dict() == {"no2": 10.0, "so2": 0.0, "h2s": "no sensor"}


def test_config_response_must_be_a_whole_frame() -> None:
    with pytest.raises(BadLength):
        decode("netvox/r711", 7, bytes.fromhex("820103840708"))
