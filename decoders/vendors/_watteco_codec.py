"""Decoding and encoding of one nke Watteco model described by a ``Profile`` (see ``watteco``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from decoders._bytes import require_length
from decoders.errors import BadValue, EncodeError, UnknownFrameType, UnsupportedPort
from decoders.model import AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.vendors import _watteco_tic, _zcl
from decoders.vendors._watteco_batch import Label, SampleType, decode_batch, encode_batch
from decoders.vendors._watteco_clusters import (
    DOCUMENTED_TYPES,
    HANDLERS,
    SERVICE_CLUSTERS,
    Point,
    Points,
    Sink,
    describe,
    kind_of,
)

PORT = _zcl.PORT
Q = Quantity
T = SampleType


@dataclass(frozen=True, slots=True)
class BatchPoint:
    """A batch label: how it is coded (``label``) and what its samples become (``point``)."""

    label: Label
    point: Point
    divide: float = 1  # raw units per unit of the quantity


@dataclass(frozen=True, slots=True)
class Profile:
    """One model: what its standard reports' (cluster, attribute, endpoint) and its batch labels
    become in releve's terms."""

    model_id: str
    name: str
    datasheet: str
    points: Points
    tag_bits: int = 0  # 0: the model sends no batch reports
    batch: Mapping[int, BatchPoint] = field(default_factory=dict)

    @property
    def labels(self) -> dict[int, Label]:
        return {n: b.label for n, b in self.batch.items()}


def decode_profile(profile: Profile, f_port: int, payload: bytes) -> Frame:
    """Decode a standard or batch report of the model ``profile`` describes."""
    what = profile.model_id
    if f_port != PORT:
        raise UnsupportedPort(what, f_port)
    require_length(payload, what, minimum=1)
    out = Sink()
    if _zcl.is_standard(payload):
        _standard(profile, _zcl.parse(payload, what), out)
    else:
        _batch(profile, payload, out)
    return Frame(readings=tuple(out.readings), alarms=tuple(out.alarms), info=tuple(out.info))


_COMMANDS = {_zcl.REPORT: "report", _zcl.ALARM_REPORT: "alarm_report", _zcl.READ_RESPONSE: "read_response"}


def _standard(profile: Profile, frame: _zcl.ZclFrame, out: Sink) -> None:
    what = profile.model_id
    name = _COMMANDS.get(frame.command) or _zcl.ACK_COMMANDS[frame.command]
    out.info += [("frame", name), ("cluster", f"0x{frame.cluster:04x}"), ("endpoint", frame.endpoint)]
    if frame.attribute is None:
        if frame.status is not None:
            out.info.append(("status", frame.status))
        return
    out.info.append(("attribute", f"0x{frame.attribute:04x}"))
    known = frame.cluster in SERVICE_CLUSTERS or any(key[0] == frame.cluster for key in profile.points)
    if not known:
        raise UnknownFrameType(f"{what}: cluster 0x{frame.cluster:04x} is not one of this model's")
    if frame.status:
        out.info.append(("status", frame.status))  # the attribute could not be read
        return
    handler = HANDLERS.get((frame.cluster, frame.attribute))
    if frame.cluster in _watteco_tic.CLUSTERS:
        handler = _watteco_tic.tic
    if handler is None:  # a setting of the cluster (polarity, debounce, ...), not a measurement
        out.info.append(("value", frame.value.hex()))
        if frame.causes:
            out.info.append(("report_causes", describe(frame.causes)))
        return
    handler(_as_documented(frame, what), profile.points, out, what)


def _as_documented(frame: _zcl.ZclFrame, what: str) -> _zcl.ZclFrame:
    """The frame with the attribute's documented type, if its declared one has that layout."""
    documented = DOCUMENTED_TYPES.get((frame.cluster, frame.attribute or 0))
    if documented is None or frame.attr_type is None:
        return frame
    if not _zcl.same_layout(frame.attr_type, documented):
        raise BadValue(
            f"{what}: cluster 0x{frame.cluster:04x} attribute 0x{frame.attribute or 0:04x} is of type "
            f"0x{documented:02x}, the frame says 0x{frame.attr_type:02x}"
        )
    return replace(frame, attr_type=documented)


