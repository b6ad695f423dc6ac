"""Every vector of every model, through one parametrized test; and registry <-> vectors coverage."""

from __future__ import annotations

import pytest

from decoders import MODELS, decode
from tests.unit.decoders.expected import assert_matches
from tests.unit.decoders.vectors import Case, iter_cases, vector_models

CASES = list(iter_cases())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_vector(case: Case) -> None:
    assert case.expected is not None, f"{case.model}: no expectation mapping for this shared vector"
    if case.expected.error is not None:
        with pytest.raises(case.expected.error):
            decode(case.model, case.f_port, case.payload, case.config)
        return
    assert_matches(decode(case.model, case.f_port, case.payload, case.config), case.expected)


def test_every_registered_model_has_vectors() -> None:
    missing = sorted(set(MODELS) - vector_models())
    assert not missing, f"models without vectors: {missing}"


def test_every_vector_file_has_a_model() -> None:
    unknown = sorted(vector_models() - set(MODELS))
    assert not unknown, f"vectors without a model: {unknown}"
