"""TEKTELIC BREEZE CO2 field details."""

from __future__ import annotations

from decoders import Quantity, decode

MODEL = "tektelic/t00078xx-smart-room-sensor-co2"


def test_repeated_field_keeps_the_last_value() -> None:
    frame = decode(MODEL, 10, bytes.fromhex("0be401900be401f4"))
    assert [(r.quantity, r.value) for r in frame.readings] == [(Quantity.CO2, 500.0)]


def test_downlink_result_is_information_only() -> None:
    frame = decode(MODEL, 101, bytes.fromhex("0100"))
    assert not frame.readings and frame.info_dict()["frame"] == "downlink_result"
