"""A foot too long for the bed (issue 8): the refusal, or the default-bed warning, names
the shorter insole length that would fit, and that length then builds on that bed while
every length between does not. Through the command line."""

from __future__ import annotations

import json
import re

import pytest

from insolegen.cli import main
from insolegen.formats.threemf.read import read_3mf

MINI_BED = (180.0, 180.0)  # prusa-mini
SUGGESTED = re.compile(r'a shorter insole fits: shape\.length = "([a-z-]+)" \(a (\d+) mm insole\)')
NONE_FITS = re.compile(r'not even shape\.length = "three-quarter" \(a (\d+) mm insole\) fits')


def build(tmp_path, capsys, length_mm: float, length: str = "full", printer: str | None = "prusa-mini"):
    name = f"p{length_mm:g}-{length}"
    profile = tmp_path / f"{name}.toml"
    text = f'name = "{name}"\nside = "left"\n[foot]\nlength_mm = {length_mm}\n[shape]\nlength = "{length}"\n'
    if printer:
        text += f'[print]\nprinter = "{printer}"\n'
    profile.write_text(text)
    code = main(["build", str(profile), "--out", str(tmp_path / "out"), "--no-preview"])
    return code, capsys.readouterr().err, tmp_path / "out" / name


# Feet of 240, 260 and 280 mm on a 180 x 180 mm bed: one that fits at sulcus length,
# one only at three-quarter, one at neither (which length is asked of the builds below,
# not taken from here).
@pytest.mark.parametrize("length_mm", [240, 260, 280])
def test_a_foot_that_fits_no_bed_is_told_which_shorter_length_would(tmp_path, capsys, length_mm):
    code, err, _ = build(tmp_path, capsys, length_mm)
    assert code == 2 and "does not fit the prusa-mini bed (180 x 180 mm) at any angle" in err, err
    found, none = SUGGESTED.search(err), NONE_FITS.search(err)
    assert (found is None) != (none is None), err  # one or the other, said once
    lengths = ["sulcus", "three-quarter"]
    fitting = lengths.index(found.group(1)) if found else len(lengths)
    for i, length in enumerate(lengths):
        code, err, folder = build(tmp_path, capsys, length_mm, length)
        if i < fitting:  # longer than the suggestion: refused on this bed
            assert code == 2 and "does not fit" in err, (length, err)
            continue
        assert code == 0, (length, err)  # the suggestion builds, placed on the bed
        (body,) = [v for v in read_3mf(folder / f"{folder.name}-left.3mf") if v.role == "part"]
        assert body.vertices[:, :2].min() >= 0 and (body.vertices[:, :2].max(axis=0) <= MINI_BED).all()
        measured = json.loads((folder / "build.json").read_text())["sides"][0]["outline"]["length_mm"]
        assert measured == pytest.approx(int(found.group(2)), abs=0.5)  # the length said is the insole's
        break


def test_the_default_bed_warning_names_a_length_that_fits(tmp_path, capsys):
    """A 300 mm foot without a [print] printer is built (default beds only warn); the
    warning names the length that fits the default PrusaSlicer bed (250 x 210 mm), and
    that length then builds without the warning."""
    code, _err, folder = build(tmp_path, capsys, 300, printer=None)
    assert code == 0
    warnings = json.loads((folder / "build.json").read_text())["warnings"]
    bed_warnings = [w for w in warnings if "does not fit the default PrusaSlicer bed (250 x 210 mm)" in w]
    assert len(bed_warnings) == 1, warnings
    found = SUGGESTED.search(bed_warnings[0])
    assert found, bed_warnings[0]
    code, _err, folder = build(tmp_path, capsys, 300, found.group(1), printer=None)
    assert code == 0
    assert not [w for w in json.loads((folder / "build.json").read_text())["warnings"] if "PrusaSlicer bed" in w]
