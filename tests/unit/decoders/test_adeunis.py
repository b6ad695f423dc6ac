"""Adeunis frames the vectors do not cover: alarms, history edge cases, encoder refusals."""

from __future__ import annotations

from datetime import timedelta

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
from decoders.vendors.adeunis import EPOCH_2013, PULSE4_HISTORY_S, encode_pulse4

PULSE4 = "adeunis/pulse-4"


def test_keep_alive_bits_become_alarms_per_channel() -> None:
    frame = decode(PULSE4, 1, bytes.fromhex("3001340005000000010000"))
    assert {(a.kind, a.channel) for a in frame.alarms} == {
        (AlarmKind.TAMPER, "A"),
        (AlarmKind.LEAK, "A"),
        (AlarmKind.LEAK, "B"),
    }
    assert not frame.readings
    assert frame.info_dict()["max_flow_24h_a"] == 5


def test_flow_alarm_names_the_channels_that_flowed() -> None:
    frame = decode(PULSE4, 1, bytes.fromhex("470100000123"))
    assert [(a.kind, a.channel) for a in frame.alarms] == [(AlarmKind.HIGH_FLOW, "B")]


def test_history_without_timestamp_uses_the_default_period() -> None:
    frame = decode(PULSE4, 1, bytes.fromhex("5b010000001000010002"))
    assert [(r.channel, r.value, r.offset_s) for r in frame.readings] == [
        ("B", 16.0, None),
        ("B", 15.0, -PULSE4_HISTORY_S),
        ("B", 13.0, -2 * PULSE4_HISTORY_S),
    ]


def test_history_below_zero_is_refused() -> None:
    with pytest.raises(BadValue):
        decode(PULSE4, 1, bytes.fromhex("5a01000000010002"))


def test_timestamp_flag_without_room_for_it_is_a_short_frame() -> None:
    with pytest.raises(BadLength):
        decode(PULSE4, 1, bytes.fromhex("46050000000100000002"))


def test_configuration_frame_has_no_readings() -> None:
    frame = decode(PULSE4, 1, bytes.fromhex("1001" + "00" * 26))
    assert not frame.readings and frame.info_dict()["frame"] == "configuration"


def test_history_encoder_round_trips_with_timestamp() -> None:
    at = EPOCH_2013 + timedelta(days=4000)
    frame = Frame(
        readings=tuple(
            DecodedReading(Quantity.PULSE_COUNT, v, Kind.CUMULATIVE, "A", at=at - timedelta(days=i))
            for i, v in enumerate((500.0, 480.0, 400.0))
        )
    )
    port, payload = encode_pulse4(frame)
    assert (port, payload[0], payload[1] & 0x04) == (1, 0x5A, 0x04)
    assert decode(PULSE4, port, payload).readings == frame.readings


def test_history_encoder_refuses_irregular_spacing() -> None:
    readings = (
        DecodedReading(Quantity.PULSE_COUNT, 10.0, Kind.CUMULATIVE, "A"),
        DecodedReading(Quantity.PULSE_COUNT, 9.0, Kind.CUMULATIVE, "A", offset_s=-60),
    )
    with pytest.raises(EncodeError):
        encode_pulse4(Frame(readings=readings))


def test_tic_absent_label_is_no_reading_and_no_fault() -> None:
    payload = bytes.fromhex(
        "4900" + "00" * 16 + "80000000" + "0000001e" + "80000000" * 3 + "00000064" + "80000000" + "00" * 4
    )
    frame = decode("adeunis/tic-cbe-linky-mono", 1, payload)
    assert [(r.quantity, r.channel, r.value) for r in frame.readings] == [
        (Quantity.ENERGY_IMPORT, "HCHC", 0.1)
    ]
    assert not frame.alarms


def test_tic_text_must_be_printable() -> None:
    payload = bytes.fromhex("4900" + "ff" * 12 + "00" * 36)
    with pytest.raises(BadValue):
        decode("adeunis/tic-cbe-linky-mono", 1, payload)


def test_comfort_co2_version_frame() -> None:
    frame = decode("adeunis/comfort-co2", 1, bytes.fromhex("3700020302010203"))
    assert frame.info_dict()["app_version"] == "2.3.2"
