"""The reviewed list for Aqua-Scope WWD (wwd.js).

Where the vendor codec is wrong and releve is right, each entry with its reason.
"""

from __future__ import annotations

from typing import Any

from tests.differential.vendor_wrong._base import Rule, data_of

RULES: dict[str, tuple[Rule, ...]] = {}


def _wwd_255(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = data_of(output)
    if data is None or len(payload) < 4 or payload[2] == 0:
        return None
    return {**output, "data": {**data, "temperature": int.from_bytes(payload[2:4], "big")}}


RULES["aquascope/wwd"] = (
    Rule(
        "aquascope: temperature high byte times 255",
        "the codec computes byte2 * 0xff + byte3 for the big-endian 16-bit temperature (x 256); "
        "the two agree only while byte 2 is 0",
        _wwd_255,
    ),
)
