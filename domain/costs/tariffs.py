"""Tariffs: what a site (or its tenant, by default) pays per unit of each quantity.

A tariff has a price per canonical unit (EUR per m3, per kWh), a fixed part per month, the date
from which it applies (a tariff change is a new tariff with a later ``valid_from``) and optional
time-of-use periods. A period is priced either from a meter register that counts it (a Linky's
``HCHC``/``HCHP`` indexes, read by the TIC decoders as channels) or from local clock hours when
the meter has a single register. The table is ``registry.schema.tariffs``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from registry.errors import database_errors
from registry.schema import tariffs


@dataclass(frozen=True, slots=True)
class Period:
    """A time-of-use period: counted by a meter register (``channel``) or by local clock ``hours``."""

    name: str
    price_per_unit: float
    channel: str | None = None
    # [start_h, end_h) in local clock hours; start > end wraps past midnight (22 -> 6).
    hours: tuple[tuple[int, int], ...] | None = None


@dataclass(frozen=True, slots=True)
class Tariff:
    quantity: str
    price_per_unit: float
    fixed_per_month: float = 0.0
    valid_from: date | None = None
    periods: tuple[Period, ...] = ()
    currency: str = "EUR"


def _period_json(p: Period) -> dict[str, Any]:
    return {
        "name": p.name,
        "price_per_unit": p.price_per_unit,
        "channel": p.channel,
        "hours": None if p.hours is None else [list(h) for h in p.hours],
    }


def _period(raw: dict[str, Any]) -> Period:
    hours = raw.get("hours")
    return Period(
        name=str(raw["name"]),
        price_per_unit=float(raw["price_per_unit"]),
        channel=raw.get("channel"),
        hours=None if hours is None else tuple((int(a), int(b)) for a, b in hours),
    )


class TariffBook:
    """Read and replace the tariffs of a site or of a tenant (its defaults)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def read(self, tenant_id: int, site_id: int | None) -> list[Tariff]:
        """The tariffs set on a site (``site_id``) or the tenant's defaults (None), in order."""
        t = tariffs
        where = t.c.site_id.is_(None) if site_id is None else t.c.site_id == site_id
        query = select(t).where(t.c.tenant_id == tenant_id, where).order_by(t.c.quantity, t.c.id)
        with database_errors("tariffs read"), self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            Tariff(
                quantity=r.quantity,
                price_per_unit=r.price_per_unit,
                fixed_per_month=r.fixed_per_month,
                valid_from=r.valid_from,
                periods=tuple(_period(p) for p in r.periods or []),
                currency=r.currency,
            )
            for r in rows
        ]

    def replace(self, tenant_id: int, site_id: int | None, new: Sequence[Tariff]) -> None:
        """Replace the whole list at once (one transaction): what is not given is removed."""
        t = tariffs
        where = t.c.site_id.is_(None) if site_id is None else t.c.site_id == site_id
        now = datetime.now(UTC)
        with database_errors("tariffs update"), self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.tenant_id == tenant_id, where))
            if new:
                conn.execute(
                    insert(t),
                    [
                        {
                            "tenant_id": tenant_id,
                            "site_id": site_id,
                            "quantity": x.quantity,
                            "currency": x.currency,
                            "price_per_unit": x.price_per_unit,
                            "fixed_per_month": x.fixed_per_month,
                            "valid_from": x.valid_from,
                            "periods": [_period_json(p) for p in x.periods],
                            "created_at": now,
                        }
                        for x in new
                    ],
                )

    def effective(self, tenant_id: int, site_id: int, quantity: str) -> list[Tariff]:
        """The site's own tariffs for ``quantity``, else the tenant's defaults for it."""
        own = [x for x in self.read(tenant_id, site_id) if x.quantity == quantity]
        if own:
            return own
        return [x for x in self.read(tenant_id, None) if x.quantity == quantity]


__all__ = ["Period", "Tariff", "TariffBook"]
