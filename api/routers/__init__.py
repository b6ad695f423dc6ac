"""One APIRouter per resource, all under /api/v1."""

__all__: list[str] = []
