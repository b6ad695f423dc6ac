"""The time-series store: the protocol, rollups, and the SQLite and InfluxDB backends."""

from store.protocol import Bucket, Store, Window

__all__ = ["Bucket", "Store", "Window"]
