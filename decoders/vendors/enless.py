"""Enless Wireless TX range (LoRaWAN): temperature, temperature/humidity, CO2, 4-20 mA, pulse, contact.

Format: Enless's codec in the TTN Device Repository (``vendor/enless-wireless/enlessdecoder.js``,
one decoder for the whole range) and its examples, read with the TX 600 datasheets. Every uplink
(port 1) starts with the transmitter's 24-bit radio id, a type byte (which model sent it), a
sequence counter and the firmware version (low 6 bits); then, big-endian:

- T&H (type 0x04 600-021, 0x0E 600-034): temperature s16 / 10 degC, humidity u16 / 10 %
  (the 600-021 then has four unused bytes, where the 600-023 has VOC and CO2);
- CO2/VOC/T&H (0x06, 600-023): the same, then VOC (u16 / 10, information) and CO2 (u16, ppm);
- one temperature (0x07 600-031, 0x0F 600-032, 0x10 600-033): s16 / 10 degC, two unused bytes;
  two temperatures (0x0C 600-232, 0x11 600-233): two s16 / 10;
- 4-20 mA (0x0D, 600-035): current s16 / 10 mA;
- pulse and contact (0x08 600-036, 0x09 600-037 ATEX, 0x0A 600-038 LED, 0x0B 600-039 contact):
  three u32 counters (inputs 1, 2 and the open collector ``oc``);

followed by a 16-bit alarm word and a 16-bit state word (bit 0 alarm message, bits 2-3 battery
level 100/75/50/25 %; pulse models: bits 4-6 input states, 8-10 debounce). Alarm bits: on
temperature models high/low threshold of each measure in order (bits 0-1 the first, 2-3 the
second, ...); on pulse models bits 0-2 high flow, 4-6 low flow, 8-10 leak of inputs 1, 2, oc.

The vendor's codec never takes a temperature as negative (its sign test compares a number with
the string "FFFF", which is never true), so -2.7 degC comes out as 6550.9 degC: releve reads the
documented two's complement. It also divides the 600-023's CO2 by 10 (0x0261 in its example
gives 60.9 ppm, a seventh of outdoor air's 420 ppm, beside 21.1 degC indoors): releve reads whole
ppm (609). A model's decoder accepts only its own type bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from decoders._bytes import Reader, require_length
from decoders.errors import BadValue, EncodeError, UnsupportedPort
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import EncodeFn, ModelSpec

VENDOR = "enless-wireless"
PORT = 1
INST = Kind.INSTANTANEOUS
Info = list[tuple[str, str | int | float | bool]]
BATTERY_LEVELS = (100.0, 75.0, 50.0, 25.0)
_CHANNELS = ("1", "2", "oc")


@dataclass(frozen=True, slots=True)
class Measure:
    """A 16-bit value after the header: a reading (quantity set) or information."""

    name: str
    quantity: Quantity | None
    scale: float
    signed: bool
    channel: str = ""
    alarms: tuple[AlarmKind, AlarmKind] | None = None  # (high, low) kinds of its threshold bits


_T = Measure(
    "temperature",
    Quantity.TEMPERATURE,
    0.1,
    True,
    alarms=(AlarmKind.HIGH_TEMPERATURE, AlarmKind.LOW_TEMPERATURE),
)
_H = Measure("humidity", Quantity.HUMIDITY, 0.1, False)
_T1 = Measure(
    "temperature_1",
    Quantity.TEMPERATURE,
    0.1,
    True,
    "1",
    (AlarmKind.HIGH_TEMPERATURE, AlarmKind.LOW_TEMPERATURE),
)
_T2 = Measure(
    "temperature_2",
    Quantity.TEMPERATURE,
    0.1,
    True,
    "2",
    (AlarmKind.HIGH_TEMPERATURE, AlarmKind.LOW_TEMPERATURE),
)
_UNUSED = Measure("unused", None, 1, False)
_VOC = Measure("voc", None, 0.1, False)
_CO2 = Measure("co2", Quantity.CO2, 1, False)
_MA = Measure("current", Quantity.CURRENT, 0.0001, True)  # 0.1 mA -> A


def _state_info(state: int) -> Info:
    return [("alarm_message", bool(state & 1))]


def _measures(model: str, payload: bytes, measures: tuple[Measure, ...]) -> Frame:
    require_length(payload, model, exact=6 + 2 * len(measures) + 4)
    r = Reader(payload[6:], model)
    raws = [r.sint(2) if m.signed else r.uint(2) for m in measures]
    alarm_word, state = r.u16be(), r.u16be()
    readings: list[DecodedReading] = []
    alarms: list[Alarm] = []
    info: Info = _state_info(state)
    threshold_bit = 0
    for m, raw in zip(measures, raws, strict=True):
        if m.name == "unused":
            continue
        value = round(raw * m.scale, 6)
        if m.quantity is None:
            info.append((m.name, value))
        else:
            readings.append(DecodedReading(m.quantity, value, INST, m.channel))
        high, low = bool(alarm_word >> threshold_bit & 1), bool(alarm_word >> threshold_bit + 1 & 1)
        threshold_bit += 2
        if m.alarms is not None:
            for flag, kind, side in ((high, m.alarms[0], "high"), (low, m.alarms[1], "low")):
                if flag:
                    alarms.append(Alarm(kind, m.channel, f"{m.name} crossed its {side} threshold"))
        else:
            info += [(f"{m.name}_high_alarm", high), (f"{m.name}_low_alarm", low)]
    readings.append(_battery(state))
    return Frame(readings=tuple(readings), alarms=tuple(alarms), info=tuple(info))


def _battery(state: int) -> DecodedReading:
    return DecodedReading(Quantity.BATTERY_LEVEL, BATTERY_LEVELS[state >> 2 & 3], INST)


def _pulses(model: str, payload: bytes, contact: bool) -> Frame:
    require_length(payload, model, exact=22)
    r = Reader(payload[6:], model)
    counts = [r.u32be() for _ in _CHANNELS]
    alarm_word, state = r.u16be(), r.u16be()
    readings = [
        DecodedReading(Quantity.PULSE_COUNT, float(n), Kind.CUMULATIVE, ch)
        for ch, n in zip(_CHANNELS, counts, strict=True)
    ]
    alarms: list[Alarm] = []
    info: Info = _state_info(state)
    for i, ch in enumerate(_CHANNELS):
        closed = state >> (4 + i) & 1
        if contact:
            readings.append(DecodedReading(Quantity.DIGITAL_INPUT, float(closed), Kind.STATE, ch))
        else:
            info.append((f"input_{ch}_closed", bool(closed)))
        info.append((f"debounce_{ch}", bool(state >> (8 + i) & 1)))
        for bit, kind, what in (
            (i, AlarmKind.HIGH_FLOW, "high flow"),
            (4 + i, AlarmKind.LOW_FLOW, "low flow"),
            (8 + i, AlarmKind.LEAK, "leak"),
        ):
            if alarm_word >> bit & 1:
                alarms.append(Alarm(kind, ch, f"input {ch}: {what}"))
    readings.append(_battery(state))
    return Frame(readings=tuple(readings), alarms=tuple(alarms), info=tuple(info))


def _decoder(
    model: str, types: frozenset[int], body: Callable[[str, bytes], Frame]
) -> Callable[[int, bytes], Frame]:
    def decode(f_port: int, payload: bytes) -> Frame:
        if f_port != PORT:
            raise UnsupportedPort(model, f_port)
        require_length(payload, model, minimum=6)
        if payload[3] not in types:
            raise BadValue(f"{model}: type byte 0x{payload[3]:02x} is another Enless transmitter's")
        frame = body(model, payload)
        header: Info = [
            ("radio_id", int.from_bytes(payload[0:3], "big")),
            ("type", payload[3]),
            ("sequence", payload[4]),
            ("firmware", payload[5] & 0x3F),
        ]
        return Frame(readings=frame.readings, alarms=frame.alarms, info=(*header, *frame.info))

    return decode


def _with(measures: tuple[Measure, ...]) -> Callable[[str, bytes], Frame]:
    return lambda model, payload: _measures(model, payload, measures)


def _pulse(contact: bool) -> Callable[[str, bytes], Frame]:
    return lambda model, payload: _pulses(model, payload, contact)


# --- encoders (simulator): pulse counters and the ambient T&H ----------------------------------

_FLOW_BITS = {AlarmKind.HIGH_FLOW: 0, AlarmKind.LOW_FLOW: 4, AlarmKind.LEAK: 8}


def _state_word(frame: Frame) -> int:
    levels = [r.value for r in frame.readings if r.quantity is Quantity.BATTERY_LEVEL]
    if len(levels) != 1 or levels[0] not in BATTERY_LEVELS:
        raise EncodeError(f"an Enless frame carries one battery level among {BATTERY_LEVELS}")
    return BATTERY_LEVELS.index(levels[0]) << 2


def _pulse_encoder(type_byte: int) -> EncodeFn:
    def encode(frame: Frame) -> tuple[int, bytes]:
        """Counters of inputs 1, 2 and oc (whole pulses), battery level, flow and leak alarms."""
        counts = {r.channel: r.value for r in frame.readings if r.quantity is Quantity.PULSE_COUNT}
        if set(counts) != set(_CHANNELS) or len(frame.readings) != 4:
            raise EncodeError("a pulse frame carries the counters of inputs 1, 2 and oc and the battery")
        if any(v != int(v) or not 0 <= v <= 0xFFFF_FFFF for v in counts.values()):
            raise EncodeError("pulse counters are whole numbers of 32 bits")
        alarm_word = 0
        for alarm in frame.alarms:
            if alarm.kind not in _FLOW_BITS or alarm.channel not in _CHANNELS:
                raise EncodeError(f"{alarm.kind} on {alarm.channel!r} is not an Enless pulse alarm")
            alarm_word |= 1 << _FLOW_BITS[alarm.kind] + _CHANNELS.index(alarm.channel)
        body = b"".join(int(counts[ch]).to_bytes(4, "big") for ch in _CHANNELS)
        header = bytes((0, 0, 1, type_byte, 0, 1))
        return PORT, header + body + alarm_word.to_bytes(2, "big") + _state_word(frame).to_bytes(2, "big")

    return encode


def _encode_trh(frame: Frame) -> tuple[int, bytes]:
    """Temperature (0.1 degC) and humidity (0.1 %) of the 600-021, battery level, temperature alarms."""
    values = {r.quantity: r.value for r in frame.readings}
    if (
        set(values) != {Quantity.TEMPERATURE, Quantity.HUMIDITY, Quantity.BATTERY_LEVEL}
        or len(frame.readings) != 3
    ):
        raise EncodeError("a T&H frame carries a temperature, a humidity and the battery level")
    temperature, humidity = round(values[Quantity.TEMPERATURE] * 10), round(values[Quantity.HUMIDITY] * 10)
    if (
        abs(temperature / 10 - values[Quantity.TEMPERATURE]) > 1e-9
        or abs(humidity / 10 - values[Quantity.HUMIDITY]) > 1e-9
    ):
        raise EncodeError("temperature and humidity travel in tenths")
    if not -0x8000 <= temperature <= 0x7FFF or not 0 <= humidity <= 0xFFFF:
        raise EncodeError("temperature or humidity out of the frame's range")
    bits = {AlarmKind.HIGH_TEMPERATURE: 0x01, AlarmKind.LOW_TEMPERATURE: 0x02}
    alarm_word = 0
    for alarm in frame.alarms:
        if alarm.kind not in bits or alarm.channel:
            raise EncodeError(f"{alarm.kind} is not a 600-021 alarm")
        alarm_word |= bits[alarm.kind]
    body = temperature.to_bytes(2, "big", signed=True) + humidity.to_bytes(2, "big") + bytes(4)
    tail = alarm_word.to_bytes(2, "big") + _state_word(frame).to_bytes(2, "big")
    return PORT, bytes((0, 0, 1, 0x04, 0, 1)) + body + tail


_ENCODERS: dict[str, EncodeFn] = {
    "tx-trh-amb-600-021": _encode_trh,
    "tx-pulse-600": _pulse_encoder(0x08),
    "tx-pulse-atex-600-037": _pulse_encoder(0x09),
    "tx-pulse-led-600-038": _pulse_encoder(0x0A),
}


# device id, name, type bytes, frame body, quantities
_RANGE: tuple[tuple[str, str, frozenset[int], Callable[[str, bytes], Frame], frozenset[Quantity]], ...] = (
    (
        "tx-trh-amb-600-021",
        "Enless TX T&H AMB 600-021 ambient temperature and humidity",
        frozenset({0x04}),
        _with((_T, _H, _UNUSED, _UNUSED)),
        frozenset({Quantity.TEMPERATURE, Quantity.HUMIDITY}),
    ),
    (
        "tx-temp-cont2-600-034",
        "Enless TX T&H 600-034 temperature and humidity, external probe",
        frozenset({0x0E}),
        _with((_T, _H)),
        frozenset({Quantity.TEMPERATURE, Quantity.HUMIDITY}),
    ),
    (
        "tx-amb-600-023",
        "Enless TX CO2/VOC/T&H AMB 600-023 ambient CO2, VOC, temperature and humidity",
        frozenset({0x06}),
        _with((_T, _H, _VOC, _CO2)),
        frozenset({Quantity.TEMPERATURE, Quantity.HUMIDITY, Quantity.CO2}),
    ),
    (
        "tx-temp-600-031",
        "Enless TX TEMP INS 600-031 rugged temperature sensor",
        frozenset({0x07}),
        _with((_T1, _UNUSED)),
        frozenset({Quantity.TEMPERATURE}),
    ),
    (
        "tx-temp-cont1-600-032",
        "Enless TX TEMP CONT1 600-032 temperature, PT1000 contact probe (also 600-033)",
        frozenset({0x0F, 0x10}),
        _with((_T1, _UNUSED)),
        frozenset({Quantity.TEMPERATURE}),
    ),
    (
        "tx-temp-cont2-600-232",
        "Enless TX TEMP CONT2 600-232 two PT1000 contact probes (also 600-233)",
        frozenset({0x0C, 0x11}),
        _with((_T1, _T2)),
        frozenset({Quantity.TEMPERATURE}),
    ),
    (
        "tx-analog-600-035",
        "Enless TX 4/20 mA 600-035 analog current input",
        frozenset({0x0D}),
        _with((_MA,)),
        frozenset({Quantity.CURRENT}),
    ),
    (
        "tx-pulse-600",
        "Enless TX PULSE 600-036 pulse counter (water, gas, heat meters)",
        frozenset({0x08}),
        _pulse(False),
        frozenset({Quantity.PULSE_COUNT}),
    ),
    (
        "tx-pulse-atex-600-037",
        "Enless TX PULSE ATEX 600-037 pulse counter for gas meters",
        frozenset({0x09}),
        _pulse(False),
        frozenset({Quantity.PULSE_COUNT}),
    ),
    (
        "tx-pulse-led-600-038",
        "Enless TX PULSE LED 600-038 optical pulse reader for electricity meters",
        frozenset({0x0A}),
        _pulse(False),
        frozenset({Quantity.PULSE_COUNT}),
    ),
    (
        "tx-contact-600-039",
        "Enless TX CONTACT 600-039 digital inputs (states and counts)",
        frozenset({0x0B}),
        _pulse(True),
        frozenset({Quantity.PULSE_COUNT, Quantity.DIGITAL_INPUT}),
    ),
)

MODELS: tuple[ModelSpec, ...] = tuple(
    ModelSpec(
        model_id=f"{VENDOR}/{device}",
        name=name,
        decode=_decoder(f"{VENDOR}/{device}", types, body),
        encode=_ENCODERS.get(device),
        quantities=quantities | {Quantity.BATTERY_LEVEL},
        datasheet="Enless TX 600 range datasheets; "
        f"TTN vendor/enless-wireless/enlessdecoder.js ({device}-codec.yaml)",
        ports=frozenset({PORT}),
    )
    for device, name, types, body, quantities in _RANGE
)
