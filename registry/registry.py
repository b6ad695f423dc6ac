"""The registry: tenants, sites, devices and API keys, over SQLAlchemy Core (SQLite or PostgreSQL)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, select, tuple_, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from kernel.sqlite_wal import enable_wal
from kernel.types import Replacement
from registry import schema, store_edits
from registry.errors import Conflict, NotFound
from registry.models import ApiKey, Device, Role, Site, Tenant

_KEY_PREFIX = "rlv"


def _hash_secret(secret: str) -> str:
    # Keys are 256-bit random: a plain SHA-256 is not brute-forceable, unlike a password.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_registry_engine(url: str) -> Engine:
    """An engine for ``sqlite:///path`` or ``postgresql://`` (psycopg 3) URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            enable_wal(cur)
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def _now() -> datetime:
    return datetime.now(UTC)


# The network owner's name until the town names itself (``releve tenants rename``, the demo's fleet).
DEFAULT_OWNER_NAME = "Town"


class Registry:
    """Tenants, sites, devices and keys. Thread-safe: every call takes its own connection."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def close(self) -> None:
        self.engine.dispose()

    # -- tenants -------------------------------------------------------------------------------
    def ensure_tenant(self, slug: str, name: str | None = None, *, is_owner: bool = False) -> Tenant:
        with self.engine.begin() as conn:
            row = conn.execute(select(schema.tenants).where(schema.tenants.c.slug == slug)).first()
            if row is None:
                conn.execute(
                    insert(schema.tenants).values(
                        slug=slug, name=name or slug, is_owner=is_owner, created_at=_now()
                    )
                )
                row = conn.execute(select(schema.tenants).where(schema.tenants.c.slug == slug)).one()
        return Tenant(row.id, row.slug, row.name, bool(row.is_owner))

    def list_tenants(self) -> list[Tenant]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.tenants).order_by(schema.tenants.c.id)).all()
        return [Tenant(r.id, r.slug, r.name, bool(r.is_owner)) for r in rows]

    def owner_tenant(self) -> Tenant:
        """The network owner; created as ``town`` on first use."""
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.tenants).where(schema.tenants.c.is_owner.is_(True))).first()
        if row is not None:
            return Tenant(row.id, row.slug, row.name, True)
        return self.ensure_tenant("town", DEFAULT_OWNER_NAME, is_owner=True)

    # -- sites ---------------------------------------------------------------------------------
    def ensure_site(self, tenant_id: int, slug: str, name: str | None = None, **attrs: Any) -> Site:
        with self.engine.begin() as conn:
            row = conn.execute(
                select(schema.sites).where(schema.sites.c.tenant_id == tenant_id, schema.sites.c.slug == slug)
            ).first()
            if row is None:
                conn.execute(
                    insert(schema.sites).values(
                        tenant_id=tenant_id, slug=slug, name=name or slug, created_at=_now(), **attrs
                    )
                )
            elif attrs or name:
                values = dict(attrs)
                if name:
                    values["name"] = name
                conn.execute(update(schema.sites).where(schema.sites.c.id == row.id).values(**values))
            row = conn.execute(
                select(schema.sites).where(schema.sites.c.tenant_id == tenant_id, schema.sites.c.slug == slug)
            ).one()
        return _site(row)

    def list_sites(self, tenant_id: int | None = None) -> list[Site]:
        query = select(schema.sites).order_by(schema.sites.c.id)
        if tenant_id is not None:
            query = query.where(schema.sites.c.tenant_id == tenant_id)
        with self.engine.connect() as conn:
            return [_site(r) for r in conn.execute(query)]

    def get_site(self, site_id: int) -> Site:
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.sites).where(schema.sites.c.id == site_id)).first()
        if row is None:
            raise NotFound(f"site {site_id} not found")
        return _site(row)

    # -- devices -------------------------------------------------------------------------------
    def add_devices(self, devices: Sequence[Device], conn: Connection | None = None) -> None:
        """Insert devices atomically: all or none; an existing DevEUI is a Conflict. ``conn``: in
        the caller's transaction."""
        rows = [_device_values(d) for d in devices]
        if not rows:
            return
        try:
            if conn is not None:
                conn.execute(insert(schema.devices), rows)
                return
            with self.engine.begin() as own:
                own.execute(insert(schema.devices), rows)
        except IntegrityError as exc:
            raise Conflict("a device with one of these DevEUIs already exists") from exc

    def get_device(self, dev_eui: str) -> Device:
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.devices).where(schema.devices.c.dev_eui == dev_eui)).first()
        if row is None:
            raise NotFound(f"device {dev_eui} not found")
        return _device(row)

    def find_device(self, dev_eui: str) -> Device | None:
        try:
            return self.get_device(dev_eui)
        except NotFound:
            return None

    def find_devices(self, dev_euis: Collection[str]) -> dict[str, Device]:
        """The provisioned devices among ``dev_euis``, in one query per 500 (the bridge's batches)."""
        found: dict[str, Device] = {}
        euis = sorted(set(dev_euis))
        with self.engine.connect() as conn:
            for i in range(0, len(euis), 500):
                query = select(schema.devices).where(schema.devices.c.dev_eui.in_(euis[i : i + 500]))
                found.update((r.dev_eui, _device(r)) for r in conn.execute(query))
        return found

    def replacements_of(
        self, dev_euis: Collection[str]
    ) -> dict[str, dict[tuple[str, str], tuple[Replacement, ...]]]:
        """``replacements`` of several devices in one query per 500 (devices without any: {})."""
        t = schema.meter_replacements
        euis = sorted(set(dev_euis))
        found: dict[str, dict[tuple[str, str], list[Replacement]]] = {eui: {} for eui in euis}
        with self.engine.connect() as conn:
            for i in range(0, len(euis), 500):
                query = select(t).where(t.c.dev_eui.in_(euis[i : i + 500])).order_by(t.c.at)
                for r in conn.execute(query):
                    at = r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC)
                    found[r.dev_eui].setdefault((r.quantity, r.channel), []).append(
                        Replacement(at=at, old_final=r.old_final_index, new_initial=r.new_initial_index)
                    )
        return {eui: {key: tuple(v) for key, v in per.items()} for eui, per in found.items()}

    def metering_point_peers(self, devices: Collection[Device]) -> dict[str, list[str]]:
        """For each device on a metering point, the other devices on the same point of its site
        (a radio device replaced on a meter): one query per 500 metering points."""
        # (site, point) pairs, not point names: a town names its points alike on every site
        # ("eau froide"), and each name matched the whole fleet's meters (bench.pipeline, 10,000
        # new devices in batches of 37: a tenth of the time).
        points = sorted(
            {(d.site_id, d.metering_point) for d in devices if d.metering_point and d.site_id is not None}
        )
        if not points:
            return {}
        on_point: dict[tuple[int, str], list[str]] = {}
        t = schema.devices
        with self.engine.connect() as conn:
            for i in range(0, len(points), 500):
                query = select(t.c.dev_eui, t.c.site_id, t.c.metering_point).where(
                    tuple_(t.c.site_id, t.c.metering_point).in_(points[i : i + 500])
                )
                for r in conn.execute(query):
                    on_point.setdefault((r.site_id, r.metering_point), []).append(r.dev_eui)
        return {
            d.dev_eui: sorted(e for e in on_point.get((d.site_id, d.metering_point), []) if e != d.dev_eui)
            for d in devices
            if d.metering_point and d.site_id is not None
        }

    def list_devices(
        self, tenant_id: int | None = None, *, site_id: int | None = None, offset: int = 0, limit: int = 1000
    ) -> list[Device]:
        query = select(schema.devices).order_by(schema.devices.c.dev_eui).offset(offset).limit(limit)
        if tenant_id is not None:
            query = query.where(schema.devices.c.tenant_id == tenant_id)
        if site_id is not None:
            query = query.where(schema.devices.c.site_id == site_id)
        with self.engine.connect() as conn:
            return [_device(r) for r in conn.execute(query)]

    def count_devices(self, tenant_id: int | None = None) -> int:
        query = select(func.count()).select_from(schema.devices)
        if tenant_id is not None:
            query = query.where(schema.devices.c.tenant_id == tenant_id)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def add_replacement(
        self,
        dev_eui: str,
        quantity: str,
        at: datetime,
        old_final_index: float,
        new_initial_index: float,
        *,
        channel: str = "",
        note: str = "",
    ) -> None:
        """Record a meter replacement on a device (indexes in the stored unit, e.g. m3)."""
        self.get_device(dev_eui)
        with self.engine.begin() as conn:
            conn.execute(
                insert(schema.meter_replacements).values(
                    dev_eui=dev_eui,
                    quantity=quantity,
                    channel=channel,
                    at=at,
                    old_final_index=old_final_index,
                    new_initial_index=new_initial_index,
                    note=note,
                    created_at=_now(),
                )
            )

    def replacements(self, dev_eui: str) -> dict[tuple[str, str], tuple[Replacement, ...]]:
        """The device's meter replacements per (quantity, channel), in time order."""
        t = schema.meter_replacements
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.dev_eui == dev_eui).order_by(t.c.at)).all()
        found: dict[tuple[str, str], list[Replacement]] = {}
        for r in rows:
            at = r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC)
            found.setdefault((r.quantity, r.channel), []).append(
                Replacement(at=at, old_final=r.old_final_index, new_initial=r.new_initial_index)
            )
        return {key: tuple(value) for key, value in found.items()}

    def set_model(self, dev_eui: str, model: str) -> None:
        """Change a device's model (then ``releve reprocess`` re-decodes its archived frames)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(schema.devices).where(schema.devices.c.dev_eui == dev_eui).values(model=model)
            )
        if result.rowcount == 0:
            raise NotFound(f"device {dev_eui} not found")
        store_edits.devices_changed(self.engine)  # running bridges look it up again

    def set_app_skey(self, dev_eui: str, wrapped: bytes | None) -> None:
        """Store a device's AppSKey, already wrapped (see ingest.lorawan_crypto.KeyWrapper)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(schema.devices)
                .where(schema.devices.c.dev_eui == dev_eui)
                .values(app_skey_wrapped=wrapped)
            )
        if result.rowcount == 0:
            raise NotFound(f"device {dev_eui} not found")
        store_edits.devices_changed(self.engine)

    # -- API keys ------------------------------------------------------------------------------
    def create_key(self, tenant_id: int, role: Role, name: str = "") -> tuple[ApiKey, str]:
        """Create a key; returns it and the token, which is shown once and never stored."""
        prefix = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            tenant = conn.execute(select(schema.tenants).where(schema.tenants.c.id == tenant_id)).first()
            if tenant is None:
                raise NotFound(f"tenant {tenant_id} not found")
            result = conn.execute(
                insert(schema.api_keys).values(
                    prefix=prefix,
                    secret_hash=_hash_secret(secret),
                    tenant_id=tenant_id,
                    role=role.value,
                    name=name,
                    created_at=_now(),
                )
            )
            key_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        key = ApiKey(key_id, prefix, tenant_id, role, name, bool(tenant.is_owner))
        return key, f"{_KEY_PREFIX}_{prefix}_{secret}"

    def authenticate(self, token: str) -> ApiKey | None:
        """The key of ``token``, or None if it is malformed, unknown or revoked."""
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != _KEY_PREFIX:
            return None
        _, prefix, secret = parts
        with self.engine.connect() as conn:
            row = conn.execute(
                select(schema.api_keys, schema.tenants.c.is_owner)
                .join(schema.tenants, schema.tenants.c.id == schema.api_keys.c.tenant_id)
                .where(schema.api_keys.c.prefix == prefix)
            ).first()
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.secret_hash, _hash_secret(secret)):
            return None
        return ApiKey(row.id, row.prefix, row.tenant_id, Role(row.role), row.name, bool(row.is_owner))

    def revoke_key(self, prefix: str) -> None:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(schema.api_keys)
                .where(schema.api_keys.c.prefix == prefix, schema.api_keys.c.revoked_at.is_(None))
                .values(revoked_at=_now())
            )
        if result.rowcount == 0:
            raise NotFound(f"no active key with prefix {prefix}")

    def list_keys(self, tenant_id: int | None = None) -> list[ApiKey]:
        query = (
            select(schema.api_keys, schema.tenants.c.is_owner)
            .join(schema.tenants, schema.tenants.c.id == schema.api_keys.c.tenant_id)
            .where(schema.api_keys.c.revoked_at.is_(None))
            .order_by(schema.api_keys.c.id)
        )
        if tenant_id is not None:
            query = query.where(schema.api_keys.c.tenant_id == tenant_id)
        with self.engine.connect() as conn:
            return [
                ApiKey(r.id, r.prefix, r.tenant_id, Role(r.role), r.name, bool(r.is_owner))
                for r in conn.execute(query)
            ]


