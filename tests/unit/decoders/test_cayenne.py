"""Cayenne LPP: non-measurement types as info, states, and what the encoder refuses."""

from __future__ import annotations

import pytest

from decoders import DecodedReading, EncodeError, Frame, Kind, Quantity, decode, get_model


def test_gps_and_accelerometer_values_are_information() -> None:
    frame = decode("generic/cayenne-lpp", 3, bytes.fromhex("018806765ff2960a0003e8067104d2fb2e0000"))
    assert frame.readings == ()
    assert frame.info_dict() == {
        "gps_1_latitude": 42.3519,
        "gps_1_longitude": -87.9094,
        "gps_1_altitude_m": 10.0,
        "accelerometer_g_6_x": 1.234,
        "accelerometer_g_6_y": -1.234,
        "accelerometer_g_6_z": 0.0,
    }


def test_any_non_zero_digital_input_is_state_one() -> None:
    frame = decode("generic/cayenne-lpp", 1, bytes.fromhex("01002a"))
    assert [(r.quantity, r.value, r.kind) for r in frame.readings] == [
        (Quantity.DIGITAL_INPUT, 1.0, Kind.STATE)
    ]


@pytest.mark.parametrize(
    "reading",
    [
        DecodedReading(Quantity.TEMPERATURE, 21.25, Kind.INSTANTANEOUS, channel="1"),  # off the 0.1 grid
        DecodedReading(Quantity.TEMPERATURE, 21.2, Kind.INSTANTANEOUS, channel="outdoor"),
        DecodedReading(Quantity.HUMIDITY, 130.0, Kind.INSTANTANEOUS, channel="1"),  # past 127.5 %
        DecodedReading(Quantity.CO2, 400.0, Kind.INSTANTANEOUS, channel="1"),  # no LPP type
        DecodedReading(Quantity.TEMPERATURE, 21.2, Kind.INSTANTANEOUS, channel="1", offset_s=-60),
    ],
)
def test_encoder_refuses_what_lpp_cannot_carry(reading: DecodedReading) -> None:
    encode = get_model("generic/cayenne-lpp").encode
    assert encode is not None
    with pytest.raises(EncodeError):
        encode(Frame(readings=(reading,)))
