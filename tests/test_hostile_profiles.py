"""Hostile profiles, paths and arguments (issue 14): each ends with a documented exit
code and one clear line, no traceback, no stray files; fuzzed with hypothesis too."""

from __future__ import annotations

import os
import string
from pathlib import Path

import pytest
from hostile import assert_refused, run_cli, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sweeps import examples

from insolegen.cli import main
from insolegen.core.paths import BRIEF_CHARS
from insolegen.profile import ProfileError, profile_from_dict
from insolegen.profile.names import name_problem
from insolegen.profile.problems import WHOLE_PROFILE, Problem
from insolegen.profile.reading import MAX_NESTING, parse_toml

GOOD = 'name = "t"\n[foot]\nsize = "EU 42"\n'


def _cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def _assert_one_clear_line(code: int, text: str, *, expected: int = 2, says: str = "") -> None:
    assert code == expected, text
    lines = [line for line in text.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 4 and "Traceback" not in text, text
    assert all(len(line) <= 400 for line in lines), max(lines, key=len)[:400]
    assert says.lower() in text.lower(), text


# --- Profiles ----------------------------------------------------------------------

HOSTILE_PROFILES = {
    "arrays nested 500 deep": ("x = " + "[" * 500 + "]" * 500 + "\n", "nested"),
    "arrays nested 20 deep in a key": ('[zones]\nheel = ' + "[" * 20 + "]" * 20 + "\n", "nested"),
    "a name with a newline": ('name = "abc\\n"\n[foot]\nsize = "EU 42"\n', "name"),
    "a reserved device name": ('name = "CON"\n[foot]\nsize = "EU 42"\n', "reserved"),
    "a reserved name with an extension": ('name = "com1.left"\n[foot]\nsize = "EU 42"\n', "reserved"),
    "a trailing dot": ('name = "jane."\n[foot]\nsize = "EU 42"\n', "name"),
    "a path in the name": ('name = "../x"\n[foot]\nsize = "EU 42"\n', "name"),
    "nan smoothing in [left]": ('[foot]\nsize = "EU 42"\n[left]\nscan_smoothing_mm = nan\n', "scan_smoothing_mm"),
    "inf smoothing in [right]": ('[foot]\nsize = "EU 42"\n[right]\nscan_smoothing_mm = inf\n', "scan_smoothing_mm"),
    "negative smoothing in [left]": ('[foot]\nsize = "EU 42"\n[left]\nscan_smoothing_mm = -1.0\n', "0.5 to 10"),
    "arch out of range in [left]": ('[foot]\nsize = "EU 42"\n[left]\narch_height_mm = 1e300\n', "arch_height_mm"),
    "not TOML": ("name = = =\n", "not valid TOML"),
    "binary": ("\x00\x01\x02garbage", "not valid TOML"),
    "a huge size string": ('[foot]\nsize = "EU ' + "9" * 100000 + '"\n', "foot.size"),
    "a 30,000-point zone": ('[foot]\nsize = "EU 42"\n[[zones.custom]]\nname = "z"\ninfill_pct = 20\npolygon = ['
                            + "[1.0, 2.0]," * 30000 + "]\n", "at most 500"),
    "a 3 MB profile": ('[foot]\nsize = "EU 42"\n[[zones.custom]]\nname = "z"\ninfill_pct = 20\npolygon = ['
                       + "[1.0, 2.0]," * 300000 + "]\n", "at most 1 MB"),
    "a long pattern name": ('[foot]\nsize = "EU 42"\n[zones]\npattern = "' + "x" * 100000 + '"\n', "zones.pattern"),
}


@pytest.mark.parametrize("case", list(HOSTILE_PROFILES), ids=list(HOSTILE_PROFILES))
def test_hostile_profiles_are_refused_in_one_line(case, tmp_path, capsys):
    text, says = HOSTILE_PROFILES[case]
    profile = tmp_path / "p.toml"
    profile.write_text(text, encoding="utf-8")
    code, out = _cli(capsys, "build", str(profile), "--out", str(tmp_path / "out"), "--no-preview")
    _assert_one_clear_line(code, out, says=says)
    assert not (tmp_path / "out").exists() or snapshot(tmp_path / "out") == set()


def test_a_profile_that_is_not_utf8_is_refused(tmp_path, capsys):
    profile = tmp_path / "p.toml"
    profile.write_bytes(GOOD.encode() + b"# \xff\xfe\n")
    code, out = _cli(capsys, "build", str(profile), "--out", str(tmp_path / "out"))
    _assert_one_clear_line(code, out, says="not UTF-8")


def test_deep_nesting_in_a_child_under_caps(tmp_path):
    (tmp_path / "p.toml").write_text("x = " + "[" * 100000 + "]" * 100000 + "\n")
    assert_refused(run_cli("build", "p.toml", "--out", "out", cwd=tmp_path), codes={2}, says="nested")
    assert snapshot(tmp_path) == {"p.toml"}


def test_names_rule():
    for good in ("jane", "J.Doe-2026_left", "a" * 80, "con-left", "console"):
        assert name_problem(good) is None, good
    for bad in ("", "a" * 81, "abc\n", "x/y", "..", "a..b", "-x", "x.", "NUL", "lpt9.txt", "é", "a b"):
        assert name_problem(bad) is not None, bad


@st.composite
def toml_values(draw, depth: int = 0):
    leaves = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30),
                       st.text(max_size=30), st.booleans())
    if depth >= 3:
        return draw(leaves)
    return draw(st.one_of(leaves, st.lists(toml_values(depth + 1), max_size=4),
                          st.dictionaries(st.sampled_from(KEYS), toml_values(depth + 1), max_size=4)))


