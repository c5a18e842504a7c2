"""Issue 31: could a slicer take the lattice as an implicit (3MF's volumetric and implicit
extensions) instead of the ~630k-triangle mesh insolegen writes? These tests write, by
the spec, a 20 x 20 x 10 mm box whose content is a gyroid sheet at 30 % given as an
implicit function, and hand it to the slicers installed here. docs/lattice.md ("The
lattice as an implicit") tells the spec, its status and the sources.

The file follows the 3MF Volumetric & Implicit Extensions 0.8.0 (3MFConsortium/
spec_volumetric, "3MF Volumetric Extension.md", chapter 4 and part II) as lib3mf 2.4.1
writes it (SDK/Examples/Cpp/Source/FillMeshWithGyroid.cpp): an <i:implicitfunction>
resource (input vector "pos", output scalar "shape", negative inside), a mesh object (the
box) as the evaluation domain, and an object holding only <v:levelset functionid channel
meshid/>, which the build item names; the model lists "v i" in requiredextensions, as a
producer of a level set must.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pytest

from insolegen.geometry.lattice.fill import threshold_for

CORE = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
VOLUMETRIC = "http://schemas.3mf.io/3dmanufacturing/volumetric/2022/01"
IMPLICIT = "http://schemas.3mf.io/3dmanufacturing/implicit/2023/12"
BOX_MM = (20.0, 20.0, 10.0)
CELL_MM = 10.0  # whole cells in the box: the sheet's fraction there is the table's
FRACTION = 0.30
BOX_ID, FUNCTION_ID, LATTICE_ID = 1, 2, 3

PRUSA = shutil.which("prusa-slicer")
# CuraEngine 4.13 (Debian's cura-engine) loads models only with `-l`, and only STL: its
# help says "-l <model_file> Load an STL model." and it refuses anything else ("Currently
# only .stl and .STL are supported."). The 3MF reader is in Cura's front end, not here.
CURA = shutil.which("CuraEngine")

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/></Types>')
RELATIONSHIPS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Target="/3D/3dmodel.model" Id="rel0" '
    'Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/></Relationships>')


def _node(tag, identifier, inputs=(), outputs=(), attributes=""):
    """One native node: inputs (kind, identifier, "node.output"), outputs (kind, identifier)."""
    ins = "".join(f'<i:{kind}ref identifier="{name}" ref="{ref}"/>' for kind, name, ref in inputs)
    outs = "".join(f'<i:{kind} identifier="{name}"/>' for kind, name in outputs)
    return (f'<i:{tag} identifier="{identifier}" displayname="{identifier}"{attributes}>'
            + (f"<i:in>{ins}</i:in>" if ins else "") + f"<i:out>{outs}</i:out></i:{tag}>")


def gyroid_sheet_function(cell_mm, threshold):
    """|g(k pos)| - t, g = sin x cos y + sin y cos z + sin z cos x = sin(p) . cos(p.yzx),
    k = 2 pi / cell: the sheet insolegen meshes (insolegen.core.sheets), negative inside."""
    k = repr(2 * math.pi / cell_mm)
    nodes = [
        _node("constvec", "k", outputs=[("vector", "vector")], attributes=f' x="{k}" y="{k}" z="{k}"'),
        _node("multiplication", "p", [("vector", "A", "inputs.pos"), ("vector", "B", "k.vector")], [("vector", "result")]),
        _node("decomposevector", "xyz", [("vector", "A", "p.result")], [("scalar", "x"), ("scalar", "y"), ("scalar", "z")]),
        _node("composevector", "yzx", [("scalar", "x", "xyz.y"), ("scalar", "y", "xyz.z"), ("scalar", "z", "xyz.x")],
              [("vector", "result")]),
        _node("sin", "s", [("vector", "A", "p.result")], [("vector", "result")]),
        _node("cos", "c", [("vector", "A", "yzx.result")], [("vector", "result")]),
        _node("dot", "g", [("vector", "A", "s.result"), ("vector", "B", "c.result")], [("scalar", "result")]),
        _node("abs", "a", [("scalar", "A", "g.result")], [("scalar", "result")]),
        _node("constant", "t", outputs=[("scalar", "value")], attributes=f' value="{threshold!r}"'),
        _node("subtraction", "d", [("scalar", "A", "a.result"), ("scalar", "B", "t.value")], [("scalar", "result")]),
    ]
    return (f'<i:implicitfunction id="{FUNCTION_ID}" displayname="gyroid sheet">'
            '<i:in><i:vector identifier="pos" displayname="position"/></i:in>' + "".join(nodes)
            + '<i:out><i:scalarref identifier="shape" displayname="shape" ref="d.result"/></i:out></i:implicitfunction>')


def box_mesh(sx, sy, sz):
    vertices = [(x, y, z) for z in (0, sz) for y in (0, sy) for x in (0, sx)]
    triangles = [(0, 2, 3), (0, 3, 1), (4, 5, 7), (4, 7, 6), (0, 1, 5), (0, 5, 4),
                 (2, 6, 7), (2, 7, 3), (0, 4, 6), (0, 6, 2), (1, 3, 7), (1, 7, 5)]  # outward
    return ("<mesh><vertices>" + "".join(f'<vertex x="{x:g}" y="{y:g}" z="{z:g}"/>' for x, y, z in vertices)
            + "</vertices><triangles>" + "".join(f'<triangle v1="{a}" v2="{b}" v3="{c}"/>' for a, b, c in triangles)
            + "</triangles></mesh>")


def implicit_model(build_object_id=LATTICE_ID):
    """The 3D model part; the build names the level-set object (the spec's way) unless told."""
    threshold = float(threshold_for("gyroid", np.array(FRACTION)))
    resources = (f'<object id="{BOX_ID}" type="model" name="evaluation box">{box_mesh(*BOX_MM)}</object>'
                 + gyroid_sheet_function(CELL_MM, threshold)
                 + f'<object id="{LATTICE_ID}" type="model" name="gyroid lattice">'
                 f'<v:levelset functionid="{FUNCTION_ID}" channel="shape" meshid="{BOX_ID}" meshbboxonly="true"/></object>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<model unit="millimeter" xml:lang="en-US" xmlns="{CORE}" xmlns:v="{VOLUMETRIC}" xmlns:i="{IMPLICIT}" '
            f'requiredextensions="v i"><resources>{resources}</resources>'
            f'<build><item objectid="{build_object_id}"/></build></model>')


def write_3mf(path, model_xml):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELATIONSHIPS)
        archive.writestr("3D/3dmodel.model", model_xml)
    return path


