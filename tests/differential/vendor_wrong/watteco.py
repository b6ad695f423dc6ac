"""The reviewed list for nke Watteco (its drivers, Watteco/Codec-API-LoRaWAN): where the vendor's
codec is wrong and releve is right, each with its reason.

The vendor's driver is one ZCL and batch decoder shared by every product. Most of its errors are
of structure: it reads bytes a frame does not have (JavaScript gives ``undefined``, read as 0 or
NaN), ignores bytes a frame has too many, reads attributes at fixed offsets whatever type and
length the frame declares (``watteco_zcl``), checks nothing of a batch report's structure
(``watteco_batch``), and reads any cluster on any endpoint. Two entries need more than the frame
to be recognised: they ask the codec itself (``Probe``) whether its output depends on bytes past
the frame's end, and whether it reads the frame's last byte at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.differential.compare import vendor_refused
from tests.differential.vendor_wrong import watteco_batch, watteco_zcl
from tests.differential.vendor_wrong._base import Correct, Rule, data_of, refused


@dataclass(frozen=True)
class Probe:
    """The vendor codec's outputs on variants of one frame."""

    zero_after: Any  # the frame followed by a 0x00 byte
    ones_after: Any  # the frame followed by a 0xFF byte
    last_flipped: Any  # the frame with its last byte inverted
    output: Any  # the frame itself


ProbedCorrect = Callable[[int, bytes, Any, Probe], Any | None]


@dataclass(frozen=True)
class ProbeRule:
    name: str
    reason: str
    correct: ProbedCorrect


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _past_end(f_port: int, payload: bytes, output: Any, probe: Probe) -> Any | None:
    if vendor_refused(output):
        return None
    found = watteco_zcl.causes(payload)
    if found is not None and not found.complete:
        return refused("the report's causes run past the frame's end")
    if _same(probe.zero_after, probe.ones_after):
        return None
    return refused("the codec's output changes with bytes after the frame's end: it read past it")


def _unread_last(f_port: int, payload: bytes, output: Any, probe: Probe) -> Any | None:
    if vendor_refused(output) or not payload or not _same(probe.last_flipped, probe.output):
        return None
    return refused("the codec's output ignores the frame's last byte: bytes after the frame's end")


_STRUCTURE = (
    ProbeRule(
        "watteco: bytes past the frame's end read",
        "the driver reads a value, a cause or a batch field beyond the last byte (JavaScript's "
        "undefined becomes 0, NaN or null) instead of refusing the cut frame; found by running the "
        "codec on the frame followed by 0x00 and by 0xFF (its output differs), or, where a missing "
        "byte reads as 0 whatever follows (a long cause's occurrence counts), from the causes' layout",
        _past_end,
    ),
    ProbeRule(
        "watteco: bytes after the frame's end accepted",
        "the driver stops where its fields end and ignores what follows (a batch report with "
        "bytes after its last sample, a report with bytes after its value and causes), where "
        "releve refuses a frame it cannot account for whole; found by inverting the last byte: "
        "the codec's output is the same",
        _unread_last,
    ),
)


def _samples_fixed(fix: Callable[[dict[str, Any]], dict[str, Any] | None]) -> Correct:
    """A correction of some samples of the output; None when no sample needs one."""

    def correct(f_port: int, payload: bytes, output: Any) -> Any | None:
        data = data_of(output)
        if data is None or not isinstance(data.get("samples"), list):
            return None
        samples = [fix(s) or s for s in data["samples"]]
        if samples == data["samples"]:
            return None
        return {**output, "data": {**data, "samples": samples}}

    return correct


def _unsigned_32(f_port: int, payload: bytes, output: Any) -> Any | None:
    frame = watteco_zcl.standard(payload)
    tic = frame is not None and frame.cluster in watteco_zcl.TIC_CLUSTERS

    def fix(sample: dict[str, Any]) -> dict[str, Any] | None:
        value = sample.get("value")
        counter = str(sample.get("variable", "")).startswith("index") or tic
        if not counter or not isinstance(value, int) or isinstance(value, bool) or value >= 0:
            return None
        return {**sample, "value": value + 2**32}

    return _samples_fixed(fix)(f_port, payload, output)


def _signed_pressure(f_port: int, payload: bytes, output: Any) -> Any | None:
    frame = watteco_zcl.standard(payload)
    at = frame.type_at if frame is not None else None
    signed = at is not None and len(payload) > at and watteco_zcl.same_layout(payload[at], 0x29)  # int16

    def fix(sample: dict[str, Any]) -> dict[str, Any] | None:
        value = sample.get("value")
        if sample.get("variable") != "differential_pressure" or not signed:
            return None
        return {**sample, "value": value - 2**16} if isinstance(value, int) and value >= 2**15 else None

    return _samples_fixed(fix)(f_port, payload, output)


def _occupancy(f_port: int, payload: bytes, output: Any) -> Any | None:
    standard_bit = watteco_zcl.occupancy_bit(payload)

    def fix(sample: dict[str, Any]) -> dict[str, Any] | None:
        value = sample.get("value")
        if sample.get("variable") != "occupancy" or not isinstance(value, int | float):
            return None
        bit = standard_bit if standard_bit is not None else int(value) & 0x01
        return None if value == bit else {**sample, "value": bit}

    return _samples_fixed(fix)(f_port, payload, output)


