"""flowIQ 2200 details the vectors do not cover: info codes, leak-detection levels, the encoder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from decoders import (
    Alarm,
    AlarmKind,
    DecodedReading,
    EncodeError,
    Frame,
    Kind,
    Quantity,
    UnknownFrameType,
    decode,
)
from decoders.vendors.kamstrup import encode_flowiq2200

MODEL = "kamstrup/flowiq2200-02k73a"
# The integration guide's frame (TTN vendor/kamstrup/mbusparser.yaml), without its idle filler
GUIDE = bytes.fromhex(
    "7a08000000446d002cfd284413c1aa77004d931318620127012201220126012201220121012701220122012701"
)


@pytest.mark.parametrize(
    ("codes", "kinds"),
    [
        (0x0001, {AlarmKind.DRY}),
        (0x0002, {AlarmKind.BACKFLOW}),
        (0x000C, {AlarmKind.LEAK, AlarmKind.BURST}),
        (0x00E0, {AlarmKind.LOW_BATTERY, AlarmKind.LOW_TEMPERATURE, AlarmKind.HIGH_TEMPERATURE}),
    ],
)
def test_info_codes_become_alarms(codes: int, kinds: set[AlarmKind]) -> None:
    frame = decode(MODEL, 1, bytes.fromhex("7802ff25") + codes.to_bytes(2, "little"))
    assert {a.kind for a in frame.alarms} == kinds and frame.info_dict()["info_codes"] == codes


def test_leak_detection_level_and_its_invalid_value() -> None:
    assert decode(MODEL, 1, bytes.fromhex("7802ff1b0700")).info_dict() == {"ald": 7}
    frame = decode(MODEL, 1, bytes.fromhex("7802ff1cff0f"))
    assert [a.kind for a in frame.alarms] == [AlarmKind.SENSOR_FAULT] and not frame.info


def test_unknown_kamstrup_records_and_empty_frames_are_refused() -> None:
    with pytest.raises(UnknownFrameType):
        decode(MODEL, 1, bytes.fromhex("7802ff300000"))
    with pytest.raises(UnknownFrameType):
        decode(MODEL, 1, bytes.fromhex("78"))


def test_the_encoder_writes_the_guides_profile() -> None:
    guide = decode(MODEL, 1, GUIDE)
    port, payload = encode_flowiq2200(guide)
    assert port == 1
    assert payload[5:] == GUIDE[5:] + bytes.fromhex("02ff250000")


def test_the_encoder_refuses_gaps_and_foreign_alarms() -> None:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    r0 = DecodedReading(Quantity.WATER_VOLUME, 1.0, Kind.CUMULATIVE, at=at)
    r2 = DecodedReading(Quantity.WATER_VOLUME, 0.9, Kind.CUMULATIVE, at=at - timedelta(hours=2))
    with pytest.raises(EncodeError):
        encode_flowiq2200(Frame(readings=(r0, r2)))
    with pytest.raises(EncodeError):
        encode_flowiq2200(Frame(readings=(r0,), alarms=(Alarm(AlarmKind.METER_ERROR),)))
