"""The designer's API (issue 11), in process through Starlette's test client: the
schema, previews, builds and their files, TOML parsing, uploads, bad input (4xx with the
CLI's messages, never a crash), and eight clients building at once."""

from __future__ import annotations

import io
import json
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import trimesh
from starlette.testclient import TestClient

from insolegen.cli import main
from insolegen.web.app import Session, make_app

PLAIN = 'name = "ana"\nside = "right"\n[foot]\nsize = "EU 42"\n'


@pytest.fixture(scope="module")
def session():
    s = Session()
    yield s
    s.close()


@pytest.fixture(scope="module")
def client(session):
    with TestClient(make_app(session)) as c:
        yield c


def test_the_schema_is_the_profiles_with_units_and_ranges(client):
    schema = client.get("/api/schema").json()
    shape = schema["$defs"]["ShapeTable"]["properties"]
    arch = shape["arch_height_mm"]
    options = arch.get("anyOf", [arch])
    number = next(o for o in options if o.get("type") == "number")
    assert (number["minimum"], number["maximum"]) == (0.0, 35.0)
    assert arch.get("x-unit") == "mm"
    assert arch.get("description") == "the medial arch above the base, at its apex"  # its comment in the schema
    assert schema["$defs"]["SideTable"]["properties"]["arch_height_mm"]["description"] == arch["description"]
    assert {"foot", "shape", "modifications", "pressure", "left", "right"} <= set(schema["properties"])


def test_the_page_and_its_three_js_are_served_from_the_package(client):
    page = client.get("/")
    assert page.status_code == 200 and '<script type="module" src="/static/app.js">' in page.text
    assert "https://" not in page.text and "http://" not in page.text  # nothing from the internet
    for asset in ("/static/app.js", "/static/vendor/three/three.module.js", "/static/vendor/three/three.core.js",
                  "/static/vendor/three/addons/loaders/GLTFLoader.js",
                  "/static/vendor/three/addons/controls/OrbitControls.js", "/static/vendor/three/LICENSE"):
        assert client.get(asset).status_code == 200, asset


def test_a_preview_is_a_glb_of_each_side_with_its_heights(client):
    answer = client.post("/api/preview", json={"profile": 'name = "ana"\n[foot]\nsize = "EU 42"\n'
                                               "[shape]\narch_height_mm = 18\n"})
    assert answer.status_code == 200
    body = answer.json()
    assert [s["side"] for s in body["sides"]] == ["left", "right"]
    from insolegen.build.pipeline import build_profile
    from insolegen.profile import profile_from_dict

    exact = build_profile(profile_from_dict({"foot": {"size": "EU 42"}, "shape": {"arch_height_mm": 18}}))
    for side, record in zip(body["sides"], exact.record.sides):
        # the coarse mesh's apex (0.25 mm from the surface) against the exact build's: 3 mm base + 18 mm arch
        assert side["heights"]["arch_apex"]["z"] == pytest.approx(record.heights["arch_apex"].measured_mm, abs=0.3)
        assert record.heights["arch_apex"].measured_mm == pytest.approx(21.0, abs=0.1)
    scene = trimesh.load(io.BytesIO(__import__("base64").b64decode(body["glb"])), file_type="glb")
    meshes = list(scene.geometry.values())
    assert len(meshes) == 2
    for mesh in meshes:
        colours = np.unique(mesh.visual.vertex_colors[:, :3], axis=0)
        assert len(colours) >= 4  # zones in colour, walls and underside grey


def test_a_build_gives_the_record_and_every_file_each_a_valid_solid(client, tmp_path):
    answer = client.post("/api/build", json={"profile": PLAIN})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["record"]["sides"][0]["side"] == "right"
    names = set(body["files"])
    assert {"ana-right.stl", "ana-right.3mf", "ana-right.orca.3mf", "report.html", "build.json", "ana.toml",
            "ana.zip"} <= names
    for name in ("ana-right.stl", "ana-right.3mf", "ana-right.orca.3mf"):
        data = client.get(body["files"][name])
        assert data.status_code == 200
        (tmp_path / name).write_bytes(data.content)
    assert main(["check", *(str(tmp_path / n) for n in ("ana-right.stl", "ana-right.3mf", "ana-right.orca.3mf"))]) == 0
    archive = zipfile.ZipFile(io.BytesIO(client.get(body["files"]["ana.zip"]).content))
    assert "ana/ana-right.stl" in archive.namelist()
    assert client.get(body["files"]["ana.toml"]).text == PLAIN


