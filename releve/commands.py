"""The commands that provision and administer data: devices, keys, reprocess, a tenant's export
and import, a device's erasure, Grafana's files; and what every command shares (its settings,
its times)."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kernel.settings import Settings, load_settings
from releve.progress import progress

if TYPE_CHECKING:
    from registry import Registry, Tenant


def settings_from(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request at INFO: one line per InfluxDB write drowned the bridge's log.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    # gmqtt logs each connection made and closed, each SUBSCRIBE and SUBACK at INFO; the consumer
    # logs the changes of state itself (connected, lost, cannot connect).
    logging.getLogger("gmqtt").setLevel(max(logging.WARNING, logging.getLogger().level))
    return settings


def parse_time(value: str) -> datetime:
    """A time as ISO 8601 (``2026-11-28``, ``2026-11-28T06:00+01:00``) or as a town writes it
    (``28/11/2026``, ``28/11/2026 06:00``); UTC when no offset is given. An argparse type: a
    value that is neither is a clear error (exit code 2), never a traceback."""
    text = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for form in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
            try:
                parsed = datetime.strptime(text, form)
                break
            except ValueError:
                continue
        if parsed is None:
            raise argparse.ArgumentTypeError(
                f"not a date: {value!r} (give 2026-11-28, 28/11/2026 or 28/11/2026 06:00)"
            ) from None
    assert parsed is not None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _open_registry(args: argparse.Namespace) -> Registry:
    from releve.services import open_registry_of

    return open_registry_of(settings_from(args))


def cmd_devices_import(args: argparse.Namespace) -> int:
    from ingest.archive import Archive
    from registry.devices_csv import decode_csv, parse_devices_csv
    from registry.provisioning import import_devices

    text, encoding = decode_csv(args.file.read_bytes())  # as the API does with the page's upload
    registry = _open_registry(args)
    try:
        tenant = _tenant(registry, args.tenant)
        if tenant is None:
            print(f"releve: no tenant {args.tenant!r} (see `releve tenants list`)", file=sys.stderr)
            return 2
        result = import_devices(
            registry, Archive(registry.engine), tenant.id, parse_devices_csv(text), dry_run=args.dry_run
        )
    finally:
        registry.close()
    for error in result.errors:
        print(f"{args.file}:{error.line}: {error.reason}", file=sys.stderr)
    if not result.ok:
        print(f"nothing imported: {len(result.errors)} bad row(s)", file=sys.stderr)
        return 1
    for row in result.rows:
        if row.action != "unchanged":
            print(f"{args.file}:{row.line}: {row.dev_eui} {_would(row.action, result.dry_run)}")
            for name, (before, after) in row.changes.items():
                print(f"    {name}: {_cell(before)} -> {_cell(after)}")
    verb = "would be" if result.dry_run else "were"
    print(
        f"{result.created} device(s) {verb} created, {result.updated} updated, {result.unchanged} unchanged "
        f"in tenant {tenant.slug} (file read as {encoding})"
    )
    for site in result.new_sites:
        print(f"new site: {site}")
    return 0


def _would(action: str, dry_run: bool) -> str:
    return f"would be {action}" if dry_run else action


def _cell(value: object) -> str:
    if value is None or value == {}:
        return "(empty)"
    if isinstance(value, dict):
        return ";".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _tenant(registry: Registry, slug: str | None) -> Tenant | None:
    """The tenant of this slug (None: there is none), or the network owner's."""
    if not slug:
        return registry.owner_tenant()
    return next((t for t in registry.list_tenants() if t.slug == slug), None)


def cmd_devices_list(args: argparse.Namespace) -> int:
    registry = _open_registry(args)
    try:
        sites = {s.id: s.name for s in registry.list_sites()}
        for d in registry.list_devices(limit=1_000_000):
            status = "" if d.status == "active" else f"  ({d.status})"
            print(f"{d.dev_eui}  {d.model:32} {sites.get(d.site_id or -1, '-'):24} {d.name}{status}")
    finally:
        registry.close()
    return 0


def cmd_devices_set_model(args: argparse.Namespace) -> int:
    from decoders import MODELS
    from registry.errors import NotFound

    if args.model not in MODELS:
        print(f"unknown model {args.model!r} (see `releve decoders`)", file=sys.stderr)
        return 2
    registry = _open_registry(args)
    try:
        registry.set_model(args.dev_eui.lower(), args.model)
    except NotFound as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        registry.close()
    print(f"{args.dev_eui}: model {args.model}; run `releve reprocess --device {args.dev_eui} --since ...`")
    return 0


