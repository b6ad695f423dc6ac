"""The commands of ops staff after provisioning: tenants, sites and devices listed, changed,
decommissioned and removed, keys listed, the quarantine listed and devices ignored. Each change
goes through ``registry.changes`` (checked, audited with ``cli`` as its actor) like the API's."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from kernel.fields import LABEL_MAX, NAME_MAX, NOTE_MAX, SHORT_MAX, TEXT_MAX, check_text
from releve.commands import _open_registry, settings_from

ACTOR = "cli"


def _text(field: str, max_length: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        try:
            return check_text(value, field, max_length)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return check


def _positive(value: str) -> float:
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not number > 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {value!r}")
    return number


def _table(rows: list[tuple[object, ...]]) -> None:
    for row in rows:
        print("  ".join("-" if v is None else str(v) for v in row))


def _fail(message: object) -> int:
    """A user's mistake (no such site, a refused change): its message, exit code 2."""
    print(f"releve: {message}", file=sys.stderr)
    return 2


# -- tenants -------------------------------------------------------------------------------------
def cmd_tenants_list(args: argparse.Namespace) -> int:
    registry = _open_registry(args)
    try:
        _table([(t.slug, t.name, "(network owner)" if t.is_owner else "") for t in registry.list_tenants()])
    finally:
        registry.close()
    return 0


def cmd_tenants_create(args: argparse.Namespace) -> int:
    from registry.changes import create_tenant
    from registry.errors import Conflict

    registry = _open_registry(args)
    try:
        owner = registry.owner_tenant()
        tenant = create_tenant(registry, args.slug, args.name, actor=ACTOR, actor_tenant=owner.id)
    except Conflict as exc:
        return _fail(exc)
    finally:
        registry.close()
    print(f"created tenant {tenant.slug} ({tenant.name})")
    return 0


def cmd_tenants_rename(args: argparse.Namespace) -> int:
    from registry.changes import rename_tenant

    registry = _open_registry(args)
    try:
        tenant = next((t for t in registry.list_tenants() if t.slug == args.slug), None)
        if tenant is None:
            return _fail(f"no tenant {args.slug!r} (see `releve tenants list`)")
        rename_tenant(registry, tenant.id, args.name, actor=ACTOR)
    finally:
        registry.close()
    print(f"tenant {args.slug}: renamed {args.name}")
    return 0


# -- sites ---------------------------------------------------------------------------------------
def cmd_sites_list(args: argparse.Namespace) -> int:
    registry = _open_registry(args)
    try:
        tenants = {t.id: t.slug for t in registry.list_tenants()}
        counts: dict[int | None, int] = {}
        for d in registry.list_devices(limit=10_000_000):
            counts[d.site_id] = counts.get(d.site_id, 0) + 1
        _table([(s.id, tenants.get(s.tenant_id), counts.get(s.id, 0), s.name) for s in registry.list_sites()])
    finally:
        registry.close()
    return 0


SITE_OPTIONS = {
    "name": "name",
    "address": "address",
    "latitude": "latitude",
    "longitude": "longitude",
    "floor_area": "floor_area_m2",
    "use": "use",
}


def cmd_sites_edit(args: argparse.Namespace) -> int:
    from registry.changes import update_site
    from registry.errors import Conflict, Invalid, NotFound

    values: dict[str, Any] = {
        column: getattr(args, option)
        for option, column in SITE_OPTIONS.items()
        if getattr(args, option) is not None
    }
    if args.open_data is not None:
        values["open_data"] = args.open_data == "yes"
    registry = _open_registry(args)
    try:
        if args.tenant is not None:
            tenant = next((t for t in registry.list_tenants() if t.slug == args.tenant), None)
            if tenant is None:
                return _fail(f"no tenant {args.tenant!r} (see `releve tenants list`)")
            values["tenant_id"] = tenant.id
        site = update_site(registry, args.site_id, values, actor=ACTOR)
    except (NotFound, Conflict, Invalid) as exc:
        return _fail(exc)
    finally:
        registry.close()
    print(f"site {site.id}: {site.name}")
    return 0


def cmd_sites_remove(args: argparse.Namespace) -> int:
    from registry.changes import delete_site
    from registry.errors import Conflict, NotFound

    registry = _open_registry(args)
    try:
        site = delete_site(registry, args.site_id, actor=ACTOR)
    except (NotFound, Conflict) as exc:
        return _fail(exc)
    finally:
        registry.close()
    print(f"removed site {site.id} ({site.name})")
    return 0


