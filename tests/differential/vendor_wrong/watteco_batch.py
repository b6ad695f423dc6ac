"""An independent reading of an nke Watteco batch report's structure, for the reviewed entries.

The vendor's batch decoder (``brUncompress``, the same as its C and Python reference decoders)
checks nothing of a frame's structure: it reads a coding type or table the format does not define
(a type of 3 as a decreasing series; a table of 3 only when a sample needs it, else never), lets a
label head two series, and reads a sample block of a label the header does not have. This module
walks a frame as the format describes it (nke Watteco's batch description and reference decoders;
see ``decoders/vendors/_watteco_batch.py`` for the layout) without releve's decoder, and says
what in it breaks the format, so that an entry recognises exactly those frames.

The labels (tag size, sample types, resolutions) are each model's firmware table, as releve's
profiles hold them: thousands of frames on which releve and the vendor agree check them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from decoders.vendors.watteco import PROFILES

# (size in bits, code) of the difference indexes 0..15 of the format's three Huffman tables.
_HUFFMAN = (
    ((2, 0x0), (2, 0x1), (2, 0x3), (3, 0x5), (4, 0x9), (5, 0x11), (6, 0x21), (7, 0x41), (8, 0x81),
     (10, 0x200), (11, 0x402), (11, 0x403), (11, 0x404), (11, 0x405), (11, 0x406), (11, 0x407)),
    ((7, 0x6F), (5, 0x1A), (4, 0xC), (3, 0x3), (3, 0x7), (2, 0x2), (2, 0x0), (3, 0x2), (6, 0x36),
     (9, 0x1BB), (9, 0x1B9), (10, 0x375), (10, 0x374), (10, 0x370), (11, 0x6E3), (11, 0x6E2)),
    ((4, 0x9), (3, 0x5), (2, 0x0), (2, 0x1), (2, 0x3), (5, 0x11), (6, 0x21), (7, 0x41), (8, 0x81),
     (10, 0x200), (11, 0x402), (11, 0x403), (11, 0x404), (11, 0x405), (11, 0x406), (11, 0x407)),
)  # fmt: skip
_FULL = 15
# sample type number -> (bits, signed); the format's numbering (1 boolean ... 12 float)
_TYPES = {1: (1, False), 2: (4, False), 3: (4, True), 4: (8, False), 5: (8, True), 6: (16, False)}
_TYPES |= {7: (16, True), 8: (24, False), 9: (24, True), 10: (32, False), 11: (32, True), 12: (32, True)}
_FLOAT = 12


@dataclass(frozen=True)
class LabelSpec:
    sample_type: int
    resolution: float


class _End(Exception):
    """The frame ends inside a field."""


class _Bits:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def bit(self) -> int:
        if self.pos >= 8 * len(self.data):
            raise _End
        value = self.data[self.pos // 8] >> (self.pos % 8) & 1
        self.pos += 1
        return value

    def number(self, bits: int) -> int:
        """An n-bit number, most significant byte first, each byte's bits from bit 0 up."""
        value, first = 0, bits % 8 or 8
        for byte in range((bits - 1) // 8, -1, -1):
            for i in range(first if byte == (bits - 1) // 8 else 8):
                value |= self.bit() << (8 * byte + i)
        return value

    def code(self, table: int) -> int:
        pattern = 0
        for size in range(1, 12):
            pattern = pattern << 1 | self.bit()
            for index, (bits, code) in enumerate(_HUFFMAN[table]):
                if size >= 2 and (bits, code) == (size, pattern):
                    return index
        raise _End


@dataclass
class Walk:
    """What a walk through a batch frame found wrong with its structure or its values."""

    breaks: list[str] = field(default_factory=list)  # the format's structure broken
    out_of_range: list[str] = field(default_factory=list)  # a sample its type cannot hold
    complete: bool = True  # False: the frame ended inside a field (the probes' business)


def walk(payload: bytes, tag_bits: int, labels: Mapping[int, LabelSpec]) -> Walk:
    found = Walk()
    try:
        _walk(_Bits(payload), tag_bits, labels, found)
    except _End:
        found.complete = False
    return found


def _walk(r: _Bits, tag_bits: int, labels: Mapping[int, LabelSpec], found: Walk) -> None:
    flags = r.number(8)
    count, header_only, common = flags >> 4, flags & 0x04, flags & 0x02
    r.number(4)  # counter, reserved bit
    series: dict[int, tuple[int, int, float]] = {}  # label -> coding type, table, last value
    for i in range(count):
        label = r.number(tag_bits)
        spec = labels.get(label)
        if spec is None:
            found.breaks.append(f"label {label} is not one of the product's")
            return
        if label in series:
            found.breaks.append(f"label {label} heads two series")
        if i == 0:
            r.number(32)
        else:
            _difference(r, 1, 32)
        value = _sample(r, spec)
        way, table = (0, 0) if header_only else (r.number(2), r.number(2))
        if way == 3:
            found.breaks.append(f"label {label}: coding type 3 (the format has 0 to 2)")
        if table == 3:
            found.breaks.append(f"label {label}: coding table 3 (the format has 0 to 2)")
        series[label] = (way, table, value)
    if header_only or found.breaks:
        return
    if common:
        times = r.number(8)
        time_table = r.number(2)
        for _ in range(times):
            _difference(r, time_table, 32)
    blocks = []
    for _ in range(count):
        label = r.number(tag_bits)
        if label not in series:
            found.breaks.append(f"a sample block of label {label}, which heads no series")
            return
        blocks.append(label)
        way, table, value = series[label]
        if common:
            for _ in range(times):
                if r.number(1):  # the sample is there at this time
                    value = _value(r, way, table, label, labels[label], value, found)
            continue
        samples_n = r.number(8)
        time_table = r.number(2) if samples_n else 0
        for _ in range(samples_n):
            _difference(r, time_table, 32)
            value = _value(r, way, table, label, labels[label], value, found)
    if len(set(blocks)) != len(blocks):
        found.breaks.append("a label has two sample blocks")


def _difference(r: _Bits, table: int, full_bits: int) -> None:
    index = r.code(table)
    r.number(full_bits if index == _FULL else index)


def _sample(r: _Bits, spec: LabelSpec) -> float:
    bits, signed = _TYPES[spec.sample_type]
    raw = r.number(bits)
    if spec.sample_type != _FLOAT and signed and raw >= 2 ** (bits - 1):
        raw -= 2**bits
    return float(raw)


def _value(
    r: _Bits, way: int, table: int, label: int, spec: LabelSpec, previous: float, found: Walk
) -> float:
    if table == 3:
        raise _End  # no difference table to read with: the vendor throws here too
    index = r.code(table)
    if index == _FULL:
        return _sample(r, spec)
    if index == 0:
        return previous
    raw = r.number(index)
    if way == 0:
        steps = raw if raw >= 2 ** (index - 1) else raw + 1 - 2**index
    else:
        steps = (raw + 2**index - 1) * (1 if way == 1 else -1)
    value = previous + steps * spec.resolution
    bits, signed = _TYPES[spec.sample_type]
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1)) if signed else (0, 2**bits)
    if spec.sample_type != _FLOAT and not low <= value < high:
        found.out_of_range.append(f"label {label}: {value:g} is beyond its sample type")
    return value


def labels_of(model: str) -> tuple[int, dict[int, LabelSpec]] | None:
    """A model's tag size and labels, if it sends batch reports."""
    profile = PROFILES.get(model)
    if profile is None or not profile.tag_bits:
        return None
    specs = {n: LabelSpec(int(label.sample_type), label.resolution) for n, label in profile.labels.items()}
    return profile.tag_bits, specs


def walk_of(model: str, payload: bytes) -> Walk | None:
    """The walk through a batch report of ``model``, if the frame is one and the model sends them."""
    found = labels_of(model)
    if found is None or not payload or payload[0] & 0x01:
        return None
    return walk(payload, *found)
