"""Wiring processes together: the bridge worker, the demo fleet, the whole system for ``run``."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

from api.app import create_app
from api.deps import AppState
from domain.climate.weather import WeatherBook, WeatherSource
from domain.costs.tariffs import Period, Tariff, TariffBook
from gateway_bridge.mqtt import MqttConsumer
from kernel.settings import Settings
from registry import Device, Registry, Role
from registry.changes import rename_tenant
from registry.registry import DEFAULT_OWNER_NAME
from releve.bridge import start_bridge
from releve.services import close_state, open_state
from simulator.fleet import Fleet
from simulator.player import now_utc, play, resume_point, save_resume_point

log = logging.getLogger(__name__)


def run_alerts(settings: Settings, state: AppState, stop: threading.Event) -> None:
    """Evaluate the alert rules every ``alerts_interval_s``; notify the webhook of new alerts.

    The same loop applies the raw-readings retention of the embedded store.
    """
    from datetime import UTC, datetime

    from domain.alerts import Webhook, evaluate
    from registry.errors import DatabaseUnavailable
    from store.errors import StoreError

    book = state.alerts
    webhook = Webhook(settings.alert_webhook_url) if settings.alert_webhook_url else None
    last_prune = 0.0
    # Give the bridge a minute to drain what queued while it was down: evaluated earlier, every
    # device would look silent.
    stop.wait(min(60.0, settings.alerts_interval_s))
    while not stop.is_set():
        now = datetime.now(UTC)
        try:
            if time.monotonic() - last_prune > 6 * 3600:  # raw retention, a few times a day
                pruned = state.store.prune(now)
                last_prune = time.monotonic()
                if pruned:
                    log.info("pruned %d raw readings older than %d days", pruned, settings.raw_retention_days)
            findings = evaluate(state.registry, state.archive.engine, state.store, now, settings.timezone)
            opened = book.sync(findings, now)
            if webhook and opened:
                webhook.send([book.get(alert_id) for alert_id in opened])
        except (StoreError, DatabaseUnavailable) as exc:
            log.warning("alert evaluation skipped: %s", exc)
        stop.wait(settings.alerts_interval_s)


def provision_fleet(registry: Registry, fleet: Fleet) -> int:
    """Register the demo fleet's sites and devices in the owner tenant (idempotent); a new site
    is published as open data when the fleet says so."""
    tenant = registry.owner_tenant()
    if fleet.town and tenant.name == DEFAULT_OWNER_NAME:  # a town that renamed itself keeps its name
        tenant = rename_tenant(registry, tenant.id, fleet.town, actor="releve run")
    known = {site.slug for site in registry.list_sites(tenant.id)}
    new: list[Device] = []
    for site_spec, device in fleet.devices():
        # The open-data flag is the fleet's only for a new site: a town that changed it keeps it.
        published = {} if site_spec.slug in known else {"open_data": site_spec.open_data}
        site = registry.ensure_site(
            tenant.id,
            site_spec.slug,
            site_spec.name,
            use=site_spec.use,
            latitude=site_spec.latitude,
            longitude=site_spec.longitude,
            floor_area_m2=site_spec.floor_area_m2,
            **published,
        )
        known.add(site.slug)
        if registry.find_device(device.dev_eui) is None:
            new.append(
                Device(
                    dev_eui=device.dev_eui,
                    tenant_id=tenant.id,
                    name=device.name,
                    model=device.model,
                    site_id=site.id,
                    metering_point=device.meter if device.quantity else None,
                    pulse_quantity=device.quantity if device.pulse_weight else None,
                    pulse_weight=device.pulse_weight,
                    register_max=device.register_max,
                    expected_interval_s=device.interval_s,
                )
            )
    registry.add_devices(new)
    outdoor = next((d.dev_eui for _, d in fleet.devices() if d.meter == "outdoor"), None)
    if outdoor is not None:
        # every site's heating is normalized against the fleet's outdoor sensor, unless set otherwise
        weather = WeatherBook(registry.engine)
        for site in registry.list_sites(tenant.id):
            if weather.source(site.id) == WeatherSource():
                weather.set_source(site.id, WeatherSource(dev_eui=outdoor))
    return len(new)


# Demo prices (2026, EUR incl. taxes): water with sanitation about the French average; electricity
# with off-peak hours 22:00-06:00. Set a town's own with PUT /api/v1/tariffs.
DEMO_TARIFFS = (
    Tariff(quantity="water_volume", price_per_unit=4.52),
    Tariff(
        quantity="energy_import",
        price_per_unit=0.2516,
        periods=(
            Period("HC", 0.2068, hours=((22, 6),)),
            Period("HP", 0.2700, hours=((6, 22),)),
        ),
    ),
)


def provision_demo_tariffs(registry: Registry) -> None:
    """Give the demo town prices, so that its consumption shows in euros (once; kept if changed)."""
    book = TariffBook(registry.engine)
    tenant = registry.owner_tenant()
    if not book.read(tenant.id, None):
        book.replace(tenant.id, None, DEMO_TARIFFS)


def admin_token(registry: Registry, data_dir: Path) -> str:
    """The demo's admin key: created once, kept in the data directory (mode 600)."""
    path = data_dir / "admin-key.txt"
    if path.exists():
        token = path.read_text().strip()
        if registry.authenticate(token) is not None:
            return token
    _, token = registry.create_key(registry.owner_tenant().id, Role.ADMIN, "created by releve run")
    path.write_text(token + "\n")
    path.chmod(0o600)
    return token