def _batch(profile: Profile, payload: bytes, out: Sink) -> None:
    what = profile.model_id
    if not profile.tag_bits:
        raise UnknownFrameType(f"{what}: this model sends no batch reports (bit 0 of the first byte is 0)")
    batch = decode_batch(payload, profile.tag_bits, profile.labels, what)
    out.info += [("frame", "batch_report"), ("batch_counter", batch.counter)]
    newest: dict[int, tuple[int, float]] = {}
    for sample in batch.samples:
        spec = profile.batch[sample.label]
        point = spec.point
        if sample.label not in newest or sample.age_s < newest[sample.label][0]:
            newest[sample.label] = (sample.age_s, sample.value)
        if point.quantity is None:
            continue
        if not math.isfinite(sample.value):
            out.alarm(AlarmKind.SENSOR_FAULT, point.channel, f"batch label {sample.label}: no valid value")
            continue
        value = sample.value / spec.divide
        if kind_of(point.quantity) is Kind.STATE:  # bit 0 (ZCL bitmaps: the other bits are reserved)
            value = float(int(value) & 0x01)
        elif kind_of(point.quantity) is Kind.CUMULATIVE and value < 0:
            out.alarm(
                AlarmKind.METER_ERROR, point.channel, f"batch label {sample.label}: register reads {value}"
            )
            continue
        out.add(
            point.quantity, float(f"{value:.12g}"), point.channel, -sample.age_s if sample.age_s else None
        )
    for number, (_age, value) in sorted(newest.items()):
        point = profile.batch[number].point
        if point.quantity is None:
            out.info.append((point.name, value / profile.batch[number].divide))
        elif point.name == "case_open" and value:
            out.alarm(AlarmKind.TAMPER, point.channel, "the sensor's case is open")


# --- encoding, for the simulator -----------------------------------------------------------------

_BASE_TIME = 1_000_000  # the sensor clock at an encoded batch's oldest sample, in seconds


def encode_profile(profile: Profile, frame: Frame) -> tuple[int, bytes]:
    """One reading taken now: a standard report; otherwise a batch report of every reading."""
    if frame.alarms:
        raise EncodeError(f"{profile.model_id}: the encoder sends measurements only, no alarms")
    if not frame.readings:
        raise EncodeError("nothing to encode")
    if any(r.at is not None for r in frame.readings):
        raise EncodeError(f"{profile.model_id}: the sensor has no calendar clock; readings carry ages")
    for r in frame.readings:
        if r.kind is not kind_of(r.quantity) or not math.isfinite(r.value):
            raise EncodeError(f"{profile.model_id}: {r.quantity} {r.value} ({r.kind}) is not what it sends")
    if len(frame.readings) == 1 and frame.readings[0].offset_s is None:
        return PORT, _encode_standard(profile, frame.readings[0])
    return PORT, _encode_batch(profile, frame.readings)


def _encode_standard(profile: Profile, reading: DecodedReading) -> bytes:
    if reading.quantity is Q.BATTERY_VOLTAGE:
        millivolts = _whole(reading.value * 1000, 2**16, "battery millivolts")
        value = bytes([0x03, 0x04]) + millivolts.to_bytes(2, "big") + bytes([0x04])  # disposable battery
        return _zcl.encode_report(0, 0x0050, 0x0006, 0x41, value)
    for (cluster, attribute, endpoint), point in profile.points.items():
        if (point.quantity, point.channel) != (reading.quantity, reading.channel):
            continue
        if (cluster, attribute) == (0x000F, 0x0402):
            count = _whole(reading.value, 2**32, "pulse count")
            return _zcl.encode_report(endpoint, cluster, attribute, 0x23, count.to_bytes(4, "big"))
        if (cluster, attribute) == (0x000F, 0x0055):
            state = _whole(reading.value, 2, "input state")
            return _zcl.encode_report(endpoint, cluster, attribute, 0x10, bytes([state]))
    raise EncodeError(
        f"{profile.model_id}: no standard report carries {reading.quantity} {reading.channel!r}"
    )


def _encode_batch(profile: Profile, readings: tuple[DecodedReading, ...]) -> bytes:
    by_target = {(b.point.quantity, b.point.channel): n for n, b in profile.batch.items()}
    oldest = max(-(r.offset_s or 0) for r in readings)
    if min(-(r.offset_s or 0) for r in readings) < 0:
        raise EncodeError("a batch report carries past samples only (offsets <= 0)")
    sent = _BASE_TIME + oldest
    series: dict[int, list[tuple[int, float]]] = {}
    for r in readings:
        number = by_target.get((r.quantity, r.channel))
        if number is None:
            raise EncodeError(f"{profile.model_id}: no batch label carries {r.quantity} {r.channel!r}")
        spec = profile.batch[number]
        raw = r.value * spec.divide
        if spec.label.sample_type is not T.FLOAT:
            raw = float(round(raw))
            if raw / spec.divide != r.value:
                raise EncodeError(f"{r.value} is not a whole number of the label's raw units")
        series.setdefault(number, []).append((sent + (r.offset_s or 0), raw))
    for samples in series.values():
        samples.sort(key=lambda s: s[0])
    return encode_batch(profile.tag_bits, profile.labels, series, sent)


def _whole(value: float, limit: int, what: str) -> int:
    rounded = round(value)
    if not 0 <= rounded < limit or abs(rounded - value) > 1e-9 * max(1.0, abs(value)):
        raise EncodeError(f"{what} {value} is not a whole number below {limit}")
    return rounded
