"""Milesight channel list: what the vectors do not show (faults, alarm bits, firmware 1.3+ items)."""

from __future__ import annotations

import struct
from datetime import UTC, datetime

import pytest

from decoders import (
    MODELS,
    Alarm,
    AlarmKind,
    BadLength,
    BadValue,
    DecodedReading,
    EncodeError,
    Frame,
    Kind,
    Quantity,
    UnknownFrameType,
    UnsupportedPort,
    decode,
)
from decoders.vendors import milesight

AT = datetime(2022, 10, 12, 8, 2, 38, tzinfo=UTC)


def values(frame: Frame) -> dict[Quantity, float]:
    return {r.quantity: r.value for r in frame.readings}


def alarm_kinds(frame: Frame) -> set[AlarmKind]:
    return {a.kind for a in frame.alarms}


def test_an_unknown_item_after_good_ones_rejects_the_whole_frame() -> None:
    with pytest.raises(UnknownFrameType):
        decode("milesight-iot/em300-zld", 85, bytes.fromhex("01755c0500017777"))


def test_empty_frame_and_direct_call_on_another_port() -> None:
    with pytest.raises(BadLength):
        decode("milesight-iot/am107", 85, b"")
    with pytest.raises(UnsupportedPort):
        milesight.decode_em500_pp(1, bytes.fromhex("017564"))


def test_power_on_attributes_are_information() -> None:
    frame = decode("milesight-iot/em300-di", 85, bytes.fromhex("ff0bffff0101ff0a0102fffe01"))
    assert frame.readings == ()
    assert frame.info_dict() == {
        "power_on": "ff",
        "protocol_version": "01",
        "firmware_version": "0102",
        "reset_event": "01",
    }


def test_live_leak_raises_an_alarm_but_a_stored_one_does_not() -> None:
    live = decode("milesight-iot/em300-zld", 85, bytes.fromhex("050001"))
    assert alarm_kinds(live) == {AlarmKind.LEAK}
    stored = decode("milesight-iot/em300-zld", 85, bytes.fromhex("20ce9e74466310015d01"))
    assert stored.alarms == ()
    assert all(r.at == AT for r in stored.readings)


def test_em500_pp_negative_gauge_pressure() -> None:
    frame = decode("milesight-iot/em500-pp", 85, bytes.fromhex("037bf6ff"))  # -10 kPa
    assert values(frame) == {Quantity.PIPE_PRESSURE: -0.1}


@pytest.mark.parametrize(
    ("hex_value", "detail"), [("fdff", "over the sensor's range"), ("ffff", "read failed")]
)
def test_ct101_temperature_sentinels_are_faults(hex_value: str, detail: str) -> None:
    frame = decode("milesight-iot/ct101", 85, bytes.fromhex("0967" + hex_value))
    assert frame.readings == ()
    assert [a.kind for a in frame.alarms] == [AlarmKind.SENSOR_FAULT]
    assert detail in frame.alarms[0].detail


def test_ct101_negative_temperature_and_temperature_alarm() -> None:
    assert values(decode("milesight-iot/ct101", 85, bytes.fromhex("09679cff"))) == {
        Quantity.TEMPERATURE: -10.0
    }
    frame = decode("milesight-iot/ct101", 85, bytes.fromhex("89672c0101"))
    assert values(frame) == {Quantity.TEMPERATURE: 30.0}
    assert alarm_kinds(frame) == {AlarmKind.HIGH_TEMPERATURE}


def test_ct101_alarm_releases_are_information_not_alarms() -> None:
    frame = decode("milesight-iot/ct101", 85, bytes.fromhex("8498b80bd007c4090a"))
    assert frame.alarms == ()
    assert values(frame) == {Quantity.CURRENT: 25.0}
    assert ("current_max_a", 30.0) in frame.info and ("current_min_a", 20.0) in frame.info
    assert [v for k, v in frame.info if k == "event"] == [
        "current threshold alarm release",
        "current over range release",
    ]


def test_ct101_total_is_a_cumulative_charge_in_ah() -> None:
    (reading,) = decode("milesight-iot/ct101", 85, bytes.fromhex("0397d2040000")).readings
    assert reading == DecodedReading(Quantity.ELECTRIC_CHARGE, 12.34, Kind.CUMULATIVE)
    assert reading.unit == "Ah"


