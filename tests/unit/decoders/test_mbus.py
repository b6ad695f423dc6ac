"""The shared M-Bus record reader: storage and tariff, dates, invalid values, profiles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from decoders import AlarmKind, BadLength, BadValue, Frame, Kind, Quantity, UnknownFrameType
from decoders.vendors import _mbus
from decoders.vendors._mbus import Family

WATER = {Family.VOLUME: Quantity.WATER_VOLUME, Family.FLOW_TEMPERATURE: Quantity.WATER_TEMPERATURE}
DATE_S8 = "84046d2a2d1336"  # 2024-06-19 13:42 UTC, storage 8


def frame(hex_body: str) -> Frame:
    return _mbus.to_frame(_mbus.parse_records(bytes.fromhex(hex_body), "test"), WATER, "test")


def test_dife_bits_give_storage_tariff_and_the_channel() -> None:
    (rec,) = _mbus.parse_records(bytes.fromhex("8494011301000000"), "test")
    assert (rec.storage, rec.tariff) == (8 + 32, 1)
    reading = frame("841013e8030000").readings[0]
    assert (reading.channel, reading.value, reading.at) == ("T1", 1.0, None)


def test_type_f_dates_round_trip() -> None:
    at = datetime(2031, 12, 31, 23, 59, tzinfo=UTC)
    (rec,) = _mbus.parse_records(bytes([0x04, 0x6D]) + _mbus.encode_datetime(at), "test")
    assert _mbus.timestamp(rec) == at


def test_stored_values_take_the_date_of_their_storage_number() -> None:
    reading = frame("84041301000000" + DATE_S8).readings[0]
    assert reading.at == datetime(2024, 6, 19, 13, 42, tzinfo=UTC) and reading.kind is Kind.CUMULATIVE


def test_an_invalid_date_drops_its_values_with_a_clock_error() -> None:
    result = frame("84041301000000" + "84046dffff1336")
    assert not result.readings and [a.kind for a in result.alarms] == [AlarmKind.CLOCK_ERROR]


def test_a_stored_value_without_its_date_is_refused() -> None:
    with pytest.raises(BadValue):
        frame("84041301000000")


def test_the_invalid_value_is_a_sensor_fault_never_a_number() -> None:
    result = frame("015b80" + "0413ffffff7f")
    assert [(r.quantity, r.value) for r in result.readings] == [(Quantity.WATER_VOLUME, 2147483.647)]
    assert [a.kind for a in result.alarms] == [AlarmKind.SENSOR_FAULT]


def test_bcd_min_and_max_values() -> None:
    result = frame("0c1312345678" + "115b10" + "215bfb")
    assert [r.value for r in result.readings] == [78563.412]
    assert result.info_dict() == {"max_water_temperature": 16.0, "min_water_temperature": -5.0}


def test_a_value_during_error_state_is_a_meter_error() -> None:
    result = frame("325b1400")
    assert not result.readings and [a.kind for a in result.alarms] == [AlarmKind.METER_ERROR]


def test_decrement_profiles_and_monthly_spacing() -> None:
    # base 100 L at storage 8; two older values, +5 and +7 litres (decrements), one month apart
    result = frame("84041364000000" + DATE_S8 + "8d049313" + "04" + "b1fe" + "0507")
    assert [(r.value, r.at) for r in result.readings] == [
        (0.1, datetime(2024, 6, 19, 13, 42, tzinfo=UTC)),
        (0.105, datetime(2024, 5, 19, 13, 42, tzinfo=UTC)),
        (0.112, datetime(2024, 4, 19, 13, 42, tzinfo=UTC)),
    ]


def test_a_profile_stops_at_an_invalid_step() -> None:
    result = frame("84041364000000" + DATE_S8 + "8d049313" + "05" + "6101" + "01ff02")
    assert [r.value for r in result.readings] == [0.1, 0.099]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("0413010000", BadLength),
        ("0f01020304", UnknownFrameType),
        ("04fd0b01000000", UnknownFrameType),
        ("042b01000000", UnknownFrameType),  # power is not a water-meter quantity
        ("8d049313" + "04" + "61010101", BadValue),  # profile without a base
        ("84041364000000" + DATE_S8 + "8d049313" + "03" + "61ff01", BadValue),  # bad spacing
    ],
)
def test_malformed_records(body: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        frame(body)


def test_transport_header_and_status() -> None:
    status, body, info = _mbus.split_transport(bytes.fromhex("7a0114000004130100000000"), "test")
    assert status == 0x14 and body == bytes.fromhex("04130100000000")
    assert dict(info) == {"access_no": 1, "status": 0x14}
    assert {a.kind for a in _mbus.status_alarms(status)} == {AlarmKind.LOW_BATTERY, AlarmKind.METER_ERROR}
    with pytest.raises(UnknownFrameType):
        _mbus.split_transport(bytes.fromhex("5101"), "test")


def test_energy_in_joules_is_converted_to_kwh() -> None:
    heat = {Family.ENERGY: Quantity.HEAT_ENERGY}
    records = _mbus.parse_records(bytes.fromhex("040e100e0000"), "test")  # 3600 MJ
    assert [r.value for r in _mbus.to_frame(records, heat, "test").readings] == [1000.0]
