"""releve: a LoRaWAN metering backend that towns own. This package holds the CLI, settings and shared types."""

__all__ = ["__version__"]

__version__ = "0.1.0"
