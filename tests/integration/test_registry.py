"""The registry and raw archive on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from ingest.archive import Archive, Mark
from ingest.linkstats import LinkUpdate, apply_status
from kernel.types import Lns, Reception, Uplink
from registry import Device, Registry, Role, bulk, open_registry, schema
from registry.errors import Conflict, NotFound

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Registry]:
    if request.param == "sqlite":
        reg = open_registry(f"sqlite:///{tmp_path / 'registry.db'}")
    else:
        url = request.getfixturevalue("postgres_url")
        reg = open_registry(url)
        with reg.engine.begin() as conn:
            for table in (
                "device_alarms",
                "device_link",
                "dead_letters",
                "uplinks",
                "uplink_edges",
                "api_keys",
                "devices",
                "sites",
            ):
                conn.execute(text(f"DELETE FROM {table}"))
            conn.execute(text("DELETE FROM tenants"))
    yield reg
    reg.close()


def uplink(f_cnt: int, payload: bytes = b"\x01\x02", eui: str = "0102030405060708") -> Uplink:
    return Uplink(
        dev_eui=eui,
        f_port=6,
        f_cnt=f_cnt,
        payload=payload,
        received_at=datetime(2026, 5, 1, tzinfo=UTC) + timedelta(minutes=f_cnt),
        lns=Lns.CHIRPSTACK_V4,
        receptions=(Reception("aa00000000000001", rssi=-100, snr=5.5),),
        dev_addr="01020304",
    )


def heard_at(at: datetime, gateway: str = "aa00000000000001", f_cnt: int = 7) -> Uplink:
    """The same frame, received at ``at`` through ``gateway``."""
    return replace(uplink(f_cnt), received_at=at, receptions=(Reception(gateway, rssi=-90, snr=3.0),))


@pytest.mark.parametrize("returning", [True, False], ids=["insert-returning", "select-then-insert"])
def test_copies_heard_across_the_turn_of_an_hour_are_known(
    registry: Registry, returning: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archive's key begins with the hour of reception: a copy received seconds later, in the
    next hour (another network server), is still a copy, in a later batch or in the same one;
    the same counter and payload an hour later (an ABP device whose counter restarted) is not."""
    monkeypatch.setattr(bulk, "returning", lambda _conn: returning)
    archive = Archive(registry.engine)
    turn = datetime(2026, 5, 1, 11, 0, tzinfo=UTC)
    (first,) = archive.store([(heard_at(turn - timedelta(seconds=2)), "lns-a")])
    assert archive.store([(heard_at(turn + timedelta(seconds=3), "bb00000000000002"), "lns-b")]) == []
    after, before = turn + timedelta(seconds=1), turn - timedelta(seconds=1)
    later = archive.store([(heard_at(after, f_cnt=8), "a"), (heard_at(before, f_cnt=8), "b")])
    assert [a.uplink.f_cnt for a in later] == [8]
    restarted = archive.store([(heard_at(turn + timedelta(hours=1, minutes=30)), "lns-a")])
    assert [a.uplink.f_cnt for a in restarted] == [7]
    rows = {row[0].id: row[0] for row in archive.select(dev_eui=first.uplink.dev_eui, limit=10)}
    assert len(rows) == 3 and archive.duplicates_total() == 2
    kept = rows[first.id].uplink
    assert [r.gateway_id for r in kept.receptions] == ["aa00000000000001", "bb00000000000002"]


def test_a_network_servers_long_words_and_nuls_are_archived(registry: Registry) -> None:
    """A session address or an event id of hundreds of characters, or with a NUL in it (a broken
    or hostile network server: JSON carries one as \\u0000), is archived, once; so is a dead
    letter whose reason quotes one. On PostgreSQL such a key overflowed its column or was not
    text, and the insert of its whole batch failed, again and again."""
    archive = Archive(registry.engine)
    long_id = replace(uplink(1), f_cnt=None, lns_event_id="é" * 500)
    long_addr = replace(uplink(2), dev_addr="a" * 300)
    nul = replace(uplink(3), dev_addr="0a\x000b", device_name="eau\x00", lns_event_id="\x00")
    taken = archive.store([(long_id, "a"), (long_addr, "a"), (nul, "a"), (uplink(4), "a")])
    assert [a.uplink for a in taken] == [long_id, long_addr, nul, uplink(4)]
    assert archive.store([(long_id, "b"), (long_addr, "b"), (nul, "b")]) == []
    assert archive.duplicates_total() == 3
    archive.dead_letter("application/x\x00", b"{\x00}", "MalformedEnvelope: got \x00", "lns\x00")
    assert archive.dead_letters()[0]["error"] == "MalformedEnvelope: got \ufffd"