def evaluate_level_set(model_xml, points):
    """The level set's function at points (N, 3), read back from the XML: an interpreter of
    the few native nodes written above, in document order (the graph is written sorted)."""
    root = ET.fromstring(model_xml)
    i = f"{{{IMPLICIT}}}"
    function = root.find(f"{{{CORE}}}resources/{i}implicitfunction")
    levelset = root.find(f".//{{{VOLUMETRIC}}}levelset")
    assert function is not None and levelset is not None and levelset.get("functionid") == function.get("id")
    values = {"inputs.pos": points}
    for node in function:
        kind = node.tag.removeprefix(i)
        if kind in ("in", "out"):
            continue
        args = {ref.get("identifier"): values[ref.get("ref")] for ref in node.iterfind(f"{i}in/*")}
        name = node.get("identifier")
        if kind == "constvec":
            values[f"{name}.vector"] = np.array([float(node.get(c)) for c in "xyz"])
        elif kind == "constant":
            values[f"{name}.value"] = float(node.get("value"))
        elif kind == "decomposevector":
            for axis, c in enumerate("xyz"):
                values[f"{name}.{c}"] = args["A"][..., axis]
        elif kind == "composevector":
            values[f"{name}.result"] = np.stack([args[c] for c in "xyz"], axis=-1)
        else:
            op = {"multiplication": lambda a, b: a * b, "subtraction": lambda a, b: a - b,
                  "dot": lambda a, b: (a * b).sum(axis=-1), "sin": np.sin, "cos": np.cos, "abs": np.abs}[kind]
            values[f"{name}.result"] = op(*(args[key] for key in sorted(args)))
    (shape,) = [out for out in function.iterfind(f"{i}out/*") if out.get("identifier") == levelset.get("channel")]
    return values[shape.get("ref")]