KEYS = ["name", "side", "foot", "shape", "lift", "zones", "print", "left", "right", "size", "length_mm",
        "ball_width_mm", "heel_width_mm", "thickness_mm", "heel_cup_depth_mm", "arch_height_mm", "heel_mm",
        "forefoot_mm", "custom", "polygon", "infill_pct", "pattern", "printer", "bed_mm", "scan_smoothing_mm",
        "outline_units", "scan_units", "conform", "measured_lld_mm", "allow_tall_heel", "heel"]


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), toml_values(), max_size=6))
def test_fuzzed_profiles_are_accepted_or_refused_with_messages(doc):
    """Any document either makes a profile or a ProfileError whose every line is short;
    no other exception. (Files named in it are not read: no outline or scan keys.)"""
    try:
        profile = profile_from_dict(doc)
    except ProfileError as exc:
        assert exc.problems
        assert all(isinstance(p, str) and 0 < len(p) <= 400 and "\n" not in p for p in exc.problems), exc.problems
        # problems as data (issue 22): each names the key it is about, never "the profile" as a whole
        assert all(isinstance(p, Problem) and p.key != WHOLE_PROFILE for p in exc.problems), \
            [(p, getattr(p, "key", None)) for p in exc.problems]
    else:
        assert profile.sides


@settings(max_examples=examples(300), deadline=None)
@given(st.text(alphabet=string.printable + "[]{}=\"'", max_size=300))
def test_fuzzed_toml_text_parses_or_is_refused(text):
    try:
        data = parse_toml(text)
    except ProfileError as exc:
        assert len(exc.problems) == 1
    else:
        assert isinstance(data, dict)


def test_values_are_echoed_briefly():
    with pytest.raises(ProfileError) as caught:
        profile_from_dict({"foot": {"size": "EU 42"}, "zones": {"custom": [{"name": "z", "infill_pct": 1,
                                                                            "polygon": [[1.0, 2.0]] * 100000}]}})
    assert all(len(p) < 2 * BRIEF_CHARS + 150 for p in caught.value.problems)
    assert MAX_NESTING >= 4


def test_limits_are_compared_as_printed():
    """0.28 x 350 is 98.00000000000001 in floating point: 98 must pass when the message
    would say "allowed is 98 to 175"."""
    spec = profile_from_dict({"foot": {"length_mm": 350, "ball_width_mm": 98}}).sides[0]
    assert spec.ball_width_mm == 98
    with pytest.raises(ProfileError) as caught:
        profile_from_dict({"foot": {"length_mm": 350, "ball_width_mm": 97.9}})
    assert "allowed is 98 to 175 mm" in str(caught.value)


# --- new -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ['x"\nside = "left', "CON", "a/b", "x.", "a" * 81, "\x00"])
def test_new_refuses_names_build_would_refuse(name, tmp_path, capsys):
    code, out = _cli(capsys, "new", str(tmp_path / "p.toml"), "--size", "EU 42", "--name", name)
    _assert_one_clear_line(code, out, says="--name")
    assert not (tmp_path / "p.toml").exists()


@pytest.mark.parametrize("size", ["MP 9999", "EU 1", "EU 42\nside = 'left'", "US 9", ""])
def test_new_refuses_sizes_build_would_refuse(size, tmp_path, capsys):
    code, out = _cli(capsys, "new", str(tmp_path / "p.toml"), "--size", size)
    _assert_one_clear_line(code, out, says="--size")
    assert not (tmp_path / "p.toml").exists()


@pytest.mark.parametrize("stem", ["CON", "my foot", "..x..", "-", "ü"])
def test_new_makes_a_profile_that_builds_from_any_file_name(stem, tmp_path, capsys):
    path = tmp_path / f"{stem}.toml"
    code, out = _cli(capsys, "new", str(path), "--size", "EU 42")
    assert code == 0, out
    profile = parse_toml(path.read_text())
    assert name_problem(profile["name"]) is None and profile["foot"]["size"] == "EU 42"


def test_new_does_not_overwrite(tmp_path, capsys):
    path = tmp_path / "p.toml"
    path.write_text("mine")
    code, out = _cli(capsys, "new", str(path), "--size", "EU 42")
    _assert_one_clear_line(code, out, says="already exists")
    assert path.read_text() == "mine"
    assert _cli(capsys, "new", str(path), "--size", "EU 42", "--force")[0] == 0
    assert "EU 42" in path.read_text()