def test_keys_are_hashed_scoped_and_revocable(registry: Registry) -> None:
    town = registry.owner_tenant()
    landlord = registry.ensure_tenant("hlm", "Bailleur social")
    key, token = registry.create_key(landlord.id, Role.TECHNICIAN, "tech")
    with registry.engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_hash FROM api_keys")).scalar_one()
    assert token.split("_", 2)[2] not in stored
    found = registry.authenticate(token)
    assert found is not None and found.tenant_id == landlord.id and not found.sees_all_tenants
    assert registry.authenticate(token + "x") is None
    assert registry.authenticate("garbage") is None
    _, admin_token = registry.create_key(town.id, Role.ADMIN)
    admin = registry.authenticate(admin_token)
    assert admin is not None and admin.sees_all_tenants
    registry.revoke_key(key.prefix)
    assert registry.authenticate(token) is None
    with pytest.raises(NotFound):
        registry.revoke_key(key.prefix)


def test_devices_all_or_nothing(registry: Registry) -> None:
    town = registry.owner_tenant()
    site = registry.ensure_site(town.id, "mairie", "Mairie")
    dev = Device("0102030405060708", town.id, "eau", "netvox/r718h", site_id=site.id, tags={"a": "b"})
    registry.add_devices([dev])
    assert registry.get_device(dev.dev_eui).tags == {"a": "b"}
    other = Device("0102030405060709", town.id, "x", "netvox/r718h", site_id=site.id)
    with pytest.raises(Conflict):
        registry.add_devices([other, dev])
    assert registry.find_device(other.dev_eui) is None
    assert registry.count_devices(town.id) == 1


