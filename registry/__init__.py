"""The relational registry (SQLite or PostgreSQL): schema, migrations, tenants, sites, devices,
keys, provisioning, the device CSV and the audit log."""

from registry.models import ApiKey, Device, Role, Site, Tenant
from registry.registry import Registry, open_registry

__all__ = ["ApiKey", "Device", "Registry", "Role", "Site", "Tenant", "open_registry"]
