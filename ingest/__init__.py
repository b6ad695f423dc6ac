"""Meter semantics, raw archive, registry and the time-series store protocol.

Import from the submodules: ``ingest.store`` (Store, Window, Bucket), ``ingest.registry``,
``ingest.archive``, ``ingest.pipeline`` (Ingestor), ``ingest.meter``.
"""

__all__: list[str] = []