def test_a_json_profile_builds_and_its_toml_reads_back(client):
    profile = {"name": "bo", "side": "left", "foot": {"size": "EU 40"}, "shape": {"arch_height_mm": 12.5},
               "modifications": {"mth_relief_mm": [0, 1.5, 0, 0, 0]}}
    answer = client.post("/api/build", json={"profile": profile})
    assert answer.status_code == 200, answer.text
    toml = client.get(answer.json()["files"]["bo.toml"]).text
    parsed = client.post("/api/parse", json={"profile": toml}).json()["profile"]
    assert parsed == profile


@pytest.mark.parametrize("profile, key, says", [
    ('[foot]\nsize = "EU 42"\n[shape]\narch_height_mm = 40\n', "shape.arch_height_mm", "allowed"),
    ('[foot]\nsize = "EU 99"\n', "foot.size", "EU 99"),
    ('[foot]\nsize = "EU 42"\n[shape]\nbogus = 1\n', "shape.bogus", "bogus"),
    ("[foot\n", "profile", "not valid TOML"),
    ('[foot]\noutline = "/etc/passwd"\n', "foot.outline", "uploaded first"),
    ('side = "right"\n[foot]\nsize = "EU 42"\n[pressure]\nfile = "../../x.csv"\n', "pressure.file", "uploaded first"),
])
def test_a_bad_profile_is_a_422_naming_the_key(client, profile, key, says):
    for endpoint in ("/api/preview", "/api/build"):
        answer = client.post(endpoint, json={"profile": profile})
        assert answer.status_code == 422, answer.text
        problems = answer.json()["problems"]
        assert any(p["key"] == key and says in p["message"] for p in problems), problems


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"profile": 3}'])
def test_a_body_that_is_no_profile_is_a_4xx(client, body):
    answer = client.post("/api/preview", content=body, headers={"Content-Type": "application/json"})
    assert 400 <= answer.status_code < 500


def test_a_file_of_another_build_or_path_is_not_served(client):
    assert client.get("/api/files/000000000000000000000000/build.json").status_code == 404
    assert client.get("/api/files/..%2F..%2Fetc/passwd").status_code == 404


def test_uploads_are_sniffed_named_at_random_and_used_by_name(client, session, outline_svg):
    answer = client.post("/api/upload", files={"file": ("foot.svg", outline_svg, "image/svg+xml")})
    assert answer.status_code == 200, answer.text
    name = answer.json()["file"]
    assert name.startswith("uploads/") and name.endswith(".svg") and "foot" not in name
    assert (session.root / name).read_bytes() == outline_svg
    built = client.post("/api/preview", json={"profile": f'side = "right"\n[foot]\noutline = "{name}"\n'})
    assert built.status_code == 200, built.text
    # content that is not what its name says, an unknown kind, no file
    assert client.post("/api/upload", files={"file": ("foot.svg", b"hello", "image/svg+xml")}).status_code == 415
    assert client.post("/api/upload", files={"file": ("foot.exe", b"MZ", "application/x")}).status_code == 415
    assert client.post("/api/upload", data={"x": "1"}).status_code == 400


@pytest.fixture(scope="module")
def outline_svg():
    from pathlib import Path

    tracing = sorted((Path(__file__).parents[1] / "profiles" / "tracings").glob("*.svg"))[0]
    return tracing.read_bytes()


def test_eight_clients_building_at_once_each_get_their_own(client):
    sizes = ["EU 36", "EU 38", "EU 40", "EU 41", "EU 42", "EU 43", "EU 45", "EU 47"]

    def one(size: str):
        answer = client.post("/api/build", json={"profile": f'name = "c"\nside = "right"\n[foot]\nsize = "{size}"\n'})
        return size, answer.status_code, answer.json()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, sizes))
    lengths = []
    for _size, status, body in results:
        assert status == 200, body
        lengths.append(body["record"]["sides"][0]["outline"]["length_mm"])
        record = json.loads(client.get(body["files"]["build.json"]).text)
        assert record["sides"][0]["outline"]["length_mm"] == lengths[-1]
    assert lengths == sorted(lengths) and len(set(lengths)) == 8
    assert len({body["id"] for _, _, body in results}) == 8


def test_the_session_folder_goes_with_the_server():
    app = make_app()
    with TestClient(app) as c:
        assert c.post("/api/build", json={"profile": PLAIN}).status_code == 200
        root = app.state.session.root
        assert any((root / "builds").iterdir())
    assert not root.exists()


