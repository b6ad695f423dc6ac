"""DeviceConfig: a device's settings for the decoders, from its provisioning tags."""

from __future__ import annotations

import itertools

import pytest

from decoders import DeviceConfig, MissingConfig, decode

AGGREGATE = bytes.fromhex("02000000000502000000002134436222354463")  # two readings, one timestamp


def test_tags_give_the_read_period() -> None:
    assert DeviceConfig.from_tags({"read_period_s": " 600 ", "usage": "lighting"}).read_period_s == 600
    assert DeviceConfig.from_tags({}).read_period_s is None
    assert DeviceConfig.from_tags({"read_period_s": ""}).read_period_s is None


@pytest.mark.parametrize("value", ["ten minutes", "0", "-60", "1e3", str(8 * 86400)])
def test_an_unusable_tag_is_named(value: str) -> None:
    with pytest.raises(ValueError, match="read_period_s"):
        DeviceConfig.from_tags({"read_period_s": value})


def test_the_period_spaces_an_aggregate_and_is_needed_for_it() -> None:
    with pytest.raises(MissingConfig, match="read_period_s"):
        decode("laird/rs1xx-temp-rh-sensor", 1, AGGREGATE)
    frame = decode("laird/rs1xx-temp-rh-sensor", 1, AGGREGATE, DeviceConfig(read_period_s=900))
    times = sorted({r.at for r in frame.readings if r.at is not None})
    assert [(b - a).total_seconds() for a, b in itertools.pairwise(times)] == [900.0]


def test_a_model_without_settings_ignores_them() -> None:
    payload = bytes.fromhex("01090c4807d01388020000")
    assert decode("netvox/r72615a", 6, payload, DeviceConfig(read_period_s=60)) == decode(
        "netvox/r72615a", 6, payload
    )
