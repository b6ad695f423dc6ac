"""``DecodedReading``'s own ``__init__`` (through its slots' setters) makes the objects the
dataclass's generated one would: same fields, defaults, check of ``at``, equality, hash,
``replace``, pickling, and still frozen."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from decoders.model import DecodedReading, Kind, Quantity


def _check_at(self: Any) -> None:
    if self.at is not None and self.at.tzinfo is None:
        raise ValueError("DecodedReading.at must be timezone-aware")


# ``DecodedReading``'s fields, defaults and check, with the dataclass's own ``__init__``.
Generated: type[Any] = dataclasses.make_dataclass(
    "Generated",
    [
        (f.name, f.type) if f.default is dataclasses.MISSING else (f.name, f.type, f.default)
        for f in dataclasses.fields(DecodedReading)
    ],
    namespace={"__post_init__": _check_at},
    frozen=True,
    slots=True,
)


times = st.none() | st.datetimes(timezones=st.just(UTC))


@given(
    st.sampled_from(Quantity),
    st.floats(allow_nan=False),
    st.sampled_from(Kind),
    st.text(max_size=3),
    st.none() | st.integers(-(10**6), 0),
    times,
)
def test_the_same_reading_as_the_generated_init(
    quantity: Quantity, value: float, kind: Kind, channel: str, offset_s: int | None, at: datetime | None
) -> None:
    generated = Generated(quantity, value, kind, channel, offset_s, at)
    positional = DecodedReading(quantity, value, kind, channel, offset_s, at)
    keywords = DecodedReading(
        quantity=quantity, value=value, kind=kind, channel=channel, offset_s=offset_s, at=at
    )
    assert dataclasses.astuple(positional) == dataclasses.astuple(generated)
    assert positional == keywords and hash(positional) == hash(keywords)
    assert pickle.loads(pickle.dumps(positional)) == positional
    assert dataclasses.replace(positional, value=value + 1).value == value + 1
    assert dataclasses.astuple(DecodedReading(quantity, value, kind)) == dataclasses.astuple(
        Generated(quantity, value, kind)
    )


def test_a_naive_time_is_refused_and_the_reading_stays_frozen() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        DecodedReading(Quantity.WATER_VOLUME, 1.0, Kind.CUMULATIVE, at=datetime(2026, 1, 1))
    reading = DecodedReading(
        Quantity.WATER_VOLUME, 1.0, Kind.CUMULATIVE, at=datetime.now(UTC) - timedelta(hours=1)
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        reading.value = 2.0  # type: ignore[misc]