@pytest.mark.parametrize("returning", [True, False], ids=["insert-returning", "select-then-insert"])
def test_archive_deduplicates_and_quarantines(
    registry: Registry, returning: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both ways of archiving: one INSERT ... RETURNING, and SQLite before 3.35's select first."""
    monkeypatch.setattr(bulk, "returning", lambda _conn: returning)
    archive = Archive(registry.engine)
    first = archive.store([(uplink(1), "a"), (uplink(2), "a"), (uplink(1), "b")])
    assert [a.uplink.f_cnt for a in first] == [1, 2]
    again = archive.store([(uplink(2), "b"), (uplink(3), "b")])
    assert [a.uplink.f_cnt for a in again] == [3]
    assert archive.duplicates_total() == 2
    assert len(archive.pending()) == 3
    archive.mark([Mark(a.id, "unknown_device", "device not provisioned", None, 0) for a in first + again])
    (entry,) = archive.quarantine()
    assert entry.dev_eui == "0102030405060708" and entry.uplinks == 3
    restored = archive.pending()
    assert restored == []
    assert archive.release_quarantine(entry.dev_eui) == 3
    back = archive.pending()
    assert back[0].uplink.receptions[0].rssi == -100
    assert back[0].uplink.payload == b"\x01\x02"


def test_a_devices_uplinks_are_listed_whether_processed_or_pending(registry: Registry) -> None:
    """The index by device holds processed uplinks only (registry.migrations.v9): a device's
    list, page by page, still holds its pending ones in their place, newest first."""
    archive = Archive(registry.engine)
    other = "0a0b0c0d0e0f0001"
    ids = [a.id for a in archive.store([(uplink(n), "a") for n in range(1, 9)])]
    archive.store([(uplink(n, eui=other), "a") for n in range(1, 4)])
    done = [ids[0], ids[2], ids[3], ids[6]]
    archive.mark(
        [Mark(i, "decoded", None, "m/1", 1) for i in done] + [Mark(ids[5], "failed", "bad", "m/1", 0)]
    )
    states = {i: ("decoded" if i in done else "failed" if i == ids[5] else "pending") for i in ids}
    newest_first = sorted(ids, reverse=True)
    eui = "0102030405060708"
    pages = [archive.select(dev_eui=eui, offset=o, limit=3) for o in (0, 3, 6)]
    assert [[r[0].id for r in page] for page in pages] == [
        newest_first[0:3],
        newest_first[3:6],
        newest_first[6:],
    ]
    assert all(r[1] == states[r[0].id] for page in pages for r in page)
    assert [r[0].id for r in archive.select(dev_euis=[eui], state="failed")] == [ids[5]]
    assert [r[0].id for r in archive.select(dev_eui=eui, state="pending")] == sorted(
        (i for i in ids if states[i] == "pending"), reverse=True
    )
    since = uplink(5).received_at
    assert [r[0].id for r in archive.select(dev_eui=eui, since=since)] == newest_first[:4]
    assert len(archive.select(dev_euis=[eui, other])) == 11


def test_same_frame_from_two_network_servers_keeps_both_receptions(registry: Registry) -> None:
    archive = Archive(registry.engine)
    town_lns = uplink(5)
    operator = Uplink(
        **{
            **{f: getattr(town_lns, f) for f in town_lns.__dataclass_fields__},
            "lns": Lns.THINGPARK,
            "receptions": (Reception("bb00000000000002", rssi=-110, snr=-2.0),),
        }
    )
    (first,) = archive.store([(town_lns, "town")])
    assert archive.store([(operator, "operator")]) == []
    (row,) = [r for r in archive.select() if r[0].id == first.id]
    assert {r.gateway_id for r in row[0].uplink.receptions} == {"aa00000000000001", "bb00000000000002"}
    assert archive.duplicates_total() == 1


@pytest.mark.integration
def test_metering_point_peers_are_the_devices_of_the_same_point_on_the_same_site(registry: Registry) -> None:
    """A town names its points alike on every site: one name on 300 sites is 300 meters."""
    town = registry.owner_tenant()
    sites = [registry.ensure_site(town.id, f"site {n}") for n in range(300)]
    devices = [
        Device(f"{n:016x}", town.id, f"eau {n}", "netvox/r718h", site_id=site.id, metering_point="eau froide")
        for n, site in enumerate(sites)
    ]
    replaced = Device(
        "ff" * 8, town.id, "eau 7 (old)", "netvox/r718h", site_id=sites[7].id, metering_point="eau froide"
    )
    registry.add_devices([*devices, replaced])
    peers = registry.metering_point_peers(registry.list_devices())
    assert peers[devices[7].dev_eui] == [replaced.dev_eui] and peers[replaced.dev_eui] == [devices[7].dev_eui]
    assert all(peers[d.dev_eui] == [] for n, d in enumerate(devices) if n != 7)
    assert len(peers) == 301


def test_held_link_statistics_add_to_the_stored_row_and_keep_what_is_newer(registry: Registry) -> None:
    """``LinkUpdate`` writes what it held as an upsert: counts add to the stored ones, the newest
    uplink's values replace older ones only, and a battery level the network server reported
    meanwhile (another process) stays when the held uplinks carry none."""
    eui = "0102030405060708"
    archive = Archive(registry.engine)
    links = LinkUpdate(registry.engine, hold=True)

    def write(f_cnts: list[int], everything: bool = True) -> None:
        items = archive.store([(uplink(n, eui=eui), "test") for n in f_cnts])
        links.apply(items, [])
        if not everything:
            links.seal()
        with registry.engine.begin() as conn:
            links.write(conn, everything=everything)
        links.written(everything=everything)

    def row() -> Any:
        with registry.engine.connect() as conn:
            return conn.execute(select(schema.device_link)).one()

    write([1, 4], everything=False)  # two lost between them
    first = row()
    assert (first.frames, first.lost, first.last_f_cnt, first.last_rssi) == (2, 2, 4, -100)
    apply_status(registry.engine, [(eui, datetime(2026, 5, 1, tzinfo=UTC), 81.0)])
    write([6, 2])  # one more lost before 6; 2 comes late and is older than what is stored
    second = row()
    assert (second.frames, second.lost, second.last_f_cnt, second.battery_level) == (4, 3, 6, 81.0)
    assert second.last_seen == datetime(2026, 5, 1, 0, 6, tzinfo=UTC)
    with registry.engine.begin() as conn:  # a newer uplink stored by another writer
        conn.execute(
            update(schema.device_link).values(last_seen=datetime(2026, 5, 2, tzinfo=UTC), last_f_cnt=99)
        )
    write([7])
    third = row()
    assert (third.frames, third.last_f_cnt, third.last_seen) == (5, 99, datetime(2026, 5, 2, tzinfo=UTC))
