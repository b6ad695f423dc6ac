"""bench.suite: every scenario section of BENCHMARKS.md has its command, in one place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.suite import SCENARIOS, chosen

ROOT = Path(__file__).resolve().parents[3]


def test_only_keeps_the_suite_order_and_refuses_unknown_names() -> None:
    assert [name for name, _ in chosen("city,decode")] == ["decode", "city"]
    assert len(chosen(None)) == len(SCENARIOS)
    with pytest.raises(SystemExit, match="unknown scenario"):
        chosen("decode,nodered")


def test_every_section_of_benchmarks_md_is_written_by_a_scenario() -> None:
    sections = set(re.findall(r"<!-- bench:([a-z-]+) -->", (ROOT / "BENCHMARKS.md").read_text()))
    assert sections <= {name for name, _ in SCENARIOS}
    for _name, args in SCENARIOS:
        assert "--write" in args
        module = args[0].replace(".", "/")
        assert (ROOT / f"{module}.py").exists() or (ROOT / module / "__main__.py").exists()
