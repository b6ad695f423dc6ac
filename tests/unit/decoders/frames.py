"""Hypothesis strategies of frames that each encodable model can carry (for round-trip tests).

Each vendor's strategy lives in ``tests/unit/decoders/frame_strategies/<vendor>.py`` as
``STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]]``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from hypothesis.strategies import SearchStrategy

from decoders import Frame
from tests.unit.decoders import frame_strategies


def _all() -> dict[str, Callable[[], SearchStrategy[Frame]]]:
    found: dict[str, Callable[[], SearchStrategy[Frame]]] = {}
    for info in pkgutil.iter_modules(frame_strategies.__path__):
        module = importlib.import_module(f"{frame_strategies.__name__}.{info.name}")
        found.update(module.STRATEGIES)
    return found


def frames_for(model_id: str) -> SearchStrategy[Frame]:
    strategies = _all()
    assert model_id in strategies, f"{model_id} has an encoder but no frame strategy"
    return strategies[model_id]()
