"""threemf."""
