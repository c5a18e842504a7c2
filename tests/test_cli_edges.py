"""What a new user tripped over (issue 8, section 3), each through the command line:
Ctrl-C during a batch and during start-up, re-running a build, the exit code of an
unwritable output folder, `check` on a missing file or a profile, unit slips, EU
women's and men's sizes, and `build --help` naming every file a build writes."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hostile import DOCUMENTED_EXIT_CODES

from insolegen.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _profiles(folder: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        path = folder / f"p{i}.toml"
        path.write_text(f'name = "p{i}"\n[foot]\nsize = "EU {38 + i % 6}"\n')
        paths.append(path)
    return paths


def _hidden(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith(".")) if out.exists() else []


def _written(out: Path) -> set[str]:
    """The builds on disk: folders holding a build.json."""
    return {p.name for p in out.iterdir() if (p / "build.json").exists()} if out.exists() else set()


# --- Ctrl-C ------------------------------------------------------------------------------

def _tally_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("interrupted:"))


def _said_written(line: str) -> set[str]:
    """The profiles the summary's last line says were written."""
    listed = re.search(r"profiles written \(([^)]*)\)", line)[1]
    return set() if listed == "none" else {Path(p.strip()).stem for p in listed.split(",")}


@pytest.mark.slow
@pytest.mark.parametrize("to", ["the process group (a terminal's Ctrl-C)", "the command only (kill -INT)"])
def test_ctrl_c_during_a_jobs_2_batch_stops_at_once_and_says_what_was_written(tmp_path, to):
    paths = _profiles(tmp_path, 10)
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-m", "insolegen", "build", *map(str, paths), "--jobs", "2",
                              "--out", str(out)], cwd=tmp_path, start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(_written(out)) < 2 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.02)
    sent = time.monotonic()
    if to.startswith("the process group"):
        os.killpg(child.pid, signal.SIGINT)
    else:
        child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=30)
    stopped_s = time.monotonic() - sent
    assert child.returncode == 130, stdout + stderr
    assert stopped_s < 2.0, f"took {stopped_s:.1f} s to stop"
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    line = _tally_line(stdout)
    on_disk = _written(out)
    assert _said_written(line) == on_disk  # the summary tells the truth, both ways
    assert 2 <= len(on_disk) < 10, line  # some were written, and the rest were not built after the Ctrl-C
    assert {p.stem for p in paths} - on_disk <= {Path(p.strip()).stem for p in line.split("not written:")[1].split(",")}
    assert sorted(p.name for p in out.iterdir()) == sorted(on_disk)  # no half-built folder
    assert _hidden(out) == []  # no lock or staging folder left behind


STUCK_WORKERS = textwrap.dedent("""
    import signal, sys, time
    import insolegen.cli as cli
    import insolegen.cli.pool as pool
    import insolegen.build.pipeline as pipeline
    def stuck(profile):  # a worker deaf to Ctrl-C, as in a long native call
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        time.sleep(60)
    pipeline.build_profile = stuck
    pool.STOP_WAIT_S = 0.3
    sys.exit(cli.main(sys.argv[1:]))
""")


def test_a_batch_that_must_kill_its_stuck_workers_clears_their_claims(tmp_path):
    paths = _profiles(tmp_path, 2)
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-c", STUCK_WORKERS, "build", *map(str, paths), "--jobs", "2",
                              "--out", str(out)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while _hidden(out) != [".p0.lock", ".p1.lock"] and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.02)
    assert _hidden(out) == [".p0.lock", ".p1.lock"], "both workers should hold their claims"
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=30)
    assert child.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr, stderr
    assert _written(out) == set() and _said_written(_tally_line(stdout)) == set()
    assert _hidden(out) == []  # the killed workers' locks went with the command