def _converted(water: float, water_conv: int = 100, pulse_conv: int = 10) -> str:
    return (
        water_conv.to_bytes(2, "little") + pulse_conv.to_bytes(2, "little") + struct.pack("<f", water)
    ).hex()


def test_em300_di_converted_count_uses_the_devices_own_ratio() -> None:
    # water_conv 1.0 per pulse_conv 2.0 pulses: the device reports 617.0 units for 1234 pulses.
    frame = decode("milesight-iot/em300-di", 85, bytes.fromhex("05e1" + _converted(617.0, 10, 20)))
    assert values(frame) == {Quantity.PULSE_COUNT: 1234.0}
    assert frame.info_dict() == {"device_water_per_pulse": 0.5}


@pytest.mark.parametrize("payload", ["05e1" + _converted(10.0, 0, 10), "05e1" + _converted(float("nan"))])
def test_em300_di_impossible_conversion_is_a_bad_value(payload: str) -> None:
    with pytest.raises(BadValue):
        decode("milesight-iot/em300-di", 85, bytes.fromhex(payload))


def test_em300_di_water_outage_alarm_and_gpio_alarm() -> None:
    frame = decode("milesight-iot/em300-di", 85, bytes.fromhex("85e1" + _converted(2560.0) + "01"))
    assert alarm_kinds(frame) == {AlarmKind.DRY}
    frame = decode("milesight-iot/em300-di", 85, bytes.fromhex("85000101"))
    assert values(frame) == {Quantity.DIGITAL_INPUT: 1.0}
    assert frame.alarms == () and frame.info_dict() == {"event": "gpio alarm"}
    with pytest.raises(BadValue):
        decode("milesight-iot/em300-di", 85, bytes.fromhex("85e1" + _converted(2560.0) + "09"))


def test_em300_di_history_v2_in_pulse_and_gpio_modes() -> None:
    head = "21ce9e74466310015d"
    pulses = decode("milesight-iot/em300-di", 85, bytes.fromhex(head + "030200" + _converted(2560.0)))
    assert {(r.quantity, r.value, r.at) for r in pulses.readings} == {
        (Quantity.TEMPERATURE, 27.2, AT),
        (Quantity.HUMIDITY, 46.5, AT),
        (Quantity.PULSE_COUNT, 256.0, AT),
    }
    assert pulses.alarms == () and pulses.info_dict() == {"history_alarm_code": 3}
    gpio = decode("milesight-iot/em300-di", 85, bytes.fromhex(head + "000101" + "00" * 8))
    assert values(gpio)[Quantity.DIGITAL_INPUT] == 1.0


def test_zld_encoder_refuses_a_leak_without_its_alarm_and_past_readings() -> None:
    encode = MODELS["milesight-iot/em300-zld"].encode
    assert encode is not None
    leak = DecodedReading(Quantity.WATER_LEAK, 1.0, Kind.STATE)
    with pytest.raises(EncodeError):
        encode(Frame(readings=(leak,)))
    assert encode(Frame(readings=(leak,), alarms=(Alarm(AlarmKind.LEAK),))) == (85, bytes.fromhex("050001"))
    with pytest.raises(EncodeError):
        encode(Frame(readings=(DecodedReading(Quantity.TEMPERATURE, 20.0, Kind.INSTANTANEOUS, at=AT),)))


def test_am107_encoder_checks_grid_and_kind() -> None:
    encode = MODELS["milesight-iot/am107"].encode
    assert encode is not None
    with pytest.raises(EncodeError):
        encode(Frame(readings=(DecodedReading(Quantity.HUMIDITY, 50.25, Kind.INSTANTANEOUS),)))
    with pytest.raises(EncodeError):
        encode(Frame(readings=(DecodedReading(Quantity.MOTION_COUNT, 3.0, Kind.CUMULATIVE),)))
    port, payload = encode(Frame(readings=(DecodedReading(Quantity.ILLUMINANCE, 28.0, Kind.INSTANTANEOUS),)))
    assert (port, payload) == (85, bytes.fromhex("06651c0000000000"))
