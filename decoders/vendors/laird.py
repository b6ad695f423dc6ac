"""Laird Connectivity (Ezurio) Sentrius RS1xx temperature and humidity sensor.

Format: Laird's application note "RS1xx LoRa Protocol" (v2.7) and the Sentrius RS1xx configuration
guide (v1.12), read together with the TTN Device Repository codec
``vendor/laird/rs1xx-temp-rh-sensor.js``. Uplinks come on port 1; byte 0 is the message type,
byte 1 the options bit field (0x01 the sensor asks for the server time, 0x02 configuration error,
0x04 alarm flag, 0x08 reset flag, 0x10 sensor fault; other bits are undefined). Temperature,
humidity and voltage are a fractional byte (hundredths) followed by an integer byte, both with the
value's sign (-15.87 degC is -87 then -15); humidity bytes are unsigned. Multi-byte integers are
big-endian. Timestamps count seconds from 2015-01-01T00:00:00Z (the guide's network time).

Message types decoded here: 0x01 temperature/RH notification (with a battery capacity index
0..5 for the brackets 0-5, 5-20, 20-40, 40-60, 60-80 and 80-100 %, reported as the bracket's lower
bound, and the counts of alarm and backlog messages waiting in flash), 0x02 aggregated readings,
0x03 and 0x04 backlog readings (each with its own timestamp), 0x05/0x06 configuration, 0x07
firmware version and 0x0A battery voltage. A set fault flag means the temperature and humidity of
that frame are not measurements: they become a sensor-fault alarm, not numbers.

An aggregated frame (0x02) carries one timestamp, that of its last reading, for N readings taken
one sensor read period apart, oldest first. The period is a configuration value, not in the frame
(the sensor's configuration frames 0x05/0x06 report it as ``read_period_s``): it comes from the
device's provisioning (``DeviceConfig.read_period_s``, the device tag ``read_period_s``). A
one-reading aggregate needs no period; a frame of several readings without a provisioned period
raises MissingConfig rather than being spread over a guessed period.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from decoders._bytes import Reader, require_length
from decoders.errors import (
    BadLength,
    BadValue,
    EncodeError,
    MissingConfig,
    UnknownFrameType,
    UnsupportedPort,
)
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

MODEL = "laird/rs1xx-temp-rh-sensor"
PORT = 1
EPOCH = datetime(2015, 1, 1, tzinfo=UTC)
INST = Kind.INSTANTANEOUS

OPT_TIME_REQUEST = 0x01
OPT_CONFIG_ERROR = 0x02
OPT_ALARM = 0x04
OPT_RESET = 0x08
OPT_FAULT = 0x10
_OPT_DEFINED = 0x1F

# Battery capacity index -> lower bound of its bracket, in %.
BATTERY_BRACKETS: tuple[tuple[int, int], ...] = ((0, 5), (5, 20), (20, 40), (40, 60), (60, 80), (80, 100))
BACKLOG_MAX = 6  # readings the sensor packs in one backlog message (51-byte EU limit)

_Info = tuple[tuple[str, str | int | float | bool], ...]


def _options(byte: int) -> int:
    if byte & ~_OPT_DEFINED:
        raise BadValue(f"{MODEL}: options byte 0x{byte:02x} has undefined bits set")
    return byte


def _option_info(options: int) -> _Info:
    return (
        ("server_time_requested", bool(options & OPT_TIME_REQUEST)),
        ("configuration_error", bool(options & OPT_CONFIG_ERROR)),
        ("alarm_flag", bool(options & OPT_ALARM)),
        ("reset", bool(options & OPT_RESET)),
    )


def _signed_fixed(r: Reader, what: str) -> float:
    """Fractional then integer signed byte, both carrying the sign: -87, -15 -> -15.87."""
    frac, whole = r.s8(), r.s8()
    if abs(frac) > 99 or (frac > 0 and whole < 0) or (frac < 0 and whole > 0):
        raise BadValue(f"{MODEL}: {what} bytes {frac & 0xFF:02x} {whole & 0xFF:02x} are not a value")
    return (whole * 100 + frac) / 100


def _humidity(r: Reader) -> float:
    frac, whole = r.u8(), r.u8()
    value = (whole * 100 + frac) / 100
    if frac > 99 or value > 100:
        raise BadValue(f"{MODEL}: humidity bytes {frac:02x} {whole:02x} are not a relative humidity")
    return value


def _at(seconds: int) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


def _pair(r: Reader, at: datetime | None, faulty: bool) -> tuple[DecodedReading, ...]:
    if faulty:  # the bytes are whatever the failed sensor left: not checked, not reported
        r.take(4)
        return ()
    humidity = _humidity(r)
    temperature = _signed_fixed(r, "temperature")
    return (
        DecodedReading(Quantity.TEMPERATURE, temperature, INST, at=at),
        DecodedReading(Quantity.HUMIDITY, humidity, INST, at=at),
    )


def _fault_alarms(options: int) -> tuple[Alarm, ...]:
    if options & OPT_FAULT:
        return (Alarm(AlarmKind.SENSOR_FAULT, detail="the sensor set its fault flag"),)
    return ()


def _battery(index: int) -> DecodedReading:
    if index >= len(BATTERY_BRACKETS):
        raise BadValue(f"{MODEL}: battery capacity index {index} is not 0..5")
    return DecodedReading(Quantity.BATTERY_LEVEL, float(BATTERY_BRACKETS[index][0]), INST)


def _temp_rh(payload: bytes) -> Frame:
    require_length(payload, f"{MODEL} temperature/RH notification", exact=11)
    r = Reader(payload[1:], MODEL)
    options = _options(r.u8())
    readings = _pair(r, None, bool(options & OPT_FAULT))
    battery = _battery(r.u8())
    info = (
        ("message", "temp_rh"),
        *_option_info(options),
        ("alarm_messages", r.u16be()),
        ("backlog_messages", r.u16be()),
    )
    return Frame(readings=(*readings, battery), alarms=_fault_alarms(options), info=info)


def _aggregated(payload: bytes, config: DeviceConfig) -> Frame:
    require_length(payload, f"{MODEL} aggregated notification", minimum=15)
    r = Reader(payload[1:], MODEL)
    options = _options(r.u8())
    alarm_messages, backlog_messages, index, count = r.u8(), r.u16be(), r.u8(), r.u8()
    if len(payload) != 11 + 4 * count:
        raise BadLength(
            f"{MODEL}: {count} aggregated reading(s) need {11 + 4 * count} bytes, got {len(payload)}"
        )
    period = config.read_period_s
    if count > 1 and period is None:
        raise MissingConfig(
            f"{MODEL}: an aggregate of {count} readings is spaced by the sensor read period, which the "
            f"frame does not carry; set the device tag {READ_PERIOD_TAG} (the sensor's configuration "
            "frame reports it)"
        )
    last = _at(r.u32be())
    faulty = bool(options & OPT_FAULT)
    readings: list[DecodedReading] = []
    for i in range(count):
        at = last - timedelta(seconds=(count - 1 - i) * (period or 0))
        readings.extend(_pair(r, at, faulty))
    info = (
        ("message", "aggregated_temp_rh"),
        *_option_info(options),
        ("alarm_messages", alarm_messages),
        ("backlog_messages", backlog_messages),
    )
    return Frame(readings=(*readings, _battery(index)), alarms=_fault_alarms(options), info=info)


def _backlog(payload: bytes, *, single: bool) -> Frame:
    if single:
        require_length(payload, f"{MODEL} backlog message", exact=10)
        r = Reader(payload[1:], MODEL)
        options, count = _options(r.u8()), 1
    else:
        if len(payload) < 11 or (len(payload) - 3) % 8:
            raise BadLength(f"{MODEL}: a backlog list is 3 + 8 x N bytes (N >= 1), got {len(payload)}")
        r = Reader(payload[1:], MODEL)
        options, count = _options(r.u8()), r.u8()
        if count != (len(payload) - 3) // 8:
            raise BadValue(
                f"{MODEL}: backlog list announces {count} readings but holds {(len(payload) - 3) // 8}"
            )
    faulty = bool(options & OPT_FAULT)
    readings: list[DecodedReading] = []
    for _ in range(count):
        readings.extend(_pair_at(r, faulty))
    info = (("message", "backlog"), *_option_info(options))
    return Frame(readings=tuple(readings), alarms=_fault_alarms(options), info=info)


def _pair_at(r: Reader, faulty: bool) -> tuple[DecodedReading, ...]:
    at = _at(r.u32be())
    return _pair(r, at, faulty)


def _config(payload: bytes) -> Frame:
    advanced = payload[0] == 0x06
    require_length(payload, f"{MODEL} configuration", exact=16 if advanced else 8)
    r = Reader(payload[1:], MODEL)
    options = _options(r.u8())
    battery_type = {1: "alkaline", 2: "lithium"}.get(r.u8())
    if battery_type is None:
        raise BadValue(f"{MODEL}: battery type byte 0x{payload[2]:02x} is not 1 or 2")
    info: list[tuple[str, str | int | float | bool]] = [
        ("message", "advanced_config" if advanced else "simple_config"),
        *_option_info(options),
        ("battery_type", battery_type),
        ("read_period_s", r.u16be()),
        ("aggregate_count", r.u8()),
        ("temperature_alarms", bool(r.u8())),
        ("humidity_alarms", bool(r.u8())),
    ]
    if advanced:
        info += [
            ("temperature_alarm_low_c", r.s8()),
            ("temperature_alarm_high_c", r.s8()),
            ("humidity_alarm_low_pct", r.u8()),
            ("humidity_alarm_high_pct", r.u8()),
            ("led_ble", r.u16be()),
            ("led_lora", r.u16be()),
        ]
    return Frame(info=tuple(info))


def _firmware(payload: bytes) -> Frame:
    require_length(payload, f"{MODEL} firmware version", exact=11)
    r = Reader(payload[1:], MODEL)
    options = _options(r.u8())
    date = f"{r.u8()}/{r.u8()}/{r.u8()}"
    release = f"{r.u8()}.{r.u8()}"
    info = (
        ("message", "firmware_version"),
        *_option_info(options),
        ("release_date", date),
        ("release", release),
        ("part_number", r.u32be()),
    )
    return Frame(info=info)


def _battery_voltage(payload: bytes) -> Frame:
    require_length(payload, f"{MODEL} battery voltage", exact=4)
    r = Reader(payload[1:], MODEL)
    options = _options(r.u8())
    volts = _signed_fixed(r, "battery voltage")
    if volts < 0:
        raise BadValue(f"{MODEL}: negative battery voltage {volts}")
    return Frame(
        readings=(DecodedReading(Quantity.BATTERY_VOLTAGE, volts, INST),),
        info=(("message", "battery_voltage"), *_option_info(options)),
    )


def decode_rs1xx_temp_rh(f_port: int, payload: bytes) -> Frame:
    """Decode without the device's configuration: an aggregate of several readings is refused."""
    return decode_rs1xx_temp_rh_configured(f_port, payload, DeviceConfig())


