"""The intake's half of the ingest pipeline: archive uplinks durably, nothing else.

A bridge whose processing runs in a process of its own (``releve bridge``) archives and
acknowledges only: it needs neither the decoders, nor the LoRaWAN cryptography, nor the store's
client. Holding them cost its process about 11 MB (imports measured with ``ru_maxrss``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ingest.archive import Archive, ArchivedUplink
from kernel.types import Uplink


class Intake:
    """``accept`` and ``archive``, as ``Ingestor`` has them, without its processing."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def accept(self, items: Sequence[tuple[Uplink, str]]) -> list[ArchivedUplink]:
        """Archive uplinks durably; returns the new ones (re-deliveries are counted, not returned)."""
        return self.archive.store(items)
