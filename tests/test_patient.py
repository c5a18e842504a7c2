"""The patient's record (issue 8, section 2), through the command line: a name in any
script shown as written, a [patient] table checked and carried into build.json and the
typed record, file and folder names from a safe slug, collisions in a batch refused,
and `insolegen new --name` end to end."""

from __future__ import annotations

import dataclasses
import datetime
import json
import tomllib
from pathlib import Path

import pytest

from insolegen.cli import main
from insolegen.profile import load_profile
from insolegen.profile.names import name_problem
from insolegen.profile.reading import profile_stem

ROOT = Path(__file__).resolve().parents[1]

RECORD = '''name = "Ana Lima"
side = "left"
[patient]
id = "P-2291"
date_of_birth = "1961-04-02"
clinician = "R. Okafor, CPO"
diagnosis = """LLD 9 mm, right short;
plantar fasciitis"""
shoe = "walking shoe, removable insole, US W 8"
notes = "first pair <b>&amp;</b> review in 6 weeks"
[foot]
size = "EU W 38"
'''


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _write(folder: Path, file: str, text: str) -> Path:
    path = folder / file
    path.write_text(text, encoding="utf-8")
    return path


def test_the_record_is_in_build_json_and_the_files_are_named_by_the_slug(tmp_path, capsys):
    profile = _write(tmp_path, "ana.toml", RECORD)
    out = tmp_path / "out"
    code, _stdout, stderr = run(capsys, "build", str(profile), "--out", str(out))
    assert code == 0, stderr
    folder = out / "ana-lima-p-2291"  # the name's slug and the id's: two Ana Limas get two folders
    assert sorted(p.name for p in folder.iterdir()) == [
        "ana-lima-p-2291-left.3mf", "ana-lima-p-2291-left.orca.3mf", "ana-lima-p-2291-left.stl",
        "build.json", "preview.png", "report.html"]
    built = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    assert built["name"] == "Ana Lima" and built["file_stem"] == "ana-lima-p-2291"
    assert built["patient"] == {
        "id": "P-2291", "date_of_birth": "1961-04-02", "clinician": "R. Okafor, CPO",
        "diagnosis": "LLD 9 mm, right short;\nplantar fasciitis", "shoe": "walking shoe, removable insole, US W 8",
        "notes": "first pair <b>&amp;</b> review in 6 weeks", "diabetic": False, "mass_kg": None}
    assert (folder / "ana-lima-p-2291-left.stl").read_bytes()[:80].startswith(b"insolegen ana-lima-p-2291 left mm")
    assert "Ana Lima" in (folder / "report.html").read_text(encoding="utf-8")  # the name as written


def test_the_record_is_typed_and_frozen_on_the_profile(tmp_path):
    profile = load_profile(_write(tmp_path, "ana.toml", RECORD.replace('"1961-04-02"', "1961-04-02")))
    assert profile.name == "Ana Lima" and profile.file_stem == "ana-lima-p-2291"
    assert profile.patient.date_of_birth == datetime.date(1961, 4, 2)  # a TOML date works as the string does
    assert profile.patient.clinician == "R. Okafor, CPO"
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.patient.notes = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("name, patient, folder", [
    ("Müller Jörg", "", "muller-jorg"),
    ("Straße Øre, Łódź Đukić Æbeltoft", "", "strasse-ore-lodz-dukic-aebeltoft"),
    ("Иван Петров", "", "ivan-petrov"),
    ("Юлия Щербакова", "", "yuliya-shcherbakova"),
    ("Γιώργος Παπαδόπουλος", "", "giorgos-papadopoulos"),
    ("王芳", 'id = "MRN 0045"', "mrn-0045"),  # no Latin form: the id names the files
    ("José María O'Neill-García", "", "jose-maria-o-neill-garcia"),
    ("Jane_Doe-2", "", "Jane_Doe-2"),  # already a file name: as before names were free text
])
def test_folder_names_are_a_transliterated_slug(tmp_path, capsys, name, patient, folder):
    profile = _write(tmp_path, "p.toml", f'name = "{name}"\nside = "right"\n[patient]\n{patient}\n'
                                         '[foot]\nsize = "EU 40"\n')
    out = tmp_path / "out"
    code, _, stderr = run(capsys, "build", str(profile), "--out", str(out), "--no-preview")
    assert code == 0, stderr
    assert [p.name for p in out.iterdir()] == [folder] and name_problem(folder) is None
    assert (out / folder / f"{folder}-right.stl").exists()
    assert json.loads((out / folder / "build.json").read_text(encoding="utf-8"))["name"] == name


def test_profiles_written_before_keep_their_folders(tmp_path, capsys):
    for path in sorted((ROOT / "profiles").glob("*.toml")):
        with path.open("rb") as handle:
            assert profile_stem(path) == tomllib.load(handle).get("name", path.stem), path
    profile = _write(tmp_path, "legacy.toml", 'name = "J.Doe-2026_left"\n[foot]\nsize = "EU 40"\n')
    assert run(capsys, "build", str(profile), "--out", str(tmp_path / "out"), "--no-preview")[0] == 0
    assert (tmp_path / "out" / "J.Doe-2026_left" / "J.Doe-2026_left-left.stl").exists()


