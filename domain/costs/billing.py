"""Consumption in euros and against a reference: reads the store, prices with ``domain.costs.pricing``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from domain.consumption.analytics import ConsumptionPoint, ConsumptionSeries, consumption, metered_buckets
from domain.costs.pricing import Slice, price, total_cost
from domain.costs.tariffs import Tariff
from registry import Device
from store import StoreReader, Window


class CostPoint(ConsumptionPoint):
    cost: float | None = Field(
        description="EUR: consumption at its period's price plus the fixed part's share of the window; "
        "null when some of the window's consumption has no tariff"
    )
    periods: dict[str, float] = Field(
        description="consumption per time-of-use period ('base' outside every period)"
    )


class CostSeries(ConsumptionSeries):
    points: list[CostPoint]  # type: ignore[assignment]
    total_cost: float = Field(description="EUR, the sum of the points' costs")
    currency: Literal["EUR"] = "EUR"
    unpriced: float = Field(
        default=0.0, description="consumption that fell on days without a tariff (not in total_cost)"
    )


def hourly_slices(
    store: StoreReader,
    devices: Sequence[Device],
    quantity: str,
    start: datetime,
    end: datetime,
    tz: str,
) -> list[Slice]:
    """Hourly consumption per device register: the grain at which tariffs are applied."""
    euis = [d.dev_eui for d in devices]
    registers = metered_buckets(store, euis, quantity, Window.HOUR, start, end, tz)
    return [
        Slice(b.start, channel, b.consumption)
        for (_, channel), found in registers.items()
        for b in found
        if b.consumption is not None
    ]


def cost_series(
    store: StoreReader,
    tariffs: Sequence[Tariff],
    devices: Sequence[Device],
    quantity: str,
    window: Window,
    start: datetime,
    end: datetime,
    tz: str,
) -> CostSeries:
    """The consumption series of ``devices`` with each window's cost under ``tariffs``."""
    series = consumption(store, devices, quantity, window, start, end, tz)
    slices = hourly_slices(store, devices, quantity, start, end, tz)
    costs = price(tariffs, slices, [(p.start, p.end) for p in series.points], tz)
    points = [
        CostPoint(**p.model_dump(), cost=c.cost, periods=c.periods)
        for p, c in zip(series.points, costs, strict=True)
    ]
    return CostSeries(
        **series.model_dump(exclude={"points"}),
        points=points,
        total_cost=total_cost(costs),
        unpriced=round(sum(c.unpriced for c in costs), 9),
    )


def shift_years(at: datetime, years: int, tz: str) -> datetime:
    """The same local wall-clock time ``years`` later (29 February becomes the 28th)."""
    local = at.astimezone(ZoneInfo(tz))
    try:
        return local.replace(year=local.year + years)
    except ValueError:
        return local.replace(year=local.year + years, day=28)


def measured(series: ConsumptionSeries) -> bool:
    """Whether any window of the series had a measurable consumption."""
    return any(p.consumption is not None for p in series.points)


def change(current: ConsumptionSeries, reference: ConsumptionSeries) -> tuple[float | None, float | None]:
    """current - reference, and that as a percentage of the reference (None when not measurable)."""
    if not measured(current) or not measured(reference):
        return None, None
    diff = round(current.total - reference.total, 9)
    pct = None if reference.total == 0 else round(diff / reference.total * 100, 6)
    return diff, pct


def known_cost(series: CostSeries) -> float | None:
    """The series' cost when every window has one (a tariff covered all of it), else None."""
    if all(p.cost is not None for p in series.points):
        return series.total_cost
    return None


def plain(series: ConsumptionSeries) -> ConsumptionSeries:
    """Just the consumption fields of a (cost) series."""
    return ConsumptionSeries(
        quantity=series.quantity,
        unit=series.unit,
        window=series.window,
        timezone=series.timezone,
        points=[
            ConsumptionPoint(start=p.start, end=p.end, consumption=p.consumption, readings=p.readings)
            for p in series.points
        ],
        total=series.total,
    )
