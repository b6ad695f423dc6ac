"""Arwin Technology (Senso8) LRS2M001 series: LoRaWAN three-phase power monitor, four CT channels.

Sources: Senso8 datasheet DS_LRS2M001-40xx and the TTN Device Repository codec
``vendor/arwin-technology/lrs2m001-4xxx-codec.yaml`` (with the decoder published for it).

- Port 10, meter data (11 bytes, type byte 0x0A): phase voltages L1-L3 (u16, 0.1 V), then a
  24-bit word whose top 14 bits are the grid frequency in whole Hz and whose low 10 bits are event
  flags (bit 0 heartbeat/button, 1 running on backup power, 2/3 L3 under/over voltage, 4/5 L2,
  6/7 L1, 8 backup battery low), then the backup battery level in %.
- Ports 50-61, one phase of one CT channel (11 bytes, type 0x0A): port 50 + 3 * (channel - 1) +
  phase index. A 16-bit word (top 2 bits over-current and heartbeat flags, low 14 bits current in
  0.1 A), a 32-bit word (top 22 bits active power in 0.1 W, two's complement; low 10 bits power
  factor in 0.001), and the active energy index (u32, 0.1 kWh). Readings of a phase frame carry
  the channel ``<CT channel>-L<phase>`` (e.g. ``1-L1``); the energy index is taken as import.
- Port 8: firmware version; port 16 (type 0x0A): device settings. Both go to ``info``.
"""

from __future__ import annotations

from decoders._bytes import Reader, require_length
from decoders.errors import UnknownFrameType, UnsupportedPort
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "arwin-technology/lrs2m001-4xxx"
METER_PORT = 10
FIRMWARE_PORT = 8
SETTINGS_PORT = 16
PHASE_PORTS = range(50, 62)
FRAME_TYPE = 0x0A
INST = Kind.INSTANTANEOUS

_PHASES = ("L1", "L2", "L3")
# Meter event bit -> alarm, for the phase it names ("" for the device).
_METER_EVENTS: dict[int, tuple[AlarmKind, str, str]] = {
    1: (AlarmKind.POWER_OFF, "", "running on backup power"),
    2: (AlarmKind.UNDER_VOLTAGE, "L3", "phase C under voltage"),
    3: (AlarmKind.OVER_VOLTAGE, "L3", "phase C over voltage"),
    4: (AlarmKind.UNDER_VOLTAGE, "L2", "phase B under voltage"),
    5: (AlarmKind.OVER_VOLTAGE, "L2", "phase B over voltage"),
    6: (AlarmKind.UNDER_VOLTAGE, "L1", "phase A under voltage"),
    7: (AlarmKind.OVER_VOLTAGE, "L1", "phase A over voltage"),
    8: (AlarmKind.LOW_BATTERY, "", "backup battery low"),
}


def _frame_type(r: Reader) -> None:
    frame_type = r.u8()
    if frame_type != FRAME_TYPE:
        raise UnknownFrameType(f"{MODEL}: frame type 0x{frame_type:02x}, expected 0x0a")


def _meter(payload: bytes) -> Frame:
    require_length(payload, f"{MODEL} meter data", exact=11)
    r = Reader(payload, MODEL)
    _frame_type(r)
    readings = [DecodedReading(Quantity.VOLTAGE, r.u16be() / 10, INST, channel=phase) for phase in _PHASES]
    word = r.uint(3)
    readings.append(DecodedReading(Quantity.FREQUENCY, float(word >> 10), INST))
    readings.append(DecodedReading(Quantity.BATTERY_LEVEL, float(r.u8()), INST))
    alarms = tuple(
        Alarm(kind, channel=channel, detail=detail)
        for bit, (kind, channel, detail) in _METER_EVENTS.items()
        if word >> bit & 1
    )
    return Frame(readings=tuple(readings), alarms=alarms, info=(("heartbeat", bool(word & 1)),))


def _phase(f_port: int, payload: bytes) -> Frame:
    require_length(payload, f"{MODEL} phase data", exact=11)
    r = Reader(payload, MODEL)
    _frame_type(r)
    ct, phase = divmod(f_port - PHASE_PORTS.start, 3)
    channel = f"{ct + 1}-{_PHASES[phase]}"
    events_current = r.u16be()
    power_pf = r.u32be()
    power_raw = power_pf >> 10
    if power_raw & 0x200000:
        power_raw -= 0x400000
    readings = (
        DecodedReading(Quantity.CURRENT, (events_current & 0x3FFF) / 10, INST, channel=channel),
        DecodedReading(Quantity.POWER, power_raw / 10, INST, channel=channel),
        DecodedReading(Quantity.POWER_FACTOR, (power_pf & 0x3FF) / 1000, INST, channel=channel),
        DecodedReading(Quantity.ENERGY_IMPORT, r.u32be() / 10, Kind.CUMULATIVE, channel=channel),
    )
    alarms = (Alarm(AlarmKind.OVER_CURRENT, channel=channel),) if events_current & 0x4000 else ()
    return Frame(readings=readings, alarms=alarms, info=(("heartbeat", bool(events_current & 0x8000)),))


def _firmware(payload: bytes) -> Frame:
    require_length(payload, f"{MODEL} firmware version", exact=4)
    r = Reader(payload, MODEL)
    major, minor, patch = r.u8(), r.u8(), r.u16be()
    return Frame(info=(("firmware_version", f"{major}.{minor:02d}.{patch:03d}"),))


def _settings(payload: bytes) -> Frame:
    require_length(payload, f"{MODEL} settings", exact=9)
    r = Reader(payload, MODEL)
    _frame_type(r)
    return Frame(
        info=(
            ("upload_interval_min", r.u16be()),
            ("under_voltage_limit_v", r.u16be()),
            ("over_voltage_limit_v", r.u16be()),
            ("over_current_limit_a", r.u16be()),
        )
    )


def decode_lrs2m001(f_port: int, payload: bytes) -> Frame:
    if f_port == METER_PORT:
        return _meter(payload)
    if f_port in PHASE_PORTS:
        return _phase(f_port, payload)
    if f_port == FIRMWARE_PORT:
        return _firmware(payload)
    if f_port == SETTINGS_PORT:
        return _settings(payload)
    raise UnsupportedPort(MODEL, f_port)


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="Arwin LRS2M001 three-phase power monitor (4 CT channels)",
        decode=decode_lrs2m001,
        quantities=frozenset(
            {
                Quantity.VOLTAGE,
                Quantity.FREQUENCY,
                Quantity.BATTERY_LEVEL,
                Quantity.CURRENT,
                Quantity.POWER,
                Quantity.POWER_FACTOR,
                Quantity.ENERGY_IMPORT,
            }
        ),
        datasheet="Senso8 DS_LRS2M001-40xx; TTN vendor/arwin-technology/lrs2m001-4xxx-codec.yaml",
        ports=frozenset({METER_PORT, FIRMWARE_PORT, SETTINGS_PORT, *PHASE_PORTS}),
    ),
)
