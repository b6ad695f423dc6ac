"""Weather observations, degree days, heating per degree day and comfort against targets."""

__all__: list[str] = []
