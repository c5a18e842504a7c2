"""Makes every picture in docs/ that the README shows, from the examples as they build
now; tests/test_docs_pictures.py makes them again and fails when one differs (run this
after a change to the geometry, the preview or an example).

    python docs/make_pictures.py                  # all of them, into docs/
    python docs/make_pictures.py --out DIR NAME   # only NAME (e.g. preview.png), into DIR

docs/designer.png is a screenshot of the designer in Chromium (tests/test_designer_browser.py
takes the same view); it is not made here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))

import make_lattice_picture  # noqa: E402 (a sibling script, put on the path above)
import make_picture  # noqa: E402

from insolegen.build.pipeline import build_profile  # noqa: E402
from insolegen.exports.preview import preview_png  # noqa: E402
from insolegen.profile import load_profile  # noqa: E402


def example_preview(example: str) -> Callable[[Path], None]:
    """The preview.png `insolegen build` writes for an example."""

    def make(out: Path) -> None:
        out.write_bytes(preview_png(build_profile(load_profile(ROOT / "profiles" / f"{example}.toml"))))

    return make


PICTURES: dict[str, Callable[[Path], None]] = {
    "preview.png": example_preview("lld-left-lift"),
    "pressure-preview.png": example_preview("pressure-offload"),
    "insoles.png": make_picture.main,
    "zones.png": make_picture.zones_picture,
    "lattice-cut.png": make_lattice_picture.main,  # builds the lattice pair: about a minute
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"pictures to make (default: all): {', '.join(PICTURES)}")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="the folder to write them to")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in PICTURES]
    if unknown:
        parser.error(f"no such picture: {', '.join(unknown)} (allowed: {', '.join(PICTURES)})")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.names or PICTURES:
        PICTURES[name](args.out / name)
        print(args.out / name)


if __name__ == "__main__":
    main()
