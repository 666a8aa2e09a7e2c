"""Policy schema and loading. ``load_policy`` is filled in by the loader module."""
