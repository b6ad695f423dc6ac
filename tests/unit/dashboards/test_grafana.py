"""The committed Grafana files are what the builder writes, and their queries follow the store."""

from __future__ import annotations

import json
import re
from pathlib import Path

from dashboards import GRAFANA_DIR
from dashboards.grafana import CONSUMPTION, DATASOURCE_UID, build_all
from decoders import CANONICAL_UNITS, METERING_QUANTITIES

BOARDS = GRAFANA_DIR / "provisioning" / "dashboards" / "releve"


def test_committed_files_are_up_to_date(tmp_path: Path) -> None:
    written = build_all(tmp_path)
    for path in written:
        committed = GRAFANA_DIR / "provisioning" / path.relative_to(tmp_path)
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"{committed} is stale: run python -c 'from dashboards.grafana import build_all; "
            'from dashboards import GRAFANA_DIR; build_all(GRAFANA_DIR / "provisioning")\''
        )
    files = {p.relative_to(GRAFANA_DIR / "provisioning") for p in (GRAFANA_DIR / "provisioning").rglob("*.*")}
    assert files == {p.relative_to(tmp_path) for p in written}  # nothing left over


def test_every_query_names_its_retention_policy_and_the_town_s_zone() -> None:
    for path in BOARDS.glob("*.json"):
        board = json.loads(path.read_text(encoding="utf-8"))
        assert board["timezone"] == "Europe/Paris" and board["weekStart"] == "monday"
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids))
        queries = [v["query"] for v in board["templating"]["list"] if v["type"] == "query"]
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] == DATASOURCE_UID
            for target in panel["targets"]:
                assert "$timeFilter" in target["query"]
                queries.append(target["query"])
        for query in queries:
            # a bare measurement is read in the default policy (raw), where no rollup is
            assert re.search(r'FROM "(raw|rollups)"\."(reading|rollup_1h|rollup_1d|rollup_1mo)"', query), (
                query
            )
            if "GROUP BY time(" in query:
                assert query.endswith("tz('Europe/Paris')"), query


def test_the_quantity_variable_lists_every_metering_quantity_with_its_unit() -> None:
    assert {q for q, _ in CONSUMPTION} == {q.value for q in METERING_QUANTITIES}
    units = {"m3": "m³", "kWh": "kWh", "kvarh": "kvarh"}
    for quantity, text in CONSUMPTION:
        unit = CANONICAL_UNITS[next(q for q in METERING_QUANTITIES if q.value == quantity)]
        assert unit not in units or f"({units[unit]})" in text, (quantity, text)
