"""releve: a LoRaWAN metering backend that towns own. This package: the application (command
line, runtime wiring, embedded broker, bridge workers)."""

from kernel import __version__

__all__ = ["__version__"]