def cmd_reprocess(args: argparse.Namespace) -> int:
    from ingest.pipeline import Ingestor
    from ingest.reprocess import DeviceReport, reprocess
    from releve.processing import key_wrapper, time_bounds
    from releve.services import close_state, open_state

    if not (args.device or args.model):
        print("give --device EUI or --model ID", file=sys.stderr)
        return 2
    settings = settings_from(args)
    state = open_state(settings)
    try:
        devices = [
            d
            for d in state.registry.list_devices(limit=10_000_000)
            if (args.device and d.dev_eui == args.device.lower()) or (args.model and d.model == args.model)
        ]
        if not devices:
            print("no such device or model in the registry", file=sys.stderr)
            return 1
        keys, times = key_wrapper(settings), time_bounds(settings)
        ingestor = Ingestor(state.registry, state.archive, state.store, keys=keys, times=times)
        with progress("reprocess", "device", len(devices)) as update:
            done: list[DeviceReport] = []

            def step(report: DeviceReport) -> None:
                done.append(report)
                update(len(done), None)

            reports = reprocess(ingestor, devices, args.since, dry_run=args.dry_run, progress=step)
    finally:
        close_state(state)
    verb = "would change" if args.dry_run else "changed"
    for r in reports:
        print(
            f"{r.dev_eui} ({r.model}): {r.uplinks} uplinks; {verb}: {r.changed} readings, "
            f"{r.added} added, {r.removed} removed; {r.now_decoded} now decoded, {r.now_failing} now failing"
        )
        for example in r.examples:
            print(f"    {example}")
    return 0


def cmd_keys_create(args: argparse.Namespace) -> int:
    from registry import Role

    registry = _open_registry(args)
    try:
        tenant = _tenant(registry, args.tenant)
        if tenant is None:
            print(f"releve: no tenant {args.tenant!r} (see `releve tenants list`)", file=sys.stderr)
            return 2
        key, token = registry.create_key(tenant.id, Role(args.role), args.name)
    finally:
        registry.close()
    print(token)
    print(f"key {key.prefix}: role {key.role.value}, tenant {tenant.slug}; shown once", file=sys.stderr)
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    from registry.errors import NotFound

    registry = _open_registry(args)
    try:
        registry.revoke_key(args.prefix)
    except NotFound as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        registry.close()
    print(f"revoked {args.prefix}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from domain.portability.export import export_tenant
    from registry.errors import NotFound
    from releve.services import close_state, open_state

    state = open_state(settings_from(args))
    partial = args.out.with_name(args.out.name + ".partial")
    try:
        with partial.open("wb") as out, progress("export", "device") as update:
            manifest = export_tenant(state.registry, state.store, args.tenant, out, update)
        partial.replace(args.out)
    except NotFound as exc:
        print(f"releve: {exc} (see `releve tenants list`)", file=sys.stderr)
        return 2
    finally:
        partial.unlink(missing_ok=True)
        close_state(state)
    counts = ", ".join(f"{v} {k}" for k, v in manifest["counts"].items())
    print(f"exported tenant {args.tenant} to {args.out}: {counts}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from domain.portability.export import ArchiveError
    from domain.portability.restore import import_archive
    from releve.services import close_state, open_state

    state = open_state(settings_from(args))
    try:
        with progress("import", "file") as update:
            report = import_archive(state.registry, state.store, args.file, update)
    except ArchiveError as exc:
        print(f"nothing imported: {exc}", file=sys.stderr)
        return 1
    finally:
        close_state(state)
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.as_dict().items())
    print(f"imported tenant {report.tenant}: {counts} ({report.new_uplinks} uplinks were new)")
    return 0


def cmd_devices_erase_data(args: argparse.Namespace) -> int:
    from domain.portability.erasure import erase_device_data
    from registry.errors import NotFound
    from releve.services import close_state, open_state

    state = open_state(settings_from(args))
    try:
        device = state.registry.get_device(args.dev_eui.lower())
        entry = erase_device_data(state.registry.engine, state.store, device, actor="cli", note=args.note)
    except NotFound as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        close_state(state)
    counts = ", ".join(f"{v} {k}" for k, v in entry.counts.items())
    print(f"erased the data of {entry.target}: {counts} (audit entry {entry.id})")
    return 0


def cmd_grafana(args: argparse.Namespace) -> int:
    from releve.grafana_setup import NotInflux, write
    from store.errors import BadStoreUrl

    settings = settings_from(args)
    try:
        written = write(settings, args.out, args.influx_url)
    except (NotInflux, BadStoreUrl) as exc:
        print(exc, file=sys.stderr)
        return 1
    for path in written.paths:
        print(path)
    if written.named is None:
        print(
            f"no registry at {settings.effective_registry_url}: meters are shown by DevEUI "
            "(RELEVE_REGISTRY_URL or RELEVE_DATA_DIR names them)",
            file=sys.stderr,
        )
    else:
        print(f"{written.named} meter(s) named; run again after adding or renaming meters", file=sys.stderr)
    return 0