def _maps(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return ""


def _has_children(pid: int) -> bool:
    try:
        return any(Path(f"/proc/{pid}/task/{t}/children").read_text().strip() for t in os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return False


@pytest.mark.skipif(not Path(f"/proc/self/task/{os.getpid()}/children").exists(),
                    reason="watches the child's libraries and children through /proc")
@pytest.mark.parametrize("moment", ["while numpy loads", "while the workers start"])
def test_ctrl_c_during_start_up_prints_no_traceback(tmp_path, moment):
    paths = _profiles(tmp_path, 4)
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-m", "insolegen", "build", *map(str, paths), "--jobs", "2",
                              "--out", str(out)], cwd=tmp_path, start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready = (lambda: "numpy" in _maps(child.pid)) if moment == "while numpy loads" else (lambda: _has_children(child.pid))
    deadline = time.monotonic() + 30
    while not ready() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    assert child.poll() is None, "the command ended before the moment came"
    os.killpg(child.pid, signal.SIGINT)
    stdout, stderr = child.communicate(timeout=30)
    assert child.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    assert "interrupted" in stderr + stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(_written(out)) if out.exists() else True
    assert _hidden(out) == []


def test_ctrl_c_in_a_one_at_a_time_batch_stops_it_and_says_what_was_written(tmp_path, capsys, monkeypatch):
    import insolegen.build.pipeline as pipeline

    real = pipeline.build_profile
    built = []

    def build_profile(profile, *args, **kwargs):
        built.append(profile.name)
        if len(built) == 2:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the second one builds
        return real(profile, *args, **kwargs)

    monkeypatch.setattr(pipeline, "build_profile", build_profile)
    out = tmp_path / "out"
    code, stdout, stderr = run(capsys, "build", *map(str, _profiles(tmp_path, 3)), "--out", str(out), "--no-preview")
    assert code == 130 and "Traceback" not in stderr
    assert built == ["p0", "p1"] and _written(out) == {"p0"}  # p1 stopped, p2 never started
    line = _tally_line(stdout)
    assert _said_written(line) == {"p0"} and "not written: " in line and "p1.toml" in line and "p2.toml" in line
    assert "not started" in stdout and "p1.toml: interrupted: nothing written" in stderr
    assert sorted(p.name for p in out.iterdir()) == ["p0"]  # no lock, no staging folder


def test_ctrl_c_while_a_build_is_swapped_in_lets_it_finish_and_says_so(tmp_path, capsys, monkeypatch):
    import insolegen.exports.files as files

    real = files.publish

    def publish(claim, content):
        os.kill(os.getpid(), signal.SIGINT)  # arrives while the files are being written
        real(claim, content)

    monkeypatch.setattr(files, "publish", publish)
    out = tmp_path / "out"
    code, stdout, stderr = run(capsys, "build", *map(str, _profiles(tmp_path, 2)), "--out", str(out), "--no-preview")
    assert code == 130 and "Traceback" not in stderr
    assert _written(out) == {"p0"}  # the first one is whole; the second was not started
    assert _said_written(_tally_line(stdout)) == {"p0"}
    assert json.loads((out / "p0" / "build.json").read_text())["name"] == "p0"


def test_ctrl_c_during_a_single_builds_swap_says_it_was_written(tmp_path, capsys, monkeypatch):
    """Issue 29: it exited 130 with nothing said while the new build had replaced the old."""
    import insolegen.exports.files as files

    real = files.publish

    def publish(claim, content):
        os.kill(os.getpid(), signal.SIGINT)
        real(claim, content)

    monkeypatch.setattr(files, "publish", publish)
    out = tmp_path / "out"
    (profile,) = _profiles(tmp_path, 1)
    code, _stdout, stderr = run(capsys, "build", str(profile), "--out", str(out), "--no-preview")
    assert code == 130 and "Traceback" not in stderr
    assert "interrupted after the build was written" in stderr, stderr
    assert _written(out) == {"p0"}


# --- Re-running a build ----------------------------------------------------------------

def test_re_running_a_batch_says_exists_and_touches_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # short paths: one table row per profile
    out = Path("out")
    paths = [p.relative_to(tmp_path) for p in _profiles(tmp_path, 3)]
    assert run(capsys, "build", *map(str, paths[:2]), "--out", str(out), "--no-preview")[0] == 0
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    code, stdout, _stderr = run(capsys, "build", *map(str, paths), "--out", str(out), "--no-preview")
    assert code == 2  # README: refused, nothing overwritten (the new one is built)
    rows = {line.split("│")[1].strip(): line for line in stdout.splitlines() if line.count("│") > 4}
    assert "exists (use --force)" in rows["p0.toml"] and "exists (use --force)" in rows["p1.toml"]
    assert " ok " in rows["p2.toml"]
    assert "bad input" not in stdout
    assert "1 of 3 profiles built; 2 already built earlier" in stdout
    assert {p: p.stat().st_mtime_ns for p in before} == before  # nothing of the earlier builds touched
    assert _written(out) == {"p0", "p1", "p2"}
    assert run(capsys, "build", *map(str, paths), "--out", str(out), "--no-preview", "--force")[0] == 0


# --- Exit codes ------------------------------------------------------------------------

def test_the_harness_knows_the_documented_exit_codes():
    """The codes the hostile harness accepts are exactly the README's table's rows, and
    the CLI's own constants."""
    from insolegen.cli import console as cli

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("### Exit codes"):readme.index("## Set up and run the tests")]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", section, re.M)}
    assert DOCUMENTED_EXIT_CODES == documented == {0, 1, 2, 3, 130}
    assert {cli.EXIT_OK, cli.EXIT_FAILED, cli.EXIT_BAD_INPUT, cli.EXIT_UNWRITABLE, cli.EXIT_INTERRUPTED} == documented


