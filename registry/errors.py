"""Registry errors, translated from SQLAlchemy at the registry boundary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError


class RegistryError(Exception):
    """Base of registry failures."""


class NotFound(RegistryError):
    """No such tenant, site, device or key."""


class Conflict(RegistryError):
    """The object exists already (a DevEUI provisioned twice, a duplicate slug)."""


class InvalidRow(RegistryError):
    """A CSV row or field that cannot be imported."""


class Invalid(RegistryError):
    """A change the registry refuses: an unknown model, a site of another tenant, a pulse weight
    without its quantity."""


class DatabaseUnavailable(RegistryError):
    """The registry/archive database cannot be reached or refused a write; retry later."""


@contextmanager
def database_errors(what: str) -> Iterator[None]:
    """Translate SQLAlchemy failures inside the block into DatabaseUnavailable."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"{what} failed: {exc}") from exc
