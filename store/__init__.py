"""The time-series store: the protocol, rollups, and the SQLite and InfluxDB backends."""

from store.protocol import Bucket, RollupBuffer, Store, StoreReader, StoreWriter, Window

__all__ = ["Bucket", "RollupBuffer", "Store", "StoreReader", "StoreWriter", "Window"]
