"""Fixtures of the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from registry import open_registry
from releve.runtime import provision_fleet
from simulator.fleet import load_fleet


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "data"
    data.mkdir()
    registry = open_registry(f"sqlite:///{data / 'registry.db'}")
    provision_fleet(registry, load_fleet())
    registry.close()
    yield data