def _site(row: Any) -> Site:
    return Site(
        id=row.id,
        tenant_id=row.tenant_id,
        slug=row.slug,
        name=row.name,
        address=row.address,
        latitude=row.latitude,
        longitude=row.longitude,
        floor_area_m2=row.floor_area_m2,
        use=row.use,
        open_data=bool(row.open_data),
    )


def _device(row: Any) -> Device:
    return Device(
        dev_eui=row.dev_eui,
        tenant_id=row.tenant_id,
        name=row.name,
        model=row.model,
        site_id=row.site_id,
        metering_point=row.metering_point,
        pulse_quantity=row.pulse_quantity,
        pulse_weight=row.pulse_weight,
        register_max=row.register_max,
        expected_interval_s=row.expected_interval_s,
        tags=dict(row.tags or {}),
        status=row.status,
        app_skey_wrapped=bytes(row.app_skey_wrapped) if row.app_skey_wrapped is not None else None,
        purpose=row.purpose,
        operated_by=row.operated_by,
        installed_at=row.installed_at,
    )


def _device_values(device: Device) -> dict[str, Any]:
    return {
        "dev_eui": device.dev_eui,
        "tenant_id": device.tenant_id,
        "site_id": device.site_id,
        "name": device.name,
        "model": device.model,
        "metering_point": device.metering_point,
        "pulse_quantity": device.pulse_quantity,
        "pulse_weight": device.pulse_weight,
        "register_max": device.register_max,
        "expected_interval_s": device.expected_interval_s,
        "tags": device.tags,
        "status": device.status,
        "app_skey_wrapped": device.app_skey_wrapped,
        "purpose": device.purpose,
        "operated_by": device.operated_by,
        "installed_at": device.installed_at,
        "created_at": _now(),
    }


def migrate(conn: Connection) -> None:
    """Bring the schema to the current version (creating it on a new database)."""
    from registry.migrations import apply

    apply(conn)


def open_registry(url: str) -> Registry:
    """Open (and create or migrate) the registry database at ``url``."""
    engine = create_registry_engine(url)
    try:
        for attempt in range(_MIGRATION_ATTEMPTS):
            try:
                with engine.begin() as conn:
                    migrate(conn)
                break
            except DBAPIError:
                # Another process (a second bridge worker, the API) migrated the same database at
                # the same moment and won: its steps are committed, so the next attempt sees them.
                if attempt == _MIGRATION_ATTEMPTS - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
    except Exception:
        engine.dispose()
        raise
    return Registry(engine)


_MIGRATION_ATTEMPTS = 5


__all__ = ["Registry", "create_registry_engine", "open_registry"]
