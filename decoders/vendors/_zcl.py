"""nke Watteco *standard* reports: ZigBee Cluster Library (ZCL) frames over LoRaWAN port 125.

Written from nke Watteco's public "ZCL frame format" description (support.watteco.com, cluster
pages) and the TTN Device Repository codecs ``vendor/watteco/*.js``; no code copied.

A frame carries one attribute of one cluster on one endpoint::

    byte 0     frame control: bit 0 set (a standard report; clear: a batch report), endpoint =
               bits 7-5 (its low three bits) + bits 2-1 (its high two bits)
    byte 1     command: 0x0A report attributes, 0x8A report attributes with alarm, 0x01 read
               attribute response, 0x07 configure reporting response, 0x09 read reporting
               configuration response, 0x04 write attribute response, 0x0B default response
    bytes 2-3  cluster id, big endian
    then       reports: attribute id (2), type (1), value; read responses: attribute id (2),
               status (1), and when the status is 0 the type and value

A value's size follows from its ZCL type; strings carry a one-byte (0x41, 0x42) or two-byte
(0x43, 0x4C) length first. Multi-byte numbers are big endian.

After a report's value may come its *causes*: a byte whose bits 4-5 say short (1) or long (2)
causes, then per cause a byte: bits 0-2 the criterion, bits 3-4 its mode (1 delta, 2 threshold),
bit 5 "fell below", bit 6 "rose above", bit 7 "configured as an alarm". A long cause then holds
the field index (attributes made of several fields only), the criterion's value, for a
threshold its gap, and an occurrence count byte (bit 7 set: two more 16-bit counts follow).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from decoders._bytes import Reader, require_length
from decoders.errors import BadLength, BadValue, UnknownFrameType

PORT: Final = 125

REPORT = 0x0A
ALARM_REPORT = 0x8A
READ_RESPONSE = 0x01
# Responses that carry no measurement: what they are, for the frame's info.
ACK_COMMANDS: Final[Mapping[int, str]] = MappingProxyType(
    {
        0x04: "write_attribute_response",
        0x07: "configure_reporting_response",
        0x09: "read_reporting_configuration_response",
        0x0B: "default_response",
    }
)

# ZCL data types: fixed size in bytes, or a negative number = size of the length prefix.
_TYPE_SIZES: Final[Mapping[int, int]] = MappingProxyType(
    {
        0x08: 1, 0x09: 2, 0x0A: 3, 0x0B: 4, 0x0C: 5, 0x0D: 6, 0x0E: 7, 0x0F: 8,  # general data
        0x10: 1,  # boolean
        0x18: 1, 0x19: 2, 0x1A: 3, 0x1B: 4, 0x1C: 5, 0x1D: 6, 0x1E: 7, 0x1F: 8,  # bitmaps
        0x20: 1, 0x21: 2, 0x22: 3, 0x23: 4, 0x24: 5, 0x25: 6, 0x26: 7, 0x27: 8,  # unsigned
        0x28: 1, 0x29: 2, 0x2A: 3, 0x2B: 4, 0x2C: 5, 0x2D: 6, 0x2E: 7, 0x2F: 8,  # signed
        0x30: 1,  # enum8
        0x39: 4,  # single-precision float
        0x41: -1, 0x42: -1,  # byte string, character string
        0x43: -2, 0x4C: -2,  # long byte string, structured sequence
    }
)  # fmt: skip
SIGNED_TYPES: Final = frozenset(range(0x28, 0x30))
FLOAT_TYPE: Final = 0x39
# Fixed-size types whose value is a plain integer (general data, boolean, bitmaps, unsigned and
# signed integers, enum8): two of them of one size lay a value out the same way.
_INTEGER_TYPES: Final = frozenset((*range(0x08, 0x11), *range(0x18, 0x31)))

# Attributes made of several fields, whose long causes name a field: size of a field's value and
# how many fields the attribute has.
_FIELDS: Final[Mapping[tuple[int, int], tuple[int, int]]] = MappingProxyType(
    {
        (0x0050, 0x0006): (2, 7),  # node power descriptor: voltages in mV
        (0x800A, 0x0000): (4, 8),  # energy and power metering
        (0x8010, 0x0000): (4, 8),  # multi energy metering
        (0x8010, 0x0001): (4, 8),  # multi power metering
        (0x800B, 0x0000): (2, 3),  # voltage and current metering
        (0x800D, 0x0000): (2, 9),  # multi voltage and current metering
    }
)


@dataclass(frozen=True, slots=True)
class Cause:
    """Why a report was sent: a criterion that fired (delta or threshold crossing)."""

    criterion: int
    mode: str  # "delta", "threshold" or "unused"
    rose: bool
    fell: bool
    alarm: bool
    field: int | None = None  # for attributes made of several fields
    value: int | None = None  # the criterion's raw threshold or delta (long causes)


@dataclass(frozen=True, slots=True)
class ZclFrame:
    """One decoded standard frame. ``value`` is the attribute's raw bytes (strings without their
    length prefix); ``status`` is a read response's status (0 = success)."""

    endpoint: int
    command: int
    cluster: int
    attribute: int | None = None
    attr_type: int | None = None
    value: bytes = b""
    status: int | None = None
    causes: tuple[Cause, ...] = ()

    @property
    def is_alarm(self) -> bool:
        return self.command == ALARM_REPORT

    def number(self) -> int:
        """The value as an integer (signed for the signed ZCL types)."""
        return int.from_bytes(self.value, "big", signed=self.attr_type in SIGNED_TYPES)


