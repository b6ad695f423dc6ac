"""EDC module details the vectors do not cover: unsigned values, lengths, one value per frame."""

from __future__ import annotations

import pytest

from decoders import AlarmKind, BadLength, Quantity, decode

MODEL = "minol-zenner/edc-communication-module"


def test_a_value_with_the_top_bit_set_is_read_unsigned() -> None:
    frame = decode(MODEL, 1, bytes.fromhex("00ffffff00"))
    assert [(r.quantity, r.value, r.offset_s) for r in frame.readings] == [
        (Quantity.PULSE_COUNT, 4294967040.0, None)
    ]
    assert not frame.alarms


def test_end_of_life_and_low_battery_are_one_low_battery_alarm() -> None:
    frame = decode(MODEL, 2, bytes.fromhex("0600000001"))
    assert [(a.kind, a.detail) for a in frame.alarms] == [(AlarmKind.LOW_BATTERY, "battery end of life")]


@pytest.mark.parametrize("hex_payload", ["", "27", "270000000c00", "2700000000000000"])
def test_incomplete_values_are_refused(hex_payload: str) -> None:
    with pytest.raises(BadLength):
        decode(MODEL, 1, bytes.fromhex(hex_payload))
