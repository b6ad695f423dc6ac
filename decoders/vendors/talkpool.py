"""Talkpool OY1210 CO2 meter (port 2, 5 bytes).

Format: Talkpool OY1210 payload description and the TTN Device Repository codec
``vendor/talkpool/oy1210.js``: two 12-bit values share byte 2 (temperature raw / 10 - 80 degC,
humidity raw / 10 - 25 %), then CO2 in ppm as a big-endian 16-bit value.
"""

from __future__ import annotations

from decoders._bytes import require_length
from decoders.errors import UnsupportedPort
from decoders.model import DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

PORT = 2


def decode_oy1210(f_port: int, payload: bytes) -> Frame:
    if f_port != PORT:
        raise UnsupportedPort("talkpool/oy1210", f_port)
    require_length(payload, "talkpool/oy1210", exact=5)
    temperature = ((payload[0] << 4) | (payload[2] >> 4)) / 10 - 80
    humidity = ((payload[1] << 4) | (payload[2] & 0x0F)) / 10 - 25
    return Frame(
        readings=(
            DecodedReading(Quantity.TEMPERATURE, round(temperature, 1), Kind.INSTANTANEOUS),
            DecodedReading(Quantity.HUMIDITY, round(humidity, 1), Kind.INSTANTANEOUS),
            DecodedReading(Quantity.CO2, float(int.from_bytes(payload[3:5], "big")), Kind.INSTANTANEOUS),
        )
    )


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id="talkpool/oy1210",
        name="Talkpool OY1210 CO2 meter",
        decode=decode_oy1210,
        quantities=frozenset({Quantity.TEMPERATURE, Quantity.HUMIDITY, Quantity.CO2}),
        datasheet="Talkpool OY1210 payload description; TTN Device Repository vendor/talkpool/oy1210",
        ports=frozenset({PORT}),
    ),
)