def decode_rs1xx_temp_rh_configured(f_port: int, payload: bytes, config: DeviceConfig) -> Frame:
    if f_port != PORT:
        raise UnsupportedPort(MODEL, f_port)
    require_length(payload, MODEL, minimum=2)
    kind = payload[0]
    if kind == 0x01:
        return _temp_rh(payload)
    if kind == 0x02:
        return _aggregated(payload, config)
    if kind in (0x03, 0x04):
        return _backlog(payload, single=kind == 0x03)
    if kind in (0x05, 0x06):
        return _config(payload)
    if kind == 0x07:
        return _firmware(payload)
    if kind == 0x0A:
        return _battery_voltage(payload)
    raise UnknownFrameType(f"{MODEL}: message type 0x{kind:02x} is not a temperature/RH sensor uplink")


# --- encoder (simulator) -------------------------------------------------------------------------


def _fixed_bytes(value: float, what: str, *, signed: bool) -> bytes:
    cents = round(value * 100)
    if abs(cents / 100 - value) > 1e-9:
        raise EncodeError(f"{MODEL}: {what} {value} has more than two decimals")
    whole = int(cents / 100)  # toward zero: the fraction keeps the value's sign
    frac = cents - whole * 100
    low, high = (-128, 127) if signed else (0, 255)
    if not low <= whole <= high:
        raise EncodeError(f"{MODEL}: {what} {value} is out of range")
    return bytes((frac & 0xFF, whole & 0xFF))


