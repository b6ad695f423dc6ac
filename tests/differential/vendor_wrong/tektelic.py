"""The reviewed list for TEKTELIC (decoder_smart_room_sensor_co2.js).

Where the vendor codec is wrong and releve is right, each entry with its reason.
"""

from __future__ import annotations

from typing import Any

from tests.differential.vendor_wrong._base import Rule, refused

RULES: dict[str, tuple[Rule, ...]] = {}


_TEKTELIC_SIZES = {(0x00, 0xBA): 2, (0x00, 0xD3): 1, (0x11, 0xD3): 1, (0x0B, 0xE4): 2, (0x0E, 0xE4): 2}
_TEKTELIC_SIZES |= {(0x0C, 0x73): 2, (0x0A, 0x00): 1, (0x0D, 0x04): 2, (0x03, 0x67): 2, (0x04, 0x68): 1}


def _tektelic_cut(f_port: int, payload: bytes, output: Any) -> Any | None:
    if f_port != 10:
        return None
    pos = 0
    while pos + 2 <= len(payload):
        size = _TEKTELIC_SIZES.get((payload[pos], payload[pos + 1]))
        if size is None:
            return None
        if pos + 2 + size > len(payload):
            return refused("a value cut by the end of the frame")
        pos += 2 + size
    return refused("a lone byte at the end of the frame") if pos < len(payload) else None


RULES["tektelic/t00078xx-smart-room-sensor-co2"] = (
    Rule(
        "tektelic: value cut by the end of the frame decoded",
        "the codec reads a value whose bytes the frame does not hold (-25.6 degC from a lone 0xFF); "
        "releve refuses the frame",
        _tektelic_cut,
    ),
)
