"""The reviewed list for Arwin LRS2M001 (lrs2m001-4xxx.js).

Where the vendor codec is wrong and releve is right, each entry with its reason.
"""

from __future__ import annotations

from typing import Any

from tests.differential.vendor_wrong._base import Rule, data_of, refused

RULES: dict[str, tuple[Rule, ...]] = {}


def _arwin(f_port: int, payload: bytes, output: Any) -> Any | None:
    measuring = f_port == 10 or 50 <= f_port <= 61
    if measuring and (len(payload) != 11 or payload[0] != 0x0A):
        return refused("a measurement frame is 11 bytes of type 0x0A")
    data = data_of(output)
    if data is None or not isinstance(data.get("active_energy"), (int, float)) or data["active_energy"] >= 0:
        return None
    return {**output, "data": {**data, "active_energy": round(data["active_energy"] + 2**32 / 10, 1)}}


RULES["arwin-technology/lrs2m001-4xxx"] = (
    Rule(
        "arwin: frame type and length unchecked, energy over 2^31 negative",
        "the codec reads measurement frames of any length and type byte (a cut frame loses its "
        "battery level silently) and assembles the 32-bit energy index with shifts, signed in "
        "JavaScript: from 214,748,364.8 kWh it turns negative",
        _arwin,
    ),
)
