"""Ellenex PLS2-L submersible level transmitter (firmware before the v6 CBOR frames).

Format: shared/vectors/FORMATS.md (from the TTN Device Repository codec ``vendor/ellenex/pls2-l.js``)
and Ellenex's own reference decoders (github.com/ellenex/lorawan-payload-decoders, ``Level
Sensors/PLS2-L.js`` and ``coreFunctions/uplink-decoder.cjs``). Port 15, exactly 8 bytes: bytes 3..4
are the level reading as a signed big-endian 16-bit value, byte 7 the battery in 0.1 V.

Unit: the TTN codec passes the reading on unscaled; Ellenex's reference decoder for the PLS2-L
("standard model") takes the level as the reading divided by the liquid density (1 for water),
and integrations of the sensor read that reading as millimetres of water column. The TTN
examples' "-1192 m" and "214 m" cannot be metres for a 0-20 m transmitter; as millimetres they are
-1.192 m (below the zero point: a probe above the water or a zero offset) and 0.214 m. releve
therefore reports ``level`` in metres = reading / 1000, for water; for another liquid divide by
its density downstream. Bytes 0..2 and 5..6 are not part of the PLS2-L reading.
"""

from __future__ import annotations

from decoders._bytes import require_length
from decoders.errors import EncodeError, UnsupportedPort
from decoders.model import DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "ellenex/pls2-l"
PORT = 15
MM_PER_M = 1000


def decode_pls2_l(f_port: int, payload: bytes) -> Frame:
    if f_port != PORT:
        raise UnsupportedPort(MODEL, f_port)
    require_length(payload, MODEL, exact=8)
    level_mm = int.from_bytes(payload[3:5], "big", signed=True)
    return Frame(
        readings=(
            DecodedReading(Quantity.LEVEL, level_mm / MM_PER_M, Kind.INSTANTANEOUS),
            DecodedReading(Quantity.BATTERY_VOLTAGE, payload[7] / 10, Kind.INSTANTANEOUS),
        )
    )


def encode_pls2_l(frame: Frame) -> tuple[int, bytes]:
    """An 8-byte port-15 report of a level (whole millimetres) and a battery voltage (0.1 V)."""
    values = {r.quantity: r.value for r in frame.readings}
    if set(values) != {Quantity.LEVEL, Quantity.BATTERY_VOLTAGE} or len(frame.readings) != 2 or frame.alarms:
        raise EncodeError(f"{MODEL}: a report carries one level and one battery voltage")
    level_mm = round(values[Quantity.LEVEL] * MM_PER_M)
    tenths = round(values[Quantity.BATTERY_VOLTAGE] * 10)
    if not -0x8000 <= level_mm <= 0x7FFF or abs(level_mm / MM_PER_M - values[Quantity.LEVEL]) > 1e-9:
        raise EncodeError(f"{MODEL}: level {values[Quantity.LEVEL]} m is not whole mm within +-32.767 m")
    if not 0 <= tenths <= 255 or abs(tenths / 10 - values[Quantity.BATTERY_VOLTAGE]) > 1e-9:
        raise EncodeError(f"{MODEL}: battery {values[Quantity.BATTERY_VOLTAGE]} V is not a 0.1 V step")
    return PORT, bytes(3) + level_mm.to_bytes(2, "big", signed=True) + bytes(2) + bytes((tenths,))


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="Ellenex PLS2-L level transmitter",
        decode=decode_pls2_l,
        quantities=frozenset({Quantity.LEVEL, Quantity.BATTERY_VOLTAGE}),
        datasheet="TTN vendor/ellenex/pls2-l.js; Ellenex lorawan-payload-decoders Level Sensors/PLS2-L.js "
        "(level reading in mm of water)",
        ports=frozenset({PORT}),
        encode=encode_pls2_l,
    ),
)
