"""Placeholder: decoders of this vendor are being written."""

from __future__ import annotations

from decoders.spec import ModelSpec

MODELS: tuple[ModelSpec, ...] = ()
