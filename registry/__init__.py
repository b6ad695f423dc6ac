"""The relational registry (SQLite or PostgreSQL): schema, migrations, tenants, sites, devices,
keys, provisioning, the device CSV and the audit log."""

from registry.registry import ApiKey, Device, Registry, Role, Site, Tenant, open_registry

__all__ = ["ApiKey", "Device", "Registry", "Role", "Site", "Tenant", "open_registry"]
