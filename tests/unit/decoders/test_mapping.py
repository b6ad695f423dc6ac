"""The field-map decoder on real network-server envelopes, its checks, and arbitrary objects."""

from __future__ import annotations

import contextlib
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decoders import (
    AlarmKind,
    DecodeError,
    FieldMap,
    FieldMapError,
    Kind,
    MappingError,
    Quantity,
    decode_object,
)
from tests.unit.decoders.expected import R, actual

ENVELOPES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "envelopes"


def _envelope(name: str) -> dict[str, Any]:
    data = json.loads((ENVELOPES / name).read_text())
    return {key: value for key, value in data.items() if not key.startswith("_")}


# The ChirpStack v4 fixture is a Milesight-style AN-303 (temperature, humidity, tamper, battery in V).
AN303 = """
[[fields]]
path = "temperature"
quantity = "temperature"
unit = "degC"

[[fields]]
path = "humidity"
quantity = "humidity"

[[fields]]
path = "batteryVoltage"
quantity = "battery_voltage"
unit = "V"

[[fields]]
path = "tamper"
alarm = "tamper"

[[fields]]
path = "co2"
quantity = "co2"
"""


def test_chirpstack_object_with_a_toml_field_map() -> None:
    envelope = _envelope("chirpstack_v4/up_multi_gateway_confirmed_object_vendor_field.json")
    obj = envelope["object"]
    frame = decode_object(obj, FieldMap.from_dict(tomllib.loads(AN303)))
    readings, alarms = actual(frame)
    assert sorted(readings, key=repr) == sorted(
        [
            R("temperature", obj["temperature"], "instantaneous"),
            R("humidity", obj["humidity"], "instantaneous"),
            R("battery_voltage", obj["batteryVoltage"], "instantaneous"),
        ],
        key=repr,
    )
    assert alarms == {("tamper", "")}  # the object has no co2: that field is skipped


def test_tts_decoded_payload_with_unit_conversion() -> None:
    envelope = _envelope("tts_v3/up_confirmed_starter_kit_2025.json")
    decoded = envelope["uplink_message"]["decoded_payload"]
    field_map = FieldMap.from_dict(
        {
            "fields": [
                {"path": "sensorTemperature", "quantity": "temperature"},
                {"path": "batteryVoltage", "quantity": "battery_voltage", "unit": "mV", "scale": 1000},
                {"path": "singlePressEventCounter", "quantity": "pulse_count", "channel": "button"},
                {"path": "thermistorProperlyConnected", "quantity": "digital_input"},
            ]
        }
    )
    frame = decode_object(decoded, field_map)
    readings, _ = actual(frame)
    assert sorted(readings, key=repr) == sorted(
        [
            R("temperature", decoded["sensorTemperature"], "instantaneous"),
            R("battery_voltage", decoded["batteryVoltage"], "instantaneous"),  # V * 1000 = mV -> V again
            R("pulse_count", float(decoded["singlePressEventCounter"]), "cumulative", "button"),
            R("digital_input", 1.0, "state"),
        ],
        key=repr,
    )


def test_tts_envelope_without_decoded_payload_gives_an_empty_frame() -> None:
    envelope = _envelope("tts_v3/up_mqtt_docs.json")
    field_map = FieldMap.from_dict(
        {"fields": [{"path": "uplink_message.decoded_payload.temperature", "quantity": "temperature"}]}
    )
    frame = decode_object(envelope, field_map)
    assert frame.readings == () and frame.alarms == ()


def test_list_items_by_index_and_conversions() -> None:
    obj = {"meter": {"index": 123456}, "channels": [{"value": 2500}, {"value": "1013.2"}], "t": 300.15}
    field_map = FieldMap.from_dict(
        {
            "fields": [
                {"path": "meter.index", "quantity": "water_volume", "unit": "L"},
                {
                    "path": "channels.0.value",
                    "quantity": "power",
                    "unit": "kW",
                    "scale": 0.001,
                    "channel": "L1",
                },
                {"path": "channels.1.value", "quantity": "pressure", "unit": "mbar"},
                {"path": "channels.5.value", "quantity": "pressure", "unit": "mbar", "channel": "missing"},
                {"path": "t", "quantity": "temperature", "unit": "K"},
            ]
        }
    )
    frame = decode_object(obj, field_map)
    got = {(r.quantity, r.channel): (r.value, r.kind) for r in frame.readings}
    assert got == {
        (Quantity.WATER_VOLUME, ""): (123.456, Kind.CUMULATIVE),
        (Quantity.POWER, "L1"): (2500.0, Kind.INSTANTANEOUS),
        (Quantity.PRESSURE, ""): (1013.2, Kind.INSTANTANEOUS),
        (Quantity.TEMPERATURE, ""): (27.0, Kind.INSTANTANEOUS),
    }


