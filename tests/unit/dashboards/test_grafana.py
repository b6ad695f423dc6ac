"""The committed Grafana files are exactly what the builder writes, and well-formed."""

from __future__ import annotations

import json
from pathlib import Path

from dashboards import GRAFANA_DIR
from dashboards.grafana import DATASOURCE_UID, build_all


def test_committed_boards_are_up_to_date(tmp_path: Path) -> None:
    for path in build_all(tmp_path):
        committed = GRAFANA_DIR / path.relative_to(tmp_path)
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"{committed} is stale: run python -c 'from dashboards.grafana import build_all; "
            "from dashboards import GRAFANA_DIR; build_all(GRAFANA_DIR)'"
        )


def test_every_panel_queries_the_releve_datasource() -> None:
    for path in (GRAFANA_DIR / "dashboards").glob("*.json"):
        board = json.loads(path.read_text(encoding="utf-8"))
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids))
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] == DATASOURCE_UID
            for target in panel["targets"]:
                assert "$timeFilter" in target["query"]
