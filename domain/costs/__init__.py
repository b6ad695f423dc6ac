"""Tariffs (stored per tenant and site) and the cost of consumption under them."""

__all__: list[str] = []