def _value_range(model: str) -> Correct:
    def correct(f_port: int, payload: bytes, output: Any) -> Any | None:
        why = watteco_zcl.on_off_byte(payload)
        walk = watteco_batch.walk_of(model, payload)
        if why is None and walk is not None and walk.complete and walk.out_of_range:
            why = walk.out_of_range[0]
        return None if why is None else refused(why)

    return correct


def _batch_structure(model: str) -> Correct:
    def correct(f_port: int, payload: bytes, output: Any) -> Any | None:
        walk = watteco_batch.walk_of(model, payload)
        return refused("; ".join(walk.breaks)) if walk is not None and walk.breaks else None

    return correct


def _causes_2024(f_port: int, payload: bytes, output: Any) -> Any | None:
    """The 2024 build's causes: an undefined kind ignored, the alarm bit ignored, no rise a fall."""
    found = watteco_zcl.causes(payload)
    if found is None:
        return None
    if found.kind not in (1, 2):
        return refused(f"report cause kind {found.kind}: the format has short (1) and long (2)")
    warnings = output.get("warnings") if isinstance(output, dict) else None
    listed = [w for w in warnings or [] if str(w).startswith("alarm, ")]
    used = [c for c in found.criteria if c >> 3 & 0x03 in (1, 2)]  # the build lists no unused one
    if not listed or len(listed) != len(used):
        return None
    fixed = [_cause_2024(str(w), c) for w, c in zip(listed, used, strict=True)]
    rest = [w for w in warnings or [] if not str(w).startswith("alarm, ")]
    return None if fixed == listed else {**output, "warnings": [*rest, *fixed]}


def _cause_2024(warning: str, criterion: int) -> str:
    if "mode: threshold" in warning:
        rose, fell = criterion & 0x40, criterion & 0x20
        crossing = "exceed&fall" if rose and fell else "exceed" if rose else "fall" if fell else ""
        warning = re.sub(r", crossing: [\w&]+", f", crossing: {crossing}" if crossing else "", warning)
    return warning if criterion & 0x80 else "cause" + warning.removeprefix("alarm")


# Standard TIC labels the driver misreads: dated values (season, date, then a 1-3 byte value:
# it reads the value from the field's first byte and resumes one byte after the date), STGE (it
# moves on 8 bytes, not 4) and the 11-point schedules (it skips by a byte of the points).
_TIC_MISREAD = frozenset((*range(37, 45), *range(46, 62), 69, 70))


def _tic_misread(f_port: int, payload: bytes, output: Any) -> Any | None:
    found = watteco_zcl.tic_labels(payload)
    if found is None or found[0] != 0x0056:
        return None
    labels = found[1]
    if not any(label in _TIC_MISREAD for label in labels[:-1]):
        return None
    return {"unverifiable": "the codec misreads a dated TIC value or schedule, and every label after it"}


def _power_causes(f_port: int, payload: bytes, output: Any) -> Any | None:
    frame = watteco_zcl.standard(payload)
    if frame is None or (frame.cluster, frame.attribute) != (0x0050, 0x0006):
        return None
    if "Unknown type kind" not in str(output.get("errors") if isinstance(output, dict) else output):
        return None
    return {"unverifiable": "the codec throws on the long causes of the power descriptor's fields"}


