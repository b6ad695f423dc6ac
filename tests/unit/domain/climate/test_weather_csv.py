"""The weather-station CSV: what spreadsheets and Météo-France exports write, and every bad row."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.climate.weather import parse_weather_csv


def test_semicolons_decimal_commas_bom_and_crlf() -> None:
    text = "\ufefftime;temperature\r\n2026-01-05T06:00:00+01:00;-3,5\r\n2026-01-05 12:00:00Z;4\r\n\r\n"
    parsed = parse_weather_csv(text)
    assert parsed.errors == []
    assert [(o.ts, o.temperature) for o in parsed.rows] == [
        (datetime(2026, 1, 5, 5, tzinfo=UTC), -3.5),
        (datetime(2026, 1, 5, 12, tzinfo=UTC), 4.0),
    ]


def test_every_bad_row_with_its_line() -> None:
    text = "time,temperature\n2026-01-05T06:00:00Z,nan\n2026-01-05T07:00:00Z,\n,3\n2026-01-05T08:00:00Z,-95\n"
    parsed = parse_weather_csv(text)
    assert [(e.line, e.reason.split(":")[0]) for e in parsed.errors] == [
        (2, "temperature"),
        (3, "temperature"),
        (4, "time"),
        (5, "temperature"),
    ]
    assert parse_weather_csv("").errors[0].line == 1
    assert "header" in parse_weather_csv("time,temperature,station\n").errors[0].reason
