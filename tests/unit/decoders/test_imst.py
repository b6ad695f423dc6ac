"""IMST iO-KE868: units from the frame only, OBIS channels, input status."""

from __future__ import annotations

import pytest

from decoders import AlarmKind, BadValue, Quantity, UnsupportedPort, decode

MODEL = "imst/ioke868"


def _object_with_unit(obis: bytes, unit: int, scaler: int, mantissa: bytes) -> bytes:
    body = bytes([0xFC]) + obis + bytes([unit, scaler & 0xFF]) + mantissa
    return bytes([0x40, len(body)]) + body


def test_phase_voltage_and_current_get_their_phase_channel() -> None:
    payload = _object_with_unit(bytes([1, 0, 32, 7, 0, 255]), 35, -1, (2301).to_bytes(2, "big"))
    payload += _object_with_unit(bytes([1, 0, 71, 7, 0, 255]), 33, -2, (1234).to_bytes(4, "big"))
    frame = decode(MODEL, 5, payload)
    assert {(r.quantity, r.channel, r.value) for r in frame.readings} == {
        (Quantity.VOLTAGE, "L1", 230.1),
        (Quantity.CURRENT, "L3", 12.34),
    }


def test_energy_in_an_unexpected_unit_is_not_guessed() -> None:
    payload = _object_with_unit(bytes([1, 0, 1, 8, 0, 255]), 13, 0, (5).to_bytes(4, "big"))  # m3 for 1.8.0
    frame = decode(MODEL, 5, payload)
    assert frame.readings == ()
    assert frame.info_dict() == {"obis 1-0:1.8.0*255": "5 dlms unit 13"}


def test_meter_id_mismatch_is_a_sensor_fault() -> None:
    frame = decode(MODEL, 5, bytes([0x00, 0x02, 0x05, 0x04]))
    assert [a.kind for a in frame.alarms] == [AlarmKind.SENSOR_FAULT]
    assert "meter id mismatch" in frame.alarms[0].detail


def test_empty_mantissa_is_refused() -> None:
    with pytest.raises(BadValue):
        decode(MODEL, 5, _object_with_unit(bytes([1, 0, 1, 8, 0, 255]), 30, 0, b""))


def test_only_the_documented_ports() -> None:
    with pytest.raises(UnsupportedPort):
        decode(MODEL, 2, b"\x00\x02\x00\x00")
