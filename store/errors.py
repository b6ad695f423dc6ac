"""Store errors, translated once at each backend's boundary."""

from __future__ import annotations


class StoreError(Exception):
    """Base of time-series store failures."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or is overloaded (connection refused, timeout, 5xx): retry later."""


class StoreRejected(StoreError):
    """The store refused the request (4xx, a constraint): retrying the same request will not help."""


class BadStoreUrl(StoreError):
    """A store URL that releve cannot use."""
