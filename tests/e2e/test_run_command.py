"""`releve run` as a user runs it: data within a minute, the demo's open data published and
readable without a key, Ctrl-C stops it cleanly, a restart resumes."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from bench.consumers import tree
from releve.broker import free_port
from tests.open_data_readers import Graph, csv_errors

pytestmark = pytest.mark.e2e


def start(data: Path, port: int, broker: str) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ, RELEVE_DATA_DIR=str(data), RELEVE_API_PORT=str(port), RELEVE_EMBEDDED_BROKER=broker
    )
    with (data.parent / f"run-{broker}.log").open("ab") as log:
        return subprocess.Popen([sys.executable, "-m", "releve", "run"], env=env, stdout=log, stderr=log)


def site_water(base: str, key: str, log: Path, timeout: float = 60) -> float:
    """The water of all sites over their last 31 days (the simulator plays the last seven), once
    every site shows some. Not this month's: in a month's first hour a site may have none yet.
    Failing, it tells what it saw last and what ``releve run`` logged (``log``)."""
    deadline = time.monotonic() + timeout
    headers = {"X-API-Key": key}
    seen: object = "no answer"
    while time.monotonic() < deadline:
        try:
            sites = httpx.get(f"{base}/api/v1/sites", headers=headers, timeout=5).json()["items"]
            water = [
                sum(
                    p["consumption"] or 0.0
                    for p in httpx.get(
                        f"{base}/api/v1/sites/{site['id']}/consumption",
                        params={"quantity": "water_volume", "window": "day"},
                        headers=headers,
                        timeout=5,
                    ).json()["points"]
                )
                for site in sites
            ]
            if len(water) == 4 and all(w > 0 for w in water):
                return float(sum(water))
            seen = f"the sites' water: {water}"
        except (httpx.HTTPError, KeyError, ValueError, TypeError) as exc:
            seen = repr(exc)
        time.sleep(1)
    raise AssertionError(
        f"no consumption in every site's last 31 days within {timeout:.0f} s ({seen});"
        f" the log's end:\n{log.read_text()[-3000:]}"
    )


DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
PUBLIC_BUILDINGS = {"mairie", "ecole-jules-ferry", "gymnase", "bibliotheque"}
WITH_ELECTRICITY = {"mairie", "ecole-jules-ferry", "gymnase"}  # the library has no meter of its own


def open_data_published(base: str, timeout: float = 90) -> None:
    """Without a key, as a harvester: the catalog lists the demo's datasets, read by a JSON-LD
    processor, and its distributions hold yesterday's water of the four public buildings and the
    electricity of those that meter it, each file valid against its Table Schema."""
    yesterday = (datetime.now(ZoneInfo("Europe/Paris")).date() - timedelta(days=1)).isoformat()
    deadline = time.monotonic() + timeout
    missing: object = "no catalog"
    while time.monotonic() < deadline:
        graph = Graph(httpx.get(f"{base}/api/v1/open/catalog", timeout=10).json())
        (dataset,) = [
            d
            for d in graph.of_type(f"{DCAT}Dataset")
            if graph.one(d, f"{DCT}identifier")["value"] == "town-consommations"
        ]
        assert (
            graph.iri(dataset, f"{DCT}license") == "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
        )
        assert (
            graph.one(graph.iri(dataset, f"{DCT}publisher"), "http://xmlns.com/foaf/0.1/name")["value"]
            == "Commune de Saint-Lorain"  # named by the demo fleet
        )
        title = graph.one(dataset, f"{DCT}title")
        assert title["language"] == "fr" and title["value"].startswith("Consommations d'eau et d'énergie")
        period = graph.objects(dataset, f"{DCT}temporal")
        rows: list[dict[str, str]] = []
        for distribution in (o["value"] for o in graph.objects(dataset, f"{DCAT}distribution")):
            r = httpx.get(graph.iri(distribution, f"{DCAT}downloadURL"), timeout=10)
            assert r.status_code == 200
            if r.headers["content-type"].startswith("text/csv"):
                schema = httpx.get(graph.iri(distribution, f"{DCT}conformsTo"), timeout=10).json()
                assert csv_errors(r.content, schema) == []
                rows += csv.DictReader(io.StringIO(r.text))
            else:
                sites = {f["properties"]["code_site"] for f in r.json()["features"]}
                assert sites == PUBLIC_BUILDINGS
        found = {(row["code_site"], row["grandeur"]) for row in rows if row["jour"] == yesterday}
        wanted = {(s, "water_volume") for s in PUBLIC_BUILDINGS} | {
            (s, "energy_import") for s in WITH_ELECTRICITY
        }
        missing = wanted - found
        if period and not missing:
            end = graph.one(graph.iri(dataset, f"{DCT}temporal"), f"{DCAT}endDate")["value"]
            assert end <= yesterday  # never today
            if end == yesterday:
                return
            # The catalog was read before the files: yesterday's last readings came in between.
            missing = f"the catalog's coverage up to yesterday (it ends {end})"
        time.sleep(2)
    raise AssertionError(f"the demo's open data lacks yesterday's {missing}")


def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    return proc.wait(30)


@pytest.mark.parametrize("broker", ["mosquitto", "amqtt"])
def test_run_shows_data_stops_on_ctrl_c_and_resumes(tmp_path: Path, broker: str) -> None:
    data, port = tmp_path / "data", free_port()
    data.mkdir()
    proc = start(data, port, broker)
    try:
        deadline = time.monotonic() + 30
        while not (data / "admin-key.txt").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        key = (data / "admin-key.txt").read_text().strip()
        base = f"http://127.0.0.1:{port}"
        first = site_water(base, key, tmp_path / f"run-{broker}.log")
        open_data_published(base)
        page = httpx.get(f"{base}/ui/", timeout=5)
        assert page.status_code == 200 and "uPlot" in page.text
    finally:
        code = stop(proc)
    assert code == 0, (tmp_path / f"run-{broker}.log").read_text()[-3000:]
    assert "Traceback" not in (tmp_path / f"run-{broker}.log").read_text()

    proc = start(data, port, broker)
    try:
        again = site_water(base, key, tmp_path / f"run-{broker}.log")
        assert again >= first  # the stored history is still there, and grows
    finally:
        assert stop(proc) == 0


def test_run_stopped_by_sigterm_stops_its_broker(tmp_path: Path) -> None:
    """A service manager's stop (SIGTERM) ends `releve run` as Ctrl-C does: its embedded
    Mosquitto is stopped with it, not left running without a parent."""
    data, port = tmp_path / "data", free_port()
    data.mkdir()
    proc = start(data, port, "mosquitto")
    try:
        deadline = time.monotonic() + 30
        while not (data / "admin-key.txt").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        brokers = tree(proc.pid)[1:]  # (its threads run the rest)
        assert brokers, "no embedded broker under releve run"
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    assert code == 0, (tmp_path / "run-mosquitto.log").read_text()[-3000:]
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in brokers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in brokers if Path(f"/proc/{pid}").exists()]
