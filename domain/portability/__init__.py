"""A tenant's export and import, a device's erasure on request, usage per tenant."""

__all__: list[str] = []
