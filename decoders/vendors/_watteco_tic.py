"""nke Watteco TIC'O: the meter's teleinformation (TIC) of French electricity meters, as ZCL reports.

Written from nke Watteco's "TIC application layer description" (support.watteco.com, TIC cluster
pages), the field tables of the TTN Device Repository codec ``vendor/watteco/ticso.js`` and of
nke Watteco's Python reference codec (Watteco/Codec-Report-Standard-Python, ``TICs/TIC_STD.py``
and ``_TIC_Types.py``: the standard TIC's labels 37-70); no code copied.

One report holds a selection of the TIC labels of one meter profile: cluster 0x0054 the
historical TIC of CBE meters and of Linky in historical mode, 0x0056 Linky's standard TIC. The
value (ZCL byte string) starts with a *descriptor* of the labels present, then their values.
Descriptor byte 0: bits 0-4 its size in bytes (0: 8), bit 5 set: the next bytes are label
indexes, in the order their values follow (the vendor's reference decoder reads them so; a label
listed twice is refused); clear: a bitfield whose last byte holds labels 0-7, the byte before it
labels 8-15, and so on, the values in the labels' order; bit 7: obsolete values. Values:
integers big endian, strings ended by a NUL byte, dates as six bytes (year, month, day, hour,
minute, second; the standard TIC's dates are preceded by their season letter), enumerations as
one byte (bit 7 set: a string of the low 7 bits' length follows instead), dated values (the
standard TIC's maxima, mean voltages, mobile peak periods) as the season letter and date followed
by the value (1, 2 or 3 bytes), the next day's schedules as 11 points of 4 bytes (hour, minute,
a 16-bit action bitfield) or 0xFF alone for an unused one.

Releve reads the energy registers (Wh -> kWh) and the instantaneous current, voltage and apparent
power. Of Linky's standard registers it keeps the supplier's ones (EASF01-10: the tariff periods
a bill counts) when the frame has them, else the total EAST; the distributor's EASD01-04 always go
to info: every register of a quantity counts in a site's consumption, so the same energy must not
be in two of them. The other labels go to info. The ICE, CJE and PMEPMI profiles (clusters
0x0053, 0x0055, 0x0057), whose energies are per tariff period, not indexes, stop the frame with
UnknownFrameType.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final

from decoders._bytes import Reader
from decoders.errors import BadLength, BadValue, UnknownFrameType
from decoders.model import AlarmKind, Quantity
from decoders.vendors._watteco_clusters import Points, Sink
from decoders.vendors._zcl import ZclFrame

Value = int | str
Field = Callable[[Reader], Value]


def _u(size: int) -> Field:
    return lambda r: r.uint(size)


def _cstring(r: Reader) -> str:
    text = bytearray()
    while (byte := r.u8()) != 0:
        text.append(byte)
    return text.decode("latin-1")


def _char(r: Reader) -> str:
    return chr(r.u8())


def _date(r: Reader) -> str:
    y, mo, d, h, mi, s = r.take(6)
    return f"20{y:02d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}"


def _season_date(r: Reader) -> str:
    return f"{_char(r)} {_date(r)}"


def _dated(size: int) -> Field:
    """A value with the date it was reached: season letter, date, then the value of ``size`` bytes."""
    return lambda r: f"{_season_date(r)} {r.uint(size)}"


def _hex(size: int) -> Field:
    return lambda r: r.take(size).hex()


def _schedule(r: Reader) -> str:
    """PJOURF+1 and PPOINTE: 11 switching points, each an hour, a minute and a 16-bit action
    bitfield, or 0xFF alone for an unused one (``NONUTILE`` in the meter's text)."""
    points = []
    for _ in range(11):
        hour = r.u8()
        if hour == 0xFF:
            points.append("NONUTILE")
            continue
        minute = r.u8()
        points.append(f"{hour:02d}{minute:02d}{r.take(2).hex()}")
    return " ".join(points)


def _enum(r: Reader) -> Value:
    byte = r.u8()
    return r.take(byte & 0x7F).decode("latin-1") if byte & 0x80 else byte


# Historical TIC (CBE meters, Linky in historical mode), in the order of the descriptor's indexes.
CBE: Final[tuple[tuple[str, Field], ...]] = (
    ("ADIR1", _u(2)), ("ADIR2", _u(2)), ("ADIR3", _u(2)), ("ADCO", _cstring),
    ("OPTARIF", _cstring), ("ISOUSC", _u(1)), ("BASE", _u(4)), ("HCHC", _u(4)),
    ("HCHP", _u(4)), ("EJPHN", _u(4)), ("EJPHPM", _u(4)), ("BBRHCJB", _u(4)),
    ("BBRHPJB", _u(4)), ("BBRHCJW", _u(4)), ("BBRHPJW", _u(4)), ("BBRHCJR", _u(4)),
    ("BBRHPJR", _u(4)), ("PEJP", _u(1)), ("GAZ", _u(4)), ("AUTRE", _u(4)),
    ("PTEC", _cstring), ("DEMAIN", _cstring), ("IINST", _u(2)), ("IINST1", _u(2)),
    ("IINST2", _u(2)), ("IINST3", _u(2)), ("ADPS", _u(2)), ("IMAX", _u(2)),
    ("IMAX1", _u(2)), ("IMAX2", _u(2)), ("IMAX3", _u(2)), ("PMAX", _u(4)),
    ("PAPP", _u(4)), ("HHPHC", _char), ("MOTDETAT", _cstring), ("PPOT", _u(1)),
)  # fmt: skip
# Linky's standard TIC; labels 37-70 (dated maxima, mean voltages, messages, schedules) as nke
# Watteco's Python reference codec lays them out (Codec-Report-Standard-Python, TIC_STD.py).
STD: Final[tuple[tuple[str, Field], ...]] = (
    ("ADSC", _cstring), ("VTIC", _u(1)), ("DATE", _season_date), ("NGTF", _enum), ("LTARF", _enum),
    ("EAST", _u(4)),
    *((f"EASF{i:02d}", _u(4)) for i in range(1, 11)),
    *((f"EASD{i:02d}", _u(4)) for i in range(1, 5)),
    ("EAIT", _u(4)),
    *((f"ERQ{i}", _u(4)) for i in range(1, 5)),
    ("IRMS1", _u(2)), ("IRMS2", _u(2)), ("IRMS3", _u(2)),
    ("URMS1", _u(2)), ("URMS2", _u(2)), ("URMS3", _u(2)),
    ("PREF", _u(1)), ("PCOUP", _u(1)),
    ("SINSTS", _u(3)), ("SINSTS1", _u(3)), ("SINSTS2", _u(3)), ("SINSTS3", _u(3)),
    ("SMAXSN", _dated(3)), ("SMAXSN1", _dated(3)), ("SMAXSN2", _dated(3)), ("SMAXSN3", _dated(3)),
    ("SMAXSN-1", _dated(3)), ("SMAXSN1-1", _dated(3)), ("SMAXSN2-1", _dated(3)), ("SMAXSN3-1", _dated(3)),
    ("SINSTI", _u(3)), ("SMAXIN", _dated(3)), ("SMAXIN-1", _dated(3)),
    ("CCASN", _dated(3)), ("CCASN-1", _dated(3)), ("CCAIN", _dated(3)), ("CCAIN-1", _dated(3)),
    ("UMOY1", _dated(2)), ("UMOY2", _dated(2)), ("UMOY3", _dated(2)), ("STGE", _hex(4)),
    ("DPM1", _dated(1)), ("FPM1", _dated(1)), ("DPM2", _dated(1)), ("FPM2", _dated(1)),
    ("DPM3", _dated(1)), ("FPM3", _dated(1)), ("MSG1", _cstring), ("MSG2", _cstring),
    ("PRM", _cstring), ("RELAIS", _u(1)), ("NTARF", _u(1)), ("NJOURF", _u(1)), ("NJOURF+1", _u(1)),
    ("PJOURF+1", _schedule), ("PPOINTE", _schedule),
)  # fmt: skip
_PROFILES: Final[Mapping[int, tuple[str, tuple[tuple[str, Field], ...]]]] = MappingProxyType(
    {0x0054: ("historical", CBE), 0x0056: ("standard", STD)}
)
_HISTORICAL_REGISTERS = frozenset(name for name, _ in CBE[6:17]) - {"PEJP"}
_PHASE = {"1": "L1", "2": "L2", "3": "L3", "": ""}


def _indexes(r: Reader, what: str) -> tuple[list[int], bool]:
    header = r.u8()
    size = header & 0x1F or 8
    body = r.take(size - 1)
    if header & 0x20:
        return list(body), bool(header & 0x80)
    found = [8 * k + bit for k, byte in enumerate(reversed(body)) for bit in range(8) if byte >> bit & 1]
    return found, bool(header & 0x80)


def _fields(frame: ZclFrame, what: str) -> tuple[str, dict[str, Value], bool]:
    name, table = _PROFILES[frame.cluster]
    r = Reader(frame.value, what)
    indexes, obsolete = _indexes(r, what)
    if len(set(indexes)) != len(indexes):
        raise BadValue(f"{what}: the TIC descriptor lists a label twice")
    values: dict[str, Value] = {}
    for index in indexes:
        if index >= len(table):
            raise UnknownFrameType(f"{what}: TIC {name} label {index} has no published layout releve reads")
        label, read = table[index]
        values[label] = read(r)
    if r.remaining:
        raise BadLength(f"{what}: {r.remaining} byte(s) after the TIC labels the descriptor announces")
    return name, values, obsolete


def tic(frame: ZclFrame, points: Points, out: Sink, what: str) -> None:
    """A TIC report (any attribute 0xii00 of a TIC cluster): the energy registers, currents,
    voltages and apparent powers it holds."""
    point = points.get((frame.cluster, 0, frame.endpoint))
    if point is None or frame.cluster not in _PROFILES:
        raise UnknownFrameType(
            f"{what}: TIC cluster 0x{frame.cluster:04x} on endpoint {frame.endpoint} is not one releve reads"
        )
    if frame.attribute is None or frame.attribute & 0xFF:
        raise UnknownFrameType(f"{what}: TIC attribute 0x{frame.attribute or 0:04x} is not a general report")
    channel_prefix = point.channel
    if frame.attr_type not in (0x41, 0x43):
        raise BadValue(f"{what}: a TIC report is a byte string, not type 0x{frame.attr_type or 0:02x}")
    profile, values, obsolete = _fields(frame, what)
    out.info.append(("tic_profile", profile))
    if obsolete:
        out.info.append(("tic_obsolete", True))
    supplier = any(label.startswith("EASF") for label in values)
    for label, value in values.items():
        if isinstance(value, str):
            out.info.append((label.lower(), value))
        elif label in _HISTORICAL_REGISTERS or (label.startswith("EASF") and supplier):
            out.add(Quantity.ENERGY_IMPORT, value / 1000, channel_prefix + label)
        elif label == "EAST" and not supplier:
            out.add(Quantity.ENERGY_IMPORT, value / 1000, channel_prefix)
        elif label == "EAIT":
            out.add(Quantity.ENERGY_EXPORT, value / 1000, channel_prefix)
        elif label.startswith(("IINST", "IRMS")):
            out.add(Quantity.CURRENT, float(value), _PHASE[label[-1] if label[-1].isdigit() else ""])
        elif label.startswith("URMS"):
            out.add(Quantity.VOLTAGE, float(value), _PHASE[label[-1]])
        elif label in ("PAPP", "SINSTS", "SINSTS1", "SINSTS2", "SINSTS3"):
            out.add(Quantity.APPARENT_POWER, float(value), _PHASE[label[6:]] if label != "PAPP" else "")
        else:
            out.info.append((label.lower(), value))
    if "ADPS" in values:  # the meter's own warning: the subscribed current is exceeded
        out.alarm(AlarmKind.OVER_CURRENT, "", f"TIC ADPS {values['ADPS']} A")


CLUSTERS: Final = frozenset({0x0053, 0x0054, 0x0055, 0x0056, 0x0057})  # ICE, CBE, CJE, standard, PMEPMI
