"""Simulator errors."""

from __future__ import annotations


class SimulatorError(Exception):
    """Base of simulator failures."""


class FleetError(SimulatorError):
    """A fleet file that cannot be read or is inconsistent."""


class NoEncoder(SimulatorError):
    """The fleet uses a model the simulator cannot encode frames for."""
