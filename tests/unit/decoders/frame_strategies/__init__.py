"""Per-vendor hypothesis strategies of encodable frames."""