# -- devices -------------------------------------------------------------------------------------
DEVICE_OPTIONS = {
    "name": "name",
    "model": "model",
    "metering_point": "metering_point",
    "register_max": "register_max",
    "expected_interval": "expected_interval_s",
    "purpose": "purpose",
    "operated_by": "operated_by",
}


def cmd_devices_edit(args: argparse.Namespace) -> int:
    from registry.changes import update_device
    from registry.errors import Invalid, NotFound

    values: dict[str, Any] = {
        column: getattr(args, option)
        for option, column in DEVICE_OPTIONS.items()
        if getattr(args, option) is not None
    }
    if args.expected_interval is not None:
        values["expected_interval_s"] = int(args.expected_interval)
    if args.no_pulse:
        values.update(pulse_quantity=None, pulse_weight=None)
    else:
        if args.pulse_quantity is not None:
            values["pulse_quantity"] = args.pulse_quantity
        if args.pulse_weight is not None:
            values["pulse_weight"] = args.pulse_weight
    registry = _open_registry(args)
    try:
        device = registry.get_device(args.dev_eui.lower())
        if args.site is not None:
            site = next((s for s in registry.list_sites(device.tenant_id) if s.name == args.site), None)
            if site is None:
                return _fail(f"no site named {args.site!r} in the device's tenant (see `releve sites list`)")
            values["site_id"] = site.id
        device = update_device(registry, device.dev_eui, values, actor=ACTOR)
    except (NotFound, Invalid) as exc:
        return _fail(exc)
    finally:
        registry.close()
    print(f"{device.dev_eui}: {device.name} ({device.model}), {device.status}")
    return 0


def _set_status(args: argparse.Namespace, status: str) -> int:
    from registry.changes import update_device
    from registry.errors import NotFound

    registry = _open_registry(args)
    try:
        device = update_device(registry, args.dev_eui.lower(), {"status": status}, actor=ACTOR)
    except NotFound as exc:
        return _fail(exc)
    finally:
        registry.close()
    print(f"{device.dev_eui}: {device.status}")
    return 0


def cmd_devices_decommission(args: argparse.Namespace) -> int:
    return _set_status(args, "decommissioned")


def cmd_devices_reactivate(args: argparse.Namespace) -> int:
    return _set_status(args, "active")


def cmd_devices_remove(args: argparse.Namespace) -> int:
    from domain.portability.erasure import delete_device
    from registry.errors import NotFound
    from releve.services import close_state, open_state

    if not args.with_data:
        print(
            "removing a device erases everything it measured: give --with-data to confirm, "
            "or decommission it to keep its history",
            file=sys.stderr,
        )
        return 2
    state = open_state(settings_from(args))
    try:
        device = state.registry.get_device(args.dev_eui.lower())
        entry = delete_device(state.registry, state.store, device, actor=ACTOR, note=args.note)
    except NotFound as exc:
        return _fail(exc)
    finally:
        close_state(state)
    counts = ", ".join(f"{v} {k}" for k, v in entry.counts.items())
    print(f"removed {device.dev_eui} with its data: {counts}")
    return 0


# -- the quarantine and the keys -----------------------------------------------------------------
def cmd_quarantine_list(args: argparse.Namespace) -> int:
    from ingest.archive import Archive

    registry = _open_registry(args)
    try:
        entries = Archive(registry.engine).quarantine(limit=10_000, ignored=args.ignored)
    finally:
        registry.close()
    _table(
        [
            (
                e.dev_eui,
                e.uplinks,
                "ports " + ",".join(map(str, e.ports)),
                f"fcnt {e.last_f_cnt}",
                f"{e.first_seen:%Y-%m-%d %H:%M}..{e.last_seen:%Y-%m-%d %H:%M}",
                e.device_profile,
                e.device_name,
            )
            for e in entries
        ]
    )
    return 0


def cmd_quarantine_ignore(args: argparse.Namespace) -> int:
    from registry.changes import ignore_device, unignore_device
    from registry.errors import Conflict

    registry = _open_registry(args)
    try:
        owner = registry.owner_tenant().id
        if args.undo:
            if not unignore_device(registry, args.dev_eui.lower(), actor=ACTOR, tenant_id=owner):
                return _fail(f"{args.dev_eui} is not ignored")
        else:
            ignore_device(registry, args.dev_eui.lower(), actor=ACTOR, tenant_id=owner, note=args.note)
    except Conflict as exc:
        return _fail(exc)
    finally:
        registry.close()
    print(f"{args.dev_eui}: {'no longer ignored' if args.undo else 'ignored'}")
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    registry = _open_registry(args)
    try:
        tenants = {t.id: t.slug for t in registry.list_tenants()}
        _table([(k.prefix, k.role.value, tenants.get(k.tenant_id), k.name) for k in registry.list_keys()])
    finally:
        registry.close()
    return 0