def test_serve_binds_this_machine_unless_told_and_warns_when_told(monkeypatch, capsys):
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, log_level: seen.update(host=host, port=port))
    assert main(["serve"]) == 0
    assert seen == {"host": "127.0.0.1", "port": 8765}
    assert "warning" not in capsys.readouterr().err
    assert main(["serve", "--host", "0.0.0.0", "--port", "9000"]) == 0
    assert seen == {"host": "0.0.0.0", "port": 9000}
    assert "warning: serving on 0.0.0.0" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_serve_refuses_a_port_out_of_range(port, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--port", port])
    assert exit_.value.code == 2
    assert "--port" in capsys.readouterr().err


def test_a_lift_shows_on_the_preview_walls(client):
    import base64

    answer = client.post("/api/preview", json={"profile": 'side = "right"\n[foot]\nsize = "EU 42"\n'
                                               '[lift]\nside = "right"\nheel_mm = 8\nforefoot_mm = 4\n'})
    assert answer.status_code == 200, answer.text
    scene = trimesh.load(io.BytesIO(base64.b64decode(answer.json()["glb"])), file_type="glb")
    colours = next(iter(scene.geometry.values())).visual.vertex_colors[:, :3]
    from insolegen.web.preview_mesh import LIFT_RGB, _linear

    lift = _linear(np.array([[*LIFT_RGB, 255]], dtype=np.uint8))[0, :3]
    assert np.count_nonzero(np.all(colours == lift, axis=1)) > 100


@pytest.mark.parametrize("body", [{"profile": "[foot\n"}, {"profile": 5}, {}])
def test_parse_refuses_what_is_no_toml(client, body):
    answer = client.post("/api/parse", json=body)
    assert answer.status_code == 422 and answer.json()["problems"]


def test_an_upload_over_the_limit_is_refused_and_not_kept(client, session, monkeypatch, outline_svg):
    import insolegen.web.app as app_module

    before = set((session.root / "uploads").iterdir())
    monkeypatch.setattr(app_module, "MAX_UPLOAD_BYTES", len(outline_svg) - 1)
    answer = client.post("/api/upload", files={"file": ("foot.svg", outline_svg, "image/svg+xml")})
    assert answer.status_code == 413 and "over" in answer.json()["error"]
    assert set((session.root / "uploads").iterdir()) == before


LATTICE = ('name = "lat"\nside = "right"\n[foot]\nsize = "EU 36"\n[shape]\nthickness_mm = 10\n'
           'heel_thickness_mm = 10\n[lattice]\nenabled = true\ncell_mm = 8\n')


@pytest.mark.slow  # a lattice part: seconds to tens of seconds
def test_a_lattice_build_from_the_page_gives_its_lattice_files_checked(client, tmp_path):
    answer = client.post("/api/build", json={"profile": LATTICE})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    lattice = body["record"]["sides"][0]["lattice"]
    assert lattice["bodies"] == 1 and lattice["thinnest_wall_mm"] >= 0.75
    for name in ("lat-right-lattice.stl", "lat-right-lattice.3mf"):
        (tmp_path / name).write_bytes(client.get(body["files"][name]).content)
    assert main(["check", str(tmp_path / "lat-right-lattice.stl"), str(tmp_path / "lat-right-lattice.3mf")]) == 0


def test_a_lattice_too_thick_for_its_base_is_a_422_naming_the_key(client):
    answer = client.post("/api/preview", json={"profile": LATTICE.replace("cell_mm = 8", "cell_mm = 20")})
    assert answer.status_code == 422
    (problem,) = answer.json()["problems"]
    assert problem["key"] == "lattice.cell_mm" and "allowed is a cell at most twice the core" in problem["message"]


def test_the_stiffness_colour_mode_colours_each_top_face_by_its_column(client):
    """colour = "stiffness": the top faces take the colour of their column's kPa/mm on
    the legend's logarithmic scale; the thin forefoot (3 mm: mostly skin) is firmer than
    the heel cushion's 8 mm; the legend comes with it; an unknown mode is refused."""
    import base64

    from insolegen.exports.stiffness_map import ramp

    profile = 'name = "ana"\n[foot]\nsize = "EU 42"\n[shape]\nheel_thickness_mm = 8\n'
    body = client.post("/api/preview", json={"profile": profile, "colour": "stiffness"}).json()
    legend = body["legend"]
    assert legend["lo"] < legend["hi"] and "kPa per mm" in legend["label"] and len(legend["stops"]) == 5
    scene = trimesh.load(io.BytesIO(base64.b64decode(body["glb"])), file_type="glb")
    mesh = scene.geometry["right"]
    faces = mesh.faces
    up = mesh.face_normals[:, 2] > 0.5
    centres = mesh.triangles_center
    colours = mesh.visual.vertex_colors[faces[:, 0], :3].astype(int)

    def colour_at(x: float) -> np.ndarray:
        near = np.flatnonzero(up & (np.abs(centres[:, 0] - x) < 4) & (np.abs(centres[:, 1] - np.median(centres[:, 1])) < 6))
        return np.median(colours[near], axis=0)

    # the scale runs from dark (soft) to yellow (firm): the forefoot nearer the firm end than the heel
    firm_end = ramp(np.array([1.0]))[0].astype(int)
    assert np.abs(colour_at(180) - firm_end).sum() < np.abs(colour_at(35) - firm_end).sum()
    zones = client.post("/api/preview", json={"profile": profile}).json()
    assert zones["legend"] is None
    refused = client.post("/api/preview", json={"profile": profile, "colour": "rainbow"})
    assert refused.status_code == 400 and "colour" in refused.text


def test_the_pressure_colour_mode_colours_each_top_face_by_its_predicted_pressure(client):
    """colour = "pressure" with an uploaded barefoot map: the top faces take the colour of
    the pressure predicted under them (standing, over 1 cm2) on a linear scale from 0;
    the heel, where the map presses most (under the default heel cup, most on its rim),
    is higher on the scale than the middle of the arch, which the map leaves unloaded;
    without a map there is no legend (the zones' colours)."""
    import base64

    from insolegen.exports.stiffness_map import ramp

    asf = (Path(__file__).resolve().parents[1] / "profiles" / "pressure" / "walk-right.asf").read_bytes()
    name = client.post("/api/upload", files={"file": ("walk.asf", asf, "text/plain")}).json()["file"]
    profile = (f'name = "ana"\nside = "right"\n[patient]\nmass_kg = 70\n[foot]\nsize = "EU 42"\n'
               f'[pressure]\nfile = "{name}"\n')
    body = client.post("/api/preview", json={"profile": profile, "colour": "pressure"}).json()
    legend = body["legend"]
    assert legend is not None, body
    assert legend["lo"] == 0 and legend["hi"] > 0 and legend["scale"] == "linear" and "predicted" in legend["label"]
    scene = trimesh.load(io.BytesIO(base64.b64decode(body["glb"])), file_type="glb")
    mesh = scene.geometry["right"]
    up = mesh.face_normals[:, 2] > 0.5
    centres = mesh.triangles_center
    colours = mesh.visual.vertex_colors[mesh.faces[:, 0], :3].astype(int)
    mid = np.median(centres[:, 1])

    def brightest(x0: float, x1: float, half_width: float) -> int:
        """The highest green (viridis rises in green from its dark end) on the band's top faces."""
        band = up & (centres[:, 0] > x0) & (centres[:, 0] < x1) & (np.abs(centres[:, 1] - mid) < half_width)
        return int(colours[band, 1].max())

    assert brightest(20, 60, 40) > brightest(100, 140, 8) + 20  # the heel (its cup's rim) over the arch's middle
    assert ramp(np.array([0.0]))[0][1] < ramp(np.array([1.0]))[0][1]
    plain = client.post("/api/preview", json={"profile": 'name = "ana"\n[foot]\nsize = "EU 42"\n', "colour": "pressure"})
    assert plain.status_code == 200 and plain.json()["legend"] is None


def test_a_picture_uploaded_builds_the_foot_it_shows(client, tmp_path):
    """A phone photo of a 228 mm foot on Letter paper (the tests' virtual phone) is taken
    by its JPEG signature, named at random, and built to the foot's length."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from picture_corpus import Camera, Light, draw_scene, photograph, place_on_sheet

    from insolegen.geometry.outline import foot_outline

    foot = foot_outline(foot_length_mm=228, ball_width_mm=88, heel_width_mm=60).boundary
    scene, origin = draw_scene([place_on_sheet(foot, "letter")], paper="letter", content="sock", colour="red")
    photo, _ = photograph(scene, origin, Camera(tilt_deg=12), Light(), paper="letter")
    answer = client.post("/api/upload", files={"file": ("IMG_0412.JPG", photo, "image/jpeg")})
    assert answer.status_code == 200, answer.text
    name = answer.json()["file"]
    assert answer.json()["kind"] == "picture" and name.endswith(".jpg") and "IMG" not in name
    built = client.post("/api/build", json={"profile": f'name = "p"\nside = "right"\n[foot]\nimage = "{name}"\n'})
    assert built.status_code == 200, built.text
    source = built.json()["record"]["sides"][0]["source"]
    assert source["kind"] == "image" and source["transform"]["paper"] == "letter"
    assert abs(source["measured"]["length_mm"] - 228) < 2
    # a PNG's signature under a .jpg name is not a JPEG
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    assert client.post("/api/upload", files={"file": ("foot.jpg", png, "image/jpeg")}).status_code == 415
