"""The ingestion path: raw archive, decoding, meter semantics, link statistics, payload
decryption and reprocessing, from archived uplinks to stored readings.

Import from the submodules: ``ingest.archive``, ``ingest.pipeline`` (Ingestor), ``ingest.meter``.
"""

__all__: list[str] = []
