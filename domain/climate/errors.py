"""Climate errors: a report that the data at hand cannot make."""

from __future__ import annotations


class ClimateError(Exception):
    """Base of the climate reports' failures."""


class NoOutdoorTemperature(ClimateError):
    """A site without a source of outdoor temperature: no degree days, no normalized heating."""
