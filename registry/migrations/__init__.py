"""Numbered schema migrations of the registry, each a frozen step.

Each step is the DDL it ran when it was released, written out in its own module: a step never
imports ``registry.schema`` (today's definitions), so a later change of a table cannot change
what an old database's upgrade does. ``apply`` runs the missing steps in order, inside the
caller's transaction, and records each in ``schema_version``.

To change the schema: edit ``registry.schema``, then add a step module here (the next number)
that brings a database of the previous version to it, and list it in ``STEPS``.
``tests/integration/test_migrations.py`` fails until the steps build today's schema.
"""

from registry.migrations.runner import LATEST, STEPS, apply, current_version

__all__ = ["LATEST", "STEPS", "apply", "current_version"]
