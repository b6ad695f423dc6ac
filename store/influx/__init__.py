"""The InfluxDB backend (v1 HTTP API): line protocol, the writer's folded periods, the store."""

__all__: list[str] = []
