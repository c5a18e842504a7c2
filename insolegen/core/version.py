"""The package's version: one home (pyproject.toml reads it from here)."""

__all__: list[str] = []  # a package: its modules are imported by name

__version__ = "0.1.0"
