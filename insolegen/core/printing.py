"""Facts about printing that every stage holds parts to (docs/clinical.md)."""

__all__ = ["PRINTABLE_MIN_MM"]

# The thinnest section a nozzle lays down reliably: three 0.4 mm lines or layers.
PRINTABLE_MIN_MM = 1.2
