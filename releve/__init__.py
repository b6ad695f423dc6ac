"""releve: a LoRaWAN metering backend that towns own. This package: CLI, settings, shared types."""

__all__ = ["__version__"]

__version__ = "0.1.0"
