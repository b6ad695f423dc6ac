"""Errors of the consumption analytics: a question they cannot answer (the API answers 422 or 404)."""

from __future__ import annotations


class ConsumptionError(Exception):
    """Base of the analytics' refusals; ``title`` names the kind in a few words, ``extra`` holds
    members of the answer's problem document (a limit, a size)."""

    title = "Invalid request"
    extra: dict[str, int] = {}  # noqa: RUF012 (read only; instances set their own)


class InvalidTime(ConsumptionError, ValueError):
    """A time without its offset, or outside 1970-2200."""

    title = "Invalid time"


class InvalidRange(ConsumptionError, ValueError):
    """A range that ends before it starts, or longer than the analytics read."""

    title = "Invalid range"


class UnknownQuantity(ConsumptionError, ValueError):
    """A quantity releve does not know."""

    title = "Invalid quantity"


class NoConsumption(ConsumptionError, LookupError):
    """Devices without any metering reading yet."""

    title = "No consumption"


class AnswerTooLarge(ConsumptionError, ValueError):
    """A range that would give more windows or values than an answer holds (``bounds``)."""

    def __init__(self, title: str, detail: str, **extra: int) -> None:
        super().__init__(detail)
        self.title = title
        self.extra = extra
