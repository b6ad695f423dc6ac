"""Decoding errors. Every malformed frame raises one of these; nothing else escapes a decoder."""

from __future__ import annotations


class DecodeError(Exception):
    """A frame that cannot be decoded. The message says why, in words an operator understands."""


class UnsupportedPort(DecodeError):
    """The frame came on a port the model does not use for uplinks."""

    def __init__(self, model: str, f_port: int) -> None:
        super().__init__(f"{model}: port {f_port} is not an uplink port of this model")
        self.f_port = f_port


class BadLength(DecodeError):
    """The frame is shorter or longer than its type requires (a truncated frame)."""


class UnknownFrameType(DecodeError):
    """A frame type, channel or register id that the model's format does not define."""


class BadValue(DecodeError):
    """A field out of its documented range, a bad version byte, or a checksum mismatch."""


class MissingConfig(DecodeError):
    """The frame needs a device setting that it does not carry and that is not provisioned, or
    the provisioned setting is not usable (the message names the tag to set)."""


class UnknownModel(DecodeError):
    """No decoder is registered under this model id."""

    def __init__(self, model: str) -> None:
        super().__init__(f"no decoder for model {model!r}; `releve decoders` lists the supported models")
        self.model = model


class EncodeError(Exception):
    """A frame that the model's encoder cannot represent (for the simulator)."""
