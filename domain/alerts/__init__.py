"""Alert rules, site thresholds, the book of open and closed alerts, the webhook."""

__all__: list[str] = []
