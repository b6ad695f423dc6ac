"""The reviewed list for Elvaco CMi4140 (cmi4140.js) and CMi4160 (cmi4160.js).

Where the vendor codec is wrong and releve is right, each entry with its reason.
"""

from __future__ import annotations

from typing import Any

from tests.differential.vendor_wrong._base import Rule, data_of

RULES: dict[str, tuple[Rule, ...]] = {}


def _mbus_records(payload: bytes) -> list[tuple[bytes, bytes]]:
    """(VIF bytes, data) of the standard message's records, walked as the codec walks them."""
    records, i = [], 1
    while i < len(payload):
        dif = payload[i]
        width = 2 if dif == 0x84 else 1
        vif = payload[i + 1 : i + 1 + width]
        i += 1 + width
        if len(payload) - i <= 5 and vif == b"\xfd":
            vif += payload[i : i + 1]
            i += 1
        size = dif if 2 <= dif <= 4 else 4
        records.append((vif, payload[i : i + size]))
        i += size
    return records


def _cmi4140_signed(f_port: int, payload: bytes, output: Any) -> Any | None:
    data = data_of(output)
    if data is None:
        return None
    fixed, changed = dict(data), False
    for vif, raw in _mbus_records(payload):
        if not raw:
            continue
        unsigned = int.from_bytes(raw, "little")
        if vif == b"\xfd\x17":
            if fixed.get("error_flag") != unsigned:
                fixed["error_flag"], changed = unsigned, True
            continue
        if not raw[-1] & 0x80:
            continue
        invalid = unsigned == 1 << (8 * len(raw) - 1)  # the most negative value: "no value"
        for name, value in data.items():
            if not isinstance(value, (int, float)) or name == "error_flag":
                continue
            for decimals in range(8):
                if abs(value * 10**decimals - unsigned) < 1e-6 * max(1, unsigned):
                    if invalid:
                        fixed.pop(name, None)
                        fixed["invalid"] = [*fixed.get("invalid", []), name]
                    else:
                        fixed[name] = (unsigned - (1 << 8 * len(raw))) / 10**decimals
                    changed = True
                    break
    return {**output, "data": fixed} if changed else None


RULES["elvaco/cmi4140"] = (
    Rule(
        "elvaco: M-Bus integers read unsigned, error flags read as decimal",
        "EN 13757-3 type B integers are two's complement, the most negative one meaning no value; "
        "the codec reads them unsigned (a negative power or a cooling flow becomes 650 W, 'no "
        "value' becomes 327.68), and parses the error flags' hex digits with "
        "parseInt without a radix (flags 0xE2 read as 0: a meter error vanishes)",
        _cmi4140_signed,
    ),
)


def _cmi4160_error_state(f_port: int, payload: bytes, output: Any) -> Any | None:
    if not (isinstance(output, dict) and "Unknown dif 32" in str(output.get("exception", ""))):
        return None
    return {"unverifiable": "the codec throws on DIF 0x32 (a value during error state)"}


RULES["elvaco/cmi4160"] = (
    *RULES["elvaco/cmi4140"],
    Rule(
        "elvaco: CMi4160 values during error state",
        "the CMi4160 sends its values with DIF 0x32 (function 'value during error state') while the "
        "meter is in error; the codec has no entry for that DIF and throws, so the frame cannot be "
        "compared (releve reads the values and raises the meter error)",
        _cmi4160_error_state,
    ),
)
