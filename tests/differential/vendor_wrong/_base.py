"""What every vendor's reviewed entries are made of."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Correct = Callable[[int, bytes, Any], Any | None]


@dataclass(frozen=True)
class Rule:
    """A reviewed entry: its name, why the vendor codec is wrong, and the correction of its output
    for exactly the frames concerned (``correct`` returns None for any other frame)."""

    name: str
    reason: str
    correct: Correct


def data_of(output: Any) -> dict[str, Any] | None:
    """The ``data`` object of a codec's output, if it has one."""
    if isinstance(output, dict) and isinstance(output.get("data"), dict):
        data: dict[str, Any] = output["data"]
        return data
    return None


def refused(reason: str) -> dict[str, Any]:
    """The output the codec should have given: the frame refused, for ``reason``."""
    return {"errors": [f"(corrected) {reason}"]}
