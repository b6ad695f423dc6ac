"""The kernel: types, settings and helpers shared by every package. Imports nothing of releve."""

__all__ = ["__version__"]

__version__ = "0.1.0"
