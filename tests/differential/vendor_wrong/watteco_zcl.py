"""nke Watteco standard reports (ZCL): what the vendor's driver reads wrong, recognised from the frame.

The driver (``codec/standard.js`` of Watteco/Codec-API-LoRaWAN) reads each attribute at the
offsets its layout has when the frame is as nke documents it, and looks at little else: not the
type the frame declares, nor a string's length byte, nor the endpoint's range, nor a read
response's status beyond a first check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.differential.compare import vendor_refused
from tests.differential.vendor_wrong._base import Correct, refused

# ZCL data types (ZigBee Cluster Library, 07-5123, table 2-10); every other code is reserved.
ZCL_TYPES = frozenset(
    (0x00, *range(0x08, 0x11), *range(0x18, 0x30), 0x30, 0x31, 0x38, 0x39, 0x3A, *range(0x41, 0x45))
) | frozenset((0x48, 0x4C, 0x50, 0x51, 0xE0, 0xE1, 0xE2, 0xE8, 0xE9, 0xEA, 0xF0, 0xF1, 0xFF))
# Integers of fixed size (general data, boolean, bitmaps, unsigned, signed, enum8): their sizes.
_INTEGER_SIZES = {
    **{0x08 + i: i + 1 for i in range(8)},
    0x10: 1,
    **{0x18 + i: i + 1 for i in range(8)},
    **{0x20 + i: i + 1 for i in range(8)},
    **{0x28 + i: i + 1 for i in range(8)},
    0x30: 1,
}
_STRING_PREFIX = {0x41: 1, 0x42: 1, 0x43: 2, 0x44: 2}
TIC_CLUSTERS = frozenset({0x0053, 0x0054, 0x0055, 0x0056, 0x0057})
# The type nke Watteco documents for each attribute the products report (cluster pages; the
# vendor's examples send these).
_DOCUMENTED: Mapping[tuple[int, int], int] = {
    (0x0000, 0x0002): 0x0D,  # firmware: general data, 48 bits
    **dict.fromkeys(((0x0000, a) for a in (0x0003, 0x0004, 0x0005, 0x0006, 0x0010, 0x8001)), 0x42),
    (0x0006, 0x0000): 0x10,  # on/off: boolean
    (0x000C, 0x0055): 0x39,  # analog input: float
    (0x000F, 0x0055): 0x10,  # binary input state: boolean
    (0x000F, 0x0402): 0x23,  # binary input count: uint32
    (0x0050, 0x0006): 0x41,  # power descriptor: byte string
    (0x0052, 0x0000): 0x41,  # simple metering
    (0x0400, 0x0000): 0x21,  # illuminance: uint16
    (0x0402, 0x0000): 0x29,  # temperature: int16
    (0x0403, 0x0000): 0x29,  # pressure: int16
    (0x0405, 0x0000): 0x21,  # humidity: uint16
    (0x0406, 0x0000): 0x18,  # occupancy: bitmap8
    (0x8004, 0x0000): 0x08,  # LoRaWAN message type: general data, 8 bits
    (0x8005, 0x0000): 0x19,  # multi binary input: bitmap16
    (0x8008, 0x0000): 0x29,  # differential pressure: int16
    (0x800A, 0x0000): 0x41,
    (0x800B, 0x0000): 0x41,
    (0x800C, 0x0000): 0x21,  # concentration: uint16
    (0x800D, 0x0000): 0x41,
    (0x8010, 0x0000): 0x41,
    (0x8010, 0x0001): 0x41,
    (0x8052, 0x0000): 0x41,
}
# Byte strings of a fixed size: the fields the attribute is made of.
_STRING_SIZES: Mapping[tuple[int, int], frozenset[int]] = {
    (0x0052, 0x0000): frozenset({12}),
    (0x8052, 0x0000): frozenset({22, 24}),  # 24: newer firmware adds the brown-out count
    (0x800A, 0x0000): frozenset({32}),
    (0x800B, 0x0000): frozenset({6}),
    (0x800D, 0x0000): frozenset({18}),
    (0x8010, 0x0000): frozenset({32}),
    (0x8010, 0x0001): frozenset({32}),
}


@dataclass(frozen=True)
class Standard:
    """The header of a standard report or read response, as the frame says it."""

    endpoint: int
    command: int
    cluster: int
    attribute: int
    type_at: int | None  # where the attribute's type is (None: a failed read, a response)


def standard(payload: bytes) -> Standard | None:
    if len(payload) < 6 or not payload[0] & 0x01 or payload[1] not in (0x0A, 0x8A, 0x01):
        return None
    control = payload[0]
    endpoint = (control >> 5) | (control & 0x06) << 2
    type_at = 6 if payload[1] != 0x01 else 7 if len(payload) > 6 and payload[6] == 0 else None
    return Standard(
        endpoint,
        payload[1],
        int.from_bytes(payload[2:4], "big"),
        int.from_bytes(payload[4:6], "big"),
        type_at,
    )


def _documented(frame: Standard) -> int | None:
    if frame.cluster in TIC_CLUSTERS:
        return 0x41
    return _DOCUMENTED.get((frame.cluster, frame.attribute))


def same_layout(declared: int, documented: int) -> bool:
    """Whether a value declared of one type is laid out as the attribute's documented one."""
    if declared == documented or {declared, documented} == {0x41, 0x42}:
        return True
    size = _INTEGER_SIZES.get(declared)
    return size is not None and size == _INTEGER_SIZES.get(documented)