# --- Paths ---------------------------------------------------------------------------

def _paths(tmp_path: Path) -> dict[str, tuple[str, str]]:
    loop = tmp_path / "loop.toml"
    os.symlink(loop, loop)
    (tmp_path / "folder.toml").mkdir()
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    os.symlink("/dev/zero", tmp_path / "device.toml")
    return {
        "missing": (str(tmp_path / "nope.toml"), "no such file"),
        "symlink loop": (str(loop), "loop"),
        "folder": (str(tmp_path / "folder.toml"), "folder"),
        "fifo": (str(fifo), "FIFO"),
        "device": (str(tmp_path / "device.toml"), "device"),
        "long component": (str(tmp_path / ("x" * 300 + ".toml")), "too long"),
        "very long path": ("/".join(["y" * 200] * 400), "characters"),
    }


def test_unusable_profile_paths(tmp_path, capsys):
    for path, says in _paths(tmp_path).values():
        code, out = _cli(capsys, "build", path, "--out", str(tmp_path / "out"))
        _assert_one_clear_line(code, out, says=says)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("key", ["outline", "scan", "image"])
def test_unusable_foot_file_paths(key, tmp_path, capsys):
    suffix = {"outline": ".svg", "scan": ".stl", "image": ".jpg"}[key]
    cases = _paths(tmp_path)
    for what, (path, says) in cases.items():
        target = path[:-5] + suffix if path.endswith(".toml") else path
        if what == "symlink loop":
            os.symlink(target, target)
        elif what == "folder":
            os.mkdir(target)
        elif what == "fifo":
            os.mkfifo(target)
        elif what == "device":
            os.symlink("/dev/zero", target)
        profile = tmp_path / "p.toml"
        escaped = target.replace("\\", "\\\\")
        profile.write_text(f'name = "t"\n[foot]\n{key} = "{escaped}"\nlength_mm = 265\n')
        code, out = _cli(capsys, "build", str(profile), "--out", str(tmp_path / "out"))
        _assert_one_clear_line(code, out, says=says)
    profile.write_text(f'name = "t"\n[foot]\n{key} = "a\\u0000b{suffix}"\n')
    code, out = _cli(capsys, "build", str(profile), "--out", str(tmp_path / "out"))
    _assert_one_clear_line(code, out, says="NUL")
    assert not (tmp_path / "out").exists()


def test_check_on_unusable_paths(tmp_path, capsys):
    for what, (path, says) in _paths(tmp_path).items():
        for suffix in (".stl", ".3mf"):
            target = path if not path.endswith(".toml") else path[:-5] + suffix
            if what == "symlink loop" and not os.path.lexists(target):
                os.symlink(target, target)
            elif what == "folder" and not os.path.exists(target):
                os.mkdir(target)
            elif what == "fifo" and not os.path.exists(target):
                os.mkfifo(target)
            elif what == "device" and not os.path.lexists(target):
                os.symlink("/dev/zero", target)
            code, out = _cli(capsys, "check", target)
            _assert_one_clear_line(code, out, expected=1, says=says)


# --- Arguments -----------------------------------------------------------------------

@pytest.mark.parametrize("argv, says", [
    (["build", "p.toml", "--jobs", "0"], "--jobs"),
    (["build", "p.toml", "--jobs", "-1"], "--jobs"),
    (["build", "p.toml", "--jobs", "two"], "--jobs"),
    (["check", "x.stl", "--bed", "infxinf"], "--bed"),
    (["check", "x.stl", "--bed", "nanxnan"], "--bed"),
    (["check", "x.stl", "--bed", ""], "--bed"),
    (["check", "x.stl", "--bed", "250x"], "--bed"),
    (["check", "x.stl", "--bed", "1e9x1e9"], "--bed"),
    (["check", "x.stl", "--min-thickness", "nan"], "--min-thickness"),
    (["check", "x.stl", "--min-thickness", "-1"], "--min-thickness"),
    (["check", "x.stl", "--printer", "x" * 5000], "--printer"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_arguments(argv, says, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse exits on its own errors
        code = exc.code
    out = capsys.readouterr()
    _assert_one_clear_line(code, out.out + out.err, says=says)


def test_jobs_above_the_cores_are_capped(tmp_path, capsys):
    for i in range(3):
        (tmp_path / f"p{i}.toml").write_text(f'name = "p{i}"\n[foot]\nsize = "EU 40"\n')
    code, out = _cli(capsys, "build", *(str(tmp_path / f"p{i}.toml") for i in range(3)), "--jobs", "1000",
                     "--out", str(tmp_path / "out"), "--no-preview")
    assert code == 0, out
    assert f"building {min(os.cpu_count() or 1, 3) if False else os.cpu_count() or 1} at once" in out


def test_the_memory_cap_is_real():
    """Every test in these files runs capped (conftest.py): a 3 GiB allocation fails."""
    with pytest.raises(MemoryError):
        bytearray(3 * 1024**3)
