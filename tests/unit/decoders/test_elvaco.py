"""CMi4140/CMi4160 details the vectors do not cover: the encoder's error flags and grids."""

from __future__ import annotations

from dataclasses import replace

import pytest

from decoders import AlarmKind, EncodeError, Frame, decode
from decoders.vendors.elvaco import encode_cmi4140

# Example 2 of TTN vendor/elvaco/cmi4140-codec.yaml, with the error flags of example 1 (0x00010000)
STANDARD = bytes.fromhex(
    "150405b827bd3a04142cddb10d02290000023a000002598f26025d61160c784405817904fd1700000100"
)


def test_the_encoder_writes_meter_errors_as_error_flags() -> None:
    frame = decode("elvaco/cmi4140", 2, STANDARD)
    assert [a.kind for a in frame.alarms] == [AlarmKind.METER_ERROR]
    again = decode("elvaco/cmi4140", *encode_cmi4140(frame))
    assert again.readings == frame.readings
    assert [a.kind for a in again.alarms] == [AlarmKind.METER_ERROR]
    assert again.info_dict()["error_flags"] == 1


def test_the_encoder_refuses_values_off_its_grid() -> None:
    frame = decode("elvaco/cmi4140", 2, STANDARD)
    off_grid = tuple(replace(r, value=r.value + 0.001) for r in frame.readings)
    with pytest.raises(EncodeError):
        encode_cmi4140(Frame(readings=off_grid))
    with pytest.raises(EncodeError):
        encode_cmi4140(Frame(readings=frame.readings[1:]))