def test_an_output_folder_under_a_file_exits_3_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "afile").write_text("mine")
    profile = _profiles(tmp_path, 1)[0]
    for out in (tmp_path / "afile", tmp_path / "afile" / "deeper"):
        code, stdout, stderr = run(capsys, "build", str(profile), "--out", str(out), "--no-preview")
        assert code == 3, stderr
        assert "afile" in stderr and "a file, not a folder" in stderr and "nothing was written" in stderr
        assert len(stderr.strip().splitlines()) == 1 and not stdout
    assert (tmp_path / "afile").read_text() == "mine"
    code, _, stderr = run(capsys, "new", str(tmp_path / "afile" / "me.toml"), "--size", "EU 42")
    assert code == 3 and "cannot write the profile" in stderr and "a file, not a folder" in stderr


@pytest.mark.parametrize("error, says", [(errno.EROFS, "read-only file system"),
                                          (errno.EACCES, "permission denied")])
def test_an_output_folder_that_cannot_be_made_exits_3(tmp_path, capsys, monkeypatch, error, says):
    import insolegen.exports.files as files

    def refused(folder):
        raise OSError(error, os.strerror(error), str(folder))

    monkeypatch.setattr(files, "_make_folder", refused)
    code, _, stderr = run(capsys, "build", str(_profiles(tmp_path, 1)[0]), "--out", str(tmp_path / "o"))
    assert code == 3 and says in stderr and "cannot make the folder" in stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_output_folder_exits_3(tmp_path, capsys):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        code, _, stderr = run(capsys, "build", str(_profiles(tmp_path, 1)[0]), "--out", str(out))
    finally:
        out.chmod(0o755)
    assert code == 3 and "permission denied" in stderr and list(out.iterdir()) == []


def test_check_names_a_missing_file_and_a_profile_for_what_they_are(tmp_path, capsys):
    code, stdout, _ = run(capsys, "check", str(tmp_path / "missing.stl"))
    assert code == 1 and "missing.stl: cannot check it: no such file" in stdout and "NOT PRINTABLE" not in stdout
    profile = _profiles(tmp_path, 1)[0]
    code, stdout, _ = run(capsys, "check", str(profile))
    assert code == 1 and "expected an STL or 3MF" in stdout and "not a .toml file" in stdout
    assert f"insolegen build {profile}" in stdout  # what the user probably meant
    code, stdout, _ = run(capsys, "check", str(tmp_path))
    assert code == 1 and "a folder, not a file" in stdout


# --- build --help ---------------------------------------------------------------------------

def test_build_help_names_every_file_a_build_writes(tmp_path, capsys):
    profile = tmp_path / "zz.toml"
    profile.write_text('[foot]\nsize = "EU 40"\n')
    assert run(capsys, "build", str(profile), "--out", str(tmp_path / "out"))[0] == 0
    written = sorted(p.name for p in (tmp_path / "out" / "zz").iterdir())
    assert len(written) == 9
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    shown = capsys.readouterr().out
    for name in written:
        pattern = re.sub(r"^zz-(left|right)", "<name>-<side>", name)
        assert re.search(rf"^\s+{re.escape(pattern)}\s+\S", shown, re.M), (pattern, shown)


# --- Unit slips -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, says", [
    ('[foot]\nlength_mm = 26.5\n', "foot.length_mm = 26.5 is out of range: allowed is 120 to 350 mm "
                                   "(centimetres? 26.5 cm is 265 mm)"),
    ('[foot]\nsize = "MP 26.5"\n', 'gives a foot length of 26 mm: allowed is 120 to 350 mm (centimetres? '
                                   'Mondopoint is the foot length in mm: write "MP 265")'),
    ('[foot]\nsize = "EU 42"\n[lift]\nside = "left"\nheel_mm = 6\nmeasured_lld_mm = 0.9\n',
     "667 % of measured_lld_mm = 0.9: more than the whole discrepancy (centimetres? 0.9 cm is 9 mm)"),
    ('[foot]\nsize = "EU 42"\n[left]\nball_width_mm = 9.8\n', "(centimetres? 9.8 cm is 98 mm)"),
])
def test_a_length_in_centimetres_is_refused_with_the_mm_it_would_be(tmp_path, capsys, text, says):
    profile = tmp_path / "p.toml"
    profile.write_text(text)
    code, _stdout, stderr = run(capsys, "build", str(profile), "--out", str(tmp_path / "out"))
    assert code == 2 and says in stderr, stderr
    assert not (tmp_path / "out").exists()


