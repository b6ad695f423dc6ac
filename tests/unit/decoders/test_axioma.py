"""Qalcosonic W1 details the vector does not cover: status bytes, history multiplier, encoder."""

from __future__ import annotations

import pytest

from decoders import Alarm, AlarmKind, EncodeError, decode
from decoders.vendors.axioma import encode_qalcosonic_w1

MODEL = "axioma/qalcosonic-w1"
# The vendor's example (TTN vendor/axioma), status 0x00
DAILY = bytes.fromhex(
    "01aeac986a003217000000000000000000008003800054000e4005100048000240020000200000000000000000000000000000"
)


def with_status(status: int) -> bytes:
    return DAILY[:5] + bytes([status]) + DAILY[6:]


@pytest.mark.parametrize(
    ("status", "kinds"),
    [
        (0x10, {AlarmKind.DRY}),
        (0x14, {AlarmKind.LOW_BATTERY, AlarmKind.METER_ERROR}),
        (0x20, {AlarmKind.LEAK}),
        (0x60, {AlarmKind.BACKFLOW}),
        (0xA0, {AlarmKind.BURST}),
        (0x88, {AlarmKind.LOW_TEMPERATURE, AlarmKind.METER_ERROR}),
    ],
)
def test_status_flags(status: int, kinds: set[AlarmKind]) -> None:
    assert {a.kind for a in decode(MODEL, 100, with_status(status)).alarms} == kinds


def test_a_non_zero_history_multiplier_keeps_the_index_and_drops_the_hours() -> None:
    payload = DAILY[:-1] + bytes([DAILY[-1] | 0x04])  # multiplier bits are the stream's last 6
    frame = decode(MODEL, 100, payload)
    assert [r.value for r in frame.readings] == [5.938]
    assert frame.info_dict()["history_multiplier"] == 1


def test_the_encoder_writes_the_vendor_frame_back() -> None:
    for status in (0x00, 0x24, 0x60, 0x10):
        assert encode_qalcosonic_w1(decode(MODEL, 100, with_status(status))) == (100, with_status(status))


def test_the_encoder_refuses_alarms_the_status_byte_cannot_carry() -> None:
    frame = decode(MODEL, 100, DAILY)
    both = (Alarm(AlarmKind.LEAK), Alarm(AlarmKind.BACKFLOW))
    for alarms in (both, (Alarm(AlarmKind.TAMPER),)):
        with pytest.raises(EncodeError):
            encode_qalcosonic_w1(type(frame)(readings=frame.readings, alarms=alarms))
