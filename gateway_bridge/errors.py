"""Bridge errors: paho's and the socket's are translated here, at the MQTT boundary."""

from __future__ import annotations


class BridgeError(Exception):
    """Base of bridge failures."""


class BrokerError(BridgeError):
    """The broker cannot be reached or refused us."""