def same_layout(declared: int, documented: int) -> bool:
    """Whether a value declared of type ``declared`` is laid out as the attribute's ``documented``
    type: the same type, strings with the same length prefix, or integers of the same size (the
    attribute's definition then says how to read it, signed or not)."""
    if declared == documented or {declared, documented} == {0x41, 0x42}:  # byte or char string
        return True
    integers = declared in _INTEGER_TYPES and documented in _INTEGER_TYPES
    return integers and _TYPE_SIZES[declared] == _TYPE_SIZES[documented]


def is_standard(payload: bytes) -> bool:
    return bool(payload) and bool(payload[0] & 0x01)


def endpoint_of(frame_control: int) -> int:
    return ((frame_control & 0xE0) >> 5) | ((frame_control & 0x06) << 2)


def frame_control(endpoint: int) -> int:
    """The frame control byte of a standard report from ``endpoint`` (the inverse of endpoint_of)."""
    return 0x11 | ((endpoint & 0x07) << 5) | (((endpoint >> 3) & 0x03) << 1)


def _value(r: Reader, attr_type: int, what: str) -> bytes:
    size = _TYPE_SIZES.get(attr_type)
    if size is None:
        raise BadValue(f"{what}: ZCL data type 0x{attr_type:02x} is not one nke Watteco sensors use")
    if size < 0:
        size = r.uint(-size)
    return r.take(size)


def parse(payload: bytes, what: str) -> ZclFrame:
    """Parse a standard frame; raises BadLength, BadValue or UnknownFrameType."""
    require_length(payload, what, minimum=4)
    r = Reader(payload, what)
    control, command, cluster = r.u8(), r.u8(), r.u16be()
    endpoint = endpoint_of(control)
    if command in ACK_COMMANDS:
        return ZclFrame(
            endpoint, command, cluster, value=payload[4:], status=payload[4] if len(payload) > 4 else None
        )
    if command not in (REPORT, ALARM_REPORT, READ_RESPONSE):
        raise UnknownFrameType(f"{what}: ZCL command 0x{command:02x} is not an uplink nke Watteco sends")
    attribute = r.u16be()
    status = None
    if command == READ_RESPONSE:
        status = r.u8()
        if status:
            if r.remaining:
                raise BadLength(f"{what}: a failed read response carries no value")
            return ZclFrame(endpoint, command, cluster, attribute, status=status)
    attr_type = r.u8()
    value = _value(r, attr_type, what)
    causes: tuple[Cause, ...] = ()
    if r.remaining:
        if command == READ_RESPONSE:
            raise BadLength(f"{what}: {r.remaining} byte(s) after the attribute's value")
        causes = _causes(r, cluster, attribute, attr_type, what)
    return ZclFrame(endpoint, command, cluster, attribute, attr_type, value, status, causes)


def _causes(r: Reader, cluster: int, attribute: int, attr_type: int, what: str) -> tuple[Cause, ...]:
    kind = (r.u8() >> 4) & 0x03
    if kind not in (1, 2):
        raise BadValue(f"{what}: report cause type {kind} is neither short (1) nor long (2)")
    fields = _FIELDS.get((cluster, attribute))
    causes = []
    while r.remaining:
        csd = r.u8()
        mode = {1: "delta", 2: "threshold"}.get((csd >> 3) & 0x03, "unused")
        field = value = None
        if kind == 2:
            if fields is not None:
                size, count = fields
                field = r.u8()
                if field >= count:
                    raise BadValue(f"{what}: cause names field {field}, the attribute has {count}")
            else:
                size = _TYPE_SIZES.get(attr_type, 0)
                if size <= 0:
                    raise BadValue(f"{what}: a long cause on a 0x{attr_type:02x} value has no known size")
            value = r.uint(size)
            if mode == "threshold":
                r.take(size)  # the gap (hysteresis)
                if r.u8() & 0x80:
                    r.take(4)  # occurrences up and down
        causes.append(
            Cause(csd & 0x07, mode, bool(csd & 0x40), bool(csd & 0x20), bool(csd & 0x80), field, value)
        )
    return tuple(causes)


def encode_report(endpoint: int, cluster: int, attribute: int, attr_type: int, value: bytes) -> bytes:
    """A standard 0x0A report of one attribute (the simulator's encoders)."""
    size = _TYPE_SIZES[attr_type]
    prefix = len(value).to_bytes(-size, "big") if size < 0 else b""
    if size > 0 and len(value) != size:
        raise ValueError(f"a 0x{attr_type:02x} value has {size} bytes, not {len(value)}")
    head = (
        bytes([frame_control(endpoint), REPORT]) + cluster.to_bytes(2, "big") + attribute.to_bytes(2, "big")
    )
    return head + bytes([attr_type]) + prefix + value