def test_a_discrepancy_in_centimetres_that_is_in_range_gets_a_warning_with_the_hint(tmp_path, capsys):
    profile = tmp_path / "p.toml"
    profile.write_text('[foot]\nsize = "EU 42"\n[lift]\nside = "left"\nheel_mm = 0.6\nmeasured_lld_mm = 0.9\n')
    code, _, stderr = run(capsys, "build", str(profile), "--out", str(tmp_path / "out"), "--no-preview")
    assert code == 0
    hint = "under 3 mm is usually not treated unless symptomatic (centimetres? 0.9 cm is 9 mm)"
    assert hint in stderr
    assert any(hint in w for w in json.loads((tmp_path / "out" / "p" / "build.json").read_text())["warnings"])


@pytest.mark.parametrize("text", ['[foot]\nlength_mm = 100\n', '[foot]\nlength_mm = 400\n',
                                  '[foot]\nsize = "EU 42"\n[lift]\nside = "left"\nheel_mm = 1\nmeasured_lld_mm = 0.2\n'])
def test_no_centimetre_hint_where_centimetres_make_no_sense_either(tmp_path, capsys, text):
    profile = tmp_path / "p.toml"
    profile.write_text(text)
    _, _, stderr = run(capsys, "build", str(profile), "--out", str(tmp_path / "out"), "--no-preview")
    assert stderr and "centimetres?" not in stderr


def test_new_with_a_mondopoint_size_in_centimetres(tmp_path, capsys):
    code, _, stderr = run(capsys, "new", str(tmp_path / "p.toml"), "--size", "MP 26.5")
    assert code == 2 and 'write "MP 265"' in stderr and not (tmp_path / "p.toml").exists()


# --- EU women's and men's sizes -----------------------------------------------------------------

def test_eu_sizes_marked_womens_or_mens_get_their_defaults(tmp_path, capsys):
    found = {}
    for i, size in enumerate(("EU W 39", "eu m 39", "EU 39", "EUW 39")):
        profile = tmp_path / f"size{i}.toml"
        profile.write_text(f'side = "left"\n[foot]\nsize = "{size}"\n')
        code, _, stderr = run(capsys, "build", str(profile), "--out", str(tmp_path / "out"), "--no-preview")
        assert code == 0, stderr
        side = json.loads((tmp_path / "out" / profile.stem / "build.json").read_text())["sides"][0]
        found[size] = (side["parameters"]["foot_length_mm"], side["parameters"]["heel_cup_depth_mm"],
                       side["heights"]["heel_cup_rim"]["measured_mm"])
    length = 39 / 1.5 * 10 - 15  # Paris point, the same for women and men
    assert found["EU W 39"][:2] == found["EUW 39"][:2] == pytest.approx((length, 10.0))
    assert found["eu m 39"][:2] == found["EU 39"][:2] == pytest.approx((length, 12.0))
    assert found["EU W 39"][2] == pytest.approx(3.0 + 10.0, abs=0.2)  # the rim on the mesh is lower
    assert found["eu m 39"][2] == pytest.approx(3.0 + 12.0, abs=0.2)


def test_new_writes_an_eu_womens_size_with_its_heel_cup(tmp_path, capsys):
    profile = tmp_path / "w.toml"
    assert run(capsys, "new", str(profile), "--size", "eu w 39")[0] == 0
    text = profile.read_text()
    assert 'size = "EU W 39"' in text and re.search(r"^heel_cup_depth_mm = 10\b", text, re.M)
    code, _, stderr = run(capsys, "new", str(tmp_path / "x.toml"), "--size", "EU X 39")
    assert code == 2 and '"EU W 39"' in stderr


@pytest.mark.slow
@pytest.mark.parametrize("to", ["the process group (a terminal's Ctrl-C)", "the command only (kill -INT)"])
def test_ctrl_c_during_a_lattice_build_stops_within_two_seconds(tmp_path, to):
    """Issue 29: a lattice pair spends tens of seconds in native meshing and booleans,
    where Python's own Ctrl-C handler cannot act (three presses took 54 s). The command
    builds it in a worker process and stops it within STOP_WAIT_S (1.5 s): exit 130, one
    line, nothing written, no lock or staging folder left."""
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-m", "insolegen", "build", str(ROOT / "profiles" / "lattice-pair.toml"),
                              "--out", str(out), "--no-preview"], cwd=tmp_path, start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(8.0)  # well into the lattice (the plain parts take about a second)
    assert child.poll() is None, "the lattice build ended before it could be interrupted"
    sent = time.monotonic()
    if to.startswith("the process group"):
        os.killpg(child.pid, signal.SIGINT)
    else:
        child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=60)
    stopped_s = time.monotonic() - sent
    assert child.returncode == 130, stdout + stderr
    assert stopped_s < 2.5, f"took {stopped_s:.1f} s to stop"
    assert stderr.strip().endswith("lattice-pair.toml: interrupted: nothing written"), stderr
    assert "Traceback" not in stderr
    assert not out.exists() or (list(out.iterdir()) == [] and _hidden(out) == [])
