"""Facts about printing that every stage holds parts to (docs/clinical.md)."""

# The thinnest section a nozzle lays down reliably: three 0.4 mm lines or layers.
PRINTABLE_MIN_MM = 1.2