def simulate_live(
    fleet: Fleet,
    settings: Settings,
    stop: threading.Event,
    subscribed: Sequence[threading.Event] = (),
    backfill_days: int = 7,
) -> None:
    """The demo's simulator: catch up on the last days quickly, then report in real time.

    It publishes once every bridge is ``subscribed``: a broker keeps messages only for the
    subscriptions it has, and on a first start there is none before the bridge's (the backfill,
    published before it, would be lost: no data for the demo until the devices report again)."""
    from gateway_bridge.mqtt import MqttPublisher

    target = settings.mqtt
    assert target is not None
    for event in subscribed:
        while not event.wait(1.0):
            if stop.is_set():
                return
    publisher = MqttPublisher(target, client_id="releve-simulator", protocol=settings.mqtt_protocol)
    publisher.connect()
    state_file = settings.data_dir / "simulator.json"
    try:
        start = resume_point(state_file, max(fleet.start, now_utc() - timedelta(days=backfill_days)))
        while not stop.is_set():
            end = now_utc()
            summary = play(fleet, publisher, start, end, stop=stop)
            if summary.envelopes:
                log.info("simulator: %s", summary)
            save_resume_point(state_file, end)
            start = end
            stop.wait(5.0)
    finally:
        publisher.close()


def run_all(settings: Settings, fleet: Fleet | None, announce: Callable[[str], None]) -> None:
    """Everything on one machine: broker (embedded unless configured), bridge, simulator, API."""
    import uvicorn

    from releve.broker import start_embedded_broker

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    broker = None
    if settings.mqtt is None:
        broker = start_embedded_broker(settings.data_dir, settings.embedded_broker)
        settings = settings.replace(mqtt_url=broker.url, mqtt_protocol=broker.protocol)
    state = open_state(settings)
    stop = threading.Event()
    threads: list[threading.Thread] = []
    consumers: list[MqttConsumer] = []
    try:
        if fleet is not None:
            provision_fleet(state.registry, fleet)
            provision_demo_tariffs(state.registry)
        token = admin_token(state.registry, settings.data_dir)
        consumers, bridge_threads = start_bridge(settings, state, stop)
        threads.extend(bridge_threads)
        alerts = threading.Thread(target=run_alerts, args=(settings, state, stop), name="alerts", daemon=True)
        alerts.start()
        threads.append(alerts)
        if fleet is not None:
            sim = threading.Thread(
                target=simulate_live,
                args=(fleet, settings, stop, [c.connected for c in consumers]),
                name="simulator",
                daemon=True,
            )
            sim.start()
            threads.append(sim)
        url = f"http://{settings.api_host}:{settings.api_port}/"
        print(f"releve is running: dashboard and API on {url}")
        print(f"log in with this admin key: {token}")
        print("Ctrl-C stops it; data stays in", settings.data_dir.resolve())
        app = create_app(settings, state)
        server = uvicorn.Server(
            uvicorn.Config(app, host=settings.api_host, port=settings.api_port, log_level="warning")
        )
        server.run()
    finally:
        stop.set()
        for consumer in consumers:
            consumer.stop()
        for thread in threads:
            thread.join(timeout=15)
        close_state(state)
        if broker is not None:
            broker.stop()
