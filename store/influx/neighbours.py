"""What InfluxDB holds around the spans of a batch: the points a writer places replays and late
readings among, asked in a few statements a batch instead of a long range query per reading.

Spans close in time are asked together (a replay after a crash is one group; a reading from
last month is a group of its own, so it does not make InfluxDB read a month of every device).
Each group costs three statements per 200 devices: the newest point before it, the points in
it, the oldest point after it; each span's neighbours are then read off those.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from kernel.types import Reading
from store.influx.lineprotocol import timestamp
from store.protocol import Neighbourhood, SeriesSpan

Series = tuple[str, str, str]
QueryMany = Callable[[Sequence[str]], list[list[dict[str, Any]]]]
Readings = Callable[[dict[str, Any]], list[Reading]]

_GAP_NS = 24 * 3600 * 1_000_000_000  # spans further apart than this are asked apart
_CHUNK = 200


def neighbours(
    query_many: QueryMany,
    readings_of: Readings,
    where_any: Callable[[str, Sequence[str]], str],
    raw: str,
    spans: Sequence[SeriesSpan],
    reach: timedelta,
) -> dict[Series, Neighbourhood]:
    """``query_many`` runs statements (results in order), ``readings_of`` reads one result series,
    ``where_any`` matches a tag against values, ``raw`` names the raw measurement."""
    far = int(reach.total_seconds() * 1_000_000_000)
    out: dict[Series, Neighbourhood] = {}
    for group in _groups(spans):
        start = min(timestamp(s.start) for s in group)
        end = max(timestamp(s.end) for s in group)
        euis = sorted({s.dev_eui for s in group})
        quantities = sorted({s.quantity for s in group})
        statements: list[str] = []
        for i in range(0, len(euis), _CHUNK):
            devices = where_any("dev_eui", euis[i : i + _CHUNK])
            where = f"({devices}) AND ({where_any('quantity', quantities)})"
            statements += [
                f"SELECT * FROM {raw} WHERE {where} AND time < {start} AND time >= {start - far} "
                "GROUP BY * ORDER BY time DESC LIMIT 1",
                f"SELECT * FROM {raw} WHERE {where} AND time >= {start} AND time <= {end} GROUP BY *",
                f"SELECT * FROM {raw} WHERE {where} AND time > {end} AND time <= {end + far} "
                "GROUP BY * LIMIT 1",
            ]
        found: dict[Series, list[Reading]] = {}
        for result in query_many(statements):
            for series in result:
                for r in readings_of(series):
                    found.setdefault((r.dev_eui, r.quantity, r.channel), []).append(r)
        for span in group:
            key = (span.dev_eui, span.quantity, span.channel)
            points = sorted(found.get(key, ()), key=lambda r: r.ts)
            if points:
                out[key] = _around(points, span)
    return out


def _around(points: list[Reading], span: SeriesSpan) -> Neighbourhood:
    """``points`` in time order (a series whose kind tag changed is two InfluxDB series: merged)."""
    before = [r for r in points if r.ts < span.start]
    after = [r for r in points if r.ts > span.end]
    return Neighbourhood(
        before[-1] if before else None,
        tuple(r for r in points if span.start <= r.ts <= span.end),
        after[0] if after else None,
    )


def _groups(spans: Sequence[SeriesSpan]) -> list[list[SeriesSpan]]:
    groups: list[list[SeriesSpan]] = []
    end = 0
    for span in sorted(spans, key=lambda s: s.start):
        if not groups or timestamp(span.start) - end > _GAP_NS:
            groups.append([])
            end = 0
        groups[-1].append(span)
        end = max(end, timestamp(span.end))
    return groups
