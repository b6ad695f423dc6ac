"""Loading the vectors: the shared TTN ones (``../shared/vectors``) and releve's own (``tests/vectors``)."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from decoders import DeviceConfig
from tests.unit.decoders import expectations
from tests.unit.decoders.expected import Expected, from_json

ROOT = Path(__file__).resolve().parents[3]
SHARED_VECTORS = ROOT.parent / "shared" / "vectors"
OWN_VECTORS = ROOT / "tests" / "vectors"


@dataclass(frozen=True)
class Case:
    id: str
    model: str
    f_port: int
    payload: bytes
    expected: Expected
    config: DeviceConfig | None = None


def _expectation_maps() -> dict[str, Callable[[dict[str, Any]], Expected]]:
    maps: dict[str, Callable[[dict[str, Any]], Expected]] = {}
    for info in pkgutil.iter_modules(expectations.__path__):
        module = importlib.import_module(f"{expectations.__name__}.{info.name}")
        for model, fn in module.EXPECTATIONS.items():
            assert model not in maps, f"{model} mapped twice"
            maps[model] = fn
    return maps


def shared_files() -> list[Path]:
    return sorted(SHARED_VECTORS.glob("*/*.json"))


def own_files() -> list[Path]:
    return sorted(OWN_VECTORS.glob("*.json"))


def iter_cases() -> Iterator[Case]:
    maps = _expectation_maps()
    for path in shared_files():
        doc = json.loads(path.read_text())
        model = f"{doc['vendor_id']}/{doc['device_id']}"
        mapping = maps.get(model)
        for ex in doc["examples"]:
            case_id = f"{model}#{ex['index']}"
            if mapping is None:
                # No mapping yet: the case fails with a clear message rather than being skipped.
                yield Case(case_id, model, ex["input"]["fPort"], bytes.fromhex(ex["input"]["bytes"]), None)  # type: ignore[arg-type]
                continue
            yield Case(case_id, model, ex["input"]["fPort"], bytes.fromhex(ex["input"]["bytes"]), mapping(ex))
    for path in own_files():
        doc = json.loads(path.read_text())
        assert doc["format"] == "releve-vectors/1", path
        assert doc.get("source"), f"{path}: every vector file says where it came from"
        for i, ex in enumerate(doc["examples"]):
            yield Case(
                f"{doc['model']}#own{i}",
                doc["model"],
                int(ex["f_port"]),
                bytes.fromhex(ex["hex"]),
                from_json(ex),
                DeviceConfig(**ex["config"]) if "config" in ex else None,
            )


def vector_models() -> set[str]:
    models = set()
    for path in shared_files():
        doc = json.loads(path.read_text())
        models.add(f"{doc['vendor_id']}/{doc['device_id']}")
    for path in own_files():
        models.add(json.loads(path.read_text())["model"])
    return models
