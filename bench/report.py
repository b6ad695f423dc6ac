"""BENCHMARKS.md is made of sections, one per scenario module, each rewritten by its own run.

A section lives between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``; running one
scenario replaces its section and leaves the others as they were measured.
"""

from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "BENCHMARKS.md"
TITLE = "# Benchmarks\n"


def machine_line(command: str, runs: int | None = None) -> str:
    """When, where and how a section was measured."""
    median = f" (median of {runs} runs)" if runs and runs > 1 else ""
    load = ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({os.cpu_count()} cores{load}, Python {platform.python_version()}, {platform.machine()}).\n"
        f"Command: `{command}`{median}."
    )


def write_section(name: str, markdown: str, path: Path = BENCHMARKS) -> None:
    """Replace (or append) section ``name`` of BENCHMARKS.md with ``markdown``."""
    text = path.read_text() if path.exists() else TITLE
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{begin}\n{markdown.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)