_LAYOUT = Rule(
    "watteco: attribute read at fixed offsets, whatever its declared type and length",
    "the driver reads each attribute where its documented layout puts it and ignores what the "
    "frame declares: a type of another size than the attribute's, ZCL's 'no data' (0x00) and "
    "'unknown' (0xFF), a code ZCL reserves (its own Smart Plug example sends 0x16 where its "
    "description says 0x10, boolean), a string whose length runs past the frame's end or is not "
    "the attribute's size; releve reads what the frame declares and refuses a frame whose "
    "declaration contradicts the attribute (where the value ends, and the causes start, is then "
    "unknown)",
    watteco_zcl.declared_layout,
)
_FAILED_READ = Rule(
    "watteco: failed read response decoded",
    "a read attribute response whose status is not 0 (success) has no type nor value: releve "
    "keeps its status; the driver refuses the 7-byte response as a bad payload, and decodes bytes "
    "after the status as if it were 0 (the 2024 builds report a null value)",
    watteco_zcl.failed_read,
)
_UNSIGNED_32 = Rule(
    "watteco: 32-bit unsigned value >= 2^31 negative",
    "the driver assembles 32-bit unsigned values with JavaScript's signed bit operators (batch "
    "counts, TIC indexes and apparent powers): from 2,147,483,648 on it gives the value minus 2^32",
    _unsigned_32,
)
_POWER_CAUSES = Rule(
    "watteco: power descriptor's long causes not decoded",
    "a battery alarm with long causes (field index, threshold, gap, occurrences) makes the driver "
    "throw ('Unknown type kind: none': its field table gives the voltages no number kind), so the "
    "frame cannot be compared; releve reads the voltage and the low-battery alarm",
    _power_causes,
)
_CAUSES_2024 = Rule(
    "watteco: report causes misread (2024 build)",
    "a report's causes start with a byte whose bits 4-5 say short (1) or long (2) causes; each "
    "criterion byte's bit 7 says it is configured as an alarm, bit 6 a rise above and bit 5 a fall "
    "below its threshold. The 2024 build (the fork's vendor/watteco/th-sensor.js) decodes a report "
    "whose causes are of another kind as if it had none, lists every cause as an alarm, and calls "
    "any crossing without bit 6 a fall; the current build refuses the undefined kinds and reads "
    "the bits as releve does",
    _causes_2024,
)
_TIC_LAYOUT = Rule(
    "watteco: TIC report outside the profile's layout decoded",
    "a TIC cluster's attribute 0xii00 is a report of its fields (the low byte selects a part only "
    "in the ICE profile, its periods P and P-1), and a descriptor names each label once; the driver "
    "decodes any attribute of the historical and standard profiles as a report, and a label listed "
    "twice as two readings of which the second wins; releve refuses both",
    watteco_zcl.tic_layout,
)
_TIC_DATED = Rule(
    "watteco: TIC dated values and schedules misread",
    "Linky's standard TIC labels 37-70 include values with their date (the day's maxima, mean "
    "voltages, mobile peak periods: season letter, 6 date bytes, then the value, as nke Watteco's "
    "Python reference codec lays them out), the 4-byte status STGE and the next day's 11-point "
    "schedules; the JavaScript driver reads a dated value from the field's first byte and resumes "
    "one byte after the date whatever the value's size, moves 8 bytes past STGE, and mis-steps "
    "through the schedules, so every label after one of them is read from the wrong bytes: such a "
    "frame cannot be compared (releve reads the labels before and after it)",
    _tic_misread,
)
_OCCUPANCY = Rule(
    "watteco: occupancy bitmap read whole",
    "ZCL's occupancy attribute is a bitmap whose bit 0 says occupied (its other bits reserved, "
    "ignored on receipt); the driver reads any nonzero byte as occupied in a standard report, and "
    "gives the batch label's raw byte (254) as the occupancy",
    _occupancy,
)
_SIGNED_PRESSURE = Rule(
    "watteco: Ventil'O differential pressure read unsigned",
    "the attribute is typed 0x29 (int16) and the datasheet's range is negative to positive; the "
    "driver reads it unsigned: -5 Pa comes out as 65,531 Pa",
    _signed_pressure,
)
_BATCH = (
    "watteco: batch structure not checked",
    "the batch decoder reads a coding type the format does not define (3, read as decreasing) and "
    "a coding table 3 when no sample needs it, lets a label head two series (the second replaces "
    "the first) and reads a sample block of a label the header lacks; releve refuses a frame that "
    "breaks the format",
)
_RANGE = (
    "watteco: value its type does not allow decoded",
    "an on/off state is a ZCL boolean, 0 or 1 (the driver reads any other byte as off), and a "
    "batch sample stays within its sample type (the decoder lets differences take an 8-bit "
    "occupancy to 256 or below 0); releve refuses both",
)
_ENDPOINT = (
    "watteco: report of an endpoint the product lacks decoded",
    "the driver reads any cluster on any endpoint and names the value after the cluster; releve "
    "refuses a report of an input, probe or phase the product does not have",
)


def _when_decoded(rule: Rule) -> Rule:
    """The entry, consulted only while the codec's output is a decoding (not one it or an earlier
    entry refused), so that a frame counts under the entries that changed its reading."""

    def correct(f_port: int, payload: bytes, output: Any) -> Any | None:
        return None if vendor_refused(output) else rule.correct(f_port, payload, output)

    return Rule(rule.name, rule.reason, correct)


def rules(models: list[str]) -> dict[str, tuple[Rule, ...]]:
    """The reviewed entries of each Watteco model."""
    found: dict[str, tuple[Rule, ...]] = {}
    for model in models:
        extra: tuple[Rule, ...] = ()
        unverifiable: tuple[Rule, ...] = ()
        if model == "watteco/ticso":
            extra += (_TIC_LAYOUT,)
            unverifiable += (_TIC_DATED,)
        if model.startswith("watteco/vaqao"):
            extra += (_OCCUPANCY,)
        if model == "watteco/ventilo":
            extra += (_SIGNED_PRESSURE,)
        decoded = (
            _LAYOUT,
            _UNSIGNED_32,
            _CAUSES_2024,
            Rule(*_ENDPOINT, watteco_zcl.endpoint(model)),
            Rule(*_BATCH, _batch_structure(model)),
            Rule(*_RANGE, _value_range(model)),
            *extra,
        )
        found[model] = (
            _FAILED_READ,
            _POWER_CAUSES,
            *unverifiable,
            *(_when_decoded(rule) for rule in decoded),
        )
    return found


PROBE_RULES: tuple[ProbeRule, ...] = _STRUCTURE
