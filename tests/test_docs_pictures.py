"""Every picture in docs/ that the README shows is the one its script makes from the
examples as they build now (docs/make_pictures.py): made again here into a temporary
folder and compared byte for byte (the geometry is processor-independent and the
rasterisers are pinned by the lock); docs/designer.png, a browser's screenshot, within a
tolerance (a browser may anti-alias a few pixels differently)."""

from __future__ import annotations

import shutil
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
    assert shown <= set(PICTURES), shown - set(PICTURES)
    assert all((ROOT / "docs" / name).is_file() for name in shown)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(PICTURES) - {"designer.png"}))
def test_a_docs_picture_is_current(tmp_path, name):
    subprocess.run([sys.executable, str(ROOT / "docs" / "make_pictures.py"), "--out", str(tmp_path), name],
                   check=True, capture_output=True, timeout=600)
    made = (tmp_path / name).read_bytes()
    assert made == (ROOT / "docs" / name).read_bytes(), (
        f"docs/{name} is not what docs/make_pictures.py makes now: run `python docs/make_pictures.py {name}`")


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                    reason="chromium and chromium-driver are needed (.ci/run installs them)")
def test_the_designer_picture_is_current(tmp_path):
    """The designer as Chromium draws it now, against docs/designer.png: the same size,
    and on a grey thumbnail of 10 x 10 pixel blocks no block differs by more
    than 24 of 255 and the mean by under 3: a moved panel, a new field or a different
    colour fails; anti-aliasing does not."""
    import numpy as np
    from PIL import Image

    subprocess.run([sys.executable, str(ROOT / "docs" / "make_pictures.py"), "--out", str(tmp_path), "designer.png"],
                   check=True, capture_output=True, timeout=600)
    made, kept = (Image.open(p).convert("L") for p in (tmp_path / "designer.png", ROOT / "docs" / "designer.png"))
    assert made.size == kept.size
    thumb = (made.size[0] // 10, made.size[1] // 10)
    a, b = (np.asarray(i.resize(thumb, Image.Resampling.BOX), dtype=float) for i in (made, kept))
    difference = np.abs(a - b)
    assert difference.max() <= 24 and difference.mean() < 3, (
        f"docs/designer.png differs from the designer now (largest {difference.max():.0f}, mean "
        f"{difference.mean():.1f}): run `python docs/make_pictures.py designer.png`")
