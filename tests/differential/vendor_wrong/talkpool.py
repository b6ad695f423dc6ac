"""The reviewed list for Talkpool OY1320 (oy1320.js).

Where the vendor codec is wrong and releve is right, each entry with its reason.
"""

from __future__ import annotations

from typing import Any

from tests.differential.vendor_wrong._base import Rule, data_of, refused

RULES: dict[str, tuple[Rule, ...]] = {}


def _oy1320(f_port: int, payload: bytes, output: Any) -> Any | None:
    if f_port != 2:
        return refused(f"port {f_port} (the reader sends on port 2)")
    if len(payload) not in (6, 9):
        return None
    records = [payload[i : i + 6] if i == 0 else payload[i : i + 3] for i in (0, 6) if i < len(payload)]
    if records[0][:2] != b"\x01\x21" or (len(records) > 1 and records[1][:2] != b"\x01\x20"):
        return refused("a record that is not the meter reading (01 21) then the alarm status (01 20)")
    status = payload[8] if len(payload) == 9 else 0
    corrected = {"MeterReading": int.from_bytes(payload[2:6], "big"), "Status": status}
    data = data_of(output)
    return None if data == corrected else {**(output if isinstance(output, dict) else {}), "data": corrected}


RULES["talkpool/oy1320"] = (
    Rule(
        "talkpool: OY1320 register read as 16 bits, status from the wrong byte",
        "the codec reads the 32-bit meter register 0x21 from its two low bytes (the index wraps "
        "every 65.536 m3) and takes the status as one hex digit of byte 4 (part of the reading), not "
        "register 0x20's byte; it checks neither port nor record ids",
        _oy1320,
    ),
)
