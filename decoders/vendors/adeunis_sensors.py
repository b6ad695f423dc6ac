"""Adeunis sensors and interfaces: Temp 4 probes, Delta P, Dry Contacts 2, Analog.

Formats: the Adeunis technical reference manuals (TEMP V4, DELTA P, DRY CONTACTS V2, ANALOG
"Technical Reference Manual LoRaWAN") as implemented by the vendor's own codec library
(``@adeunis/codecs``, products ``temp4``, ``deltap``, ``drycontacts2``, ``analog``), which the TTN
Device Repository bundles as ``vendor/adeunis/{temp,deltap,drycontacts,analog}_lib.js``.

Every frame starts with a frame code and the status byte of ``adeunis.py`` (bit 1 low battery,
bit 2 "a u32 timestamp, seconds since 2013-01-01 UTC, ends the frame" on the Temp 4 and the Dry
Contacts 2). Frames 0x10-0x14 are configurations, 0x20 the network configuration, 0x33 a register
write status, 0x37 the software version: information.

- Temp 4: 0x57 data, one or two probes (status bit 4 = two), s16 in 0.1 degC, newest first,
  -32768 (-3276.8 degC) being a probe's error value (a sensor fault, not a temperature);
  0x58 threshold alarm (per probe: status 1 high, 2 low, then the temperature); 0x30 keep-alive.
- Delta P: 0x53 differential pressure (s16, Pa), newest first; 0x55 its 0-10 V input (s16, mV);
  0x54 / 0x56 threshold alarms with the value; 0x2F acknowledges a downlink (information).
- Dry Contacts 2: 0x40 data: four u16 event counters (channels A-D), then a byte of current and
  previous states (bit 2n current, 2n+1 previous, 1 = on/closed); 0x30 keep-alive: same counters,
  states in bits 0-3; 0x41 duration alarm, 0x59 time counters: information.
- Analog: 0x42 data and 0x30 keep-alive: two channels of a type byte (low nibble 1 voltage in
  microvolts, 2 current in 10 nA, 0 disabled) and a 24-bit value; status bits 3 and 4 are
  the channels' threshold alarms (information: releve does not know what the input measures).

History frames (several values a channel) are spaced by the recording period, a device setting
(sampling period x samples per record, reported by the 0x10 frame as ``read_period_s``): it comes
from the device's provisioning (``DeviceConfig.read_period_s``); without it such a frame raises
MissingConfig rather than being spread over a guessed period. The newest value is at the frame's
timestamp, or at reception.
"""

from __future__ import annotations

from datetime import datetime

from decoders._bytes import Reader, require_length
from decoders.errors import BadLength, MissingConfig, UnknownFrameType
from decoders.model import (
    READ_PERIOD_TAG,
    Alarm,
    AlarmKind,
    DecodedReading,
    DeviceConfig,
    Frame,
    Kind,
    Quantity,
)
from decoders.spec import ModelSpec
from decoders.vendors.adeunis import _CONFIG_FRAMES, _config_frame, _placed, _split_timestamp, _status_alarms

TEMP4 = "adeunis/temp-4"
DELTAP = "adeunis/deltap"
DRY_CONTACTS2 = "adeunis/dry-contacts-2"
ANALOG = "adeunis/analog"
INST = Kind.INSTANTANEOUS
Info = list[tuple[str, str | int | float | bool]]
_CONFIG_CODES = frozenset({0x20, 0x33, 0x37})
_TWO_PROBES = 0x10
PROBE_ERROR = -0x8000


def _config(model: str, payload: bytes) -> Frame:
    if payload[0] in _CONFIG_FRAMES:
        return _config_frame(model, payload)
    info = (("frame", "configuration"), ("frame_code", payload[0]), ("payload", payload[2:].hex()))
    return Frame(alarms=tuple(_status_alarms(payload[1])), info=info)


def _period(model: str, config: DeviceConfig, values: int) -> int:
    if values > 1 and config.read_period_s is None:
        raise MissingConfig(
            f"{model}: {values} values a channel are spaced by the recording period, which the frame "
            f"does not carry; set the device tag {READ_PERIOD_TAG} (the 0x10 frame reports it)"
        )
    return config.read_period_s or 0


