"""Adeunis: Pulse 4 metering interface, TIC CBE/Linky mono reader, Comfort CO2 sensor.

Formats: the Adeunis technical reference manuals (PULSE V3/V4 "Technical Reference Manual
LoRaWAN / Sigfox", APP >= 2.0; COMFORT CO2 Technical Reference Manual, APP 2.3.x) and the TTN
Device Repository codecs ``vendor/adeunis/pulse_lib.js``, ``tic_cbe_linky_mono_lib.js`` and
``comfort_co2_lib.js`` (summarized for the Pulse 4 in shared/vectors/FORMATS.md).

Every frame starts with a frame code and a status byte (bit 1 low battery; on data frames of the
Pulse 4 and Comfort CO2, bit 2 "a u32 timestamp ends the frame", seconds since 2013-01-01 UTC).

History frames carry values newest first at a period that is a device setting, not in the frame.
releve assumes the factory defaults of the reference manuals:

- Pulse 4 (0x5A/0x5B): register 321 "history period" = 43200 x 2 s, one value a day;
- Comfort CO2 (0x6A): register 321 "sampling period" = 300 x 2 s with register 320 = 1, one
  value every 10 minutes.

With a timestamp the newest value is at that time and the older ones a period apart before it
(``at``); without, they get negative ``offset_s`` from reception.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from decoders._bytes import Reader, require_length
from decoders.errors import BadLength, BadValue, EncodeError, UnknownFrameType
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

PULSE4 = "adeunis/pulse-4"
TIC_MONO = "adeunis/tic-cbe-linky-mono"
COMFORT_CO2 = "adeunis/comfort-co2"
PORT = 1  # Adeunis devices send every uplink on port 1
EPOCH_2013 = datetime(2013, 1, 1, tzinfo=UTC)
PULSE4_HISTORY_S = 86_400
COMFORT_CO2_HISTORY_S = 600
CUM = Kind.CUMULATIVE
INST = Kind.INSTANTANEOUS
Info = list[tuple[str, str | int | float | bool]]

_LOW_BATTERY = 0x02
_STAMPED = 0x04
_CONFIG_FRAMES = {
    0x10: "configuration",
    0x11: "configuration",
    0x12: "configuration",
    0x20: "network_configuration",
    0x33: "register_write_status",
    0x37: "software_version",
}


def _status_alarms(status: int) -> list[Alarm]:
    return [Alarm(AlarmKind.LOW_BATTERY, detail="low battery flag")] if status & _LOW_BATTERY else []


def _split_timestamp(model: str, payload: bytes, minimum: int) -> tuple[bytes, datetime | None]:
    """The frame body after the status byte, and the device time when the frame ends with one."""
    require_length(payload, model, minimum=minimum)
    if not payload[1] & _STAMPED:
        return payload[2:], None
    if len(payload) < minimum + 4:
        raise BadLength(f"{model}: the timestamp flag is set but the frame has no room for it")
    seconds = int.from_bytes(payload[-4:], "big")
    return payload[2:-4], EPOCH_2013 + timedelta(seconds=seconds)


def _placed(
    quantity: Quantity, value: float, kind: Kind, channel: str, at: datetime | None, step: int, period_s: int
) -> DecodedReading:
    """The ``step``-th older value of a history frame, one period before the next newer one."""
    if at is not None:
        return DecodedReading(quantity, value, kind, channel, at=at - timedelta(seconds=step * period_s))
    return DecodedReading(quantity, value, kind, channel, offset_s=-step * period_s if step else None)


def _config_frame(model: str, payload: bytes) -> Frame:
    code, status = payload[0], payload[1]
    info: Info = [("frame", _CONFIG_FRAMES[code]), ("frame_code", code), ("payload", payload[2:].hex())]
    if code == 0x37:
        require_length(payload, model, minimum=8)
        info.append(("app_version", ".".join(str(b) for b in payload[2:5])))
        info.append(("rtu_version", ".".join(str(b) for b in payload[5:8])))
    return Frame(alarms=tuple(_status_alarms(status)), info=tuple(info))


# --- Pulse 4 -----------------------------------------------------------------------------------

_KEEP_ALIVE_BITS = {
    (AlarmKind.HIGH_FLOW, "A"): 0x01,
    (AlarmKind.HIGH_FLOW, "B"): 0x02,
    (AlarmKind.TAMPER, "A"): 0x04,
    (AlarmKind.TAMPER, "B"): 0x08,
    (AlarmKind.LEAK, "A"): 0x10,
    (AlarmKind.LEAK, "B"): 0x20,
}


def decode_pulse4(f_port: int, payload: bytes) -> Frame:
    """Counter (0x46), history (0x5A/0x5B), flow alarm (0x47), keep-alive (0x30), configuration."""
    require_length(payload, PULSE4, minimum=2)
    code, status = payload[0], payload[1]
    if code in (0x10, 0x11, 0x12, 0x20, 0x33):
        return _config_frame(PULSE4, payload)
    alarms = _status_alarms(status)
    readings: list[DecodedReading] = []
    info: Info = []
    if code in (0x5A, 0x5B):
        body, at = _split_timestamp(PULSE4, payload, 6)
        channel = "A" if code == 0x5A else "B"
        r = Reader(body, PULSE4)
        value = r.u32be()
        step = 0
        while True:
            readings.append(
                _placed(Quantity.PULSE_COUNT, float(value), CUM, channel, at, step, PULSE4_HISTORY_S)
            )
            if not r.remaining:
                break
            value -= r.u16be()
            if value < 0:
                raise BadValue(f"{PULSE4}: the history goes below zero (corrupted frame)")
            step += 1
    elif code == 0x46:
        body, at = _split_timestamp(PULSE4, payload, 10)
        require_length(body, PULSE4, exact=8)
        r = Reader(body, PULSE4)
        for channel in ("A", "B"):
            readings.append(DecodedReading(Quantity.PULSE_COUNT, float(r.u32be()), CUM, channel, at=at))
    elif code == 0x47:
        body, _at = _split_timestamp(PULSE4, payload, 6)
        require_length(body, PULSE4, exact=4)
        r = Reader(body, PULSE4)
        flows = {"A": r.u16be(), "B": r.u16be()}
        raised = [ch for ch, flow in flows.items() if flow] or [""]
        for channel in raised:
            detail = (
                f"flow alarm, {flows.get(channel, 0)} pulses in the flow period" if channel else "flow alarm"
            )
            alarms.append(Alarm(AlarmKind.HIGH_FLOW, channel, detail))
    elif code == 0x30:
        body, _at = _split_timestamp(PULSE4, payload, 11)
        require_length(body, PULSE4, exact=9)
        r = Reader(body, PULSE4)
        bits = r.u8()
        for (kind, channel), bit in _KEEP_ALIVE_BITS.items():
            if bits & bit:
                alarms.append(Alarm(kind, channel))
        info = [("frame", "keep_alive")]
        for name in ("max_flow_24h_a", "max_flow_24h_b", "min_flow_24h_a", "min_flow_24h_b"):
            info.append((name, r.u16be()))
    else:
        raise UnknownFrameType(f"{PULSE4}: frame code 0x{code:02x} is not a Pulse 4 uplink")
    return Frame(readings=tuple(readings), alarms=tuple(alarms), info=tuple(info))


def _whole(value: float, limit: int, what: str) -> int:
    if value != int(value) or not 0 <= value < limit:
        raise EncodeError(f"{what} {value} is not a whole number below {limit}")
    return int(value)


def _timestamp(at: datetime) -> bytes:
    seconds = (at - EPOCH_2013).total_seconds()
    return _whole(seconds, 2**32, "seconds since 2013").to_bytes(4, "big")


def _encode_history(channel: str, readings: list[DecodedReading]) -> tuple[bytes, datetime | None]:
    """Body of a 0x5A/0x5B frame: readings one history period apart, newest first."""
    if all(r.at is not None for r in readings):
        ordered = sorted(readings, key=lambda r: r.at or EPOCH_2013, reverse=True)
        at = ordered[0].at
    elif all(r.at is None for r in readings):
        ordered = sorted(readings, key=lambda r: -(r.offset_s or 0))
        at = None
    else:
        raise EncodeError("history readings are either all timestamped or none is")
    for step, reading in enumerate(ordered):
        if reading != _placed(Quantity.PULSE_COUNT, reading.value, CUM, channel, at, step, PULSE4_HISTORY_S):
            raise EncodeError(f"history values are {PULSE4_HISTORY_S} s apart, newest at the frame time")
    body = _whole(ordered[0].value, 2**32, "counter").to_bytes(4, "big")
    for newer, older in pairwise(ordered):
        body += _whole(newer.value - older.value, 2**16, f"channel {channel} step").to_bytes(2, "big")
    return body, at


def encode_pulse4(frame: Frame) -> tuple[int, bytes]:
    """0x46 (counters A and B at one time), 0x5A/0x5B (history of one channel), or 0x30 (alarms)."""
    low_battery = any(a.kind is AlarmKind.LOW_BATTERY for a in frame.alarms)
    status = 0x01 | (_LOW_BATTERY if low_battery else 0)
    others = [a for a in frame.alarms if a.kind is not AlarmKind.LOW_BATTERY]
    if not frame.readings:
        bits = 0
        for alarm in others:
            bit = _KEEP_ALIVE_BITS.get((alarm.kind, alarm.channel))
            if bit is None:
                raise EncodeError(
                    f"a keep-alive frame cannot carry {alarm.kind} on channel {alarm.channel!r}"
                )
            bits |= bit
        if not bits and not low_battery:
            raise EncodeError("nothing to encode")
        return PORT, bytes([0x30, status, bits]) + bytes(8)
    if others:
        raise EncodeError("a counter frame carries only the low-battery alarm")
    if any(r.quantity is not Quantity.PULSE_COUNT or r.kind is not CUM for r in frame.readings):
        raise EncodeError("Pulse 4 frames carry cumulative pulse counts only")
    channels = {r.channel for r in frame.readings}
    if channels == {"A", "B"} and len(frame.readings) == 2:
        a, b = sorted(frame.readings, key=lambda r: r.channel)
        if a.at != b.at or a.offset_s is not None or b.offset_s is not None:
            raise EncodeError("both counters of a 0x46 frame share the frame's time")
        body = b"".join(_whole(r.value, 2**32, "counter").to_bytes(4, "big") for r in (a, b))
        code, at = 0x46, a.at
    elif channels in ({"A"}, {"B"}):
        (channel,) = channels
        body, at = _encode_history(channel, list(frame.readings))
        code = 0x5A if channel == "A" else 0x5B
    else:
        raise EncodeError(f"no Pulse 4 frame carries channels {sorted(channels)}")
    tail = _timestamp(at) if at is not None else b""
    return PORT, bytes([code, status | (_STAMPED if tail else 0)]) + body + tail


# --- TIC CBE / Linky (historic mode), single phase ---------------------------------------------

_TIC_ABSENT = 0x8000_0000  # the reader's "label not found in the TIC stream"
_TIC_READ_ERROR = 0x10
_TIC_INCONSISTENT = 0x08
_TIC_ALARM_TYPES = (
    "manual_trigger",
    "label_appearance",
    "label_disappearance",
    "high_threshold",
    "low_threshold",
    "end_of_threshold_alarm",
    "delta_positive",
    "delta_negative",
)


def _tic_text(model: str, raw: bytes) -> str:
    text = raw.replace(b"\x00", b"")
    if any(not 0x20 <= b < 0x7F for b in text):
        raise BadValue(f"{model}: TIC text field {raw.hex()} is not printable ASCII")
    return text.decode("ascii")


def _tic_data(payload: bytes) -> Frame:
    require_length(payload, TIC_MONO, exact=50)
    status = payload[1]
    r = Reader(payload[2:], TIC_MONO)
    info: Info = [("frame", "tic_data")]
    readings: list[DecodedReading] = []
    alarms = _status_alarms(status)
    if status & _TIC_READ_ERROR:
        alarms.append(
            Alarm(AlarmKind.SENSOR_FAULT, detail="the reader could not read the meter's TIC output")
        )
    if status & _TIC_INCONSISTENT:
        info.append(("configuration_inconsistent", True))
    for name, raw in (("adco", r.take(12)), ("optarif", r.take(4))):
        if text := _tic_text(TIC_MONO, raw):
            info.append((name, text))
    fields = ("BASE", "ISOUSC", "IINST", "IMAX", "PAPP", "HCHC", "HCHP")
    values = {label: r.u32be() for label in fields}
    if text := _tic_text(TIC_MONO, r.take(4)):
        info.append(("ptec", text))
    for label, value in values.items():
        if value == _TIC_ABSENT:
            continue  # the meter's tariff option does not publish this label
        if label in ("BASE", "HCHC", "HCHP"):
            readings.append(DecodedReading(Quantity.ENERGY_IMPORT, value / 1000, CUM, label))  # Wh -> kWh
        elif label == "IINST":
            readings.append(DecodedReading(Quantity.CURRENT, float(value), INST))
        elif label == "PAPP":
            readings.append(DecodedReading(Quantity.APPARENT_POWER, float(value), INST))
        else:
            info.append((label.lower() + "_a", value))
    return Frame(readings=tuple(readings), alarms=tuple(alarms), info=tuple(info))


def _tic_alarm(payload: bytes) -> Frame:
    require_length(payload, TIC_MONO, minimum=13)
    label = _tic_text(TIC_MONO, payload[2:12])
    kind_code = payload[12]
    if kind_code >= len(_TIC_ALARM_TYPES):
        raise BadValue(f"{TIC_MONO}: unknown TIC alarm type {kind_code}")
    kind = _TIC_ALARM_TYPES[kind_code]
    value = _tic_text(TIC_MONO, payload[13:])
    alarms = _status_alarms(payload[1])
    # ADPS is the meter's own "subscribed power exceeded" warning; IINST over a threshold likewise.
    if (label == "ADPS" and kind == "label_appearance") or (label == "IINST" and kind == "high_threshold"):
        alarms.append(Alarm(AlarmKind.OVER_CURRENT, detail=f"TIC {label} {kind} {value}".strip()))
    info: Info = [("frame", "tic_alarm"), ("label", label), ("alarm_type", kind), ("value", value)]
    return Frame(alarms=tuple(alarms), info=tuple(info))


def decode_tic_mono(f_port: int, payload: bytes) -> Frame:
    """TIC data (0x49), TIC alarm (0x4A), keep-alive (0x30) and configuration frames."""
    require_length(payload, TIC_MONO, minimum=2)
    code = payload[0]
    if code == 0x49:
        return _tic_data(payload)
    if code == 0x4A:
        return _tic_alarm(payload)
    if code in (0x10, 0x20):
        return _config_frame(TIC_MONO, payload)
    if code == 0x30:
        return Frame(alarms=tuple(_status_alarms(payload[1])), info=(("frame", "keep_alive"),))
    raise UnknownFrameType(f"{TIC_MONO}: frame code 0x{code:02x} is not a TIC reader uplink")


# --- Comfort CO2 -------------------------------------------------------------------------------


def _comfort_data(payload: bytes) -> Frame:
    body, at = _split_timestamp(COMFORT_CO2, payload, 7)
    if not body or len(body) % 5:
        raise BadLength(f"{COMFORT_CO2}: {len(body)} data bytes are not whole 5-byte records")
    r = Reader(body, COMFORT_CO2)
    readings: list[DecodedReading] = []
    for step in range(len(body) // 5):
        values = (
            (Quantity.TEMPERATURE, r.s16be() / 10),
            (Quantity.HUMIDITY, float(r.u8())),
            (Quantity.CO2, float(r.u16be())),
        )
        readings += [_placed(q, v, INST, "", at, step, COMFORT_CO2_HISTORY_S) for q, v in values]
    return Frame(readings=tuple(readings), alarms=tuple(_status_alarms(payload[1])))


def _comfort_alarm(payload: bytes) -> Frame:
    body, at = _split_timestamp(COMFORT_CO2, payload, 8)
    require_length(body, COMFORT_CO2, exact=6)
    r = Reader(body, COMFORT_CO2)
    flags = r.u8()
    readings = (
        DecodedReading(Quantity.TEMPERATURE, r.s16be() / 10, INST, at=at),
        DecodedReading(Quantity.HUMIDITY, float(r.u8()), INST, at=at),
        DecodedReading(Quantity.CO2, float(r.u16be()), INST, at=at),
    )
    # The frame says which threshold alarm is active, not whether it is a high or a low one.
    info: Info = [
        ("frame", "alarm"),
        ("temperature_alarm", bool(flags & 0x10)),
        ("humidity_alarm", bool(flags & 0x01)),
        ("co2_alarm", bool(flags & 0x20)),
    ]
    return Frame(readings=readings, alarms=tuple(_status_alarms(payload[1])), info=tuple(info))


def _comfort_daily(payload: bytes) -> Frame:
    body, _at = _split_timestamp(COMFORT_CO2, payload, 11)
    if len(body) not in (9, 17):
        raise BadLength(f"{COMFORT_CO2}: a daily frame has 9 or 17 data bytes, not {len(body)}")
    r = Reader(body, COMFORT_CO2)
    info: Info = [("frame", "daily"), ("icon", r.u8()), ("air_quality_red_min", r.u8() * 10)]
    info += [("temperature_max", r.s16be() / 10), ("co2_max", r.u16be()), ("humidity_max", r.u8())]
    info.append(("temperature_min", r.s16be() / 10))
    if r.remaining:
        info += [("co2_min", r.u16be()), ("humidity_min", r.u8())]
        info += [("temperature_avg", r.s16be() / 10), ("co2_avg", r.u16be()), ("humidity_avg", r.u8())]
    return Frame(alarms=tuple(_status_alarms(payload[1])), info=tuple(info))


def _comfort_input(payload: bytes) -> Frame:
    body, at = _split_timestamp(COMFORT_CO2, payload, 9)
    require_length(body, COMFORT_CO2, exact=7)
    r = Reader(body, COMFORT_CO2)
    state = r.u8() & 0x01
    channel = "1" if payload[0] == 0x51 else "2"
    reading = DecodedReading(Quantity.DIGITAL_INPUT, float(state), Kind.STATE, channel, at=at)
    info: Info = [("frame", "digital_input"), ("events_total", r.u32be()), ("events_period", r.u16be())]
    return Frame(readings=(reading,), alarms=tuple(_status_alarms(payload[1])), info=tuple(info))


def decode_comfort_co2(f_port: int, payload: bytes) -> Frame:
    """Data (0x6A), alarm (0x6B), daily summary (0x30), digital inputs (0x51/0x52), configuration."""
    require_length(payload, COMFORT_CO2, minimum=2)
    code = payload[0]
    if code == 0x6A:
        return _comfort_data(payload)
    if code == 0x6B:
        return _comfort_alarm(payload)
    if code == 0x30:
        return _comfort_daily(payload)
    if code in (0x51, 0x52):
        return _comfort_input(payload)
    if code in (0x10, 0x20, 0x33, 0x37):
        return _config_frame(COMFORT_CO2, payload)
    raise UnknownFrameType(f"{COMFORT_CO2}: frame code 0x{code:02x} is not a Comfort CO2 uplink")


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=PULSE4,
        name="Adeunis Pulse 4 metering interface (2 pulse inputs)",
        decode=decode_pulse4,
        encode=encode_pulse4,
        quantities=frozenset({Quantity.PULSE_COUNT}),
        datasheet="Adeunis PULSE V4 Technical Reference Manual (APP >= 2.1); TTN vendor/adeunis/pulse_lib.js",
    ),
    ModelSpec(
        model_id=TIC_MONO,
        name="Adeunis TIC CBE/Linky single-phase teleinfo reader",
        decode=decode_tic_mono,
        quantities=frozenset({Quantity.ENERGY_IMPORT, Quantity.CURRENT, Quantity.APPARENT_POWER}),
        datasheet="Adeunis TIC CBE/Linky user guide; TTN vendor/adeunis/tic_cbe_linky_mono_lib.js",
    ),
    ModelSpec(
        model_id=COMFORT_CO2,
        name="Adeunis Comfort CO2 indoor air sensor",
        decode=decode_comfort_co2,
        quantities=frozenset({Quantity.TEMPERATURE, Quantity.HUMIDITY, Quantity.CO2, Quantity.DIGITAL_INPUT}),
        datasheet="Adeunis COMFORT CO2 Technical Reference Manual (APP 2.3.x); TTN comfort_co2_lib.js",
    ),
)
