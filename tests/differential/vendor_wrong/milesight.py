"""The reviewed list for Milesight (channel lists, vendor/milesight-iot/*.js).

Where the vendor codec is wrong and releve is right, each entry with its reason.
"""

from __future__ import annotations

from typing import Any

from tests.differential.vendor_wrong._base import Correct, Rule, data_of, refused

RULES: dict[str, tuple[Rule, ...]] = {}


_MILESIGHT_COMMON = {(0x01, 0x75): 1, (0x03, 0x67): 2, (0x04, 0x68): 1}
# the items each codec knows, and their sizes
_MILESIGHT_ITEMS: dict[str, dict[tuple[int, int], int]] = {
    "milesight-iot/em300-zld": {**_MILESIGHT_COMMON, (0x05, 0x00): 1},
    "milesight-iot/em300-di": {**_MILESIGHT_COMMON, (0x05, 0x00): 1, (0x05, 0xC8): 4, (0x20, 0xCE): 13},
    "milesight-iot/ws52x": {
        (0x03, 0x74): 2,
        (0x05, 0x81): 1,
        (0x06, 0x83): 4,
        (0x07, 0xC9): 2,
        (0x08, 0x70): 1,
    },
    "milesight-iot/em500-pp": {(0x01, 0x75): 1, (0x03, 0x7B): 2},
    "milesight-iot/am107": {
        **_MILESIGHT_COMMON,
        (0x05, 0x6A): 2,
        (0x06, 0x65): 6,
        (0x07, 0x7D): 2,
        (0x08, 0x7D): 2,
        (0x09, 0x73): 2,
    },
}


def _milesight_items(model: str) -> Correct:
    items = _MILESIGHT_ITEMS[model]

    def correct(f_port: int, payload: bytes, output: Any) -> Any | None:
        if f_port != 85:
            return refused(f"port {f_port} (Milesight sensors send on port 85)")
        pos = 0
        while pos < len(payload):
            if pos + 2 > len(payload):
                return refused("a lone channel byte at the end")
            size = items.get((payload[pos], payload[pos + 1]))
            if size is None:
                item = f"{payload[pos]:02x} {payload[pos + 1]:02x}"
                return {"unverifiable": f"item {item} is not in this codec: it stops there silently"}
            if pos + 2 + size > len(payload):
                return refused("an item cut by the end of the frame")
            pos += 2 + size
        return None

    return correct


def _ws52x_energy(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = data_of(output)
    if data is None or not isinstance(data.get("energy"), int) or data["energy"] >= 0:
        return None
    return {**output, "data": {**data, "energy": data["energy"] + (1 << 32)}}


def _ws52x_state(f_port: int, payload: bytes, output: Any) -> Any | None:
    at = payload.find(b"\x08\x70")
    if at < 0 or at + 2 >= len(payload) or payload[at + 2] in (0, 1):
        return None
    return refused(f"socket state byte {payload[at + 2]} (the format's are 0 and 1)")


_ITEMS_REASON = (
    "the codec reads any port (the sensors send on 85), stops silently at an item it does not "
    "know (the rest of the frame is dropped with no "
    "error) and reads an item cut by the end of the frame as NaN. A frame with an item the codec "
    "lacks (Milesight added items after this codec: EM300-DI water meter items, WS52x power) cannot "
    "be checked against it and is counted apart; a cut item makes releve refuse the frame"
)
for _model in _MILESIGHT_ITEMS:
    RULES[_model] = (
        Rule("milesight: item outside the codec's list", _ITEMS_REASON, _milesight_items(_model)),
    )
RULES["milesight-iot/ws52x"] += (
    Rule(
        "milesight: WS52x energy over 2^31 negative",
        "readUInt32LE shifts bytes[3] << 24 (signed 32-bit in JavaScript) and masks with 0xffffffff, "
        "which keeps the sign: from 2,147,483,648 the energy index is negative",
        _ws52x_energy,
    ),
    Rule(
        "milesight: WS52x socket state byte outside 0/1",
        "the codec prints 'close' for any byte but 1; the state is 0 or 1 and releve refuses another",
        _ws52x_state,
    ),
)
