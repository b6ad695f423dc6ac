"""docs/models.md is the registry's own description, regenerated whenever a model changes."""

from __future__ import annotations

from pathlib import Path

from decoders.catalog import models_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "models.md"


def test_models_page_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == models_markdown(), (
        "docs/models.md is stale: run `releve decoders --markdown > docs/models.md`"
    )
