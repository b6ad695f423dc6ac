"""CSV cells that a spreadsheet opens as text, never as a formula: the one writer of every CSV.

A cell starting with ``=``, ``+``, ``-``, ``@``, ``|``, a tab or a carriage return is a formula
(or a DDE command) for Excel and LibreOffice, so a device or site name like
``=HYPERLINK("http://...","x")`` would run in the spreadsheet of whoever opens the export or the
public register (OWASP, "CSV Injection"). Such a text cell is written with a leading single
quote, which spreadsheets show as text. Only text is neutralised: numbers are written as
numbers (a negative consumption or longitude stays a number), which is why cells are typed.

A text cell that starts with a quote followed by one of those characters (or by another quote)
gets a quote too, so that ``unneutralise`` is the exact inverse of ``neutralise``: the device
CSV importer applies it to every cell, and a file exported then imported gives the same devices.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date

FORMULA_STARTS = frozenset("=+-@|\t\r")
QUOTE = "'"

Cell = str | int | float | date | None


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it, never run as a formula."""
    if text[:1] in FORMULA_STARTS or (text[:1] == QUOTE and text[1:2] in _QUOTED):
        return QUOTE + text
    return text


def unneutralise(text: str) -> str:
    """The text ``neutralise`` was given (a cell read back from a CSV releve wrote)."""
    if text[:1] == QUOTE and text[1:2] in _QUOTED:
        return text[1:]
    return text


_QUOTED = FORMULA_STARTS | {QUOTE}


def cell(value: Cell) -> str:
    """One cell: text neutralised, numbers as numbers, dates in ISO 8601, None empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # The shortest text that reads back as the same number (not "%g", which keeps 6 digits).
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return value.isoformat()


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """A CSV document (comma separated, ``\\n`` line ends) with every cell through ``cell``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()
