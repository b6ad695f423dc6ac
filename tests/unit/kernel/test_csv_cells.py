"""The CSV cell rule: text never starts a formula, numbers stay numbers, the importer undoes it."""

from __future__ import annotations

import csv
import io
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from kernel.csv_cells import FORMULA_STARTS, cell, neutralise, unneutralise, write_csv


@given(st.text())
def test_neutralised_text_never_starts_a_formula_and_reads_back(text: str) -> None:
    safe = neutralise(text)
    assert safe[:1] not in FORMULA_STARTS
    assert unneutralise(safe) == text


def test_owasp_starts_and_the_quote_itself() -> None:
    for text in ("=1+1", "+cmd", "-2+3", "@SUM(1)", "|calc", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("'=1") == "''=1" and unneutralise("''=1") == "'=1"
    assert neutralise("l'école") == "l'école" and neutralise("'t Hof") == "'t Hof"
    assert unneutralise("'t Hof") == "'t Hof"  # a quote before a letter is the name's own


def test_numbers_stay_numbers() -> None:
    assert [cell(v) for v in (-1.5, -1.68, 2.0, 1234.56789, 1e-7, -3, 0, True, None)] == [
        "-1.5",
        "-1.68",
        "2",
        "1234.56789",  # every digit ("%g" kept six)
        "1e-07",
        "-3",
        "0",
        "True",
        "",
    ]
    assert (
        cell(date(2026, 5, 5)) == "2026-05-05" and cell("-1.5") == "'-1.5"
    )  # text, though it looks a number


def test_write_csv_quotes_as_csv_does() -> None:
    text = write_csv(("name", "value"), [('=HYPERLINK("http://x","y")', -1.5), ("a,b", 3)])
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "value"],
        ['\'=HYPERLINK("http://x","y")', "-1.5"],
        ["a,b", "3"],
    ]
