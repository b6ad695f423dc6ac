"""A tenant's settings in the export archive: tariffs, alert thresholds, weather sources and
imported weather observations (``domain.costs.tariffs``, ``domain.alerts.thresholds``,
``domain.climate.weather``).

Sites are named by slug (ids differ between instances). Restoring replaces a site's tariffs,
thresholds and weather source with the exported ones and upserts observations by time, so an
import run twice leaves the same settings.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select

from domain.alerts.thresholds import ThresholdBook, check_overrides
from domain.climate.weather import STATION, Observation, WeatherBook, WeatherSource
from domain.costs.tariffs import Period, Tariff, TariffBook
from registry import Site
from registry.errors import database_errors
from registry.schema import weather_observations

WEATHER = "weather.jsonl"
_BATCH = 5000


def _tariff_doc(t: Tariff) -> dict[str, Any]:
    doc = asdict(t)
    doc["valid_from"] = t.valid_from.isoformat() if t.valid_from else None
    return doc


def _tariff(doc: Mapping[str, Any]) -> Tariff:
    return Tariff(
        quantity=str(doc["quantity"]),
        price_per_unit=float(doc["price_per_unit"]),
        fixed_per_month=float(doc.get("fixed_per_month", 0.0)),
        valid_from=date.fromisoformat(doc["valid_from"]) if doc.get("valid_from") else None,
        periods=tuple(
            Period(
                name=str(p["name"]),
                price_per_unit=float(p["price_per_unit"]),
                channel=p.get("channel"),
                hours=tuple((int(a), int(b)) for a, b in p["hours"]) if p.get("hours") else None,
            )
            for p in doc.get("periods", [])
        ),
        currency=str(doc.get("currency", "EUR")),
    )


def settings_doc(engine: Engine, tenant_id: int, sites: Sequence[Site]) -> dict[str, Any]:
    """The tenant's tariffs (defaults and per site), thresholds and weather sources per site slug."""
    tariffs, thresholds, weather = TariffBook(engine), ThresholdBook(engine), WeatherBook(engine)
    sources = {s.slug: weather.source(s.id) for s in sites}
    return {
        "tariffs": {
            "default": [_tariff_doc(t) for t in tariffs.read(tenant_id, None)],
            "sites": {s.slug: [_tariff_doc(t) for t in tariffs.read(tenant_id, s.id)] for s in sites},
        },
        "thresholds": {s.slug: thresholds.overrides(s.id) for s in sites},
        "weather_sources": {
            slug: {"station": src.station, "dev_eui": src.dev_eui}
            for slug, src in sources.items()
            if src.station or src.dev_eui
        },
    }


def check_settings(doc: Mapping[str, Any], slugs: Collection[str]) -> None:
    """ValueError (or KeyError, TypeError) unless ``restore_settings`` would restore these
    settings: every site they name is in the archive, tariffs and thresholds are well formed."""

    def known(slug: str) -> None:
        if slug not in slugs:
            raise ValueError(f"settings of a site {slug!r} that is not in the archive")

    book = doc.get("tariffs") or {}
    for t in book.get("default", []):
        _tariff(t)
    for slug, items in (book.get("sites") or {}).items():
        known(slug)
        for t in items:
            _tariff(t)
    for slug, overrides in (doc.get("thresholds") or {}).items():
        known(slug)
        check_overrides(dict(overrides))
    for slug, src in (doc.get("weather_sources") or {}).items():
        known(slug)
        station = src.get("station")
        if station is not None and not STATION.match(str(station)):
            raise ValueError(f"weather source of {slug}: not a station name: {station!r}")


def observation_of(doc: Mapping[str, Any]) -> tuple[str, Observation]:
    """A line of ``weather.jsonl``: the station and its observation."""
    station = str(doc["station"])
    if not STATION.match(station):
        raise ValueError(f"not a station name: {station!r}")
    return station, Observation(datetime.fromisoformat(doc["ts"]), float(doc["temperature"]))


def restore_settings(
    engine: Engine, tenant_id: int, site_ids: Mapping[str, int], doc: Mapping[str, Any]
) -> None:
    tariffs, thresholds, weather = TariffBook(engine), ThresholdBook(engine), WeatherBook(engine)
    book = doc.get("tariffs") or {}
    tariffs.replace(tenant_id, None, [_tariff(t) for t in book.get("default", [])])
    for slug, items in (book.get("sites") or {}).items():
        tariffs.replace(tenant_id, site_ids[slug], [_tariff(t) for t in items])
    for slug, overrides in (doc.get("thresholds") or {}).items():
        current = thresholds.overrides(site_ids[slug])
        thresholds.update(site_ids[slug], {**{k: None for k in current}, **overrides})
    for slug, src in (doc.get("weather_sources") or {}).items():
        weather.set_source(
            site_ids[slug], WeatherSource(station=src.get("station"), dev_eui=src.get("dev_eui"))
        )


def weather_lines(engine: Engine, tenant_id: int) -> Iterator[dict[str, Any]]:
    """Every observation the tenant imported, by station and time."""
    t = weather_observations
    query = select(t.c.station, t.c.ts, t.c.temperature).where(t.c.tenant_id == tenant_id)
    with database_errors("export"), engine.connect() as conn:
        result = conn.execution_options(yield_per=_BATCH).execute(query.order_by(t.c.station, t.c.ts))
        for r in result:
            yield {"station": r.station, "ts": r.ts.isoformat(), "temperature": r.temperature}


def restore_weather(engine: Engine, tenant_id: int, batch: Sequence[Mapping[str, Any]]) -> None:
    by_station: dict[str, list[Observation]] = {}
    for r in batch:
        station, observation = observation_of(r)
        by_station.setdefault(station, []).append(observation)
    book = WeatherBook(engine)
    for station, rows in by_station.items():
        book.import_observations(tenant_id, station, rows)
