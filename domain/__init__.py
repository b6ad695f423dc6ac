"""The domain around consumption, each concern a package the API and the CLI call."""

__all__: list[str] = []
