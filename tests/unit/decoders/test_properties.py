"""Arbitrary bytes never crash a decoder; every encoder round-trips through its decoder."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decoders import MODELS, DecodeError, Frame, decode
from tests.unit.decoders.expected import actual

MODEL_IDS = sorted(MODELS)
ENCODABLE = sorted(m for m, spec in MODELS.items() if spec.encode is not None)


@pytest.mark.parametrize("model_id", MODEL_IDS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(f_port=st.integers(min_value=0, max_value=255), payload=st.binary(max_size=128))
def test_arbitrary_bytes_decode_or_raise_decode_error(model_id: str, f_port: int, payload: bytes) -> None:
    ports = sorted(MODELS[model_id].ports)
    for port in [f_port, *ports]:
        try:
            frame = decode(model_id, port, payload)
        except DecodeError:
            continue
        assert isinstance(frame, Frame)
        for reading in frame.readings:
            assert reading.value == reading.value, "NaN is never a reading"


@pytest.mark.parametrize("model_id", ENCODABLE)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_encode_decode_round_trip(model_id: str, data: st.DataObject) -> None:
    from tests.unit.decoders.frames import frames_for

    frame = data.draw(frames_for(model_id))
    encode = MODELS[model_id].encode
    assert encode is not None
    port, payload = encode(frame)
    decoded = decode(model_id, port, payload)
    got, got_alarms = actual(decoded)
    want, want_alarms = actual(frame)
    assert sorted(got, key=repr) == sorted(want, key=repr)
    assert got_alarms == want_alarms
