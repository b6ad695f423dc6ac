"""Adeunis Pulse 4 metering interface (two pulse inputs, A and B).

Format: Adeunis "PULSE 4 LoRaWAN" technical reference and the TTN Device Repository codec
``vendor/adeunis/pulse-4.js`` (shared/vectors/FORMATS.md). Frame code in byte 0, status in
byte 1 (bit 1 low battery, bit 2 "a timestamp ends the frame": u32 seconds since
2013-01-01 UTC). Historical frames 0x5A/0x5B carry the counter now and differences to earlier
values, newest first, at the device's history period, which is not in the frame: releve places
them one hour apart (the period this deployment configures; documented in the README).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from decoders._bytes import Reader, require_length
from decoders.errors import BadLength, EncodeError, UnknownFrameType
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "adeunis/pulse-4"
PORT = 1
EPOCH_2013 = datetime(2013, 1, 1, tzinfo=UTC)
HISTORY_PERIOD_S = 3600
CUM = Kind.CUMULATIVE


def decode_pulse4(f_port: int, payload: bytes) -> Frame:
    require_length(payload, MODEL, minimum=2)
    code, status = payload[0], payload[1]
    stamped = bool(status & 0x04)
    body = payload[2:-4] if stamped else payload[2:]
    if stamped and len(payload) < 6:
        raise BadLength(f"{MODEL}: timestamp flag set but the frame is too short")
    at = EPOCH_2013 + timedelta(seconds=int.from_bytes(payload[-4:], "big")) if stamped else None
    alarms: list[Alarm] = []
    if status & 0x02:
        alarms.append(Alarm(AlarmKind.LOW_BATTERY, detail="battery low"))
    readings: list[DecodedReading] = []
    r = Reader(body, MODEL)
    if code in (0x5A, 0x5B):
        channel = "A" if code == 0x5A else "B"
        value = r.u32be()
        readings.append(DecodedReading(Quantity.PULSE_COUNT, float(value), CUM, channel, at=at))
        step = 1
        while r.remaining:
            value -= r.u16be()
            if value < 0:
                raise UnknownFrameType(f"{MODEL}: history goes below zero (corrupted frame)")
            when = at - timedelta(seconds=step * HISTORY_PERIOD_S) if at else None
            offset = None if at else -step * HISTORY_PERIOD_S
            readings.append(
                DecodedReading(Quantity.PULSE_COUNT, float(value), CUM, channel, offset_s=offset, at=when)
            )
            step += 1
    elif code == 0x46:
        require_length(body, MODEL, exact=8)
        readings.append(DecodedReading(Quantity.PULSE_COUNT, float(r.u32be()), CUM, "A", at=at))
        readings.append(DecodedReading(Quantity.PULSE_COUNT, float(r.u32be()), CUM, "B", at=at))
    elif code == 0x47:
        require_length(body, MODEL, exact=4)
        for channel in ("A", "B"):
            alarms.append(
                Alarm(AlarmKind.HIGH_FLOW, channel, f"flow alarm, {r.u16be()} pulses in the period")
            )
    elif code == 0x30:
        require_length(body, MODEL, exact=9)
        bits = r.u8()
        for bit, kind, channel in (
            (0x01, AlarmKind.HIGH_FLOW, "A"),
            (0x02, AlarmKind.HIGH_FLOW, "B"),
            (0x04, AlarmKind.TAMPER, "A"),
            (0x08, AlarmKind.TAMPER, "B"),
            (0x10, AlarmKind.LEAK, "A"),
            (0x20, AlarmKind.LEAK, "B"),
        ):
            if bits & bit:
                alarms.append(Alarm(kind, channel))
        return Frame(alarms=tuple(alarms), info=(("keep_alive", True),))
    else:
        raise UnknownFrameType(f"{MODEL}: frame code 0x{code:02x} carries no measurement releve reads")
    return Frame(readings=tuple(readings), alarms=tuple(alarms))


_KEEP_ALIVE_BITS = {
    (AlarmKind.HIGH_FLOW, "A"): 0x01,
    (AlarmKind.HIGH_FLOW, "B"): 0x02,
    (AlarmKind.TAMPER, "A"): 0x04,
    (AlarmKind.TAMPER, "B"): 0x08,
    (AlarmKind.LEAK, "A"): 0x10,
    (AlarmKind.LEAK, "B"): 0x20,
}


def encode_pulse4(frame: Frame) -> tuple[int, bytes]:
    """A 0x46 frame (both counters at one device time, whole seconds since 2013), or, for a frame
    of alarms only, a 0x30 keep-alive frame carrying them (flow extremes zero)."""
    if not frame.readings:
        bits = 0
        for alarm in frame.alarms:
            bit = _KEEP_ALIVE_BITS.get((alarm.kind, alarm.channel))
            if bit is None:
                raise EncodeError(
                    f"a keep-alive frame cannot carry {alarm.kind} on channel {alarm.channel!r}"
                )
            bits |= bit
        if not bits:
            raise EncodeError("nothing to encode")
        return PORT, bytes([0x30, 0x01, bits]) + bytes(8)
    counts = {r.channel: r for r in frame.readings if r.quantity is Quantity.PULSE_COUNT}
    if set(counts) != {"A", "B"} or len(frame.readings) != 2:
        raise EncodeError("a 0x46 frame holds the counters of channels A and B")
    times = {r.at for r in counts.values()}
    if len(times) != 1:
        raise EncodeError("both counters share the frame's time")
    (at,) = times
    status = 0x01 | (0x02 if any(a.kind is AlarmKind.LOW_BATTERY for a in frame.alarms) else 0)
    if any(a.kind is not AlarmKind.LOW_BATTERY for a in frame.alarms):
        raise EncodeError("only the low-battery alarm is encoded")
    body = b""
    for channel in ("A", "B"):
        value = counts[channel].value
        if value != int(value) or not 0 <= value < 2**32:
            raise EncodeError("counters are 32-bit whole numbers")
        body += int(value).to_bytes(4, "big")
    tail = b""
    if at is not None:
        seconds = (at - EPOCH_2013).total_seconds()
        if seconds != int(seconds) or not 0 <= seconds < 2**32:
            raise EncodeError("the time must be whole seconds after 2013")
        status |= 0x04
        tail = int(seconds).to_bytes(4, "big")
    return PORT, bytes([0x46, status]) + body + tail


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="Adeunis Pulse 4 metering interface (2 pulse inputs)",
        decode=decode_pulse4,
        encode=encode_pulse4,
        quantities=frozenset({Quantity.PULSE_COUNT}),
        datasheet="Adeunis PULSE 4 LoRaWAN technical reference; TTN vendor/adeunis/pulse-4",
    ),
)
