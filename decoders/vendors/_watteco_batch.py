"""nke Watteco compressed *batch* reports: several series of samples, each with its own time.

A batch report packs the samples a sensor took since its last uplink (for instance four indexes a
quarter of an hour apart) into one frame: each series starts with a full value and a full time,
and every later sample is a difference from the previous one, coded with one of three fixed
Huffman tables. Times are seconds of the sensor's own clock; the frame ends with the clock's time
at sending, so each sample's age is known without a real-time clock.

Written from nke Watteco's public description of the format ("batch report" in the support
documentation, the reference decoders ``br_uncompress`` in C, Python and JavaScript published by
Watteco, and the per-model batch parameters of the TTN Device Repository codecs
``vendor/watteco/*.js``); no code copied.

Bit order. Fields are read from the first byte on, bit 0 (least significant) first. An n-bit
number is stored most significant byte first: its first ``n mod 8`` bits (8 when n is a multiple
of 8) fill its top byte from bit 0 up, then each further 8 bits fill the next lower byte. A
Huffman code is read bit by bit, the first bit read being the code's most significant.

Layout::

    flags      8 bits  bit 1 common timestamps, bit 2 header only (no further samples),
                       bit 3 batch requested, bits 4-7 number of series; bit 0 is 0 (batch)
    counter    3 bits  then 1 reserved bit
    per series (header): label (tag size bits); time (32 bits for the first series, else a
               table-1 code and a difference from the previous series' time); first value
               (its sample type's size); unless header only: coding type (2 bits: 0 two-sided,
               1 increasing, 2 decreasing differences) and coding table (2 bits)
    samples:   with separate times, per series: label, count (8 bits), time table (2 bits),
               then per sample a time difference and a value difference;
               with common times: count (8), time table (2), the common times, then per series
               label and per time an "available" bit and a value difference
    sending    the clock at sending: 32 bits if every time so far is 0, else a table-1
               difference from the last time read

A difference code ``bi`` 0..14 is followed by ``bi`` raw bits (none for 0); 15 means a full value
follows instead. Time differences: ``raw + 2**bi - 1`` (0 for bi 0). Value differences, in units
of the series' resolution: two-sided ``raw`` if raw >= 2**(bi-1), else ``raw + 1 - 2**bi``;
increasing ``raw + 2**bi - 1``; decreasing the opposite.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from itertools import pairwise

from decoders.errors import BadLength, BadValue, EncodeError, UnknownFrameType


class SampleType(IntEnum):
    """The sample types of the batch format (their numbers are the format's)."""

    BOOL = 1
    U4 = 2
    I4 = 3
    U8 = 4
    I8 = 5
    U16 = 6
    I16 = 7
    U24 = 8
    I24 = 9
    U32 = 10
    I32 = 11
    FLOAT = 12

    @property
    def bits(self) -> int:
        return (0, 1, 4, 4, 8, 8, 16, 16, 24, 24, 32, 32, 32)[self.value]

    @property
    def signed(self) -> bool:
        return self in (SampleType.I4, SampleType.I8, SampleType.I16, SampleType.I24, SampleType.I32)

    def holds(self, value: float) -> bool:
        if self is SampleType.FLOAT:
            return math.isfinite(value)
        if value != int(value):
            return False
        if self.signed:
            return bool(-(2 ** (self.bits - 1)) <= value < 2 ** (self.bits - 1))
        return bool(0 <= value < 2**self.bits)


@dataclass(frozen=True, slots=True)
class Label:
    """A series' label as a model's firmware defines it: sample type and difference resolution."""

    number: int
    sample_type: SampleType
    resolution: float = 1


@dataclass(frozen=True, slots=True)
class Sample:
    """One decoded sample: its label, raw value (in the sample type's unit) and age at sending."""

    label: int
    value: float
    age_s: int  # seconds before the frame was sent (0: at sending)


@dataclass(frozen=True, slots=True)
class Batch:
    counter: int
    samples: tuple[Sample, ...]


# (code size in bits, code) of the differences 0..15, per table.
_TABLES: tuple[tuple[tuple[int, int], ...], ...] = (
    (
        (2, 0x000), (2, 0x001), (2, 0x003), (3, 0x005), (4, 0x009), (5, 0x011), (6, 0x021), (7, 0x041),
        (8, 0x081), (10, 0x200), (11, 0x402), (11, 0x403), (11, 0x404), (11, 0x405), (11, 0x406), (11, 0x407),
    ),
    (
        (7, 0x06F), (5, 0x01A), (4, 0x00C), (3, 0x003), (3, 0x007), (2, 0x002), (2, 0x000), (3, 0x002),
        (6, 0x036), (9, 0x1BB), (9, 0x1B9), (10, 0x375), (10, 0x374), (10, 0x370), (11, 0x6E3), (11, 0x6E2),
    ),
    (
        (4, 0x009), (3, 0x005), (2, 0x000), (2, 0x001), (2, 0x003), (5, 0x011), (6, 0x021), (7, 0x041),
        (8, 0x081), (10, 0x200), (11, 0x402), (11, 0x403), (11, 0x404), (11, 0x405), (11, 0x406), (11, 0x407),
    ),
)  # fmt: skip
_LOOKUP = tuple({code: index for index, code in enumerate(table)} for table in _TABLES)
_FULL = 15  # the difference code that announces a full value
_TIME_BITS = 32
_TWO_SIDED, _INCREASING, _DECREASING = 0, 1, 2


class _BitReader:
    __slots__ = ("_data", "_pos", "_what")

    def __init__(self, data: bytes, what: str) -> None:
        self._data, self._pos, self._what = data, 0, what

    @property
    def unread_bits(self) -> int:
        return len(self._data) * 8 - self._pos

    def _bit(self) -> int:
        if self._pos >= len(self._data) * 8:
            raise BadLength(f"{self._what}: the batch report ends in the middle of a field")
        bit = (self._data[self._pos >> 3] >> (self._pos & 7)) & 1
        self._pos += 1
        return bit

    def number(self, bits: int) -> int:
        value = 0
        chunk = bits % 8 or 8
        byte = (bits - 1) // 8
        while byte >= 0:
            for i in range(chunk):
                value |= self._bit() << (8 * byte + i)
            byte, chunk = byte - 1, 8
        return value

    def code(self, table: int) -> int:
        pattern, size = 0, 0
        while size < 11:
            pattern, size = (pattern << 1) | self._bit(), size + 1
            if size >= 2 and (found := _LOOKUP[table].get((size, pattern))) is not None:
                return found
        raise BadValue(f"{self._what}: no difference code of table {table} starts here")

    def sample(self, kind: SampleType) -> float:
        raw = self.number(kind.bits)
        if kind is SampleType.FLOAT:
            return float(struct.unpack(">f", raw.to_bytes(4, "big"))[0])
        if kind.signed and raw >= 2 ** (kind.bits - 1):
            raw -= 2**kind.bits
        return float(raw)


class _Series:
    __slots__ = ("label", "table", "times", "values", "way")

    def __init__(self, label: Label, time: int, value: float) -> None:
        self.label, self.times, self.values = label, [time], [value]
        self.way, self.table = _TWO_SIDED, 0


def _time_after(r: _BitReader, table: int, previous: int) -> int:
    bi = r.code(table)
    if bi == _FULL:
        return r.number(_TIME_BITS)
    return previous + r.number(bi) + 2**bi - 1 if bi else previous


def _value_after(r: _BitReader, series: _Series, bi: int, what: str) -> float:
    label, previous = series.label, series.values[-1]
    if bi == _FULL:
        return r.sample(label.sample_type)
    if bi == 0:
        return previous
    raw = r.number(bi)
    if series.way == _TWO_SIDED:
        steps = raw if raw >= 2 ** (bi - 1) else raw + 1 - 2**bi
    elif series.way == _INCREASING:
        steps = raw + 2**bi - 1
    else:
        steps = -(raw + 2**bi - 1)
    value = previous + steps * label.resolution
    if not label.sample_type.holds(value):
        raise BadValue(f"{what}: label {label.number} leaves its {label.sample_type.name} range ({value})")
    return value


def _two_bits(r: _BitReader, what: str, name: str) -> int:
    value = r.number(2)
    if value > 2:
        raise BadValue(f"{what}: {name} {value} is not defined")
    return value


def decode_batch(payload: bytes, tag_bits: int, labels: Mapping[int, Label], what: str) -> Batch:
    """The samples of a batch report, with their ages at sending; raises DecodeError subclasses."""
    r = _BitReader(payload, what)
    flags = r.number(8)
    if flags & 0x01:
        raise BadValue(f"{what}: not a batch report (bit 0 of the first byte is set)")
    common, header_only, count = flags & 0x02, flags & 0x04, flags >> 4
    counter = r.number(3)
    r.number(1)
    series: dict[int, _Series] = {}
    first_time = last = 0
    for i in range(count):
        number = r.number(tag_bits)
        label = labels.get(number)
        if label is None:
            raise UnknownFrameType(f"{what}: batch label {number} is not one of this model's")
        if number in series:
            raise BadValue(f"{what}: batch label {number} appears twice in the header")
        last = r.number(_TIME_BITS) if i == 0 else _time_after(r, 1, last)
        if i == 0:
            first_time = last
        series[number] = one = _Series(label, last, r.sample(label.sample_type))
        if not header_only:
            one.way, one.table = _two_bits(r, what, "coding type"), _two_bits(r, what, "coding table")
    if not header_only:
        last = (_common if common else _separate)(r, tag_bits, series, first_time, last, what)
    sent = r.number(_TIME_BITS) if last == 0 else _time_after(r, 1, last)
    if r.unread_bits >= 8:
        raise BadLength(f"{what}: {r.unread_bits // 8} byte(s) after the end of the batch report")
    samples = []
    for one in series.values():
        for time, value in zip(one.times, one.values, strict=True):
            if time > sent:
                raise BadValue(f"{what}: a sample is dated after the frame was sent")
            samples.append(Sample(one.label.number, value, sent - time))
    return Batch(counter, tuple(samples))


def _labelled(
    r: _BitReader, tag_bits: int, series: Mapping[int, _Series], done: set[int], what: str
) -> _Series:
    """The series whose sample block starts here: each series of the header has one block."""
    number = r.number(tag_bits)
    if number not in series:
        raise BadValue(f"{what}: samples of label {number}, absent from the batch header")
    if number in done:
        raise BadValue(f"{what}: a second sample block of label {number}")
    done.add(number)
    return series[number]


def _separate(
    r: _BitReader, tag_bits: int, series: Mapping[int, _Series], first: int, last: int, what: str
) -> int:
    done: set[int] = set()
    for _ in series:
        one = _labelled(r, tag_bits, series, done, what)
        count = r.number(8)
        table = _two_bits(r, what, "time table") if count else 0
        for _ in range(count):
            time = _time_after(r, table, one.times[-1])
            last = max(last, time)
            value = _value_after(r, one, r.code(one.table), what)
            one.times.append(time)
            one.values.append(value)
    return last


def _common(
    r: _BitReader, tag_bits: int, series: Mapping[int, _Series], first: int, last: int, what: str
) -> int:
    count = r.number(8)
    table = _two_bits(r, what, "time table")
    times: list[int] = []
    for i in range(count):
        bi = r.code(table)
        if bi == _FULL:
            times.append(r.number(_TIME_BITS))
        elif i == 0:
            times.append(first)  # the first common time is the header's
        else:
            times.append(times[-1] + r.number(bi) + 2**bi - 1 if bi else times[-1])
        last = times[-1]
    done: set[int] = set()
    for _ in series:
        one = _labelled(r, tag_bits, series, done, what)
        header_sample_pending = True
        for time in times:
            if not r.number(1):
                continue
            bi = r.code(one.table)
            if bi == 0 and header_sample_pending:
                # the first unchanged sample is the header's own, already counted
                header_sample_pending = False
                continue
            one.values.append(_value_after(r, one, bi, what))
            one.times.append(time)
    return last


# --- encoding (for the simulator) ----------------------------------------------------------------


class _BitWriter:
    __slots__ = ("_bits",)

    def __init__(self) -> None:
        self._bits: list[int] = []

    def number(self, value: int, bits: int) -> None:
        if not 0 <= value < 2**bits:
            raise EncodeError(f"{value} does not fit in {bits} bits")
        chunk = bits % 8 or 8
        byte = (bits - 1) // 8
        while byte >= 0:
            self._bits.extend((value >> (8 * byte + i)) & 1 for i in range(chunk))
            byte, chunk = byte - 1, 8

    def code(self, table: int, index: int) -> None:
        size, pattern = _TABLES[table][index]
        self._bits.extend((pattern >> (size - 1 - i)) & 1 for i in range(size))

    def sample(self, kind: SampleType, value: float) -> None:
        if not kind.holds(value):
            raise EncodeError(f"{value} is not a {kind.name} sample")
        if kind is SampleType.FLOAT:
            packed = struct.pack(">f", value)
            if struct.unpack(">f", packed)[0] != value:
                raise EncodeError(f"{value} is not a single-precision float")
            self.number(int.from_bytes(packed, "big"), 32)
        else:
            self.number(int(value) % 2**kind.bits, kind.bits)

    def to_bytes(self) -> bytes:
        out = bytearray((len(self._bits) + 7) // 8)
        for i, bit in enumerate(self._bits):
            out[i >> 3] |= bit << (i & 7)
        return bytes(out)


def _time_code(step: int) -> tuple[int, int]:
    """(difference code, raw bits) of a time step of ``step`` >= 0 seconds; code 15: a full time."""
    bi = (step + 1).bit_length() - 1
    return (bi, step - (2**bi - 1)) if bi < _FULL else (_FULL, 0)


def _write_time(w: _BitWriter, table: int, previous: int, time: int) -> None:
    bi, raw = _time_code(time - previous) if time >= previous else (_FULL, 0)
    w.code(table, bi)
    if bi == _FULL:
        w.number(time, _TIME_BITS)
    elif bi:
        w.number(raw, bi)


def _value_code(label: Label, previous: float, value: float) -> tuple[int, int]:
    """(difference code, raw bits) of a two-sided difference; code 15: a full value."""
    steps_f = (value - previous) / label.resolution
    steps = round(steps_f)
    if steps != steps_f or previous + steps * label.resolution != value:
        return _FULL, 0
    bi = abs(steps).bit_length()
    if bi >= _FULL:
        return _FULL, 0
    return (bi, steps if steps >= 0 else steps + 2**bi - 1) if steps else (0, 0)


def _table_for(codes: Iterable[int]) -> int:
    found = list(codes)
    return min(range(len(_TABLES)), key=lambda t: sum(_TABLES[t][bi][0] for bi in found))


def encode_batch(
    tag_bits: int,
    labels: Mapping[int, Label],
    series: Mapping[int, Sequence[tuple[int, float]]],
    sent: int,
    counter: int = 0,
) -> bytes:
    """A batch report (separate times, two-sided differences) of ``series``: per label, samples
    ``(clock time, raw value)`` oldest first, all at or before ``sent``; every time is > 0."""
    chosen = sorted(((n, list(s)) for n, s in series.items() if s), key=lambda item: item[1][0][0])
    if not chosen or len(chosen) > 15:
        raise EncodeError(f"a batch report carries 1 to 15 series, not {len(chosen)}")
    tables: dict[int, tuple[int, int]] = {}  # label -> (time table, value table)
    for number, samples in chosen:
        if any(b[0] < a[0] for a, b in pairwise(samples)):
            raise EncodeError(f"label {number}: samples are not in time order")
        if samples[0][0] <= 0 or samples[-1][0] > sent:
            raise EncodeError(f"label {number}: sample times must be > 0 and not after sending")
        label = labels[number]
        tables[number] = (
            _table_for(_time_code(b[0] - a[0])[0] for a, b in pairwise(samples)),
            _table_for(_value_code(label, a[1], b[1])[0] for a, b in pairwise(samples)),
        )
    w = _BitWriter()
    w.number(len(chosen) << 4, 8)
    w.number(counter, 3)
    w.number(0, 1)
    last = 0
    for i, (number, samples) in enumerate(chosen):
        time, value = samples[0]
        w.number(number, tag_bits)
        if i == 0:
            w.number(time, _TIME_BITS)
        else:
            _write_time(w, 1, last, time)
        last = time
        w.sample(labels[number].sample_type, value)
        w.number(_TWO_SIDED, 2)
        w.number(tables[number][1], 2)
    for number, samples in chosen:
        label = labels[number]
        time_table, value_table = tables[number]
        w.number(number, tag_bits)
        w.number(len(samples) - 1, 8)
        if len(samples) == 1:
            continue
        w.number(time_table, 2)
        for (t0, v0), (t1, v1) in pairwise(samples):
            _write_time(w, time_table, t0, t1)
            last = max(last, t1)
            bi, raw = _value_code(label, v0, v1)
            w.code(value_table, bi)
            if bi == _FULL:
                w.sample(label.sample_type, v1)
            elif bi:
                w.number(raw, bi)
    _write_time(w, 1, last, sent)
    return w.to_bytes()
