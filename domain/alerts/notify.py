"""Webhook notification of new alerts (a JSON POST), for a town's chat or ticketing tool."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

import httpx

from domain.alerts.book import Alert

log = logging.getLogger(__name__)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


class Webhook:
    """POSTs ``{"alerts": [...]}``; a failure is logged once until the hook works again."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout
        self._failing = False

    def send(self, alerts: Sequence[Alert]) -> bool:
        body = {"alerts": [_jsonable(asdict(a)) for a in alerts]}
        try:
            response = httpx.post(self.url, json=body, timeout=self.timeout)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            if not self._failing:
                log.warning("alert webhook failed: %s", exc)
            self._failing = True
            return False
        if self._failing:
            log.warning("alert webhook works again")
        self._failing = False
        return True
