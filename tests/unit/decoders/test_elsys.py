"""Elsys TLV details the vectors do not cover."""

from __future__ import annotations

import pytest

from decoders import DecodedReading, EncodeError, Frame, Kind, Quantity, decode
from decoders.vendors.elsys import encode_ems, encode_ers_co2


def test_delta_and_absolute_pulse_counts_are_both_kept() -> None:
    frame = decode("elsys/ems", 5, bytes.fromhex("0a00050b00000100"))
    assert {(r.kind, r.value) for r in frame.readings} == {(Kind.DELTA, 5.0), (Kind.CUMULATIVE, 256.0)}


def test_repeated_external_probe_temperatures_get_their_own_channels() -> None:
    frame = decode("elsys/ems", 5, bytes.fromhex("1900641900c8"))
    assert {(r.channel, r.value) for r in frame.readings} == {("external2", 10.0), ("external2_2", 20.0)}


def test_a_later_dry_leak_value_clears_the_alarm() -> None:
    frame = decode("elsys/ems", 5, bytes.fromhex("12111200"))
    assert [(r.quantity, r.value) for r in frame.readings] == [(Quantity.WATER_LEAK, 0.0)]
    assert not frame.alarms


def test_acceleration_goes_to_info() -> None:
    frame = decode("elsys/ems", 5, bytes.fromhex("03012705"))
    assert not frame.readings and frame.info_dict() == {"acceleration_xyz": "012705"}


def test_ers_co2_encoder_refuses_what_the_sensor_never_sends() -> None:
    door = DecodedReading(Quantity.DIGITAL_INPUT, 1.0, Kind.STATE)
    with pytest.raises(EncodeError):
        encode_ers_co2(Frame(readings=(door,)))
    assert encode_ems(Frame(readings=(door,))) == (5, bytes.fromhex("0d01"))


def test_ems_encoder_needs_the_leak_alarm_with_a_wet_reading() -> None:
    wet = DecodedReading(Quantity.WATER_LEAK, 1.0, Kind.STATE)
    with pytest.raises(EncodeError):
        encode_ems(Frame(readings=(wet,)))


def test_encoder_refuses_values_off_the_grid() -> None:
    with pytest.raises(EncodeError):
        encode_ers_co2(Frame(readings=(DecodedReading(Quantity.TEMPERATURE, 21.25, Kind.INSTANTANEOUS),)))
