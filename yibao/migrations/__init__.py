"""Alembic migrations of the registry (run programmatically by ``yibao.db``)."""
