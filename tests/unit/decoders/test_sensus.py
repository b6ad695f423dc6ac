"""iPERL details the vectors do not cover: the extended link layer, error flags, the encoder."""

from __future__ import annotations

import pytest

from decoders import AlarmKind, BadLength, decode
from decoders.vendors.sensus import encode_iperl

MODEL = "sensus/iperl"
# The SND-ALARM frame of TTN vendor/sensus/iperl-codec.yaml
ALARM = bytes.fromhex(
    "7a060400008404133a1c7e0184046d2a2d13368d04931318d23c34002e0034002e0039002e0034002e00340033003400"
)


def test_an_extended_link_layer_block_is_skipped() -> None:
    plain = decode(MODEL, 20, ALARM)
    assert decode(MODEL, 21, bytes.fromhex("9003aabbcc") + ALARM) == plain
    with pytest.raises(BadLength):
        decode(MODEL, 20, bytes.fromhex("9005aabb"))


def test_error_flags_are_a_meter_error() -> None:
    frame = decode(MODEL, 22, bytes.fromhex("7a0100000002fd170200"))
    assert [a.kind for a in frame.alarms] == [AlarmKind.METER_ERROR]
    assert frame.info_dict()["error_flags"] == 2


def test_the_encoder_writes_the_published_frame() -> None:
    port, payload = encode_iperl(decode(MODEL, 20, ALARM))
    assert port == 20
    assert payload[0] == 0x7A and payload[2:] == ALARM[2:]  # all but the access number
