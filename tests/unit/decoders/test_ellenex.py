"""Ellenex PLS2-L: level in mm of water -> m, signed; encoder refusals."""

from __future__ import annotations

import pytest

from decoders import DecodedReading, EncodeError, Frame, Kind, Quantity, decode
from decoders.vendors.ellenex import encode_pls2_l


def test_level_is_signed_millimetres_reported_in_metres() -> None:
    frame = decode("ellenex/pls2-l", 15, bytes.fromhex("0000007fff000024"))
    assert [(r.quantity, r.value) for r in frame.readings] == [
        (Quantity.LEVEL, 32.767),
        (Quantity.BATTERY_VOLTAGE, 3.6),
    ]
    below = decode("ellenex/pls2-l", 15, bytes.fromhex("000000ffff000024"))
    assert below.readings[0].value == -0.001


@pytest.mark.parametrize(("level", "volts"), [(40.0, 3.6), (1.2345, 3.6), (1.0, 3.65)])
def test_encoder_refuses_values_the_frame_cannot_hold(level: float, volts: float) -> None:
    frame = Frame(
        readings=(
            DecodedReading(Quantity.LEVEL, level, Kind.INSTANTANEOUS),
            DecodedReading(Quantity.BATTERY_VOLTAGE, volts, Kind.INSTANTANEOUS),
        )
    )
    with pytest.raises(EncodeError):
        encode_pls2_l(frame)
