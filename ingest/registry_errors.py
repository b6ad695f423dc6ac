"""Registry errors, translated from SQLAlchemy at the registry boundary."""

from __future__ import annotations


class RegistryError(Exception):
    """Base of registry failures."""


class NotFound(RegistryError):
    """No such tenant, site, device or key."""


class Conflict(RegistryError):
    """The object exists already (a DevEUI provisioned twice, a duplicate slug)."""


class InvalidRow(RegistryError):
    """A CSV row or field that cannot be imported."""