def _pair_bytes(temperature: float, humidity: float) -> bytes:
    if not 0 <= humidity <= 100:
        raise EncodeError(f"{MODEL}: humidity {humidity} is not 0..100 %")
    return _fixed_bytes(humidity, "humidity", signed=False) + _fixed_bytes(
        temperature, "temperature", signed=True
    )


def _encode_now(frame: Frame) -> bytes:
    values = {r.quantity: r.value for r in frame.readings}
    faulty = any(a.kind is AlarmKind.SENSOR_FAULT for a in frame.alarms)
    lows = [low for low, _ in BATTERY_BRACKETS]
    if Quantity.BATTERY_LEVEL not in values or values[Quantity.BATTERY_LEVEL] not in lows:
        raise EncodeError(f"{MODEL}: a report needs a battery level among {lows}")
    wanted = (
        {Quantity.BATTERY_LEVEL}
        if faulty
        else {Quantity.BATTERY_LEVEL, Quantity.TEMPERATURE, Quantity.HUMIDITY}
    )
    if set(values) != wanted or len(frame.readings) != len(wanted):
        raise EncodeError(
            f"{MODEL}: a report carries {sorted(wanted)}, got {[r.quantity for r in frame.readings]}"
        )
    pair = bytes(4) if faulty else _pair_bytes(values[Quantity.TEMPERATURE], values[Quantity.HUMIDITY])
    index = lows.index(int(values[Quantity.BATTERY_LEVEL]))
    return bytes((0x01, OPT_FAULT if faulty else 0)) + pair + bytes((index,)) + bytes(4)


