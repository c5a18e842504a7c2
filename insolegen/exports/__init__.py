"""Writers for finished parts."""

__all__: list[str] = []  # a package: its modules are imported by name
