"""Alert thresholds and comfort targets: defaults, per-site overrides, and their valid ranges.

A site stores only what it overrides; the effective thresholds are the defaults with those
overrides applied. Every value is checked against a range, so a typo cannot silence an alert.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from registry.errors import database_errors
from registry.schema import site_thresholds


@dataclass(frozen=True, slots=True)
class Thresholds:
    """What the alert rules and the comfort page compare against; tunable per site."""

    leak_min_flow_m3h: float = 0.008  # 8 litres an hour, every hour of the night
    leak_nights: int = 3
    night_start_hour: int = 1
    night_end_hour: int = 5
    silent_factor: float = 3.0  # silent after this many expected intervals
    default_interval_s: int = 3600
    battery_pct: float = 15.0
    battery_v: float = 3.0
    loss_pct: float = 20.0
    min_frames_for_loss: int = 20
    alarm_window_h: float = 24.0  # a device alarm stays open this long after the last one
    # abnormal consumption: a day above factor x the median of the same weekday of the last weeks
    abnormal_factor: float = 2.0
    abnormal_weeks: int = 4
    # public lighting: energy drawn in an hour of full daylight (sunrise + margin .. sunset - margin)
    lighting_margin_min: float = 30.0
    lighting_min_kwh_per_hour: float = 0.05
    lighting_min_hours: int = 2
    # comfort targets
    temperature_min: float = 18.0
    temperature_max: float = 26.0
    co2_max: float = 1000.0
    humidity_min: float = 30.0
    humidity_max: float = 70.0
    # comfort counts while the building is in use: these local hours, on the first N days of the
    # week (5: Monday to Friday, 6: to Saturday, 7: every day)
    occupied_start_hour: int = 8
    occupied_end_hour: int = 18
    occupied_days: int = 5

    @property
    def alarm_window(self) -> timedelta:
        return timedelta(hours=self.alarm_window_h)


# (lowest, highest) accepted value of each threshold.
RANGES: dict[str, tuple[float, float]] = {
    "leak_min_flow_m3h": (0.0005, 10.0),
    "leak_nights": (1, 14),
    "night_start_hour": (0, 23),
    "night_end_hour": (1, 24),
    "silent_factor": (1.0, 100.0),
    "default_interval_s": (60, 7 * 86400),
    "battery_pct": (0.0, 100.0),
    "battery_v": (0.0, 5.0),
    "loss_pct": (0.0, 100.0),
    "min_frames_for_loss": (1, 100_000),
    "alarm_window_h": (1.0, 24.0 * 30),
    "abnormal_factor": (1.1, 100.0),
    "abnormal_weeks": (2, 12),
    "lighting_margin_min": (0.0, 180.0),
    "lighting_min_kwh_per_hour": (0.001, 1000.0),
    "lighting_min_hours": (1, 12),
    "temperature_min": (5.0, 30.0),
    "temperature_max": (10.0, 40.0),
    "co2_max": (400.0, 5000.0),
    "humidity_min": (0.0, 100.0),
    "humidity_max": (0.0, 100.0),
    "occupied_start_hour": (0, 23),
    "occupied_end_hour": (1, 24),
    "occupied_days": (1, 7),
}
_INTEGERS = {f.name for f in fields(Thresholds) if f.type in ("int", int)}
# (lower, upper): the first must stay strictly below the second.
_ORDERED = (
    ("night_start_hour", "night_end_hour"),
    ("temperature_min", "temperature_max"),
    ("humidity_min", "humidity_max"),
    ("occupied_start_hour", "occupied_end_hour"),
)


class ThresholdError(ValueError):
    """An override that is unknown, out of range or inconsistent with the others."""


def check_overrides(overrides: dict[str, Any], base: Thresholds | None = None) -> dict[str, float | int]:
    """Validated overrides (names known, values in range, ordered pairs kept ordered)."""
    clean: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in RANGES:
            raise ThresholdError(f"unknown threshold {name!r}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ThresholdError(f"{name}: a number is required")
        lo, hi = RANGES[name]
        if not lo <= value <= hi:
            raise ThresholdError(f"{name}: {value:g} is outside {lo:g}..{hi:g}")
        if name in _INTEGERS:
            if value != int(value):
                raise ThresholdError(f"{name}: a whole number is required")
            clean[name] = int(value)
        else:
            clean[name] = float(value)
    merged = replace(base or Thresholds(), **clean)
    for low, high in _ORDERED:
        if getattr(merged, low) >= getattr(merged, high):
            raise ThresholdError(
                f"{low} ({getattr(merged, low):g}) must be below {high} ({getattr(merged, high):g})"
            )
    return clean


def effective(overrides: dict[str, Any], base: Thresholds | None = None) -> Thresholds:
    """The defaults with a site's overrides (stored ones are trusted: they were checked on the way in)."""
    known = {k: v for k, v in overrides.items() if k in RANGES}
    return replace(base or Thresholds(), **known)


def as_dict(th: Thresholds) -> dict[str, float | int]:
    return dict(asdict(th))


class ThresholdBook:
    """Per-site overrides in the registry database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def overrides(self, site_id: int) -> dict[str, float | int]:
        t = site_thresholds
        with database_errors("thresholds read"), self.engine.connect() as conn:
            row = conn.execute(select(t.c.overrides).where(t.c.site_id == site_id)).first()
        return dict(row.overrides) if row is not None else {}

    def all_overrides(self) -> dict[int, dict[str, float | int]]:
        t = site_thresholds
        with database_errors("thresholds read"), self.engine.connect() as conn:
            return {r.site_id: dict(r.overrides) for r in conn.execute(select(t))}

    def update(self, site_id: int, changes: dict[str, Any]) -> dict[str, float | int]:
        """Apply partial changes (a None value drops that override); returns the site's overrides."""
        current = self.overrides(site_id)
        for name, value in changes.items():
            if value is None:
                current.pop(name, None)
            else:
                current[name] = value
        clean = check_overrides(current)
        t = site_thresholds
        with database_errors("thresholds update"), self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.site_id == site_id))
            conn.execute(insert(t).values(site_id=site_id, overrides=clean, updated_at=datetime.now(UTC)))
        return clean
