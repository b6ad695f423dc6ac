"""The benchmark's uplinks: a generated town of water, electricity and comfort devices.

A fleet of ``devices`` devices (a quarter each: Netvox R718H water pulse counters, Milesight
EM300-DI electricity pulse counters, Elsys ERS CO2 and Milesight AM107 comfort sensors),
played by the simulator as ChirpStack v4 JSON ``up`` events. Large workloads are cached in a
file (one ``topic<TAB>body`` per line) so that repeated runs publish the same bytes.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from simulator.fleet import DeviceSpec, Fleet, SiteSpec
from simulator.player import reports

# (model, meter, pulse weight): the model mix of a town's first deployment.
MIX = (
    ("netvox/r718h", "water", 0.001),
    ("milesight-iot/em300-di", "electricity", 0.001),
    ("elsys/ers-co2", "comfort", None),
    ("milesight-iot/am107", "comfort", None),
)
INTERVAL_S = 900
APPLICATION_ID = "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01"

Item = tuple[str, bytes]


def town(devices: int, start: datetime) -> Fleet:
    """``devices`` devices on ``devices // 4`` sites, the four models of MIX on each site."""
    sites = []
    for s in range((devices + len(MIX) - 1) // len(MIX)):
        specs = []
        for m, (model, meter, weight) in enumerate(MIX):
            n = s * len(MIX) + m
            if n >= devices:
                break
            specs.append(
                DeviceSpec(
                    dev_eui=f"70b3d5ff{n:08x}",
                    name=f"bench {model} {n}",
                    model=model,
                    meter=meter,  # type: ignore[arg-type]
                    base=0.0002 if meter == "water" else 0.4 if meter == "electricity" else 0.0,
                    peak=0.012 if meter == "water" else 2.0 if meter == "electricity" else 0.0,
                    interval_s=INTERVAL_S,
                    pulse_weight=weight,
                    register_max=65536 if model == "netvox/r718h" else None,
                )
            )
        sites.append(SiteSpec(slug=f"site-{s}", name=f"Site {s}", use="office", devices=specs))
    return Fleet(
        seed=9,
        start=start,
        timezone="Europe/Paris",
        application_id=APPLICATION_ID,
        gateways=[
            {"id": "7276ff002e0601f1", "latitude": 45.76, "longitude": 4.83},  # type: ignore[list-item]
            {"id": "7276ff002e0601f2", "latitude": 45.77, "longitude": 4.84},  # type: ignore[list-item]
        ],
        sites=sites,
    )


def recent_start(count: int, devices: int) -> datetime:
    """A start such that ``count`` uplinks end about now (inside any raw retention)."""
    span = timedelta(seconds=INTERVAL_S * (count // devices + 2))
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return now - span


def uplinks(fleet: Fleet, count: int) -> list[Item]:
    """The first ``count`` uplinks of the fleet from its start, in time order."""
    end = fleet.start + timedelta(seconds=INTERVAL_S * (count // max(1, len(fleet.devices())) + 2))
    return [(r.topic, r.body) for r in itertools.islice(reports(fleet, fleet.start, end), count)]


def cached(path: Path, fleet: Fleet, count: int) -> list[Item]:
    """``uplinks(fleet, count)``, read from ``path`` if it was written for the same fleet and count."""
    tag = f"# {len(fleet.devices())} {count} {fleet.start.isoformat()}\n".encode()
    if path.exists():
        with path.open("rb") as fh:
            if fh.readline() == tag:
                return [(t.decode(), b) for t, _, b in (ln.rstrip(b"\n").partition(b"\t") for ln in fh)]
    items = uplinks(fleet, count)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write(tag)
        fh.writelines(t.encode() + b"\t" + b + b"\n" for t, b in items)
    return items
