"""EMU Professional II three-phase electricity meter (LoRaWAN module).

Format: EMU Electronic "EMU Professional II LoRaWAN" register description and the TTN Device
Repository codec ``vendor/emu/emu-prof-ii.js`` (shared/vectors/FORMATS.md): a little-endian Unix
time of the data logger, then register id + value records, and a CRC-8 (polynomial 0x07) over
everything before it. A billing meter's frame with a wrong CRC is rejected (BadValue) rather
than read: a corrupted index would be billed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from decoders._bytes import Reader
from decoders.errors import BadValue, EncodeError, UnknownFrameType
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "emu/emu-prof-ii"
PORT = 1
CUM, INST = Kind.CUMULATIVE, Kind.INSTANTANEOUS
_ENERGIES = (
    (Quantity.ENERGY_IMPORT, "T1"),
    (Quantity.ENERGY_IMPORT, "T2"),
    (Quantity.ENERGY_EXPORT, "T1"),
    (Quantity.ENERGY_EXPORT, "T2"),
    (Quantity.REACTIVE_ENERGY_IMPORT, "T1"),
    (Quantity.REACTIVE_ENERGY_IMPORT, "T2"),
    (Quantity.REACTIVE_ENERGY_EXPORT, "T1"),
    (Quantity.REACTIVE_ENERGY_EXPORT, "T2"),
)
Spec = tuple[int, bool, Quantity | None, str, float, Kind]  # size, signed, quantity, channel, scale, kind


def _registers() -> dict[int, Spec]:
    regs: dict[int, Spec] = {}
    for i, (q, ch) in enumerate(_ENERGIES):
        regs[0x03 + i] = (4, False, q, ch, 0.001, CUM)  # Wh -> kWh
        regs[0x1C + i] = (4, False, q, ch, 1.0, CUM)  # kWh
        regs[0x24 + i] = (8, False, q, ch, 0.001, CUM)  # Wh, 64-bit
    for i, ch in enumerate(("", "L1", "L2", "L3")):
        regs[0x0B + i] = (4, True, Quantity.POWER, ch, 1.0, INST)
    for i, ch in enumerate(("", "L1", "L2", "L3", "N")):
        regs[0x0F + i] = (4, True, Quantity.CURRENT, ch, 0.001, INST)  # mA -> A
    for i, ch in enumerate(("L1", "L2", "L3")):
        regs[0x14 + i] = (4, True, Quantity.VOLTAGE, ch, 0.1, INST)
        regs[0x17 + i] = (1, True, Quantity.POWER_FACTOR, ch, 0.01, INST)
    regs[0x1A] = (2, True, Quantity.FREQUENCY, "", 0.1, INST)
    regs[0x1B] = (4, True, Quantity.POWER, "average", 1.0, INST)
    for reg, size in {
        0x00: 4,
        0x01: 4,
        0x02: 4,
        0xF1: 4,
        0xF2: 4,
        0xF3: 2,
        0xF4: 2,
        0xF5: 2,
        0xF6: 2,
        0xF7: 1,
        0xF8: 4,
        0xF9: 4,
        0xFA: 4,
        0xFB: 4,
        0xFC: 4,
        0xFD: 4,
        0xFE: 4,
    }.items():
        regs[reg] = (size, False, None, f"register_{reg:02x}", 1.0, INST)
    return regs


REGISTERS = _registers()


def crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def decode_emu(f_port: int, payload: bytes) -> Frame:
    if len(payload) <= 2:
        return Frame(info=(("status_message", payload.hex()),))
    if crc8(payload[:-1]) != payload[-1]:
        raise BadValue(f"{MODEL}: CRC-8 mismatch (frame corrupted)")
    r = Reader(payload[:-1], MODEL)
    at = datetime.fromtimestamp(r.u32le(), UTC)
    readings: dict[tuple[Quantity, str], DecodedReading] = {}
    alarms: list[Alarm] = []
    info: list[tuple[str, str | int | float | bool]] = []
    while r.remaining:
        reg = r.u8()
        if reg == 0xF0:
            code = r.u8()
            info.append(("error_code", code))
            if code & 0x20:
                alarms.append(Alarm(AlarmKind.POWER_OFF, detail="power failure recorded by the meter"))
            continue
        spec = REGISTERS.get(reg)
        if spec is None:
            raise UnknownFrameType(f"{MODEL}: unknown register 0x{reg:02x}")
        size, signed, quantity, channel, scale, kind = spec
        raw = r.uint(size, little=True) if not signed else r.sint(size, little=True)
        if quantity is None:
            info.append((channel, raw))
            continue
        value = round(raw * scale, 9)
        readings[(quantity, channel)] = DecodedReading(quantity, value, kind, channel, at=at)
    return Frame(readings=tuple(readings.values()), alarms=tuple(alarms), info=tuple(info))


# What the simulator sends: import/export T1/T2 in whole Wh, total active power in whole W.
_ENCODED = {(q, ch): 0x03 + i for i, (q, ch) in enumerate(_ENERGIES[:4])} | {(Quantity.POWER, ""): 0x0B}


def encode_emu(frame: Frame) -> tuple[int, bytes]:
    """Active energy import/export T1/T2 (whole Wh) and total active power (whole W) at one time."""
    times = {r.at for r in frame.readings}
    if len(times) != 1 or None in times or frame.alarms or not frame.readings:
        raise EncodeError("an EMU frame holds readings of one logger time and no alarms")
    (at,) = times
    assert at is not None
    body = int(at.timestamp()).to_bytes(4, "little")
    for reading in frame.readings:
        reg = _ENCODED.get((reading.quantity, reading.channel))
        size, signed, _q, _ch, scale, kind = (
            REGISTERS[reg] if reg is not None else (0, False, None, "", 1.0, INST)
        )
        if reg is None or reading.kind is not kind:
            raise EncodeError(f"the EMU encoder does not send {reading.quantity} {reading.channel}")
        raw = round(reading.value / scale)
        if abs(raw * scale - reading.value) > 1e-9:
            raise EncodeError(f"{reading.quantity} {reading.value} is not a whole Wh or W")
        try:
            body += bytes([reg]) + raw.to_bytes(size, "little", signed=signed)
        except OverflowError as exc:
            raise EncodeError(f"{reading.quantity} out of range") from exc
    return PORT, body + bytes([crc8(body)])


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="EMU Professional II three-phase electricity meter",
        decode=decode_emu,
        encode=encode_emu,
        quantities=frozenset(
            {q for q, _ in _ENERGIES}
            | {Quantity.POWER, Quantity.CURRENT, Quantity.VOLTAGE, Quantity.POWER_FACTOR, Quantity.FREQUENCY}
        ),
        datasheet="EMU Professional II LoRaWAN register description; TTN vendor/emu/emu-prof-ii",
    ),
)
