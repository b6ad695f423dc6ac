"""Vendor frames -> typed, unit-explicit readings. Pure: no I/O, no imports from the rest of releve."""

from decoders.errors import (
    BadLength,
    BadValue,
    DecodeError,
    EncodeError,
    MissingConfig,
    UnknownFrameType,
    UnknownModel,
    UnsupportedPort,
)
from decoders.mapping import FieldMap, FieldMapError, MappingError, decode_object
from decoders.model import (
    CANONICAL_UNITS,
    METERING_QUANTITIES,
    Alarm,
    AlarmKind,
    DecodedReading,
    DeviceConfig,
    Frame,
    Kind,
    Quantity,
)
from decoders.registry import MODELS, decode, get_model
from decoders.spec import ModelSpec

__all__ = [
    "CANONICAL_UNITS",
    "METERING_QUANTITIES",
    "MODELS",
    "Alarm",
    "AlarmKind",
    "BadLength",
    "BadValue",
    "DecodeError",
    "DecodedReading",
    "DeviceConfig",
    "EncodeError",
    "FieldMap",
    "FieldMapError",
    "Frame",
    "Kind",
    "MappingError",
    "MissingConfig",
    "ModelSpec",
    "Quantity",
    "UnknownFrameType",
    "UnknownModel",
    "UnsupportedPort",
    "decode",
    "decode_object",
    "get_model",
]