def prusa(*args):
    result = subprocess.run([PRUSA, *map(str, args)], capture_output=True, text=True, timeout=300)
    output = "\n".join(line for line in (result.stdout + result.stderr).splitlines() if "[trace]" not in line)
    return result.returncode, output


needs_prusa = pytest.mark.skipif(
    PRUSA is None, reason="prusa-slicer is not installed (Debian: apt-get install prusa-slicer); .ci/run installs it")


def test_the_written_level_set_is_a_gyroid_sheet_at_the_asked_fraction():
    """What the slicers are handed: the graph, evaluated as a consumer would (inside where
    it is negative) over the box, fills 30 % of it."""
    n = (64, 64, 32)
    axes = [(np.arange(m) + 0.5) * (size / m) for m, size in zip(n, BOX_MM, strict=True)]
    points = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    inside = evaluate_level_set(implicit_model(), points) < 0
    assert inside.mean() == pytest.approx(FRACTION, abs=0.01)


@pytest.mark.slow
@needs_prusa
def test_prusaslicer_here_does_not_read_a_3mf_implicit_lattice(tmp_path):
    """PrusaSlicer (2.5.0 here) refuses the spec's file: its 3MF reader knows only <mesh> and
    <components> (src/libslic3r/Format/3mf.cpp), so the level-set object is an object with
    no geometry, dropped, and the build item naming it is "an item with invalid object id":
    the load fails and no G-code is written, from --info and --export-gcode alike.

    If this starts to fail, a slicer here has learned implicit 3MF (the volumetric level
    set and the implicit function graph), and insolegen could write its lattices as
    implicits (the sheet's function at the zone's fraction, clipped to the part) instead
    of ~630k-triangle meshes: see docs/lattice.md, "The lattice as an implicit"."""
    model = write_3mf(tmp_path / "gyroid-implicit.3mf", implicit_model())

    code, output = prusa("--info", model)
    assert code != 0 and "volume =" not in output, output
    assert "Found item with invalid object id" in output, output
    assert "Loading of a model file failed" in output, output

    gcode = tmp_path / "gyroid-implicit.gcode"
    code, output = prusa("--export-gcode", "--output", gcode, model)
    assert code != 0, output
    assert "Found item with invalid object id" in output and "Loading of a model file failed" in output, output
    assert not gcode.exists()


@pytest.mark.slow
@needs_prusa
def test_prusaslicer_here_ignores_the_required_extensions_and_slices_the_plain_box(tmp_path):
    """The refusal above is not PrusaSlicer honouring requiredextensions="v i" (which the
    3MF core asks of a consumer that lacks an extension): the same file with the build
    item naming the evaluation box loads and slices, the level set ignored. At 100 %
    infill the G-code lays the solid box (4000 mm3, within 3 %), not a 30 % lattice."""
    model = write_3mf(tmp_path / "box-with-implicit.3mf", implicit_model(build_object_id=BOX_ID))
    gcode = tmp_path / "box.gcode"
    code, output = prusa("--export-gcode", "--output", gcode, "--fill-density", "100%", "--fill-pattern", "rectilinear",
                         "--skirts", "0", "--layer-height", "0.2", "--first-layer-height", "0.2", model)
    assert code == 0 and "error" not in output.lower(), output
    used_mm3 = 1000 * float(re.search(r"^; filament used \[cm3\] = ([\d.]+)$", gcode.read_text(), re.M).group(1))
    solid_mm3 = math.prod(BOX_MM)
    assert used_mm3 == pytest.approx(solid_mm3, rel=0.03)
    assert used_mm3 > 2 * FRACTION * solid_mm3


@pytest.mark.slow
@pytest.mark.skipif(CURA is None, reason="CuraEngine is not installed (Debian: apt-get install cura-engine)")
def test_curaengine_here_reads_no_3mf_at_all(tmp_path):
    """CuraEngine's -l takes STL only (see CURA above): the implicit 3MF is refused by its
    file extension, before any settings are read."""
    model = write_3mf(tmp_path / "gyroid-implicit.3mf", implicit_model())
    result = subprocess.run([CURA, "slice", "-s", "mesh_rotation_matrix=[[1,0,0],[0,1,0],[0,0,1]]", "-l", str(model),
                             "-o", str(tmp_path / "out.gcode")], capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "only .stl and .STL are supported" in output and "Failed to load model" in output, output