def _encode_backlog(frame: Frame) -> bytes:
    pairs: dict[datetime, dict[Quantity, float]] = {}
    for reading in frame.readings:
        if reading.at is None or reading.quantity not in (Quantity.TEMPERATURE, Quantity.HUMIDITY):
            raise EncodeError(f"{MODEL}: a backlog carries timestamped temperature and humidity only")
        pairs.setdefault(reading.at, {})[reading.quantity] = reading.value
    if not 1 <= len(pairs) <= BACKLOG_MAX or any(len(p) != 2 for p in pairs.values()):
        raise EncodeError(f"{MODEL}: a backlog holds 1..{BACKLOG_MAX} temperature/humidity pairs")
    body = b""
    for at, pair in pairs.items():
        seconds = (at - EPOCH).total_seconds()
        if seconds != int(seconds) or not 0 <= seconds <= 0xFFFF_FFFF:
            raise EncodeError(f"{MODEL}: {at.isoformat()} is not a whole second after 2015-01-01")
        body += int(seconds).to_bytes(4, "big") + _pair_bytes(
            pair[Quantity.TEMPERATURE], pair[Quantity.HUMIDITY]
        )
    return bytes((0x04, 0, len(pairs))) + body


def encode_rs1xx_temp_rh(frame: Frame) -> tuple[int, bytes]:
    """A temperature/RH notification (0x01), or a backlog list (0x04) for timestamped readings."""
    if frame.readings and all(r.at is not None for r in frame.readings):
        if frame.alarms:
            raise EncodeError(f"{MODEL}: the encoder writes backlog lists without alarms")
        return PORT, _encode_backlog(frame)
    if frame.alarms and any(a.kind is not AlarmKind.SENSOR_FAULT for a in frame.alarms):
        raise EncodeError(f"{MODEL}: the sensor reports no alarm but its fault flag")
    return PORT, _encode_now(frame)


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="Laird Sentrius RS1xx temperature and humidity sensor",
        decode=decode_rs1xx_temp_rh,
        decode_configured=decode_rs1xx_temp_rh_configured,
        quantities=frozenset(
            {Quantity.TEMPERATURE, Quantity.HUMIDITY, Quantity.BATTERY_LEVEL, Quantity.BATTERY_VOLTAGE}
        ),
        datasheet="Laird RS1xx LoRa Protocol application note v2.7; RS1xx configuration guide v1.12; "
        "TTN vendor/laird/rs1xx-temp-rh-sensor.js",
        ports=frozenset({PORT}),
        encode=encode_rs1xx_temp_rh,
        version="2",
    ),
)