def _string_sizes(frame: Standard, value: bytes) -> frozenset[int] | None:
    if (frame.cluster, frame.attribute) == (0x0050, 0x0006):  # mode, sources, volts, current source
        return frozenset({3 + 2 * bin(value[1] & 0x1F).count("1")} if len(value) >= 2 else range(3, 14, 2))
    return _STRING_SIZES.get((frame.cluster, frame.attribute))


def declared_layout(f_port: int, payload: bytes, output: Any) -> Any | None:
    """A frame whose declared type or string length contradicts the attribute's layout."""
    frame = standard(payload)
    if frame is None or frame.type_at is None or len(payload) <= frame.type_at:
        return None
    declared = payload[frame.type_at]
    documented = _documented(frame)
    if documented is None:
        return (
            None if declared in ZCL_TYPES else refused(f"attribute type 0x{declared:02x} is reserved in ZCL")
        )
    if not same_layout(declared, documented):
        return refused(f"the attribute is of type 0x{documented:02x}, the frame declares 0x{declared:02x}")
    prefix = _STRING_PREFIX.get(declared)
    start = frame.type_at + 1 + (prefix or 0)
    if prefix is None or len(payload) < start:
        return None
    length = int.from_bytes(payload[frame.type_at + 1 : start], "big")
    if length > len(payload) - start:
        return refused(f"the string's length {length} runs past the frame's end")
    value = payload[start : start + length]
    if frame.cluster in TIC_CLUSTERS and (not value or (value[0] & 0x1F or 8) > length):
        return refused(f"a TIC string of {length} bytes cannot hold its descriptor")
    after = causes(payload)
    if frame.cluster in TIC_CLUSTERS and after is not None and after.kind not in (1, 2):
        return refused(f"the bytes after the TIC string of {length} bytes are no report causes")
    sizes = _string_sizes(frame, value)
    if sizes is not None and length not in sizes:
        return refused(f"a string of {length} bytes where the attribute has {sorted(sizes)}")
    return None


def tic_layout(f_port: int, payload: bytes, output: Any) -> Any | None:
    """A historical or standard TIC report that is not one: another attribute than a general
    report's, or a descriptor listing a label twice."""
    frame = standard(payload)
    if frame is None or frame.cluster not in (0x0054, 0x0056) or frame.type_at is None:
        return None
    if frame.attribute & 0xFF:
        return refused(f"TIC attribute 0x{frame.attribute:04x}: its low byte is not 0, a general report's")
    descriptor = payload[frame.type_at + 2 :]
    if descriptor and descriptor[0] & 0x20:  # label indexes follow
        indexes = descriptor[1 : descriptor[0] & 0x1F or 8]
        if len(set(indexes)) != len(indexes):
            return refused("the TIC descriptor lists a label twice")
    return None


def failed_read(f_port: int, payload: bytes, output: Any) -> Any | None:
    frame = standard(payload)
    if frame is None or frame.command != 0x01 or len(payload) < 7 or payload[6] == 0:
        return None
    if len(payload) == 7:  # the response as it should be: no value, nothing to read
        return {"data": {"samples": []}, "warnings": []}
    if vendor_refused(output):
        return None
    return refused(f"a read response of status 0x{payload[6]:02x} (failure) carries no value")


# Endpoints each product has (its inputs, probes or phases).
_ENDPOINTS: Mapping[str, frozenset[int]] = {
    "watteco/pulse-senso": frozenset({0, 1, 2}),
    "watteco/pulse-senso-atex": frozenset({0, 1, 2}),
    "watteco/atmo": frozenset({0, 1}),
    "watteco/tempo-remote-2-probes": frozenset({0, 1}),
    "watteco/presso": frozenset({0, 1}),
    "watteco/smartplug": frozenset({0, 1}),
    "watteco/ticso": frozenset({0, 1}),
    "watteco/triphaso": frozenset({0, 1, 2, 3}),
    **{
        f"watteco/{m}": frozenset({0, 1})
        for m in ("vaqao", "vaqao-lite", "vaqao-multi-lite", "vaqao-plus", "vaqao-plus-lite")
    },
}


