"""Every picture in docs/ that the README shows is the one its script makes from the
examples as they build now (docs/make_pictures.py): made again here into a temporary
folder and compared byte for byte (the geometry is processor-independent and the
rasterisers are pinned by the lock). docs/designer.png is a browser screenshot:
tests/test_designer_browser.py checks the designer itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))

from make_pictures import PICTURES  # noqa: E402 (docs/ put on the path above)


def test_every_readme_picture_has_a_maker():
    shown = {line.split("](docs/")[1].split(")")[0] for line in (ROOT / "README.md").read_text().splitlines()
             if "](docs/" in line and ".png)" in line}
    assert shown - {"designer.png"} <= set(PICTURES), shown - set(PICTURES)
    assert all((ROOT / "docs" / name).is_file() for name in shown)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PICTURES))
def test_a_docs_picture_is_current(tmp_path, name):
    subprocess.run([sys.executable, str(ROOT / "docs" / "make_pictures.py"), "--out", str(tmp_path), name],
                   check=True, capture_output=True, timeout=600)
    made = (tmp_path / name).read_bytes()
    assert made == (ROOT / "docs" / name).read_bytes(), (
        f"docs/{name} is not what docs/make_pictures.py makes now: run `python docs/make_pictures.py {name}`")
