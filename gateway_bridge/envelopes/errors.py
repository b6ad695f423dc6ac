"""Envelope errors: every failure to read a network server's message is one of these."""

from __future__ import annotations


class EnvelopeError(Exception):
    """A message that is not a usable network-server event."""


class MalformedEnvelope(EnvelopeError):
    """Not JSON/protobuf, wrong types, a missing required field, bad base64, a bad DevEUI."""


class UnknownFormat(EnvelopeError):
    """No supported network server publishes messages of this shape on this topic."""
