"""The InfluxDB backend (v1 HTTP API), one concern a module:

- ``client``: the HTTP API (requests, queries, writes, retention policies) and its answers read
  back as readings and rollups; every httpx error is translated there;
- ``lineprotocol``: line protocol and InfluxQL literals, the rollup points, series prefixes;
- ``open_hours``: the hours, days and months a writer folds in memory while its points arrive in
  time order;
- ``held``: those rollups held until a flush (whole, or a chunk per batch);
- ``rollups``: rollups recomputed inside InfluxDB (hours from raw points, days from hours,
  months from days), the local periods of an hour, rebuilds;
- ``reads``: queries, windows merged inside InfluxDB, the newest reading of each series;
- ``store``: ``InfluxStore``, the Store protocol composed of the above (writes, deletes,
  restores, erasure, what is forgotten after another process's edit).
"""

__all__: list[str] = []