@pytest.mark.parametrize("text, says", [
    ('name = "王芳"\n', 'has no letter or digit with a Latin form to name the files by: set patient.id'),
    ('name = "Ana\\nLima"\n', "contains a control character (U+000A)"),
    ('name = "Ana \\u202eamiL"\n', "contains a control character (U+202E)"),
    ('name = "../Ana"\n', "not allowed in a name, which the file names come from"),
    ('name = "   "\n', "is empty"),
    ('name = "' + "Ana " * 40 + '"\n', "at most 120"),
    ('name = "Ana"\n[patient]\nid = "李"\n', "patient.id = '李' has no letter or digit with a Latin form"),
    ('name = "Ana"\n[patient]\nid = 2291\n', "patient.id = 2291 has the wrong type: expected a string"),
    ('name = "Ana"\n[patient]\nid = ""\n', "patient.id = '' is empty"),
    ('name = "Ana"\n[patient]\ndate_of_birth = "1961-02-30"\n', 'is not a date: write it as YYYY-MM-DD'),
    ('name = "Ana"\n[patient]\ndate_of_birth = "02/04/1961"\n', 'is not a date: write it as YYYY-MM-DD'),
    ('name = "Ana"\n[patient]\ndate_of_birth = "2999-01-01"\n', "2999-01-01 is in the future"),
    ('name = "Ana"\n[patient]\ndate_of_birth = 1861-04-02\n', "is before 1900"),
    ('name = "Ana"\n[patient]\ndate_of_birth = 1961-04-02T10:00:00\n', "is not a date: give the day only"),
    ('name = "Ana"\n[patient]\nnotes = "' + "x" * 2001 + '"\n', "is too long (2001 characters): at most 2000"),
    ('name = "Ana"\n[patient]\nclinician = "Dr.\\u0007 Who"\n', "patient.clinician = 'Dr.\\x07 Who' contains a control"),
    ('name = "Ana"\n[patient]\nshoe = """two\nlines"""\n', "(a line break is allowed in diagnosis and notes)"),
    ('name = "Ana"\n[patient]\nphone = "555"\n', "patient.phone: unknown key; allowed here: id, date_of_birth"),
])
def test_a_bad_record_is_refused_with_one_clear_line(tmp_path, capsys, text, says):
    profile = _write(tmp_path, "p.toml", text + ('' if "[patient]" in text else "[patient]\n") + '[foot]\nsize = "EU 40"\n')
    code, _stdout, stderr = run(capsys, "build", str(profile), "--out", str(tmp_path / "out"))
    assert code == 2 and says in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    assert not (tmp_path / "out").exists()


def test_two_profiles_of_one_folder_in_a_batch_are_refused_naming_both(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = _write(tmp_path, "a.toml", 'name = "Müller Jörg"\nside = "left"\n[foot]\nsize = "EU 40"\n')
    same = _write(tmp_path, "b.toml", 'name = "Muller  Jorg"\nside = "left"\n[foot]\nsize = "EU 41"\n')
    case = _write(tmp_path, "c.toml", 'name = "MULLER-JORG"\nside = "left"\n[foot]\nsize = "EU 41"\n')
    other = _write(tmp_path, "d.toml", 'name = "Müller Jörg"\nside = "left"\n[patient]\nid = "7"\n'
                                       '[foot]\nsize = "EU 42"\n')
    code, stdout, stderr = run(capsys, "build", *(p.name for p in (first, same, case, other)), "--out", "out",
                               "--no-preview")
    assert code == 2
    assert "b.toml: builds out/muller-jorg, as a.toml in this batch does: not built" in stderr
    assert "c.toml: builds out/MULLER-JORG, as a.toml in this batch does" in stderr  # one folder on macOS, Windows
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["muller-jorg", "muller-jorg-7"]
    assert json.loads((tmp_path / "out" / "muller-jorg" / "build.json").read_text())["sides"][0]["parameters"][
        "size"] == "EU 40"  # the first one's
    assert "2 of 4 profiles built" in stdout


def test_new_with_a_name_writes_a_profile_that_builds(tmp_path, capsys):
    profile = tmp_path / "p.toml"
    code, _stdout, _ = run(capsys, "new", str(profile), "--name", "Ana Lima", "--size", "EU W 38")
    assert code == 0 and "ana-lima-left.stl" in profile.read_text(encoding="utf-8")
    code, _, stderr = run(capsys, "build", str(profile), "--out", str(tmp_path / "out"), "--no-preview")
    assert code == 0, stderr
    built = json.loads((tmp_path / "out" / "ana-lima" / "build.json").read_text(encoding="utf-8"))
    assert built["name"] == "Ana Lima" and built["patient"]["id"] is None


def test_new_with_a_name_in_quotes_and_another_script(tmp_path, capsys):
    profile = tmp_path / "q.toml"
    assert run(capsys, "new", str(profile), "--name", 'Zoë "Z" Ngũgĩ', "--size", "EU 40")[0] == 0
    assert load_profile(profile).name == 'Zoë "Z" Ngũgĩ'  # quotes survive the TOML round trip
    code, _, stderr = run(capsys, "new", str(tmp_path / "w.toml"), "--name", "王芳", "--size", "EU 38")
    assert code == 2 and "--patient-id" in stderr and not (tmp_path / "w.toml").exists()
    code, _, _ = run(capsys, "new", str(tmp_path / "w.toml"), "--name", "王芳", "--size", "EU 38",
                     "--patient-id", "P-7")
    assert code == 0
    assert run(capsys, "build", str(tmp_path / "w.toml"), "--out", str(tmp_path / "out"), "--no-preview")[0] == 0
    built = json.loads((tmp_path / "out" / "p-7" / "build.json").read_text(encoding="utf-8"))
    assert built["name"] == "王芳" and built["patient"]["id"] == "P-7"
    code, _, stderr = run(capsys, "new", str(tmp_path / "x.toml"), "--name", "Ana", "--size", "EU 38",
                          "--patient-id", "a\x01b")
    assert code == 2 and "patient.id" in stderr and "U+0001" in stderr and not (tmp_path / "x.toml").exists()
