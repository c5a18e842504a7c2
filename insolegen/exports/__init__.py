"""Writers for finished parts."""
