"""Laird RS1xx: fixed-point sign rules, options, fault flag, backlog times, encoder refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from decoders import AlarmKind, BadValue, DecodedReading, EncodeError, Frame, Kind, Quantity, decode
from decoders.vendors.laird import encode_rs1xx_temp_rh

MODEL = "laird/rs1xx-temp-rh-sensor"


def test_fraction_and_integer_of_opposite_signs_are_refused() -> None:
    # fraction +43 with integer -15 is no value the sensor writes
    with pytest.raises(BadValue):
        decode(MODEL, 1, bytes.fromhex("0100212d2bf10200000000"))


def test_a_fraction_above_99_hundredths_is_refused() -> None:
    with pytest.raises(BadValue):
        decode(MODEL, 1, bytes.fromhex("01002134641b0200000000"))


def test_options_and_counters_are_information() -> None:
    frame = decode(MODEL, 1, bytes.fromhex("010d21344362050003000a"))
    info = frame.info_dict()
    assert info["server_time_requested"] and info["alarm_flag"] and info["reset"]
    assert not info["configuration_error"]
    assert (info["alarm_messages"], info["backlog_messages"]) == (3, 10)
    assert not frame.alarms


def test_fault_flag_drops_the_pair_even_when_its_bytes_are_garbage() -> None:
    frame = decode(MODEL, 1, bytes.fromhex("01107f7f7f7f0000000000"))
    assert [r.quantity for r in frame.readings] == [Quantity.BATTERY_LEVEL]
    assert frame.battery_level == 0.0
    assert [a.kind for a in frame.alarms] == [AlarmKind.SENSOR_FAULT]


def test_backlog_time_counts_from_2015() -> None:
    frame = decode(MODEL, 1, bytes.fromhex("03001668d74000322b1b"))
    assert {r.at for r in frame.readings} == {datetime(2026, 11, 30, 12, tzinfo=UTC)}


def test_encoder_writes_the_negative_example_of_the_protocol_note() -> None:
    frame = Frame(
        readings=(
            DecodedReading(Quantity.TEMPERATURE, -15.87, Kind.INSTANTANEOUS),
            DecodedReading(Quantity.HUMIDITY, 45.33, Kind.INSTANTANEOUS),
            DecodedReading(Quantity.BATTERY_LEVEL, 20.0, Kind.INSTANTANEOUS),
        )
    )
    assert encode_rs1xx_temp_rh(frame) == (1, bytes.fromhex("0100212da9f10200000000"))


@pytest.mark.parametrize(
    "readings",
    [
        (DecodedReading(Quantity.TEMPERATURE, 21.5, Kind.INSTANTANEOUS),),  # no battery
        (
            DecodedReading(Quantity.TEMPERATURE, 21.5, Kind.INSTANTANEOUS),
            DecodedReading(Quantity.HUMIDITY, 40.0, Kind.INSTANTANEOUS),
            DecodedReading(Quantity.BATTERY_LEVEL, 50.0, Kind.INSTANTANEOUS),  # not a bracket bound
        ),
        (
            DecodedReading(Quantity.TEMPERATURE, 21.555, Kind.INSTANTANEOUS),  # three decimals
            DecodedReading(Quantity.HUMIDITY, 40.0, Kind.INSTANTANEOUS),
            DecodedReading(Quantity.BATTERY_LEVEL, 60.0, Kind.INSTANTANEOUS),
        ),
    ],
)
def test_encoder_refuses_what_the_sensor_cannot_send(readings: tuple[DecodedReading, ...]) -> None:
    with pytest.raises(EncodeError):
        encode_rs1xx_temp_rh(Frame(readings=readings))
