"""The one explicit mapping of model id -> decoder. Adding a vendor module means adding it here."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from decoders.errors import UnknownModel, UnsupportedPort
from decoders.model import DeviceConfig, Frame
from decoders.spec import ModelSpec
from decoders.vendors import (
    adeunis,
    adeunis_sensors,
    aquascope,
    arwin,
    axioma,
    cayenne,
    comtac,
    decentlab,
    develiot,
    dragino,
    ellenex,
    elsys,
    elv,
    elvaco,
    emu,
    enless,
    imst,
    kamstrup,
    laird,
    micropelt,
    milesight,
    minol_zenner,
    netvox,
    sensus,
    strega,
    talkpool,
    tektelic,
    watteco,
)

_VENDOR_MODULES = (
    adeunis,
    adeunis_sensors,
    aquascope,
    arwin,
    axioma,
    comtac,
    decentlab,
    develiot,
    dragino,
    ellenex,
    elsys,
    elv,
    elvaco,
    emu,
    enless,
    imst,
    kamstrup,
    laird,
    micropelt,
    milesight,
    minol_zenner,
    netvox,
    sensus,
    strega,
    talkpool,
    tektelic,
    watteco,
    cayenne,
)


def _build() -> Mapping[str, ModelSpec]:
    models: dict[str, ModelSpec] = {}
    for module in _VENDOR_MODULES:
        for spec in module.MODELS:
            if spec.model_id in models:
                raise RuntimeError(f"model {spec.model_id} registered twice")
            models[spec.model_id] = spec
    return MappingProxyType(dict(sorted(models.items())))


MODELS: Mapping[str, ModelSpec] = _build()


def get_model(model_id: str) -> ModelSpec:
    """Return the spec of ``model_id`` or raise UnknownModel."""
    try:
        return MODELS[model_id]
    except KeyError:
        raise UnknownModel(model_id) from None


def decode(model_id: str, f_port: int, payload: bytes, config: DeviceConfig | None = None) -> Frame:
    """Decode one frame of ``model_id``; raises a DecodeError subclass on any malformed input.

    ``config`` is the device's provisioned configuration, for the models whose frames may need it.
    """
    spec = get_model(model_id)
    if spec.ports and f_port not in spec.ports:
        raise UnsupportedPort(model_id, f_port)
    if config is not None and spec.decode_configured is not None:
        return spec.decode_configured(f_port, payload, config)
    return spec.decode(f_port, payload)
