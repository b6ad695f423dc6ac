"""Alert rules, site thresholds, the book of open and closed alerts, the webhook."""

from domain.alerts.book import Alert, AlertBook
from domain.alerts.evaluate import evaluate
from domain.alerts.findings import AlertKind, Finding
from domain.alerts.notify import Webhook
from domain.alerts.thresholds import ThresholdBook, Thresholds

__all__ = ["Alert", "AlertBook", "AlertKind", "Finding", "ThresholdBook", "Thresholds", "Webhook", "evaluate"]
