"""Writes profiles/pressure/walk-right.asf, the example profile's pressure map: the
synthetic map the tests use (tests/pressure_maps.py: 40 kPa where the foot touches,
peaks at the heel, the metatarsal heads and the hallux, no contact under the medial
arch) for the foot the example is built on, the scanned right foot
(profiles/scans/relief-right.stl), turned 8 degrees on a 5.08 mm Tekscan grid, two frames.

    python docs/make_pressure_example.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from insolegen.build.side import side_outline
from insolegen.inputs.feet import resolve_feet
from insolegen.profile import profile_from_dict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from pressure_maps import synthetic_grid, write_asf  # noqa: E402 (it lives in tests/, put on the path above)


def main() -> None:
    scan = ROOT / "profiles" / "scans" / "relief-right.stl"
    spec = resolve_feet(profile_from_dict({"side": "right", "foot": {"scan": str(scan)}})).sides[0]
    kpa, _ = synthetic_grid(side_outline(spec), 8.0, False, (4.0, 2.5))
    out = ROOT / "profiles" / "pressure" / "walk-right.asf"
    write_asf(out, kpa)
    print(out)


if __name__ == "__main__":
    main()
