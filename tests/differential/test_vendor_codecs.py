"""Differential test: releve's decoders against the vendors' own codecs, frame by frame.

For every registered model that has a vendor codec, the codec (JavaScript, ``decodeUplink``) runs
under Node.js on the vendor's own examples, on releve's vectors of the model, and on mutations of
those frames that keep their structure (one or two bytes changed, the model's identifying bytes
kept, and only the mutants whose vendor output has the same fields as the seed's). Each vendor
output goes through the model's mapping (``tests/unit/decoders/expectations``: vendor fields to
releve quantities, units and alarms) and is compared with releve's frame. A frame both refuse
agrees. Every other difference fails the test, unless a reviewed entry of ``vendor_wrong`` (a
module per vendor) explains it: each entry says why the vendor codec is wrong there and corrects
its output for exactly that case, and the corrected output must then agree with releve.

Where the codecs come from (no vendor code is committed; see ``sources.py``):

- Adeunis publishes its codec library on npm (``@adeunis/codecs``): the test installs the pinned
  version with npm into the user's cache and runs it. This part runs everywhere the suite runs.
- Every other vendor's codec lives only in the TTN Device Repository, which is on no package
  registry: the test reads it from a checkout named by ``RELEVE_TTN_DEVICES``. Without one, those
  models are skipped and pytest's summary says so; with one, a model the checkout has no codec
  for is skipped too, named.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from decoders import MODELS, DeviceConfig
from tests.differential import sources
from tests.differential.compare import Outcome, difference, mutants, releve, shape, vendor_refused
from tests.differential.vendor_wrong import PROBE_RULES, PROBED, RULES, Probe
from tests.unit.decoders.vectors import _expectation_maps, iter_cases

# Adeunis models -> the library's device type and the folders of its unit tests (example frames)
ADEUNIS = {
    "adeunis/pulse-4": ("pulse4", ("pulse_v4",)),
    "adeunis/tic-cbe-linky-mono": ("ticCbeLinkyMono", ("tic",)),
    "adeunis/comfort-co2": ("comfortCo2", ("comfort_co2",)),
    "adeunis/temp-4": ("temp4", ("temp_v4",)),
    "adeunis/deltap": ("deltap", ("deltap",)),
    "adeunis/dry-contacts-2": ("drycontacts2", ("drycontacts_v2",)),
    "adeunis/analog": ("analog", ("analog",)),
}
# Bytes that say which model or product a frame is from: mutations keep them.
KEEP_BY_VENDOR = {"adeunis": frozenset({0}), "enless-wireless": frozenset({3}), "netvox": frozenset({1})}
# Quantities releve reads that the vendor codec does not output: left out of the comparison.
RELEVE_ONLY: dict[str, frozenset[str]] = {"strega/smart-valve": frozenset({"battery_voltage"})}
# The vendor rounds these outputs (quantity -> absolute tolerance in releve's unit).
TOLERANCE: dict[str, dict[str, float]] = {
    "adeunis/analog": {"voltage": 0.0005, "current": 0.0000005},
}
# A model whose history frames need the device's read period is run with this one on both sides
# (the vendor codec lists history values newest first without times; the mapping spaces them).
READ_PERIOD_S = 600
MUTATIONS_PER_BYTE = 3
MAX_FRAMES = 1500


@dataclass
class Seed:
    f_port: int
    payload: bytes
    config: DeviceConfig | None
    where: str


@dataclass
class Tally:
    frames: int = 0
    both_refused: int = 0
    agreed: int = 0
    vendor_wrong: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _codec(model: str) -> sources.Codec:
    if model in ADEUNIS:
        device_type, spec_dirs = ADEUNIS[model]
        return sources.adeunis_codec(device_type, spec_dirs)
    if model in sources.WATTECO_DEVICES:
        try:
            found = sources.watteco_codec(model)
        except sources.SourceMissing as exc:
            pytest.skip(str(exc))
        if found is not None:
            return found
    try:
        checkout = _checkout()
    except sources.SourceMissing as exc:
        pytest.skip(str(exc))
    codec = checkout.codec(model)
    if codec is None:
        pytest.skip(f"{model}: the TTN Device Repository checkout has no uplink codec for this model")
    return codec


_CHECKOUT: list[sources.TtnCheckout] = []


def _checkout() -> sources.TtnCheckout:
    if not _CHECKOUT:
        _CHECKOUT.append(sources.TtnCheckout.from_env())
    return _CHECKOUT[0]


def _seeds(model: str, codec: sources.Codec) -> list[Seed]:
    seeds = [Seed(ex.f_port, ex.payload, None, ex.where) for ex in codec.examples]
    seeds += [Seed(c.f_port, c.payload, c.config, c.id) for c in iter_cases() if c.model == model]
    if MODELS[model].decode_configured is not None:
        default = DeviceConfig(read_period_s=READ_PERIOD_S)
        seeds = [Seed(s.f_port, s.payload, s.config or default, s.where) for s in seeds]
    unique: dict[tuple[int, bytes, DeviceConfig | None], Seed] = {}
    for seed in seeds:
        unique.setdefault((seed.f_port, seed.payload, seed.config), seed)
    return list(unique.values())


def _frames(model: str, codec: sources.Codec, seeds: list[Seed]) -> list[Seed]:
    """The seeds, then their mutants whose vendor output keeps the seed's fields."""
    rng = random.Random(model)
    keep = KEEP_BY_VENDOR.get(model.split("/")[0], frozenset())
    outputs = sources.run(codec, [(s.f_port, s.payload) for s in seeds])
    candidates: list[tuple[Seed, frozenset[str]]] = []
    for seed, output in zip(seeds, outputs, strict=True):
        if vendor_refused(output):
            continue
        for frame in mutants(seed.payload, keep, rng, MUTATIONS_PER_BYTE):
            candidates.append(
                (Seed(seed.f_port, frame, seed.config, f"mutant of {seed.where}"), shape(output))
            )
    rng.shuffle(candidates)
    candidates = candidates[: MAX_FRAMES - len(seeds)]
    mutant_outputs = sources.run(codec, [(s.f_port, s.payload) for s, _ in candidates])
    kept = [
        s
        for (s, want), out in zip(candidates, mutant_outputs, strict=True)
        if not vendor_refused(out) and shape(out) == want
    ]
    return seeds + kept


