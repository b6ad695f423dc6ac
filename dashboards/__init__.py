"""The technicians' web page (static, bundled: no internet needed) and the Grafana boards."""

from pathlib import Path

__all__ = ["GRAFANA_DIR", "STATIC_DIR"]

STATIC_DIR = Path(__file__).parent / "static"
GRAFANA_DIR = Path(__file__).parent / "grafana"
