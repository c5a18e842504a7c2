"""Where the DejaVu fonts are: matplotlib's copy (found, not imported) or the system's.
The preview writes with DejaVu Sans; labels are engraved in DejaVu Sans Bold."""

from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["font_file"]


def font_file(name: str = "DejaVuSans.ttf") -> str | None:
    spec = importlib.util.find_spec("matplotlib")  # locates the package; runs none of it
    places = [Path(p) / "mpl-data" / "fonts" / "ttf" for p in (spec.submodule_search_locations or [])] if spec else []
    places.append(Path("/usr/share/fonts/truetype/dejavu"))
    return next((str(p / name) for p in places if (p / name).is_file()), None)
