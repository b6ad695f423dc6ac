"""ELV LW-ESI energy sensing interface (optical reader for electricity and gas meters), port 10.

Format: ELV "ELV-LW-ESI" payload description and the TTN Device Repository codec
``vendor/elv/elv-lw-esi.js`` (shared/vectors/FORMATS.md): a header (length, transmit reason,
supply voltage in mV), then blocks. An energy block gives the counter (5-byte little-endian /
10,000) in Wh, kWh or m3, consumption or delivery, and the power (/100) in W, kW or m3/h with a
separate sign. releve maps delivery to exported energy, m3 to gas volume (the ESI's gas sensor)
and applies the sign to the power.
"""

from __future__ import annotations

from decoders._bytes import Reader
from decoders.errors import BadLength, BadValue, EncodeError, UnknownFrameType, UnsupportedPort
from decoders.model import DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "elv/elv-lw-esi"
PORT = 10
INST = Kind.INSTANTANEOUS


def _energy(r: Reader) -> list[DecodedReading]:
    consumption = r.u8() & 0x3F
    unit = r.u8() & 0x03
    counter = r.uint(5, little=True) / 10_000
    power_byte = r.u8()
    power = r.uint(4, little=True) / 100
    if consumption not in (1, 2):
        raise BadValue(f"{MODEL}: consumption type {consumption} is neither consumption nor delivery")
    if unit == 2:
        index = DecodedReading(Quantity.GAS_VOLUME, counter, Kind.CUMULATIVE)
    elif unit in (0, 1):
        quantity = Quantity.ENERGY_IMPORT if consumption == 1 else Quantity.ENERGY_EXPORT
        index = DecodedReading(quantity, round(counter / 1000, 9) if unit == 0 else counter, Kind.CUMULATIVE)
    else:
        raise BadValue(f"{MODEL}: unknown counter unit {unit}")
    power_unit, negative = power_byte & 0x03, bool(power_byte & 0x04)
    if power_unit == 2:
        rate = DecodedReading(Quantity.FLOW, power, INST)
    elif power_unit in (0, 1):
        watts = power * 1000 if power_unit == 1 else power
        rate = DecodedReading(Quantity.POWER, -watts if negative else watts, INST)
    else:
        raise BadValue(f"{MODEL}: unknown power unit {power_unit}")
    return [index, rate]


def decode_elv_lw_esi(f_port: int, payload: bytes) -> Frame:
    if f_port != PORT:
        raise UnsupportedPort(MODEL, f_port)
    if not payload:
        raise BadLength(f"{MODEL}: empty frame")
    r = Reader(payload, MODEL)
    header = r.u8()
    if header < 3:
        raise BadValue(f"{MODEL}: header length {header} is too short")
    reason = r.u8() & 0x0F
    readings = [DecodedReading(Quantity.BATTERY_VOLTAGE, r.u16be() / 1000, INST)]
    r.take(header - 3)
    info: list[tuple[str, str | int | float | bool]] = [("tx_reason", reason)]
    while r.remaining:
        block = r.u8()
        if block == 0x01:
            readings.extend(_energy(r))
        elif block == 0x02:
            info.append(("ir_settings", r.take(6).hex()))
        else:
            raise UnknownFrameType(f"{MODEL}: unknown data block 0x{block:02x}")
    return Frame(readings=tuple(readings), info=tuple(info))


def encode_elv_lw_esi(frame: Frame) -> tuple[int, bytes]:
    """One energy block (electricity import in kWh with power in W, or gas in m3 with flow)."""
    by_q = {r.quantity: r.value for r in frame.readings}
    volts = by_q.pop(Quantity.BATTERY_VOLTAGE, None)
    if volts is None or len(frame.readings) != 3 or frame.alarms:
        raise EncodeError("an ESI frame holds the supply voltage, one counter and one rate")
    if Quantity.ENERGY_IMPORT in by_q and Quantity.POWER in by_q:
        unit, counter, power_unit, rate = 1, by_q[Quantity.ENERGY_IMPORT], 0, by_q[Quantity.POWER]
    elif Quantity.GAS_VOLUME in by_q and Quantity.FLOW in by_q:
        unit, counter, power_unit, rate = 2, by_q[Quantity.GAS_VOLUME], 2, by_q[Quantity.FLOW]
    else:
        raise EncodeError("only electricity import (kWh, W) or gas (m3, m3/h) blocks are encoded")
    raw_counter, raw_rate, raw_volts = round(counter * 10_000), round(abs(rate) * 100), round(volts * 1000)
    if (
        abs(raw_counter / 10_000 - counter) > 1e-9
        or abs(raw_rate / 100 - abs(rate)) > 1e-9
        or abs(raw_volts / 1000 - volts) > 1e-9
        or not (0 <= raw_counter < 2**40 and raw_rate < 2**32 and 0 <= raw_volts < 2**16)
    ):
        raise EncodeError("values off the ESI's grid or range")
    sign = 0x04 if rate < 0 else 0
    block = bytes([0x01, 0x01, unit]) + raw_counter.to_bytes(5, "little")
    block += bytes([power_unit | sign]) + raw_rate.to_bytes(4, "little")
    return PORT, bytes([3, 0x01]) + raw_volts.to_bytes(2, "big") + block


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="ELV LW-ESI energy sensing interface (optical meter reader)",
        decode=decode_elv_lw_esi,
        encode=encode_elv_lw_esi,
        quantities=frozenset(
            {
                Quantity.ENERGY_IMPORT,
                Quantity.ENERGY_EXPORT,
                Quantity.GAS_VOLUME,
                Quantity.POWER,
                Quantity.FLOW,
                Quantity.BATTERY_VOLTAGE,
            }
        ),
        datasheet="ELV LW-ESI payload description; TTN Device Repository vendor/elv/elv-lw-esi",
        ports=frozenset({PORT}),
    ),
)
