"""(see package modules)"""

__all__: list[str] = []
