"""Arwin LRS2M001: meter event bits to alarms, signed power."""

from __future__ import annotations

from decoders import AlarmKind, Quantity, decode

MODEL = "arwin-technology/lrs2m001-4xxx"


def test_backup_power_and_low_backup_battery() -> None:
    word = 50 << 10 | 1 << 1 | 1 << 8 | 1  # 50 Hz, on backup power, backup battery low, heartbeat
    payload = bytes([0x0A]) + (2300).to_bytes(2, "big") * 3 + word.to_bytes(3, "big") + bytes([5])
    frame = decode(MODEL, 10, payload)
    assert {a.kind for a in frame.alarms} == {AlarmKind.POWER_OFF, AlarmKind.LOW_BATTERY}
    assert frame.info_dict() == {"heartbeat": True}
    assert frame.battery_level == 5.0


def test_exported_power_is_negative() -> None:
    power = (-1000) & 0x3FFFFF  # -100.0 W
    payload = bytes([0x0A]) + (25).to_bytes(2, "big") + (power << 10 | 990).to_bytes(4, "big") + bytes(4)
    frame = decode(MODEL, 61, payload)
    values = {r.quantity: (r.value, r.channel) for r in frame.readings}
    assert values[Quantity.POWER] == (-100.0, "4-L3")
    assert values[Quantity.POWER_FACTOR] == (0.99, "4-L3")
    assert values[Quantity.ENERGY_IMPORT] == (0.0, "4-L3")
    assert frame.alarms == ()
