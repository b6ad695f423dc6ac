"""nke Watteco: the batch codec against the vendor's reference decoder, both ways; the encoders' limits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decoders import (
    BadLength,
    BadValue,
    DecodedReading,
    EncodeError,
    Frame,
    Kind,
    Quantity,
    decode,
    get_model,
)
from decoders.vendors import _zcl
from decoders.vendors._watteco_batch import Label, SampleType, decode_batch, encode_batch

T = SampleType


def _series(payload: str, tag_bits: int, labels: list[Label]) -> dict[int, list[tuple[int, float]]]:
    batch = decode_batch(bytes.fromhex(payload), tag_bits, {lb.number: lb for lb in labels}, "test")
    found: dict[int, list[tuple[int, float]]] = {}
    for s in batch.samples:
        found.setdefault(s.label, []).append((s.age_s, s.value))
    return found


def test_common_timestamps_as_the_vendor_reference_decodes_them() -> None:
    # Watteco/Codec-Report-Batch-Python, test_br_uncompress.py::test_common_timestamp: samples at
    # relative times 1824 and 3624, the report sent at 3624 (so 1800 s and 0 s old).
    labels = [Label(0, T.U32), Label(1, T.U32), Label(2, T.I16), Label(3, T.I16), Label(4, T.U16)]
    got = _series(
        "523000800310050AE1DEC124B41F680FEC01003802237B00008EC01080009DB08C8819AF126440382419100ED903",
        3,
        labels,
    )
    assert got == {
        0: [(1800, 7297), (0, 14497)],
        1: [(1800, 7297), (0, 14497)],
        2: [(1800, 1005), (0, 1005)],
        3: [(1800, 2580), (0, 2541)],
        4: [(1800, 3622), (0, 3676)],
    }


def test_separate_timestamps_and_booleans_as_the_vendor_reference_decodes_them() -> None:
    # Same source, test_integer: sent at relative time 99.
    got = _series("20100000a020a8010000004401e297ad40871b770e377b", 1, [Label(0, T.U32), Label(1, T.BOOL)])
    assert got == {
        0: [(50, 0), (40, 0), (30, 3), (20, 7), (10, 7), (0, 10)],
        1: [(94, 1), (32, 0), (30, 1)],
    }


def test_float_series_as_the_vendor_reference_decodes_them() -> None:
    # Same source, test_float: a float series with integer differences, sent at 1944.
    got = _series("10270080039320180080108183070d45851005", 3, [Label(2, T.FLOAT)])
    assert got == {2: [(114, 11.0), (99, 13.0), (84, 14.0), (69, 21.0), (68, 100.0)]}


SAMPLE_TYPES = [T.BOOL, T.U4, T.I4, T.U8, T.I8, T.U16, T.I16, T.U24, T.I24, T.U32, T.I32]


@st.composite
def _batches(draw: st.DrawFn) -> tuple[dict[int, Label], dict[int, list[tuple[int, float]]], int]:
    numbers = draw(st.lists(st.integers(0, 7), min_size=1, max_size=5, unique=True))
    labels, series = {}, {}
    for n in numbers:
        kind = draw(st.sampled_from(SAMPLE_TYPES))
        resolution = draw(st.sampled_from([1, 1, 10, 100]))
        labels[n] = Label(n, kind, resolution)
        low, high = (
            (-(2 ** (kind.bits - 1)), 2 ** (kind.bits - 1) - 1) if kind.signed else (0, 2**kind.bits - 1)
        )
        times = sorted(draw(st.lists(st.integers(1, 2**20), min_size=1, max_size=8)))
        series[n] = [(t, float(draw(st.integers(low, high)))) for t in times]
    sent = max(t for s in series.values() for t, _ in s) + draw(st.integers(0, 2**16))
    return labels, series, sent


@settings(max_examples=300, deadline=None)
@given(_batches())
def test_any_batch_round_trips_through_the_codec(
    case: tuple[dict[int, Label], dict[int, list[tuple[int, float]]], int],
) -> None:
    labels, series, sent = case
    payload = encode_batch(3, labels, series, sent)
    got = sorted((s.label, sent - s.age_s, s.value) for s in decode_batch(payload, 3, labels, "test").samples)
    assert got == sorted((n, t, v) for n, samples in series.items() for t, v in samples)


def test_a_float_series_round_trips_with_full_values_where_differences_are_not_whole() -> None:
    labels = {0: Label(0, T.FLOAT, 0.1)}
    series = {0: [(10, 12.5), (20, 12.625), (30, -3.25), (40, -3.25)]}
    got = decode_batch(encode_batch(2, labels, series, 40), 2, labels, "test").samples
    assert [(40 - s.age_s, s.value) for s in got] == series[0]
    with pytest.raises(EncodeError):
        encode_batch(2, labels, {0: [(10, 12.6)]}, 40)  # not a single-precision float


def test_malformed_batches_raise_decode_errors() -> None:
    labels = {0: Label(0, T.U32), 1: Label(1, T.U16, 100)}
    good = bytes.fromhex("20000000e008000000207e1c20424030040801")  # the Flash'O vendor example
    assert decode_batch(good, 1, labels, "t").samples
    with pytest.raises(BadLength):
        decode_batch(good + b"\x00", 1, labels, "t")  # a byte after the end
    with pytest.raises(BadLength):
        decode_batch(good[:-2], 1, labels, "t")
    with pytest.raises(BadValue):
        decode_batch(bytes([good[0] | 0x01]) + good[1:], 1, labels, "t")  # a standard report's first byte


def test_time_steps_beyond_the_difference_codes_are_sent_in_full() -> None:
    labels = {0: Label(0, T.U32)}
    series = {0: [(5, 1.0), (5 + 40_000, 2.0), (5 + 40_000 + 2**31, 3.0)]}
    sent = series[0][-1][0]
    got = decode_batch(encode_batch(1, labels, series, sent), 1, labels, "t").samples
    assert [(sent - s.age_s, s.value) for s in got] == series[0]


def test_endpoints_map_to_frame_control_bytes_and_back() -> None:
    assert [_zcl.frame_control(ep) for ep in range(4)] == [0x11, 0x31, 0x51, 0x71]
    assert all(_zcl.endpoint_of(_zcl.frame_control(ep)) == ep for ep in range(32))


C = Kind.CUMULATIVE


@pytest.mark.parametrize(
    "frame",
    [
        Frame(),
        Frame(readings=(DecodedReading(Quantity.PULSE_COUNT, 10, C),), alarms=()),
        Frame(readings=(DecodedReading(Quantity.TEMPERATURE, 20.0, Kind.INSTANTANEOUS),)),
        Frame(readings=(DecodedReading(Quantity.PULSE_COUNT, 10.5, C),)),
        Frame(readings=(DecodedReading(Quantity.PULSE_COUNT, 2.0**32, C),)),
        Frame(readings=(DecodedReading(Quantity.PULSE_COUNT, 1, C, offset_s=60),)),
        Frame(readings=(DecodedReading(Quantity.PULSE_COUNT, float("nan"), C),)),
        Frame(readings=(DecodedReading(Quantity.PULSE_COUNT, 1, Kind.DELTA),)),
    ],
    ids=["empty", "ok", "no-temperature", "half-pulse", "too-large", "future", "nan", "delta"],
)
def test_the_flasho_encoder_refuses_what_it_cannot_carry(frame: Frame) -> None:
    encode = get_model("watteco/flasho").encode
    assert encode is not None
    if frame.readings and frame.readings[0].value == 10:
        port, payload = encode(frame)
        assert decode("watteco/flasho", port, payload).readings == frame.readings
        return
    with pytest.raises(EncodeError):
        encode(frame)