def _judge(
    model: str, seed: Seed, output: Any, outcome: Outcome, tally: Tally, probe: Probe | None = None
) -> str | None:
    """None when releve and the vendor agree, or a reviewed entry explains the difference (counted
    in the tally); else the difference."""
    mapping = _expectation_maps().get(model)
    assert mapping is not None, f"{model}: no mapping of the vendor output (tests/unit/decoders/expectations)"
    example = {
        "input": {"fPort": seed.f_port, "bytes": list(seed.payload)},
        "config": None if seed.config is None else {"read_period_s": seed.config.read_period_s},
    }
    tolerance = TOLERANCE.get(model, {})
    outcome = _without(outcome, RELEVE_ONLY.get(model, frozenset()))
    why = difference(output, outcome, mapping, example, tolerance)
    if why is None:
        if vendor_refused(output) and outcome.error is not None:
            tally.both_refused += 1
        else:
            tally.agreed += 1
        return None
    corrected, used = output, list[str]()
    for rule in RULES.get(model, ()):
        fixed = rule.correct(seed.f_port, seed.payload, corrected)
        if fixed is not None:
            corrected, used = fixed, [*used, rule.name]
    if probe is not None:
        for probe_rule in PROBE_RULES:
            fixed = probe_rule.correct(seed.f_port, seed.payload, corrected, probe)
            if fixed is not None:
                corrected, used = fixed, [*used, probe_rule.name]
    if used and difference(corrected, outcome, mapping, example, tolerance) is None:
        tally.vendor_wrong.update(used)
        return None
    return f"port {seed.f_port} {seed.payload.hex()} ({seed.where}): {why}"


def _probes(codec: sources.Codec, frames: list[Seed], outputs: list[Any]) -> list[Probe]:
    """The codec's outputs on each frame followed by 0x00 and by 0xFF, and with its last byte inverted."""

    def variant(change: Callable[[bytes], bytes]) -> list[Any]:
        return sources.run(codec, [(f.f_port, change(f.payload)) for f in frames])

    zero, ones = variant(lambda p: p + b"\x00"), variant(lambda p: p + b"\xff")
    flipped = variant(lambda p: p[:-1] + bytes([p[-1] ^ 0xFF]) if p else p)
    return [Probe(*parts) for parts in zip(zero, ones, flipped, outputs, strict=True)]


def _releve(model: str, frame: Seed) -> Outcome:
    return releve(model, frame.f_port, frame.payload, frame.config)


def _without(outcome: Outcome, quantities: frozenset[str]) -> Outcome:
    if outcome.frame is None or not quantities:
        return outcome
    kept = tuple(r for r in outcome.frame.readings if r.quantity.value not in quantities)
    return Outcome(replace(outcome.frame, readings=kept), None)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_releve_agrees_with_the_vendor_codec(model: str) -> None:
    codec = _codec(model)
    seeds = _seeds(model, codec)
    frames = _frames(model, codec, seeds)
    outputs = sources.run(codec, [(f.f_port, f.payload) for f in frames])
    tally = Tally(frames=len(frames))
    unexplained: list[tuple[Seed, Any, str]] = []
    for frame, output in zip(frames, outputs, strict=True):
        why = _judge(model, frame, output, _releve(model, frame), tally)
        if why is not None:
            unexplained.append((frame, output, why))
    if unexplained and model in PROBED:
        found = _probes(codec, [f for f, _, _ in unexplained], [o for _, o, _ in unexplained])
        unexplained = [
            (frame, output, why)
            for (frame, output, _), probe in zip(unexplained, found, strict=True)
            if (why := _judge(model, frame, output, _releve(model, frame), tally, probe)) is not None
        ]
    tally.failures = [why for _, _, why in unexplained]
    summary = (
        f"{model} vs {codec.origin}: {tally.frames} frames ({len(seeds)} seeds), {tally.agreed} agree, "
        f"{tally.both_refused} refused by both, vendor wrong: {dict(tally.vendor_wrong)}"
    )
    print(summary)
    assert not tally.failures, f"{summary}\n{len(tally.failures)} unexplained differences:\n" + "\n".join(
        tally.failures[:15]
    )
