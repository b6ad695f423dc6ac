"""What the decoders need to know of a device that its frames do not carry, from its provisioning."""

from __future__ import annotations

from decoders import DeviceConfig, MissingConfig
from registry import Device


def decoder_config(device: Device) -> DeviceConfig:
    """The device's provisioned settings that some decoders need (tags such as ``read_period_s``).

    A tag whose value is unusable fails the device's frames with its name, kept for a re-decoding
    once the tag is fixed, rather than decoding them with a guess.
    """
    try:
        return DeviceConfig.from_tags(device.tags)
    except ValueError as exc:
        raise MissingConfig(f"device {device.dev_eui}: {exc}") from exc
