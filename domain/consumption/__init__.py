"""Consumption series and reports of meters and sites, read from the store's rollups; open data."""

__all__: list[str] = []
