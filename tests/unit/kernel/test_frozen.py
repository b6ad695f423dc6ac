"""``quick_init``: the same objects as the dataclass's own ``__init__``, only faster."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.frozen import quick_init
from kernel.types import Reading, Uplink


def _meter_class(name: str) -> type[Any]:
    """A frozen, slotted dataclass with defaults, a field left out of equality and a check,
    named as the module names it (so that pickle finds it)."""

    @dataclasses.dataclass(frozen=True, slots=True)
    class Meter:
        name: str
        value: float
        unit: str = "m3"
        note: str | None = None
        ignored: int = dataclasses.field(default=0, compare=False)

        def __post_init__(self) -> None:
            if self.value < 0:
                raise ValueError("negative")

    Meter.__name__ = Meter.__qualname__ = name
    return Meter


Plain = _meter_class("Plain")
Quick = quick_init(_meter_class("Quick"))


def _fields(obj: object) -> tuple[object, ...]:
    return tuple(getattr(obj, f.name) for f in dataclasses.fields(obj))  # type: ignore[arg-type]


@given(
    st.text(max_size=5),
    st.floats(min_value=0, allow_nan=False),
    st.one_of(st.none(), st.text(max_size=3)),
    st.integers(),
)
def test_same_fields_as_the_dataclass_init_positional_and_by_keyword(
    name: str, value: float, note: str | None, ignored: int
) -> None:
    assert _fields(Quick(name, value)) == _fields(Plain(name, value))
    assert _fields(Quick(name, value, "kWh", note, ignored)) == _fields(
        Plain(name, value, "kWh", note, ignored)
    )
    assert _fields(Quick(note=note, value=value, name=name)) == _fields(
        Plain(note=note, value=value, name=name)
    )


def test_post_init_runs_and_the_object_stays_frozen_hashable_and_replaceable() -> None:
    with pytest.raises(ValueError, match="negative"):
        Quick("a", -1.0)
    q = Quick("a", 1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.value = 2.0
    assert q == Quick("a", 1.0, ignored=5) and hash(q) == hash(Quick("a", 1.0))
    assert dataclasses.replace(q, value=3.0) == Quick("a", 3.0)
    assert pickle.loads(pickle.dumps(q)) == q


def test_wrong_arguments_fail_as_they_would() -> None:
    with pytest.raises(TypeError):
        Quick("a")
    with pytest.raises(TypeError):
        Quick("a", 1.0, colour="red")


def test_refuses_what_it_cannot_build() -> None:
    @dataclasses.dataclass(slots=True)
    class Mutable:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Factory:
        a: list[int] = dataclasses.field(default_factory=list)

    for cls in (Mutable, Factory):
        with pytest.raises(TypeError):
            quick_init(cls)


def test_the_hot_types_keep_their_checks() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Reading("0011223344556677", "water_volume", 1.0, "m3", "cumulative", datetime(2026, 1, 1))
    reading = Reading(
        "0011223344556677", "water_volume", 1.0, "m3", "cumulative", datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert reading.with_delta(0.5) == dataclasses.replace(reading, delta=0.5)
    assert Uplink.__init__.__qualname__ == "Uplink.__init__"
