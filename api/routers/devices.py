"""Devices: provisioning (one, or a CSV), changes (edit, decommission, remove with its data), their
readings, consumption and raw uplinks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from sqlalchemy import select

from api.deps import AdminKey, IdQuery, KeyDep, OperatorKey, StateDep, tenant_scope, visible_device
from api.problems import Problem
from api.schemas import (
    DeviceCreate,
    DevicePublic,
    DeviceUpdate,
    ImportReport,
    MeterReplacementCreate,
    MeterReplacementPublic,
    Page,
    Printable,
    ReadingPublic,
    RowChangePublic,
    RowErrorPublic,
    UplinkPublic,
    csv_body,
)
from domain.consumption.analytics import ConsumptionSeries, consumption, pick_quantity, time_range, unit_of
from domain.consumption.bounds import MAX_RAW_RANGE
from domain.portability.erasure import delete_device
from ingest.archive import ArchivedUplink
from ingest.lorawan_crypto import KeyWrapper
from ingest.pipeline import Ingestor
from ingest.reprocess import recompute_deltas
from kernel.fields import NOTE_MAX
from registry import Device, schema
from registry.changes import rotate_app_skey, update_device
from registry.devices_csv import (
    CsvReport,
    RowProblem,
    decode_csv,
    devices_to_csv,
    parse_devices_csv,
    validate_row,
)
from registry.provisioning import ImportResult, import_devices
from store import Window

router = APIRouter(prefix="/api/v1/devices", tags=["devices"])

MAX_CSV_BYTES = 5 * 1024 * 1024
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Limit = Annotated[int, Query(ge=1, le=1000)]


def _public(state: StateDep, device: Device) -> DevicePublic:
    with state.archive.engine.connect() as conn:
        link = conn.execute(
            select(schema.device_link).where(schema.device_link.c.dev_eui == device.dev_eui)
        ).first()
    return DevicePublic(
        dev_eui=device.dev_eui,
        name=device.name,
        model=device.model,
        site_id=device.site_id,
        metering_point=device.metering_point,
        pulse_quantity=device.pulse_quantity,
        pulse_weight=device.pulse_weight,
        register_max=device.register_max,
        expected_interval_s=device.expected_interval_s,
        tags=device.tags,
        status=device.status,
        purpose=device.purpose,
        operated_by=device.operated_by,
        installed_at=device.installed_at,
        last_seen=link.last_seen if link else None,
        battery_level=link.battery_level if link else None,
        battery_voltage=link.battery_voltage if link else None,
        rssi=link.last_rssi if link else None,
        snr=link.last_snr if link else None,
        frames=link.frames if link else None,
        frames_lost=link.lost if link else None,
    )


@router.get("", summary="List devices")
def list_devices(
    state: StateDep, key: KeyDep, site_id: IdQuery = None, offset: Offset = 0, limit: Limit = 100
) -> Page[DevicePublic]:
    scope = tenant_scope(key)
    devices = state.registry.list_devices(scope, site_id=site_id, offset=offset, limit=limit)
    total = state.registry.count_devices(scope) if site_id is None else None
    return Page(items=[_public(state, d) for d in devices], offset=offset, limit=limit, total=total)


@router.post("", status_code=201, summary="Provision one device")
def create_device(state: StateDep, key: OperatorKey, body: DeviceCreate) -> DevicePublic:
    cells = {k: "" if v is None else _cell(v) for k, v in body.model_dump(exclude={"app_skey"}).items()}
    try:
        row = validate_row(1, cells, {})  # the same rules as a CSV import
    except RowProblem as exc:
        raise Problem(422, "Invalid device", str(exc), code=exc.code, params=exc.params) from None
    report = CsvReport(rows=[row], errors=[])
    master = state.settings.master_key
    wrapper = KeyWrapper.from_setting(master.get_secret_value() if master else None)
    if body.app_skey and wrapper is None:
        raise Problem(
            422, "No master key", "set RELEVE_MASTER_KEY to store AppSKeys (they are kept encrypted)"
        )
    result = import_devices(
        state.registry, state.archive, key.tenant_id, report, dry_run=False, actor=key.prefix, update=False
    )
    if not result.ok:
        error = result.errors[0]
        raise Problem(409, "Conflict", error.reason, code=error.code, params=error.params)
    if body.app_skey and wrapper is not None:
        secret = bytes.fromhex(body.app_skey.get_secret_value())
        state.registry.set_app_skey(row.dev_eui, wrapper.wrap(secret, row.dev_eui))
    return _public(state, state.registry.get_device(row.dev_eui))


@router.patch("/{dev_eui}", summary="Change a device: fields, site, decommission or put back, AppSKey")
def change_device(state: StateDep, key: OperatorKey, dev_eui: str, body: DeviceUpdate) -> DevicePublic:
    device = visible_device(state, key, dev_eui.lower())
    values = body.model_dump(exclude_unset=True, exclude={"app_skey"})
    for required in ("name", "model", "status"):
        if required in values and values[required] is None:
            raise Problem(422, "Invalid change", f"{required} cannot be cleared")
    if values.get("tags", {}) is None:
        values["tags"] = {}
    if body.app_skey is not None:
        master = state.settings.master_key
        wrapper = KeyWrapper.from_setting(master.get_secret_value() if master else None)
        if wrapper is None:
            raise Problem(
                422, "No master key", "set RELEVE_MASTER_KEY to store AppSKeys (they are kept encrypted)"
            )
        secret = bytes.fromhex(body.app_skey.get_secret_value())
        rotate_app_skey(state.registry, device, wrapper.wrap(secret, device.dev_eui), actor=key.prefix)
    return _public(state, update_device(state.registry, device.dev_eui, values, actor=key.prefix))


@router.delete(
    "/{dev_eui}",
    status_code=204,
    summary="Remove a device with everything it measured (admin; audited). To keep its history, "
    "decommission it instead (PATCH status)",
)
def remove_device(
    state: StateDep,
    key: AdminKey,
    dev_eui: str,
    note: Annotated[str, Query(max_length=NOTE_MAX, description="why"), Printable] = "",
) -> Response:
    device = visible_device(state, key, dev_eui.lower())
    delete_device(state.registry, state.store, device, actor=key.prefix, note=note)
    return Response(status_code=204)


def _cell(value: object) -> str:
    if isinstance(value, dict):
        return ";".join(f"{k}={v}" for k, v in value.items())
    return str(value)


@router.post(
    "/import",
    summary="Import devices from CSV (dry_run=true validates only)",
    openapi_extra=csv_body(
        "The devices' spreadsheet as CSV (comma, semicolon or tab separated; UTF-8 or Windows-1252): "
        "a header row with dev_eui,name,model,site and optionally metering_point,pulse_quantity,"
        "pulse_weight,register_max,expected_interval_s,tags,purpose,operated_by,installed_at"
    ),
)
async def import_csv(
    request: Request, state: StateDep, key: OperatorKey, dry_run: bool = True
) -> ImportReport:
    body = await request.body()
    if len(body) > MAX_CSV_BYTES:
        raise Problem(413, "Too large", f"a CSV import is at most {MAX_CSV_BYTES // 1024 // 1024} MB")
    text, encoding = decode_csv(body)  # as the command does: the file's bytes, read here only
    result = await run_in_threadpool(
        import_devices,
        state.registry,
        state.archive,
        key.tenant_id,
        parse_devices_csv(text),
        dry_run=dry_run,
        actor=key.prefix,
    )
    return import_report(result, encoding)


def import_report(result: ImportResult, encoding: str) -> ImportReport:
    return ImportReport(
        dry_run=result.dry_run,
        imported=result.imported,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        new_sites=result.new_sites,
        rows=[
            RowChangePublic(
                line=r.line,
                dev_eui=r.dev_eui,
                action=r.action,
                changes={k: [_json(before), _json(after)] for k, (before, after) in r.changes.items()},
                new_site=r.new_site,
            )
            for r in result.rows
        ],
        errors=[
            RowErrorPublic(line=e.line, reason=e.reason, code=e.code, params=e.params) for e in result.errors
        ],
        encoding=encoding,
        released_uplinks=result.released_uplinks,
    )


def _json(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


@router.get(
    "/export",
    response_class=PlainTextResponse,
    summary="Export devices as CSV",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def export_csv(state: StateDep, key: KeyDep) -> PlainTextResponse:
    scope = tenant_scope(key)
    sites = {s.id: s.name for s in state.registry.list_sites(scope)}
    rows = [
        {
            "dev_eui": d.dev_eui,
            "name": d.name,
            "model": d.model,
            "site": sites.get(d.site_id or -1, ""),
            "metering_point": d.metering_point,
            "pulse_quantity": d.pulse_quantity,
            "pulse_weight": d.pulse_weight,
            "register_max": d.register_max,
            "expected_interval_s": d.expected_interval_s,
            "tags": d.tags,
            "purpose": d.purpose,
            "operated_by": d.operated_by,
            "installed_at": d.installed_at,
        }
        for d in state.registry.list_devices(scope, limit=1_000_000)
    ]
    return PlainTextResponse(devices_to_csv(rows), media_type="text/csv")


@router.get("/{dev_eui}", summary="One device with its link health")
def get_device(state: StateDep, key: KeyDep, dev_eui: str) -> DevicePublic:
    return _public(state, visible_device(state, key, dev_eui.lower()))


@router.get("/{dev_eui}/readings", summary="Readings of a device in a time range")
def device_readings(
    state: StateDep,
    key: KeyDep,
    dev_eui: str,
    start: datetime | None = None,
    end: datetime | None = None,
    quantity: str | None = None,
    offset: Offset = 0,
    limit: Limit = 1000,
) -> Page[ReadingPublic]:
    device = visible_device(state, key, dev_eui.lower())
    start, end = time_range(Window.DAY, start, end, max_span=MAX_RAW_RANGE)
    readings = state.store.query(device.dev_eui, start, end, [quantity] if quantity else None)
    page = readings[offset : offset + limit]
    return Page(
        items=[
            ReadingPublic(
                ts=r.ts,
                quantity=r.quantity,
                value=r.value,
                unit=r.unit,
                kind=r.kind,
                channel=r.channel,
                delta=r.delta,
                f_cnt=r.f_cnt,
                uplink_id=r.uplink_id,
            )
            for r in page
        ],
        offset=offset,
        limit=limit,
        total=len(readings),
    )


@router.get("/{dev_eui}/consumption", summary="Consumption of a device per hour/day/week/month/year")
def device_consumption(
    state: StateDep,
    key: KeyDep,
    dev_eui: str,
    quantity: str | None = None,
    window: Window = Window.DAY,
    start: datetime | None = None,
    end: datetime | None = None,
) -> ConsumptionSeries:
    device = visible_device(state, key, dev_eui.lower())
    start, end = time_range(window, start, end)
    quantity = pick_quantity(state.store, [device], quantity, f"device {device.dev_eui}")
    return consumption(state.store, [device], quantity, window, start, end, state.settings.timezone)


@router.post(
    "/{dev_eui}/meter-replacements",
    status_code=201,
    summary="Record a meter replacement; consumption across it is recomputed",
)
def add_meter_replacement(
    state: StateDep, key: OperatorKey, dev_eui: str, body: MeterReplacementCreate
) -> MeterReplacementPublic:
    device = visible_device(state, key, dev_eui.lower())
    unit_of(body.quantity)  # a known quantity
    state.registry.add_replacement(
        device.dev_eui,
        body.quantity,
        body.at,
        body.old_final_index,
        body.new_initial_index,
        channel=body.channel,
        note=body.note,
    )
    # The replacement may be recorded days later: the deltas after it are recomputed now.
    recompute_deltas(
        Ingestor(state.registry, state.archive, state.store), device, body.at - timedelta(days=1)
    )
    return MeterReplacementPublic(dev_eui=device.dev_eui, **body.model_dump())


@router.get("/{dev_eui}/uplinks", summary="Raw uplinks of a device from the archive (lineage)")
def device_uplinks(
    state: StateDep, key: KeyDep, dev_eui: str, offset: Offset = 0, limit: Limit = 100
) -> Page[UplinkPublic]:
    device = visible_device(state, key, dev_eui.lower())
    rows = state.archive.select(dev_eui=device.dev_eui, offset=offset, limit=limit)
    return Page(items=[uplink_public(*row) for row in rows], offset=offset, limit=limit)


def uplink_public(
    item: ArchivedUplink, state_name: str, error: str | None, decoder: str | None
) -> UplinkPublic:
    up = item.uplink
    return UplinkPublic(
        id=item.id,
        dev_eui=up.dev_eui,
        f_port=up.f_port,
        f_cnt=up.f_cnt,
        payload_hex=up.payload.hex(),
        received_at=up.received_at,
        lns=up.lns.value,
        state=state_name,
        error=error,
        decoder=decoder,
    )
