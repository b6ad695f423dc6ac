"""Decoding speed: frames per second on one core, for a town's device mix and for each model.

The frames are the vector examples that decode to readings (the shared TTN vectors and releve's
own, ``tests/vectors``): real vendor frames, not synthetic ones. The municipal mix draws models
with the weights of ``MIX`` (a town network is mostly water meters, then electricity, comfort
sensors, heat meters and a few alarms). Each figure is the median of several runs of
``decoders.decode`` (registry lookup, port check, decoding) in this single-threaded process.

    python -m bench.decode --write     # measure and rewrite the "decode" section of BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

from bench.report import machine_line, write_section
from decoders import MODELS, DecodeError, decode

ROOT = Path(__file__).resolve().parents[1]
VECTOR_DIRS = (ROOT.parent / "shared" / "vectors", ROOT / "tests" / "vectors")

Frame3 = tuple[str, int, bytes]

# Share of a town's uplinks per model, in %: (family, model id, weight).
MIX: tuple[tuple[str, str, int], ...] = (
    ("water", "axioma/qalcosonic-w1", 10),
    ("water", "sensus/iperl", 10),
    ("water", "kamstrup/flowiq2200-02k73a", 10),
    ("water", "netvox/r718h", 8),
    ("water", "talkpool/oy1320", 6),
    ("water", "minol-zenner/edc-communication-module", 6),
    ("electricity", "adeunis/tic-cbe-linky-mono", 4),
    ("electricity", "emu/emu-prof-ii", 4),
    ("electricity", "elv/elv-lw-esi", 4),
    ("electricity", "milesight-iot/em300-di", 4),
    ("electricity", "imst/ioke868", 4),
    ("heat", "elvaco/cmi4140", 3),
    ("heat", "elvaco/cmi4160", 2),
    ("comfort", "elsys/ers-co2", 4),
    ("comfort", "milesight-iot/am107", 4),
    ("comfort", "tektelic/t00078xx-smart-room-sensor-co2", 3),
    ("comfort", "laird/rs1xx-temp-rh-sensor", 3),
    ("comfort", "adeunis/comfort-co2", 3),
    ("comfort", "netvox/r711", 3),
    ("alarms and levels", "aquascope/wwd", 2),
    ("alarms and levels", "milesight-iot/em300-zld", 2),
    ("alarms and levels", "ellenex/pls2-l", 1),
)


def _examples(path: Path) -> Iterator[Frame3]:
    doc = json.loads(path.read_text())
    if doc.get("format") == "releve-vectors/1":
        for ex in doc["examples"]:
            yield doc["model"], int(ex["f_port"]), bytes.fromhex(ex["hex"])
    else:
        model = f"{doc['vendor_id']}/{doc['device_id']}"
        for ex in doc["examples"]:
            yield model, int(ex["input"]["fPort"]), bytes.fromhex(ex["input"]["bytes"])


def frames_by_model() -> dict[str, list[Frame3]]:
    """Every vector frame that decodes to at least one reading, grouped by model."""
    found: dict[str, list[Frame3]] = {}
    for directory in VECTOR_DIRS:
        for path in sorted(directory.glob("**/*.json")):
            for model, port, payload in _examples(path):
                if model not in MODELS:
                    continue
                try:
                    frame = decode(model, port, payload)
                except DecodeError:
                    continue
                if frame.readings:
                    found.setdefault(model, []).append((model, port, payload))
    return found


def municipal_mix(frames: dict[str, list[Frame3]], n: int, seed: int = 3) -> list[Frame3]:
    """``n`` frames drawn with the weights of MIX (cycling through each model's frames)."""
    missing = [m for _, m, _ in MIX if m not in frames]
    if missing:
        raise SystemExit(f"no decodable vector frames for {missing}")
    rng = random.Random(seed)
    models = rng.choices([m for _, m, _ in MIX], weights=[w for _, _, w in MIX], k=n)
    cursor = dict.fromkeys(frames, 0)
    out = []
    for model in models:
        out.append(frames[model][cursor[model] % len(frames[model])])
        cursor[model] += 1
    return out


def frames_per_second(frames: list[Frame3]) -> float:
    start = time.perf_counter()
    for model, port, payload in frames:
        decode(model, port, payload)
    return len(frames) / (time.perf_counter() - start)


def median_fps(frames: list[Frame3], runs: int) -> float:
    return statistics.median(frames_per_second(frames) for _ in range(runs))


def _repeat(frames: list[Frame3], at_least: int) -> list[Frame3]:
    return (frames * (at_least // len(frames) + 1))[: max(at_least, len(frames))]


def markdown(
    mix_fps: float, mix_n: int, per_model: list[tuple[str, int, float]], runs: int, command: str
) -> str:
    families: dict[str, int] = {}
    for family, _, weight in MIX:
        families[family] = families.get(family, 0) + weight
    weights = ", ".join(f"{family} {w} %" for family, w in families.items())
    lines = [
        "## Decoding speed",
        "",
        machine_line(command, runs),
        "",
        f"**Municipal mix: {mix_fps:,.0f} frames/s on one core** ({1e6 / mix_fps:.1f} µs a frame), over "
        f"{mix_n:,} frames drawn with these weights: {weights}. Per model: "
        + ", ".join(f"`{m}` {w} %" for _, m, w in MIX)
        + ".",
        "",
        "Frames are the vector examples that decode to readings (shared TTN vectors and "
        "`tests/vectors`), each model's set repeated; the figure includes the registry lookup and "
        "port check of `decoders.decode`. Water meters' history frames (Axioma W1: a log index and 23 "
        "hourly volumes; iPERL: up to 16 hourly indexes; flowIQ) yield many timestamped readings each "
        "and dominate the mix; the bridge section's decode figure is for the demo village, mostly "
        "short pulse-counter and comfort frames, hence higher.",
        "",
        "| model | vector frames | frames/s | µs/frame |",
        "|---|---:|---:|---:|",
    ]
    for model, count, fps in per_model:
        lines.append(f"| `{model}` | {count} | {fps:,.0f} | {1e6 / fps:.1f} |")
    slowest = min(per_model, key=lambda item: item[2])
    lines += [
        "",
        f"The slowest model is `{slowest[0]}` ({slowest[2]:,.0f} frames/s); even so one core decodes "
        "far more than a town's network carries (a 10,000-device town reporting every 15 minutes "
        "sends about 11 uplinks a second).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="repetitions; the median is reported")
    parser.add_argument("--frames", type=int, default=20000, help="frames in the municipal mix")
    parser.add_argument("--per-model", type=int, default=2000, help="decodes per model and run")
    parser.add_argument("--write", action="store_true", help="rewrite the decode section of BENCHMARKS.md")
    args = parser.parse_args()

    frames = frames_by_model()
    mix = municipal_mix(frames, args.frames)
    frames_per_second(mix)  # warm-up
    mix_fps = median_fps(mix, args.runs)
    print(f"municipal mix: {mix_fps:,.0f} frames/s")
    per_model = []
    for model in sorted(frames):
        fps = median_fps(_repeat(frames[model], args.per_model), args.runs)
        per_model.append((model, len(frames[model]), fps))
        print(f"{model}: {fps:,.0f} frames/s")
    without = sorted(set(MODELS) - set(frames))
    if without:
        print(f"models without a decodable vector frame: {without}")
    if args.write:
        command = "python -m bench.decode --write"
        defaults = (5, 20000, 2000)
        if (args.runs, args.frames, args.per_model) != defaults:
            command += f" --runs {args.runs} --frames {args.frames} --per-model {args.per_model}"
        write_section("decode", markdown(mix_fps, len(mix), per_model, args.runs, command))


if __name__ == "__main__":
    main()
