"""Talkpool OY1320 status byte and record checks."""

from __future__ import annotations

import pytest

from decoders import AlarmKind, BadValue, decode


def test_reset_bit_is_information_not_an_alarm() -> None:
    frame = decode("talkpool/oy1320", 2, bytes.fromhex("012100000001012001"))
    assert not frame.alarms
    assert frame.info_dict() == {"status": 1, "reset_detected": True}


def test_unknown_status_bits_are_a_meter_error() -> None:
    frame = decode("talkpool/oy1320", 2, bytes.fromhex("012100000001012080"))
    assert [a.kind for a in frame.alarms] == [AlarmKind.METER_ERROR]


def test_the_same_register_twice_is_refused() -> None:
    with pytest.raises(BadValue):
        decode("talkpool/oy1320", 2, bytes.fromhex("012100000001012100"))
