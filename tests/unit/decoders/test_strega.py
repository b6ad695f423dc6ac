"""STREGA smart valve: acknowledgements, malformed ASCII and the encoder's consistency checks."""

from __future__ import annotations

import pytest

from decoders import (
    Alarm,
    AlarmKind,
    BadValue,
    DecodedReading,
    EncodeError,
    Frame,
    Kind,
    Quantity,
    decode,
    get_model,
)

MODEL = "strega/smart-valve"


def test_configuration_acknowledgement_keeps_the_status_and_tells_the_ack() -> None:
    frame = decode(MODEL, 10, b"3300" + b"1" + b"@0B" + b"800A0018")
    assert frame.info_dict()["ack_type"] == "uplink interval"
    assert frame.info_dict()["ack_port"] == 11
    assert frame.battery_voltage == 3.3
    assert next(r.value for r in frame.readings if r.quantity is Quantity.SWITCH_STATE) == 1.0


def test_counter_answer_frame_is_information() -> None:
    frame = decode(MODEL, 24, b"@18" + b"0004D2")
    assert frame.readings == ()
    assert frame.info_dict() == {"ack_port": 24, "ack_type": "counter", "ack_value": "0004D2"}


def test_battery_digits_must_be_decimal() -> None:
    with pytest.raises(BadValue):
        decode(MODEL, 4, b"31A8" + b"0")


def test_battery_level_is_kept_within_0_and_100() -> None:
    assert decode(MODEL, 4, b"1900" + b"0").battery_level == 0.0
    assert decode(MODEL, 4, b"3700" + b"0").battery_level == 100.0


def _frame(leak: float, alarms: tuple[Alarm, ...]) -> Frame:
    inst, state = Kind.INSTANTANEOUS, Kind.STATE
    readings = (
        DecodedReading(Quantity.BATTERY_VOLTAGE, 3.6, inst),
        DecodedReading(Quantity.BATTERY_LEVEL, 100.0, inst),
        DecodedReading(Quantity.SWITCH_STATE, 1.0, state),
        DecodedReading(Quantity.DIGITAL_INPUT, 0.0, state, channel="0"),
        DecodedReading(Quantity.DIGITAL_INPUT, 0.0, state, channel="1"),
        DecodedReading(Quantity.WATER_LEAK, leak, state),
    )
    return Frame(readings=readings, alarms=alarms)


def test_encoder_writes_the_periodic_frame() -> None:
    encode = get_model(MODEL).encode
    assert encode is not None
    assert encode(_frame(1.0, (Alarm(AlarmKind.LEAK), Alarm(AlarmKind.TAMPER)))) == (
        4,
        b"3600" + bytes([0x30 + 0x23]),
    )


def test_encoder_refuses_a_leak_state_without_its_alarm() -> None:
    encode = get_model(MODEL).encode
    assert encode is not None
    with pytest.raises(EncodeError):
        encode(_frame(1.0, ()))
