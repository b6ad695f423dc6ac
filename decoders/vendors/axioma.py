"""Axioma Metering Qalcosonic W1 ultrasonic water meter, "enhanced 24h" frame (port 100, 51 bytes).

Format: Axioma's Qalcosonic W1 LoRaWAN payload description and the TTN Device Repository codec
``vendor/axioma/qalcosonic-w1.js``, summarized in shared/vectors/FORMATS.md. The frame carries
the index at the meter's log time and 23 hourly consumptions after it, so one daily frame
gives 24 index readings, none lost.

The last 6 bits of the history stream are a "history multiplier" whose scaling the format does
not document (the vendor codec only warns when it is non-zero). With a non-zero multiplier the
log index, which it does not affect, is still read; the 23 hourly values are dropped rather
than guessed, and the multiplier is kept in ``info``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from decoders._bytes import require_length
from decoders.errors import BadValue, EncodeError, UnsupportedPort
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "axioma/qalcosonic-w1"
PORT = 100
LENGTH = 51
HOURS = 23
_BITS = 14


# The status bits the encoder sets for each alarm (dry is the status 0x10 alone).
_STATUS_BITS = (
    (AlarmKind.LOW_BATTERY, 0x04),
    (AlarmKind.METER_ERROR, 0x08),
    (AlarmKind.DRY, 0x10),
    (AlarmKind.LEAK, 0x20),
    (AlarmKind.BACKFLOW, 0x60),
    (AlarmKind.LOW_TEMPERATURE, 0x80),
    (AlarmKind.BURST, 0xA0),
)


def _alarms(status: int) -> tuple[Alarm, ...]:
    out: list[Alarm] = []
    backflow = status & 0x60 == 0x60
    burst = status & 0xA0 == 0xA0
    if status & 0x04:
        out.append(Alarm(AlarmKind.LOW_BATTERY, detail="battery low"))
    if status & 0x08:
        out.append(Alarm(AlarmKind.METER_ERROR, detail="permanent error"))
    if status & 0x10:
        detail = "empty pipe" if status == 0x10 else "temporary error"
        out.append(Alarm(AlarmKind.DRY if status == 0x10 else AlarmKind.METER_ERROR, detail=detail))
    if backflow:
        out.append(Alarm(AlarmKind.BACKFLOW, detail="water flowed backwards"))
    if burst:
        out.append(Alarm(AlarmKind.BURST, detail="burst: flow above the meter's maximum"))
    if status & 0x20 and not backflow and not burst:
        out.append(Alarm(AlarmKind.LEAK, detail="continuous flow: leakage"))
    if status & 0x80 and not burst:
        out.append(Alarm(AlarmKind.LOW_TEMPERATURE, detail="water temperature low (freeze risk)"))
    return tuple(out)


def decode_qalcosonic_w1(f_port: int, payload: bytes) -> Frame:
    if f_port != PORT:
        raise UnsupportedPort(MODEL, f_port)
    require_length(payload, MODEL, exact=LENGTH)
    if payload[0] != 0x01:
        raise BadValue(f"{MODEL}: unsupported frame version 0x{payload[0]:x}")
    at = datetime.fromtimestamp(int.from_bytes(payload[1:5], "little"), UTC)
    status = payload[5]
    litres = int.from_bytes(payload[6:10], "little")
    stream = int.from_bytes(payload[10:], "little")  # bit k of the stream is bit k of this integer
    deltas = [(stream >> (_BITS * i)) & ((1 << _BITS) - 1) for i in range(HOURS)]
    multiplier = (stream >> (_BITS * HOURS)) & 0x3F
    readings = [DecodedReading(Quantity.WATER_VOLUME, litres / 1000, Kind.CUMULATIVE, at=at)]
    total = litres
    for hour, delta in enumerate([] if multiplier else deltas, start=1):
        total += delta
        readings.append(
            DecodedReading(
                Quantity.WATER_VOLUME, total / 1000, Kind.CUMULATIVE, at=at + timedelta(hours=hour)
            )
        )
    info: tuple[tuple[str, int], ...] = (("status", status),)
    if multiplier:
        info += (("history_multiplier", multiplier),)
    return Frame(readings=tuple(readings), alarms=_alarms(status), info=info)


def encode_qalcosonic_w1(frame: Frame) -> tuple[int, bytes]:
    """The daily frame from 24 hourly index readings (litre resolution) and the status alarms
    (any set of them that the status byte can carry)."""
    points = sorted(
        (r for r in frame.readings if r.quantity is Quantity.WATER_VOLUME), key=lambda r: r.at or 0
    )
    if len(points) != HOURS + 1 or len(points) != len(frame.readings) or points[0].at is None:
        raise EncodeError("a Qalcosonic W1 frame holds 24 hourly index readings with times")
    at = points[0].at
    litres = [round(r.value * 1000) for r in points]
    if any(abs(n / 1000 - r.value) > 1e-9 for n, r in zip(litres, points, strict=True)):
        raise EncodeError("indexes must be whole litres")
    if any(r.at != at + timedelta(hours=i) for i, r in enumerate(points)):
        raise EncodeError("readings must be one hour apart")
    deltas = [b - a for a, b in pairwise(litres)]
    if not 0 <= litres[0] < 2**32 or any(not 0 <= d < 2**_BITS for d in deltas) or at.microsecond:
        raise EncodeError("index or hourly consumption out of the frame's range")
    status = 0
    kinds = {a.kind for a in frame.alarms}
    for kind, bits in _STATUS_BITS:
        if kind in kinds:
            status |= bits
    if {a.kind for a in _alarms(status)} != kinds or any(a.channel for a in frame.alarms):
        raise EncodeError(f"the status byte cannot carry the alarms {sorted(kinds)}")
    stream = 0
    for i, delta in enumerate(deltas):
        stream |= delta << (_BITS * i)
    seconds = int(at.timestamp())
    if not 0 <= seconds < 2**32:
        raise EncodeError("the meter clock counts seconds from 1970 on 32 bits")
    body = (
        bytes([0x01])
        + seconds.to_bytes(4, "little")
        + bytes([status])
        + litres[0].to_bytes(4, "little")
        + stream.to_bytes(LENGTH - 10, "little")
    )
    return PORT, body


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="Axioma Qalcosonic W1 ultrasonic water meter (enhanced 24h frame)",
        decode=decode_qalcosonic_w1,
        encode=encode_qalcosonic_w1,
        quantities=frozenset({Quantity.WATER_VOLUME}),
        datasheet="Axioma Metering Qalcosonic W1 LoRaWAN payload; TTN Device Repository vendor/axioma",
        ports=frozenset({PORT}),
        version="2",
    ),
)
