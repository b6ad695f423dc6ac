"""EMU Professional II: CRC refusal, units, error code and encoder refusals."""

from __future__ import annotations

import pytest

from decoders import AlarmKind, BadValue, DecodedReading, EncodeError, Frame, Kind, Quantity, decode
from decoders.vendors.emu import crc8, encode_emu

FRAME = bytes.fromhex("b4d77b6101b4d77b61031207000039")


def test_a_wrong_crc_refuses_the_frame() -> None:
    with pytest.raises(BadValue, match="CRC"):
        decode("emu/emu-prof-ii", 1, FRAME[:-1] + bytes([FRAME[-1] ^ 0x01]))


def test_current_in_milliamperes_becomes_amperes() -> None:
    body = bytes.fromhex("b4d77b61") + bytes([0x10]) + (1500).to_bytes(4, "little")
    frame = decode("emu/emu-prof-ii", 1, body + bytes([crc8(body)]))
    (reading,) = frame.readings
    assert (reading.quantity, reading.channel, reading.value) == (Quantity.CURRENT, "L1", 1.5)


def test_power_failure_error_code_is_an_alarm() -> None:
    body = bytes.fromhex("b4d77b61f020")
    frame = decode("emu/emu-prof-ii", 1, body + bytes([crc8(body)]))
    assert [a.kind for a in frame.alarms] == [AlarmKind.POWER_OFF]
    assert frame.info_dict() == {"error_code": 0x20}


def test_encoder_refuses_energy_off_the_watt_hour_grid() -> None:
    frame = Frame(readings=(DecodedReading(Quantity.ENERGY_IMPORT, 1.0005, Kind.CUMULATIVE, "T1"),))
    with pytest.raises(EncodeError):
        encode_emu(frame)