def endpoint(model: str) -> Correct:
    allowed = _ENDPOINTS.get(model, frozenset({0}))

    def correct(f_port: int, payload: bytes, output: Any) -> Any | None:
        frame = standard(payload)
        if frame is None or frame.type_at is None or frame.endpoint in allowed:
            return None  # a failed read of an endpoint the product lacks is the answer to expect
        return refused(f"the product has no endpoint {frame.endpoint}")

    return correct


def on_off_byte(payload: bytes) -> str | None:
    """Why a report's on/off state is not one, if it is not (a ZCL boolean is 0 or 1)."""
    frame = standard(payload)
    if frame is None or (frame.cluster, frame.attribute) != (0x0006, 0x0000) or frame.type_at is None:
        return None
    at = frame.type_at + 1
    if len(payload) <= at or payload[frame.type_at] != 0x10 or payload[at] <= 1:
        return None
    return f"on/off state 0x{payload[at]:02x}: a ZCL boolean is 0 or 1"


def occupancy_bit(payload: bytes) -> int | None:
    """A standard occupancy report's bit 0 (occupied), if the frame is one."""
    frame = standard(payload)
    if frame is None or (frame.cluster, frame.attribute) != (0x0406, 0x0000) or frame.type_at is None:
        return None
    at = frame.type_at + 1
    return payload[at] & 0x01 if len(payload) > at else None


# Attributes made of fields, whose long causes name the field: the size of a field's value.
_FIELD_SIZES = {
    (0x0050, 0x0006): 2,
    (0x800A, 0): 4,
    (0x8010, 0): 4,
    (0x8010, 1): 4,
    (0x800B, 0): 2,
    (0x800D, 0): 2,
}
_VALUE_SIZES = {**_INTEGER_SIZES, 0x39: 4}


@dataclass(frozen=True)
class Causes:
    """A report's causes, as the frame lays them out."""

    kind: int  # bits 4-5 of their first byte: 1 short, 2 long; the format defines no other
    criteria: tuple[int, ...]  # each cause's criterion byte
    complete: bool  # False: the causes run past the frame's end


def causes(payload: bytes) -> Causes | None:
    """The causes after a report's value; None when the frame has none or is no report."""
    frame = standard(payload)
    if frame is None or frame.command == 0x01 or frame.type_at is None or len(payload) <= frame.type_at:
        return None
    declared, key = payload[frame.type_at], (frame.cluster, frame.attribute)
    at = frame.type_at + 1
    if declared in _STRING_PREFIX:
        at += _STRING_PREFIX[declared] + int.from_bytes(payload[at : at + _STRING_PREFIX[declared]], "big")
    elif declared in _VALUE_SIZES:
        at += _VALUE_SIZES[declared]
    else:
        return None
    if at >= len(payload):
        return None
    kind, size = payload[at] >> 4 & 0x03, _FIELD_SIZES.get(key, _VALUE_SIZES.get(declared))
    if kind not in (1, 2):
        return Causes(kind, (), True)
    if kind == 2 and size is None:
        return None  # long causes of a value whose size is not known here
    criteria, i = [], at + 1
    while i < len(payload):
        criterion = payload[i]
        criteria.append(criterion)
        i += 1
        if kind == 2:
            step = size or 0
            i += (1 if key in _FIELD_SIZES else 0) + step  # the field's index, the criterion's value
            if criterion >> 3 & 0x03 == 2:  # a threshold: its gap, then the occurrences
                i += step
                if i >= len(payload):
                    return Causes(kind, tuple(criteria), False)
                i += 5 if payload[i] & 0x80 else 1
    return Causes(kind, tuple(criteria), i == len(payload))


def tic_labels(payload: bytes) -> tuple[int, list[int]] | None:
    """A TIC report's cluster and its labels in the order their values follow."""
    frame = standard(payload)
    if frame is None or frame.cluster not in (0x0054, 0x0056) or frame.type_at is None:
        return None
    value = payload[frame.type_at + 2 :]
    if not value:
        return None
    size = value[0] & 0x1F or 8
    body = value[1:size]
    if value[0] & 0x20:
        return frame.cluster, list(body)
    labels = [8 * k + bit for k, byte in enumerate(reversed(body)) for bit in range(8) if byte >> bit & 1]
    return frame.cluster, labels
