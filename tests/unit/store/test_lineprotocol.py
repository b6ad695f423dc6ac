"""Line protocol escaping and InfluxQL quoting, by the InfluxDB 1.x documentation's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.influx.lineprotocol import SeriesPrefixes, line, quote_ident, quote_str, series_key, timestamp

T = datetime(2026, 3, 29, 1, 59, 59, 123456, tzinfo=UTC)


def test_escaping_of_measurement_tags_and_string_fields() -> None:
    got = line("my reading", {"tag,x": "a b=c", "empty": ""}, {"f": 'say "hi" \\', "n": 3, "v": 1.5}, T)
    assert got == r'my\ reading,tag\,x=a\ b\=c f="say \"hi\" \\",n=3i,v=1.5 1774749599123456000'


def test_backslashes_in_tags_are_kept_or_refused() -> None:
    assert line("m", {"t": "a\\b"}, {"v": 1.0}, T).startswith("m,t=a\\b ")
    for bad in ("a\\", "a\\,b", "a\\ b", "a\\=b", "new\nline"):
        with pytest.raises(ValueError):
            line("m", {"t": bad}, {"v": 1.0}, T)


def test_measurement_escapes_commas_and_spaces_only() -> None:
    assert line("a b,c=d", {}, {"v": 1.0}, T).startswith("a\\ b\\,c=d v=1.0 ")


def test_none_fields_are_left_out_and_a_point_needs_one() -> None:
    assert line("m", {}, {"a": None, "b": 2.0}, T).startswith("m b=2.0 ")
    with pytest.raises(ValueError):
        line("m", {}, {"a": None}, T)
    with pytest.raises(ValueError):
        line("m", {}, {"a": float("nan")}, T)


def test_timestamps_are_exact_in_every_precision() -> None:
    paris = timezone(timedelta(hours=2))
    assert timestamp(T, "ns") == 1774749599123456000
    assert timestamp(T, "u") == 1774749599123456
    assert timestamp(T, "ms") == 1774749599123
    assert timestamp(T, "s") == 1774749599
    assert timestamp(T.astimezone(paris)) == timestamp(T)
    with pytest.raises(ValueError):
        timestamp(datetime(2026, 1, 1))


def test_influxql_quoting() -> None:
    assert quote_str("it's") == r"'it\'s'"
    assert quote_ident('we"ird') == r'"we\"ird"'


_TAG_TEXT = st.text(alphabet=st.sampled_from("ab ,=\\é0"), max_size=5)


@given(st.lists(st.tuples(_TAG_TEXT, _TAG_TEXT, _TAG_TEXT, _TAG_TEXT), min_size=1, max_size=8))
def test_the_writers_prefixes_are_series_keys(series: list[tuple[str, str, str, str]]) -> None:
    """``SeriesPrefixes`` keeps escaped parts, not prefixes: each one as ``series_key`` makes it,
    the second time as the first, or refused as it is."""
    prefixes = SeriesPrefixes()
    for _ in range(2):
        for eui, quantity, channel, kind in series:
            tags = {"dev_eui": eui, "quantity": quantity, "channel": channel, "kind": kind}
            try:
                expected = series_key("reading", tags)
            except ValueError:
                with pytest.raises(ValueError):
                    prefixes.of("reading", eui, quantity, channel, kind)
                continue
            assert prefixes.of("reading", eui, quantity, channel, kind) == expected