def add_parsers(sub: Any, devices: Any, keys: Any) -> None:
    """The commands above, on the ``releve`` parser, its ``devices`` and its ``keys``."""
    tenants = sub.add_parser("tenants", help="tenants (their slugs name them in export and --tenant)")
    tsub = tenants.add_subparsers(dest="tenants_cmd", required=True)
    tsub.add_parser("list", help="list tenants: slug, name").set_defaults(func=cmd_tenants_list)
    p = tsub.add_parser("create", help="create a tenant")
    p.add_argument("slug", type=_text("slug", SHORT_MAX))
    p.add_argument("name", type=_text("name", NAME_MAX))
    p.set_defaults(func=cmd_tenants_create)
    p = tsub.add_parser("rename", help="rename a tenant (its slug stays)")
    p.add_argument("slug")
    p.add_argument("name", type=_text("name", NAME_MAX))
    p.set_defaults(func=cmd_tenants_rename)

    sites = sub.add_parser("sites", help="sites (buildings)").add_subparsers(dest="sites_cmd", required=True)
    sites.add_parser("list", help="list sites: id, tenant, devices, name").set_defaults(func=cmd_sites_list)
    p = sites.add_parser("edit", help="change a site's fields")
    p.add_argument("site_id", type=int)
    p.add_argument("--name", type=_text("name", NAME_MAX))
    p.add_argument("--address", type=_text("address", TEXT_MAX))
    p.add_argument("--latitude", type=float)
    p.add_argument("--longitude", type=float)
    p.add_argument("--floor-area", type=_positive, help="m²")
    p.add_argument("--use", type=_text("use", SHORT_MAX))
    p.add_argument("--open-data", choices=["yes", "no"])
    p.add_argument("--tenant", help="move the site (its devices, tariffs, alerts) to this tenant slug")
    p.set_defaults(func=cmd_sites_edit)
    p = sites.add_parser("remove", help="remove a site no device refers to")
    p.add_argument("site_id", type=int)
    p.set_defaults(func=cmd_sites_remove)

    p = devices.add_parser("edit", help="change a device's fields (its site by name)")
    p.add_argument("dev_eui")
    p.add_argument("--name", type=_text("name", NAME_MAX))
    p.add_argument("--site", type=_text("site", NAME_MAX), help="a site of the device's tenant, by name")
    p.add_argument("--model")
    p.add_argument("--metering-point", type=_text("metering_point", LABEL_MAX))
    p.add_argument("--pulse-quantity", help="e.g. water_volume (with --pulse-weight)")
    p.add_argument("--pulse-weight", type=_positive, help="canonical unit per pulse, e.g. 0.001 m³")
    p.add_argument("--no-pulse", action="store_true", help="record pulses as pulses")
    p.add_argument("--register-max", type=_positive)
    p.add_argument("--expected-interval", type=_positive, help="seconds between uplinks")
    p.add_argument("--purpose", type=_text("purpose", TEXT_MAX))
    p.add_argument("--operated-by", type=_text("operated_by", NAME_MAX))
    p.set_defaults(func=cmd_devices_edit)
    p = devices.add_parser("decommission", help="take a device out of service, keeping its history")
    p.add_argument("dev_eui")
    p.set_defaults(func=cmd_devices_decommission)
    p = devices.add_parser("reactivate", help="put a decommissioned device back in service")
    p.add_argument("dev_eui")
    p.set_defaults(func=cmd_devices_reactivate)
    p = devices.add_parser("remove", help="remove a device and erase everything it measured (audited)")
    p.add_argument("dev_eui")
    p.add_argument("--with-data", action="store_true", help="confirm: its readings and uplinks are erased")
    p.add_argument("--note", default="", type=_text("note", NOTE_MAX), help="why")
    p.set_defaults(func=cmd_devices_remove)
    p = devices.add_parser("quarantine", help="devices heard but not provisioned")
    p.add_argument("--ignored", action="store_true", help="those ignored instead")
    p.set_defaults(func=cmd_quarantine_list)
    p = devices.add_parser("ignore", help="ignore a device heard (a neighbour's): kept, not decoded")
    p.add_argument("dev_eui")
    p.add_argument("--undo", action="store_true", help="stop ignoring it")
    p.add_argument("--note", default="", type=_text("note", NOTE_MAX))
    p.set_defaults(func=cmd_quarantine_ignore)

    keys.add_parser("list", help="list active keys: prefix, role, tenant, name").set_defaults(
        func=cmd_keys_list
    )