def _history(
    model: str,
    config: DeviceConfig,
    series: dict[str, list[float | None]],
    quantity: Quantity,
    at: datetime | None,
) -> list[DecodedReading]:
    """Readings of history series, newest first; a None (the probe's error value) is skipped."""
    period = _period(model, config, max(len(v) for v in series.values()))
    return [
        _placed(quantity, value, INST, channel, at, step, period)
        for channel, values in series.items()
        for step, value in enumerate(values)
        if value is not None
    ]


def _probe(raw: int) -> float | None:
    """A Temp 4 temperature in 0.1 degC; -32768 (-3276.8 degC) is the probe's error value."""
    return None if raw == PROBE_ERROR else raw / 10


def _probe_alarms(series: dict[str, list[float | None]]) -> list[Alarm]:
    return [
        Alarm(AlarmKind.SENSOR_FAULT, channel, f"probe {channel} sent its error value (0x8000)")
        for channel, values in series.items()
        if None in values
    ]


def _recording_config(payload: bytes, samples_at: int, period_at: int, history_at: int) -> Frame:
    """A 0x10 / 0x11 frame: its recording period is the ``read_period_s`` to provision."""
    require_length(payload, "adeunis configuration", minimum=max(samples_at, period_at, history_at) + 2)
    samples = int.from_bytes(payload[samples_at : samples_at + 2], "big")
    sampling_s = int.from_bytes(payload[period_at : period_at + 2], "big") * 2
    records = int.from_bytes(payload[history_at : history_at + 2], "big")
    info: Info = [
        ("frame", "configuration"),
        ("frame_code", payload[0]),
        ("sampling_period_s", sampling_s),
        ("samples_per_record", samples),
        ("records_per_frame", records),
        (READ_PERIOD_TAG, sampling_s * samples),
    ]
    return Frame(alarms=tuple(_status_alarms(payload[1])), info=tuple(info))


# --- Temp 4 --------------------------------------------------------------------------------------


def _temp4(f_port: int, payload: bytes, config: DeviceConfig) -> Frame:
    require_length(payload, TEMP4, minimum=2)
    code, status = payload[0], payload[1]
    probes = 2 if status & _TWO_PROBES else 1
    if code == 0x10:
        return _recording_config(payload, 6, 8, 4)
    if code in _CONFIG_CODES or code in (0x11, 0x12):
        return _config(TEMP4, payload)
    alarms = _status_alarms(status)
    if code == 0x57:
        body, at = _split_timestamp(TEMP4, payload, 2 + 2 * probes)
        if len(body) % (2 * probes):
            raise BadLength(f"{TEMP4}: {len(body)} bytes are not whole records of {probes} probe(s)")
        r = Reader(body, TEMP4)
        series: dict[str, list[float | None]] = {str(p + 1): [] for p in range(probes)}
        while r.remaining:
            for p in range(probes):
                series[str(p + 1)].append(_probe(r.s16be()))
        readings = _history(TEMP4, config, series, Quantity.TEMPERATURE, at)
        return Frame(readings=tuple(readings), alarms=tuple(alarms + _probe_alarms(series)))
    if code == 0x30:
        body, at = _split_timestamp(TEMP4, payload, 2 + 2 * probes)
        r = Reader(body, TEMP4)
        now: dict[str, list[float | None]] = {str(p + 1): [_probe(r.s16be())] for p in range(probes)}
        if r.remaining:
            raise BadLength(f"{TEMP4}: keep-alive of {probes} probe(s) with {r.remaining} byte(s) too many")
        readings = _history(TEMP4, config, now, Quantity.TEMPERATURE, at)
        alarms += _probe_alarms(now)
        return Frame(readings=tuple(readings), alarms=tuple(alarms), info=(("frame", "keep_alive"),))
    if code == 0x58:
        body, at = _split_timestamp(TEMP4, payload, 2 + 3 * probes)
        r = Reader(body, TEMP4)
        out: list[DecodedReading] = []
        for p in range(probes):
            state, value = r.u8(), _probe(r.s16be())
            channel = str(p + 1)
            if value is None:
                alarms += _probe_alarms({channel: [None]})
            else:
                out.append(DecodedReading(Quantity.TEMPERATURE, value, INST, channel, at=at))
            if state in (1, 2):
                kind = AlarmKind.HIGH_TEMPERATURE if state == 1 else AlarmKind.LOW_TEMPERATURE
                side = "high" if state == 1 else "low"
                alarms.append(Alarm(kind, channel, f"probe {channel} crossed its {side} threshold"))
        return Frame(readings=tuple(out), alarms=tuple(alarms))
    raise UnknownFrameType(f"{TEMP4}: frame code 0x{code:02x} is not a Temp 4 uplink")


