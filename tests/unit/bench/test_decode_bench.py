"""The decode benchmark's inputs: every model has real frames, the mix is what it says."""

from __future__ import annotations

from collections import Counter

from bench.decode import MIX, frames_by_model, frames_per_second, markdown, municipal_mix
from decoders import MODELS


def test_every_model_has_a_vector_frame_that_decodes_to_readings() -> None:
    assert set(frames_by_model()) == set(MODELS)


def test_the_mix_follows_its_weights() -> None:
    assert sum(w for _, _, w in MIX) == 100
    mix = municipal_mix(frames_by_model(), 20000)
    counts = Counter(model for model, _, _ in mix)
    for _, model, weight in MIX:
        assert abs(counts[model] / len(mix) * 100 - weight) < 1.0, model


def test_the_section_reports_the_mix_and_every_model() -> None:
    frames = frames_by_model()
    mix = municipal_mix(frames, 200)
    per_model = [(m, len(f), frames_per_second(f)) for m, f in sorted(frames.items())]
    text = markdown(frames_per_second(mix), len(mix), per_model, 1, "python -m bench.decode")
    assert "Municipal mix" in text
    assert all(f"| `{m}` |" in text for m in MODELS)
