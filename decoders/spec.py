"""What the registry knows of a model: its decoder, encoder, ports and datasheet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from decoders.model import DeviceConfig, Frame, Quantity

DecodeFn = Callable[[int, bytes], Frame]
EncodeFn = Callable[[Frame], tuple[int, bytes]]
ConfiguredDecodeFn = Callable[[int, bytes, DeviceConfig], Frame]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One supported device model.

    ``model_id`` is the TTN Device Repository id (``vendor/device``). ``ports`` lists the uplink
    ports the decoder accepts (empty: any port). ``version`` changes whenever the decoder's output
    for some frame changes, so that readings can be traced to the decoder that produced them.
    """

    model_id: str
    name: str
    decode: DecodeFn
    quantities: frozenset[Quantity]
    datasheet: str
    ports: frozenset[int] = frozenset()
    encode: EncodeFn | None = None
    version: str = "1"
    decode_configured: ConfiguredDecodeFn | None = None