def decode_temp4(f_port: int, payload: bytes) -> Frame:
    return _temp4(f_port, payload, DeviceConfig())


# --- Delta P -------------------------------------------------------------------------------------


def _deltap(f_port: int, payload: bytes, config: DeviceConfig) -> Frame:
    require_length(payload, DELTAP, minimum=2)
    code, status = payload[0], payload[1]
    if code == 0x10:
        return _recording_config(payload, 6, 8, 4)
    if code == 0x11:
        return _recording_config(payload, 2, 4, 6)
    if code in _CONFIG_CODES:
        return _config(DELTAP, payload)
    if code == 0x2F:
        require_length(payload, f"{DELTAP} downlink acknowledgement", exact=3)
        info = (("frame", "downlink_ack"), ("request_status", payload[2]))
        return Frame(alarms=tuple(_status_alarms(status)), info=info)
    alarms = _status_alarms(status)
    if code in (0x53, 0x55):
        body = payload[2:]
        if not body or len(body) % 2:
            raise BadLength(f"{DELTAP}: a periodic frame holds whole 16-bit values, got {len(body)} bytes")
        r = Reader(body, DELTAP)
        raw = [r.s16be() for _ in range(len(body) // 2)]
        series: dict[str, list[float | None]]
        if code == 0x53:
            series, quantity = {"": [float(v) for v in raw]}, Quantity.DIFFERENTIAL_PRESSURE
        else:
            series, quantity = {"0-10V": [v / 1000 for v in raw]}, Quantity.VOLTAGE
        return Frame(readings=tuple(_history(DELTAP, config, series, quantity, None)), alarms=tuple(alarms))
    if code in (0x54, 0x56):
        require_length(payload, f"{DELTAP} alarm", exact=5)
        active, raw_value = payload[2], int.from_bytes(payload[3:5], "big", signed=True)
        if code == 0x54:
            reading = DecodedReading(Quantity.DIFFERENTIAL_PRESSURE, float(raw_value), INST)
        else:
            reading = DecodedReading(Quantity.VOLTAGE, raw_value / 1000, INST, "0-10V")
        if active:  # the sensor's threshold on the pressure (or on its 0-10 V pressure input)
            alarms.append(Alarm(AlarmKind.HIGH_PRESSURE, reading.channel, "threshold alarm active"))
        return Frame(readings=(reading,), alarms=tuple(alarms), info=(("alarm_active", bool(active)),))
    raise UnknownFrameType(f"{DELTAP}: frame code 0x{code:02x} is not a Delta P uplink")


def decode_deltap(f_port: int, payload: bytes) -> Frame:
    return _deltap(f_port, payload, DeviceConfig())


# --- Dry Contacts 2 ------------------------------------------------------------------------------

_CHANNELS = "ABCD"


def decode_dry_contacts2(f_port: int, payload: bytes) -> Frame:
    require_length(payload, DRY_CONTACTS2, minimum=2)
    code, status = payload[0], payload[1]
    if code in _CONFIG_CODES or code in (0x10, 0x11, 0x12, 0x13, 0x14):
        return _config(DRY_CONTACTS2, payload)
    alarms = _status_alarms(status)
    if code in (0x40, 0x30):
        body, at = _split_timestamp(DRY_CONTACTS2, payload, 11)
        require_length(body, f"{DRY_CONTACTS2} data", exact=9)
        r = Reader(body, DRY_CONTACTS2)
        counts = [r.u16be() for _ in _CHANNELS]
        states = r.u8()
        readings: list[DecodedReading] = []
        for i, (channel, count) in enumerate(zip(_CHANNELS, counts, strict=True)):
            bit = 2 * i if code == 0x40 else i
            readings.append(
                DecodedReading(Quantity.PULSE_COUNT, float(count), Kind.CUMULATIVE, channel, at=at)
            )
            readings.append(
                DecodedReading(Quantity.DIGITAL_INPUT, float(states >> bit & 1), Kind.STATE, channel, at=at)
            )
        return Frame(readings=tuple(readings), alarms=tuple(alarms))
    if code == 0x41:
        body, _ = _split_timestamp(DRY_CONTACTS2, payload, 5)
        require_length(body, f"{DRY_CONTACTS2} duration alarm", exact=3)
        info: Info = [
            ("frame", "duration_alarm"),
            ("channel", body[0]),
            ("threshold_min", int.from_bytes(body[1:3], "big")),
        ]
        return Frame(alarms=tuple(alarms), info=tuple(info))
    if code == 0x59:
        body, _ = _split_timestamp(DRY_CONTACTS2, payload, 3)
        r = Reader(body, DRY_CONTACTS2)
        mask = r.u8()
        info = [("frame", "time_counters")]
        info += [(f"on_time_{c}_s", r.u32be()) for i, c in enumerate(_CHANNELS) if mask >> i & 1]
        return Frame(alarms=tuple(alarms), info=tuple(info))
    raise UnknownFrameType(f"{DRY_CONTACTS2}: frame code 0x{code:02x} is not a Dry Contacts 2 uplink")


# --- Analog --------------------------------------------------------------------------------------

_ANALOG_ALARM_BITS = ((0x08, "A"), (0x10, "B"))


def decode_analog(f_port: int, payload: bytes) -> Frame:
    require_length(payload, ANALOG, minimum=2)
    code, status = payload[0], payload[1]
    if code in _CONFIG_CODES or code in (0x10, 0x11, 0x12, 0x13, 0x14):
        return _config(ANALOG, payload)
    if code not in (0x42, 0x30):
        raise UnknownFrameType(f"{ANALOG}: frame code 0x{code:02x} is not an Analog uplink")
    require_length(payload, f"{ANALOG} data", exact=10)
    alarms = _status_alarms(status)
    r = Reader(payload[2:], ANALOG)
    readings: list[DecodedReading] = []
    info: Info = []
    for bit, channel in _ANALOG_ALARM_BITS:
        kind, raw = r.u8() & 0x0F, r.uint(3)
        if kind == 1:
            readings.append(DecodedReading(Quantity.VOLTAGE, raw / 1e6, INST, channel))
        elif kind == 2:
            readings.append(DecodedReading(Quantity.CURRENT, raw / 1e8, INST, channel))
        # a threshold set on a voltage or current whose meaning releve does not know: information
        info.append((f"threshold_alarm_{channel}", bool(status & bit)))
    return Frame(readings=tuple(readings), alarms=tuple(alarms), info=tuple(info))


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=TEMP4,
        name="Adeunis Temp 4 temperature probe interface (1 or 2 probes)",
        decode=decode_temp4,
        decode_configured=_temp4,
        quantities=frozenset({Quantity.TEMPERATURE}),
        datasheet="Adeunis TEMP V4 Technical Reference Manual; @adeunis/codecs temp4; "
        "TTN vendor/adeunis/temp_lib.js",
    ),
    ModelSpec(
        model_id=DELTAP,
        name="Adeunis Delta P differential air pressure sensor",
        decode=decode_deltap,
        decode_configured=_deltap,
        quantities=frozenset({Quantity.DIFFERENTIAL_PRESSURE, Quantity.VOLTAGE}),
        datasheet="Adeunis DELTA P Technical Reference Manual; @adeunis/codecs deltap; "
        "TTN vendor/adeunis/deltap_lib.js",
    ),
    ModelSpec(
        model_id=DRY_CONTACTS2,
        name="Adeunis Dry Contacts 2 interface (4 inputs: states and event counters)",
        decode=decode_dry_contacts2,
        quantities=frozenset({Quantity.PULSE_COUNT, Quantity.DIGITAL_INPUT}),
        datasheet="Adeunis DRY CONTACTS V2 Technical Reference Manual; @adeunis/codecs drycontacts2; "
        "TTN vendor/adeunis/drycontacts_lib.js",
    ),
    ModelSpec(
        model_id=ANALOG,
        name="Adeunis Analog interface (2 inputs, 0-10 V or 4-20 mA)",
        decode=decode_analog,
        quantities=frozenset({Quantity.VOLTAGE, Quantity.CURRENT}),
        datasheet="Adeunis ANALOG Technical Reference Manual; @adeunis/codecs analog; "
        "TTN vendor/adeunis/analog_lib.js",
    ),
)