@pytest.mark.parametrize("value", ["n/a", [1, 2], {"v": 1}, "nan", float("inf")])
def test_a_non_numeric_value_is_a_mapping_error(value: object) -> None:
    field_map = FieldMap.from_dict({"fields": [{"path": "v", "quantity": "temperature"}]})
    with pytest.raises(MappingError, match="v"):
        decode_object({"v": value}, field_map)


def test_null_is_skipped_and_false_is_zero() -> None:
    field_map = FieldMap.from_dict(
        {"fields": [{"path": "a", "quantity": "temperature"}, {"path": "leak", "quantity": "water_leak"}]}
    )
    frame = decode_object({"a": None, "leak": False}, field_map)
    assert [(r.quantity, r.value, r.kind) for r in frame.readings] == [(Quantity.WATER_LEAK, 0.0, Kind.STATE)]


def test_alarm_raised_only_when_non_zero() -> None:
    field_map = FieldMap.from_dict({"fields": [{"path": "leak", "alarm": "leak", "channel": "kitchen"}]})
    assert decode_object({"leak": 0}, field_map).alarms == ()
    assert [(a.kind, a.channel) for a in decode_object({"leak": True}, field_map).alarms] == [
        (AlarmKind.LEAK, "kitchen")
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"path": "x", "quantity": "volume"}, "field 1 .*unknown quantity 'volume'"),
        (
            {"path": "x", "quantity": "water_volume", "unit": "gallon"},
            "field 1 .*unit 'gallon' cannot become m3",
        ),
        ({"path": "x", "quantity": "temperature", "unit": "kWh"}, "field 1 .*unit 'kWh'"),
        ({"path": "x", "quantity": "temperature", "kind": "average"}, "field 1 .*unknown kind"),
        ({"path": "x", "alarm": "fire"}, "field 1 .*unknown alarm 'fire'"),
        ({"path": "x"}, "field 1 .*either a quantity or an alarm"),
        ({"path": "x", "quantity": "co2", "alarm": "leak"}, "field 1 .*either a quantity or an alarm"),
        ({"path": "a..b", "quantity": "co2"}, "field 1: path"),
        ({"path": "x", "quantity": "co2", "scale": 0}, "field 1 .*scale"),
        ({"path": "x", "quantity": "co2", "scale": "2"}, "field 1 .*scale"),
        ({"path": "x", "quantity": "co2", "colour": "red"}, "field 1: unknown key"),
        ({"quantity": "co2"}, "field 1: 'path' must be a string"),
        ("co2", "field 1: expected a table"),
    ],
)
def test_bad_entries_name_their_index(entry: object, message: str) -> None:
    good = {"path": "ok", "quantity": "co2"}
    with pytest.raises(FieldMapError, match=message):
        FieldMap.from_dict({"fields": [good, entry]})


def test_a_field_map_needs_a_fields_list() -> None:
    with pytest.raises(FieldMapError):
        FieldMap.from_dict({})
    with pytest.raises(FieldMapError):
        FieldMap.from_dict({"fields": "temperature"})
    with pytest.raises(FieldMapError):
        FieldMap.from_dict({"fields": [], "extra": 1})


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.sampled_from("abc01"), children, max_size=4)
    ),
    max_leaves=20,
)
PATHS = st.lists(st.sampled_from(["a", "b", "c", "0", "1"]), min_size=1, max_size=3).map(".".join)
ENTRY = st.fixed_dictionaries(
    {"path": PATHS},
    optional={
        "quantity": st.sampled_from([q.value for q in Quantity]),
        "channel": st.sampled_from(["", "1"]),
    },
).map(lambda e: e if "quantity" in e else {**e, "alarm": "leak"})


@settings(max_examples=300, deadline=None)
@given(obj=st.dictionaries(st.sampled_from("abc01"), JSON, max_size=4), entries=st.lists(ENTRY, max_size=6))
def test_arbitrary_objects_decode_or_raise_decode_error(
    obj: dict[str, Any], entries: list[dict[str, Any]]
) -> None:
    field_map = FieldMap.from_dict({"fields": entries})
    try:
        frame = decode_object(obj, field_map)
    except DecodeError:
        return
    assert all(r.value == r.value for r in frame.readings)


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(st.sampled_from(["fields", "x"]), JSON | st.lists(JSON), max_size=2))
def test_arbitrary_field_maps_build_or_raise_field_map_error(data: dict[str, Any]) -> None:
    with contextlib.suppress(FieldMapError):
        FieldMap.from_dict(data)
