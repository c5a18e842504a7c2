"""Hostile and broken 3MF files for ``insolegen check``: each must end in ThreeMFError
with one clear line (the CLI prints it as NOT PRINTABLE, exit 1), in bounded time and
memory; never a traceback, a hang or gigabytes.

Most cases call ``read_3mf`` in-process; hypothesis mutates valid files (bytes, attribute
values, members); a few run the real command under the memory and CPU caps of
tests/hostile.py.
"""

from __future__ import annotations

import io
import os
import re
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hostile import assert_refused, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insolegen.exports.threemf import CONTENT_TYPES, RELS
from insolegen.formats.threemf import limits
from insolegen.formats.threemf.package import ThreeMFError
from insolegen.formats.threemf.read import Volume, read_3mf

CORE = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
PRODUCTION = "http://schemas.microsoft.com/3dmanufacturing/production/2015/06"
MODEL = "3D/3dmodel.model"
PRUSA = "Metadata/Slic3r_PE_model.config"
ORCA = "Metadata/model_settings.config"
MESSAGE_MAX_CHARS = 300  # the CLI adds the path and "NOT PRINTABLE"; the harness allows 400
IDENTITY = "1 0 0 0 1 0 0 0 1 0 0 0"

# A closed tetrahedron, outward facing.
TETRA_VERTICES = [(0, 0, 0), (10, 0, 0), (0, 10, 0), (0, 0, 10)]
TETRA_TRIANGLES = [(0, 2, 1), (0, 1, 3), (0, 3, 2), (1, 2, 3)]

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
)
EXTERNAL_ENTITY = '<?xml version="1.0"?>\n<!DOCTYPE model [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


# -- Building 3MF files -----------------------------------------------------------------


def mesh_xml(vertices: list = TETRA_VERTICES, triangles: list = TETRA_TRIANGLES) -> str:
    vs = "".join(f'<vertex x="{x}" y="{y}" z="{z}"/>' for x, y, z in vertices)
    ts = "".join(f'<triangle v1="{a}" v2="{b}" v3="{c}"/>' for a, b, c in triangles)
    return f"<mesh><vertices>{vs}</vertices><triangles>{ts}</triangles></mesh>"


def mesh_object(oid: str, name: str = "", inner: str | None = None, **mesh: list) -> str:
    named = f' name="{name}"' if name else ""
    return f'<object id="{oid}"{named} type="model">{mesh_xml(**mesh) if inner is None else inner}</object>'


def assembly(oid: str, children: list[str], transform: str = IDENTITY, path: str = "") -> str:
    where = f' p:path="{path}"' if path else ""
    parts = "".join(f'<component objectid="{c}" transform="{transform}"{where}/>' for c in children)
    return f'<object id="{oid}" type="model"><components>{parts}</components></object>'


def item(oid: str, transform: str | None = IDENTITY) -> str:
    placed = f' transform="{transform}"' if transform is not None else ""
    return f'<item objectid="{oid}"{placed}/>'


def model(objects: list[str], items: list[str], unit: str = "millimeter") -> str:
    return (f'<model unit="{unit}" xmlns="{CORE}" xmlns:p="{PRODUCTION}"><resources>{"".join(objects)}'
            f'</resources><build>{"".join(items)}</build></model>')


PLAIN = model([mesh_object("1", "tetra")], [item("1")])


def members(model_text: str | bytes = PLAIN) -> dict[str, str | bytes]:
    return {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS, MODEL: model_text}


def zip_bytes(files: dict[str, str | bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def write(tmp_path: Path, data: bytes | dict[str, str | bytes], name: str = "x.3mf") -> Path:
    path = tmp_path / name
    path.write_bytes(zip_bytes(data) if isinstance(data, dict) else data)
    return path


def prusa_config(ranges: list[tuple[str, str]], object_id: str = "1") -> str:
    volumes = "".join(
        f'<volume firstid="{first}" lastid="{last}"><metadata type="volume" key="name" value="v{i}"/>'
        f'<metadata type="volume" key="volume_type" value="{"ModelPart" if i == 0 else "ParameterModifier"}"/>'
        f'<metadata type="volume" key="fill_density" value="{10 * i}%"/></volume>'
        for i, (first, last) in enumerate(ranges)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><config><object id="{object_id}">{volumes}</object></config>'


def two_tetras() -> dict[str, list]:
    shifted = [(x + 20, y, z) for x, y, z in TETRA_VERTICES]
    return {"vertices": TETRA_VERTICES + shifted,
            "triangles": TETRA_TRIANGLES + [(a + 4, b + 4, c + 4) for a, b, c in TETRA_TRIANGLES]}


PRUSA_MODEL = model([mesh_object("1", "insole", **two_tetras())], [item("1", "1 0 0 0 1 0 0 0 1 5 5 0")])

CURA_GROUP = ('<metadatagroup><metadata name="cura:infill_mesh" preserve="1">True</metadata>'
              '<metadata name="cura:infill_sparse_density" preserve="1">15</metadata></metadatagroup>')
ORCA_MODEL = model([mesh_object("1", "body"), mesh_object("2", "heel", inner=CURA_GROUP + mesh_xml()),
                    assembly("3", ["1", "2"])], [item("3")])
ORCA_SETTINGS = ('<?xml version="1.0" encoding="UTF-8"?><config><object id="3">'
                 '<part id="1" subtype="normal_part"><metadata key="name" value="body"/></part>'
                 '<part id="2" subtype="modifier_part"><metadata key="name" value="heel"/>'
                 '<metadata key="sparse_infill_density" value="15%"/></part></object></config>')
ORCA_FILES = {**members(ORCA_MODEL), ORCA: ORCA_SETTINGS}
PRUSA_FILES = {**members(PRUSA_MODEL), PRUSA: prusa_config([("0", "3"), ("4", "7")])}


def refused(path: Path | str, *words: str) -> str:
    """read_3mf refuses the file with one short line naming the problem."""
    with pytest.raises(ThreeMFError) as caught:
        read_3mf(path)
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message, message
    assert len(message) <= MESSAGE_MAX_CHARS, message
    for word in words:
        assert word.lower() in message.lower(), message
    return message


def assert_sane(volumes: list[Volume]) -> None:
    """What check relies on in every volume read."""
    for volume in volumes:
        assert volume.role in ("part", "modifier")
        assert isinstance(volume.name, str) and volume.name.isprintable() and len(volume.name) <= 200
        v, f = volume.vertices, volume.faces
        assert v.dtype == np.float64 and v.ndim == 2 and v.shape[1] == 3 and np.isfinite(v).all()
        assert f.dtype == np.int64 and f.ndim == 2 and f.shape[1] == 3 and len(f) > 0
        assert f.min() >= 0 and f.max() < len(v)
        for text in (*volume.settings, *volume.settings.values()):
            assert text.isprintable() and len(text) <= 200, text


# -- Valid files are still read right ---------------------------------------------------


def test_plain_prusa_and_orca_layouts(tmp_path):
    (tetra,) = read_3mf(write(tmp_path, members()))
    assert (tetra.name, tetra.role) == ("tetra", "part") and tetra.faces.shape == (4, 3)

    body, zone = read_3mf(write(tmp_path, PRUSA_FILES))
    assert (body.name, body.role, zone.name, zone.role) == ("v0", "part", "v1", "modifier")
    assert zone.settings == {"fill_density": "10%"}
    assert body.vertices[:, 0].min() == 5 and zone.vertices[:, 0].min() == 25  # placed by the item
    assert_sane([body, zone])

    body, heel = read_3mf(write(tmp_path, ORCA_FILES))
    assert (body.name, body.role, heel.name, heel.role) == ("body", "part", "heel", "modifier")
    assert heel.settings["sparse_infill_density"] == "15%" and heel.settings["cura:infill_sparse_density"] == "15"


def test_nested_components_compose_transforms_and_units(tmp_path):
    objects = [mesh_object("1"), assembly("2", ["1"], "1 0 0 0 1 0 0 0 1 1 0 0"),
               assembly("3", ["2"], "2 0 0 0 2 0 0 0 2 0 0 0")]
    (part,) = read_3mf(write(tmp_path, members(model(objects, [item("3", "1 0 0 0 1 0 0 0 1 0 0 3")],
                                                     unit="centimeter"))))
    # vertex (10,0,0): +1 in x, doubled, then +3 in z; centimetres to mm.
    assert part.vertices.tolist()[1] == [220.0, 0.0, 30.0]


def test_production_extension_objects_in_other_model_files(tmp_path):
    sub = model([mesh_object("1", "body")], [])
    root = model([assembly("2", ["1"], path="/3D/Objects/body.model")], [item("2")])
    (part,) = read_3mf(write(tmp_path, {**members(root), "3D/Objects/body.model": sub}))
    assert part.name == "body" and part.faces.shape == (4, 3)
    missing = model([assembly("2", ["1"], path="/3D/Objects/gone.model")], [item("2")])
    refused(write(tmp_path, members(missing)), "gone.model", "not in the zip")


def test_the_relationships_are_only_a_hint_and_utf16_is_read(tmp_path):
    files = members(PLAIN.encode("utf-16"))
    files["_rels/.rels"] = "<<garbage"
    assert len(read_3mf(write(tmp_path, files))) == 1
    moved = {**members(), "3D/other.model": PLAIN}
    del moved[MODEL]
    assert len(read_3mf(write(tmp_path, moved))) == 1  # the only model file, whatever its name
    named = {**moved, "3D/a.model": PLAIN.replace("tetra", "named"), "_rels/.rels": RELS.replace("3dmodel", "a", 1)}
    assert [v.name for v in read_3mf(write(tmp_path, named))] == ["named"]  # two: the relationships choose


def test_files_from_our_own_writer_read(tmp_path):
    from insolegen.exports.threemf import orca_3mf, prusa_3mf
    from insolegen.geometry.solid import Mesh

    mesh = Mesh(vertices=np.array(TETRA_VERTICES, dtype=float), faces=np.array(TETRA_TRIANGLES))

    class Identity:  # stands in for Placement: no move, no turn
        def transform_3mf(self) -> str:
            return IDENTITY

        def apply(self, v):
            return v

    for name, writer in (("p.3mf", prusa_3mf), ("o.3mf", orca_3mf)):
        volumes = read_3mf(write(tmp_path, writer("t", mesh, [], "gyroid", Identity()), name))
        assert [v.name for v in volumes] == ["body"]
        assert_sane(volumes)


# -- Broken or hostile models -----------------------------------------------------------


def _mesh_model(vertices: list = TETRA_VERTICES, triangles: list = TETRA_TRIANGLES) -> str:
    return model([mesh_object("1", vertices=vertices, triangles=triangles)], [item("1")])


def _tetra_with(index: int, column: int, value: str) -> list:
    rows = [list(map(str, r)) for r in TETRA_VERTICES]
    rows[index][column] = value
    return rows


def _triangles_with(value: str) -> list:
    rows = [list(map(str, r)) for r in TETRA_TRIANGLES]
    rows[2][1] = value
    return rows


BROKEN_MODELS: dict[str, tuple[str | bytes, tuple[str, ...]]] = {
    "index not a number": (_mesh_model(triangles=_triangles_with("a")), ("triangle 2", "v2 = 'a'", "not a vertex")),
    "index a float": (_mesh_model(triangles=_triangles_with("1.5")), ("triangle 2", "not a vertex index")),
    "index huge": (_mesh_model(triangles=_triangles_with("9" * 30)), ("triangle 2", "not a vertex index")),
    "index too high": (_mesh_model(triangles=_triangles_with("4")), ("triangle 2", "vertex 4", "4 vertices")),
    "triangles without vertices": (_mesh_model(vertices=[]), ("triangle 0", "has no vertices")),
    "index negative": (_mesh_model(triangles=_triangles_with("-1")), ("triangle 2", "vertex -1")),
    "index missing": (model([mesh_object("1", inner='<mesh><vertices><vertex x="0" y="0" z="0"/></vertices>'
                                                   '<triangles><triangle v1="0" v2="0"/></triangles></mesh>')],
                            [item("1")]), ("triangle 0", "no v3")),
    "coordinate not a number": (_mesh_model(_tetra_with(1, 0, "ten")), ("vertex 1", "x = 'ten'", "not a number")),
    "coordinate nan": (_mesh_model(_tetra_with(2, 1, "nan")), ("vertex 2", "y = nan", "not a finite")),
    "coordinate inf": (_mesh_model(_tetra_with(3, 2, "-inf")), ("vertex 3", "z = -inf", "not a finite")),
    "coordinate overflows": (_mesh_model(_tetra_with(3, 2, "1e999")), ("vertex 3", "not a finite")),
    "coordinate missing": (model([mesh_object("1", inner='<mesh><vertices><vertex x="0" z="0"/></vertices>'
                                                       "</mesh>")], [item("1")]), ("vertex 0", "no y")),
    "coordinate garbage long": (_mesh_model(_tetra_with(0, 0, "x" * 10_000)), ("vertex 0", "not a number")),
    "transform short": (model([mesh_object("1")], [item("1", "1 0 0")]), ("build item 1", "3 numbers, not 12")),
    "transform long": (model([mesh_object("1")], [item("1", IDENTITY + " 7")]), ("more than 12",)),
    "transform not numbers": (model([mesh_object("1")], [item("1", "a b c d e f g h i j k l")]),
                              ("build item 1", "'a', not a number")),
    "transform nan": (model([mesh_object("1")], [item("1", "1 0 0 0 1 0 0 0 1 nan 0 0")]), ("not finite",)),
    "component transform short": (model([mesh_object("1"), assembly("2", ["1"], "1 2")], [item("2")]),
                                  ("component 1 of object 2", "2 numbers")),
    "item to a missing object": (model([mesh_object("1")], [item("7")]), ("build item 1", "object 7", "not in")),
    "item without objectid": (model([mesh_object("1")], ["<item/>"]), ("build item 1", "names no object")),
    "component to a missing object": (model([assembly("2", ["9"])], [item("2")]),
                                      ("component 1 of object 2", "object 9", "not in")),
    "component cycle": (model([assembly("1", ["2"]), assembly("2", ["1"])], [item("1")]),
                        ("contains itself", "1 -> 2 -> 1")),
    "component self": (model([assembly("1", ["1"])], [item("1")]), ("object 1 contains itself",)),
    "components nest deep": (model([mesh_object("0")] + [assembly(str(i), [str(i - 1)]) for i in range(1, 40)],
                                   [item("39")]), ("nest more than",)),
    "components fan out exponentially": (
        model([mesh_object("0")] + [assembly(str(i), [str(i - 1)] * 4) for i in range(1, 16)], [item("15")]),
        ("more than",)),
    "object with neither": (model(['<object id="1" type="model"/>'], [item("1")]),
                            ("object 1", "neither a mesh nor components")),
    "object with both": (model(['<object id="1">' + mesh_xml() + '<components><component objectid="2"/>'
                                '</components></object>', mesh_object("2")], [item("1")]), ("both a mesh",)),
    "two meshes": (model([mesh_object("1", inner=mesh_xml() + mesh_xml())], [item("1")]), ("two meshes",)),
    "mesh without triangles": (model([mesh_object("1", triangles=[])], [item("1")]), ("no triangles",)),
    "object without id": (model(['<object type="model">' + mesh_xml() + "</object>"], [item("1")]), ("no id",)),
    "duplicate object ids": (model([mesh_object("1"), mesh_object("1")], [item("1")]), ("two objects",)),
    "no build items": (model([mesh_object("1")], []), ("no build items",)),
    "unknown unit": (model([mesh_object("1")], [item("1")], unit="furlong"), ("unknown unit 'furlong'",)),
    "not a 3MF model root": ('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
                             ("root element", "not a 3MF <model>")),
    "model without namespace": ("<model><resources/><build/></model>", ("not a 3MF <model>",)),
    "invalid XML": (PLAIN[:-20], ("3dmodel.model", "not valid XML")),
    "not XML at all": (b"\x00\xff\xfe garbage", ("not valid XML",)),
    "empty model": ("", ("not valid XML",)),
    "unknown encoding": ('<?xml version="1.0" encoding="x-no-such"?><model/>', ("not valid XML",)),
    "billion laughs": (BILLION_LAUGHS + PLAIN.replace("tetra", "&lol9;"), ("DOCTYPE",)),
    "external entity": (EXTERNAL_ENTITY + PLAIN.replace("tetra", "&xxe;"), ("DOCTYPE",)),
    "plain doctype": ('<!DOCTYPE model SYSTEM "http://example.com/x.dtd">' + PLAIN, ("DOCTYPE",)),
    "elements nest deep": (PLAIN.replace("<build>", "<x>" * 100 + "</x>" * 100 + "<build>"), ("nest more than 64",)),
    "placed a kilometre away": (model([mesh_object("1")], [item("1", "1e300 0 0 0 1 0 0 0 1 0 0 0")]),
                                ("km from the origin",)),
    "coordinates overflow when placed": (_mesh_model(_tetra_with(1, 0, "1e308")).replace(
        'objectid="1" transform="' + IDENTITY, 'objectid="1" transform="10 0 0 0 1 0 0 0 1 0 0 0'),
        ("km from the origin",)),
}


@pytest.mark.parametrize("case", list(BROKEN_MODELS))
def test_broken_model_is_refused_with_one_line(tmp_path, case):
    text, words = BROKEN_MODELS[case]
    refused(write(tmp_path, members(text)), *words)


def test_messages_name_the_file(tmp_path):
    message = refused(write(tmp_path, members(model([mesh_object("1")], [item("7")]))))
    assert message.startswith(str(tmp_path / "x.3mf") + ": ")


def test_long_names_settings_and_control_characters_are_shortened(tmp_path):
    long = "a&#10;b" + "x" * 5000
    (part,) = read_3mf(write(tmp_path, members(PLAIN.replace("tetra", long))))
    assert "\n" not in part.name and len(part.name) < 200
    files = {**ORCA_FILES, ORCA: ORCA_SETTINGS.replace("15%", long)}
    _, heel = read_3mf(write(tmp_path, files))
    assert_sane([heel])
    assert heel.settings["sparse_infill_density"].startswith("a\\nbxxx")


def test_a_mirroring_placement_turns_the_triangles(tmp_path):
    (plain,) = read_3mf(write(tmp_path, members()))
    mirrored = members(model([mesh_object("1")], [item("1", "-1 0 0 0 1 0 0 0 1 20 0 0")]))
    (part,) = read_3mf(write(tmp_path, mirrored))
    assert (part.faces == plain.faces[:, ::-1]).all()
    tri = part.vertices[part.faces]
    assert np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() > 0  # outward still


# -- Slicer configs ----------------------------------------------------------------------


BROKEN_CONFIGS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "prusa invalid XML": (PRUSA, "<config><object id='1'>", ("Slic3r_PE_model.config", "not valid XML")),
    "orca invalid XML": (ORCA, "<config><object></config>", ("model_settings.config", "not valid XML")),
    "prusa billion laughs": (PRUSA, BILLION_LAUGHS + "<config>&lol9;</config>", ("Slic3r_PE_model.config", "DOCTYPE")),
    "orca external entity": (ORCA, EXTERNAL_ENTITY + "<config>&xxe;</config>", ("model_settings.config", "DOCTYPE")),
    "prusa range past the end": (PRUSA, prusa_config([("0", "3"), ("4", "99")]),
                                 ("volume 'v1' of object 1", "spans triangles 4 to 99", "8 triangles")),
    "prusa range backwards": (PRUSA, prusa_config([("3", "0")]), ("spans triangles 3 to 0",)),
    "prusa range negative": (PRUSA, prusa_config([("-4", "3")]), ("spans triangles -4 to 3",)),
    "prusa ranges overlap": (PRUSA, prusa_config([("0", "5"), ("4", "7")]), ("'v0'", "'v1'", "overlap")),
    "prusa range not a number": (PRUSA, prusa_config([("zero", "3")]), ("firstid is 'zero', not a whole number",)),
    "prusa range huge": (PRUSA, prusa_config([("0", "9" * 5000)]), ("lastid", "not a whole number")),
    "prusa deep": (PRUSA, "<config>" + "<a>" * 100 + "</a>" * 100 + "</config>", ("nests elements more than",)),
}


@pytest.mark.parametrize("case", list(BROKEN_CONFIGS))
def test_broken_slicer_config_is_refused(tmp_path, case):
    member, text, words = BROKEN_CONFIGS[case]
    files = dict(PRUSA_FILES if member == PRUSA else ORCA_FILES)
    files[member] = text
    refused(write(tmp_path, files), *words)


def test_prusa_volumes_may_leave_gaps_and_come_unordered(tmp_path):
    files = {**PRUSA_FILES, PRUSA: prusa_config([("4", "7"), ("0", "2")])}
    first, second = read_3mf(write(tmp_path, files))
    assert len(first.faces) == 4 and len(second.faces) == 3


# -- The zip and the path ----------------------------------------------------------------


def _central_entries(data: bytes) -> list[tuple[int, str]]:
    """(offset of the central directory entry, name) for each member."""
    out, at = [], data.find(b"PK\x01\x02")
    while at >= 0 and data[at:at + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, at + 28)
        out.append((at, data[at + 46:at + 46 + name_len].decode()))
        at += 46 + name_len + extra_len + comment_len
    return out


def patch_member(data: bytes, name: str, *, flags: int | None = None, method: int | None = None,
                 size: int | None = None) -> bytes:
    """Change a member's flags, compression method or declared size in both headers."""
    out = bytearray(data)
    for central, member in _central_entries(data):
        if member != name:
            continue
        (local,) = struct.unpack_from("<I", data, central + 42)
        for field, value in (("flags", flags), ("method", method), ("size", size)):
            if value is None:
                continue
            fmt, c_off, l_off = {"flags": ("<H", 8, 6), "method": ("<H", 10, 8), "size": ("<I", 24, 22)}[field]
            struct.pack_into(fmt, out, central + c_off, value)
            struct.pack_into(fmt, out, local + l_off, value)
    return bytes(out)


def raw_zip(entries: list[tuple[str, int, bytes, int, int]]) -> bytes:
    """A zip written byte by byte: (name, method, payload as stored, crc, size) each."""
    body, central = bytearray(), bytearray()
    for name, method, payload, crc, size in entries:
        encoded = name.encode()
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc,
                               len(payload), size, len(encoded), 0, 0, 0, 0, 0, len(body)) + encoded
        body += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, len(payload), size,
                            len(encoded), 0) + encoded + payload
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(body), 0)
    return bytes(body + central + end)


def deflate_bomb(chunk: bytes, repeats: int) -> bytes:
    """Raw deflate data that expands to ``chunk * repeats``: one fully flushed block
    (no reference back past it) repeated, in a fraction of a second."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * repeats + compressor.flush(zlib.Z_FINISH)


def bomb_3mf(gigabytes: float, declared: int | None = None) -> bytes:
    head = f'<?xml version="1.0"?><model xmlns="{CORE}">'.encode()
    chunk = b"<!-- nothing -->" * 65536  # 1 MB of well-formed XML
    repeats = int(gigabytes * 1024)
    payload = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = payload.compress(head) + payload.flush(zlib.Z_FULL_FLUSH)
    data = start + deflate_bomb(chunk, repeats)
    size = len(head) + len(chunk) * repeats if declared is None else declared
    return raw_zip([("[Content_Types].xml", 0, CONTENT_TYPES.encode(), zlib.crc32(CONTENT_TYPES.encode()),
                     len(CONTENT_TYPES)), (MODEL, 8, data, 0, size)])


def test_deflate_bomb_helper_really_expands():
    data = deflate_bomb(b"abc" * 1000, 5)
    assert zlib.decompress(data, -15) == b"abc" * 5000


def test_zip_bomb_is_refused_by_its_declared_size(tmp_path):
    refused(write(tmp_path, bomb_3mf(2)), "3dmodel.model", "expands to 2048 MB", "512 MB", "zip bomb")


def test_zip_bomb_with_a_lying_header_stops_at_the_declared_size(tmp_path):
    # zipfile never inflates past the declared size; the CRC then fails.
    refused(write(tmp_path, bomb_3mf(2, declared=4 * 1024 * 1024)), "3dmodel.model", "damaged")


def test_total_decompressed_size_is_counted_while_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_TOTAL_BYTES", 3 * 1024 * 1024)
    padding = " " * (2 * 1024 * 1024)
    files = {**PRUSA_FILES, MODEL: PRUSA_MODEL.replace("<resources>", padding.join(["<!---->"] * 2) + "<resources>"),
             PRUSA: prusa_config([("0", "3"), ("4", "7")]) + "<!---->" + padding}
    refused(write(tmp_path, files), "expand to more than 3 MB in total")


def test_config_bomb_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_SMALL_XML_BYTES", 1024 * 1024)
    files = {**PRUSA_FILES, PRUSA: prusa_config([("0", "7")]) + " " * (2 * 1024 * 1024)}
    refused(write(tmp_path, files), "Slic3r_PE_model.config", "expands to 2 MB", "at most 1 MB")


ZIP_CASES: dict[str, tuple[Callable[[], bytes], tuple[str, ...]]] = {
    "not a zip": (lambda: b"PK not really a zip", ("not a readable 3MF", "not a zip")),
    "empty file": (lambda: b"", ("not a zip",)),
    "truncated zip": (lambda: zip_bytes(members())[:-40], ("not a zip",)),
    "zip of something else": (lambda: zip_bytes({"readme.txt": "hello"}), ("not a 3MF", "no 3D model")),
    "two models, none named": (lambda: zip_bytes({"a.model": PLAIN, "b.model": PLAIN}), ("2 other model files",)),
    "encrypted model": (lambda: patch_member(zip_bytes(members()), MODEL, flags=1), ("3dmodel.model", "encrypted")),
    "bzip2 model": (lambda: zip_bytes(members(), zipfile.ZIP_BZIP2), ("compressed with bzip2", "stored or deflate")),
    "lzma model": (lambda: zip_bytes(members(), zipfile.ZIP_LZMA), ("compressed with lzma",)),
    "unknown method": (lambda: patch_member(zip_bytes(members()), MODEL, method=99), ("method 99",)),
    "encrypted config": (lambda: patch_member(zip_bytes(PRUSA_FILES), PRUSA, flags=1), ("Slic3r", "encrypted")),
    "corrupt deflate data": (lambda: _corrupt_payload(zip_bytes(members())), ("3dmodel.model", "damaged")),
    "bad CRC": (lambda: _bad_crc(zip_bytes(members())), ("damaged", "CRC")),
    "declared size lies low": (lambda: patch_member(zip_bytes(members()), MODEL, size=10), ("damaged",)),
}


def _corrupt_payload(data: bytes) -> bytes:
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(MODEL)
    start = info.header_offset + 30 + len(MODEL)
    return data[:start + 5] + bytes(b ^ 0xA5 for b in data[start + 5:start + 40]) + data[start + 40:]


def _bad_crc(data: bytes) -> bytes:
    out = bytearray(data)
    for central, name in _central_entries(data):
        if name == MODEL:
            (local,) = struct.unpack_from("<I", data, central + 42)
            for at in (central + 16, local + 14):
                struct.pack_into("<I", out, at, 12345)
    return bytes(out)


@pytest.mark.parametrize("case", list(ZIP_CASES))
def test_broken_zip_is_refused(tmp_path, case):
    make, words = ZIP_CASES[case]
    refused(write(tmp_path, make()), *words)


def test_too_many_zip_entries(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ZIP_ENTRIES", 5)
    files = {**members(), **{f"Metadata/x{i}.txt": "x" for i in range(10)}}
    refused(write(tmp_path, files), "more than 5 entries")


def test_file_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 100)
    refused(write(tmp_path, members()), "at most")


def test_unusable_paths(tmp_path):
    refused(tmp_path / "missing.3mf", "no such file")
    folder = tmp_path / "folder.3mf"
    folder.mkdir()
    refused(folder, "folder")
    fifo = tmp_path / "fifo.3mf"
    os.mkfifo(fifo)
    started = time.monotonic()
    refused(fifo, "FIFO")
    assert time.monotonic() - started < 5
    loop = tmp_path / "loop.3mf"
    loop.symlink_to(loop)
    refused(loop, "loop")
    refused(str(tmp_path / "a\x00b.3mf"), "NUL")
    refused("/dev/null", "device")


# -- Counts are capped -------------------------------------------------------------------


CAPS: dict[str, tuple[str, int, str, tuple[str, ...]]] = {
    # constant, lowered to, model, words
    "vertices": ("MAX_VERTICES", 7, PRUSA_MODEL, ("more than 7 vertices",)),
    "triangles": ("MAX_TRIANGLES", 7, PRUSA_MODEL, ("more than 7 triangles",)),
    "objects": ("MAX_OBJECTS", 2, ORCA_MODEL, ("more than 2 objects",)),
    "components": ("MAX_COMPONENTS", 1, ORCA_MODEL, ("more than 1 components",)),
    "items": ("MAX_ITEMS", 3, model([mesh_object("1")], [item("1")] * 4), ("more than 3 build items",)),
    "placed triangles": ("MAX_PLACED_TRIANGLES", 10, model([mesh_object("1")], [item("1")] * 3),
                         ("more than 10 triangles", "placed N times")),
    "placed vertices": ("MAX_PLACED_VERTICES", 10, model([mesh_object("1")], [item("1")] * 3),
                        ("more than 10 vertices",)),
    "placed volumes": ("MAX_PLACED_VOLUMES", 2, model([mesh_object("1")], [item("1")] * 3),
                       ("more than 2 parts and zones",)),
    "attributes": ("MAX_ATTRIBUTES", 1000, PLAIN.replace("<build>", '<x a="1"/>' * 1000 + "<build>"),
                   ("more than 1,000 attributes",)),
    "other elements": ("MAX_OTHER_ELEMENTS", 50, PLAIN.replace("<build>", "<x/>" * 100 + "<build>"),
                       ("more than 50 elements besides",)),
    "metadata length": ("MAX_METADATA_CHARS", 100, ORCA_MODEL.replace(">15<", ">" + "1" * 500 + "<"),
                        ("longer than 100 characters",)),
    "model parts": ("MAX_MODEL_PARTS", 1, model([assembly("2", ["1"], path="/3D/b.model")], [item("2")]),
                    ("more than 1 model files",)),
}


@pytest.mark.parametrize("case", list(CAPS))
def test_counts_are_capped(tmp_path, monkeypatch, case):
    constant, value, text, words = CAPS[case]
    monkeypatch.setattr(limits, constant, value)
    files = {**members(text), "3D/b.model": model([mesh_object("1")], [])}
    refused(write(tmp_path, files), *words)


def test_a_tag_longer_than_the_cap_is_refused_before_expat_holds_it(tmp_path, monkeypatch):
    # Runs are checked across chunks (one chunk is never longer than the cap): lower both.
    monkeypatch.setattr(limits, "MAX_TAG_BYTES", 1000)
    monkeypatch.setattr(limits, "READ_CHUNK_BYTES", 256)
    refused(write(tmp_path, members(PLAIN.replace('name="tetra"', f'name="{"x" * 5000}"'))),
            "runs over 1000 bytes")
    monkeypatch.setattr(limits, "MAX_TAG_BYTES", 2000)  # many short tags are fine
    assert len(read_3mf(write(tmp_path, members(grid_model(4))))) == 1


def test_caps_are_counted_while_parsing_not_after(tmp_path, monkeypatch):
    """A model far over the vertex cap is stopped within a chunk of the cap: the rest
    (here 20 MB of vertices, 1 MB zipped) is never parsed."""
    monkeypatch.setattr(limits, "MAX_VERTICES", 1000)
    vertex = '<vertex x="1" y="2" z="3"/>'
    text = PLAIN.replace("<vertices>", "<vertices>" + vertex * 800_000)
    path = write(tmp_path, members(text))
    started = time.monotonic()
    refused(path, "more than 1,000 vertices")
    assert time.monotonic() - started < 2


# -- Speed -------------------------------------------------------------------------------


def grid_model(rows: int) -> str:
    """A closed-ish surface of ~4 * rows**2 triangles (a height field, top and bottom)."""
    n = rows + 1
    xs, ys = np.meshgrid(np.arange(n, dtype=float), np.arange(n, dtype=float))
    top = np.c_[xs.ravel(), ys.ravel(), np.full(n * n, 5.0)]
    vertices = np.vstack([top, top * [1, 1, 0]])
    i = (np.arange(rows)[:, None] * n + np.arange(rows)).ravel()
    quads = np.c_[i, i + 1, i + n + 1, i + n]
    faces = np.vstack([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])
    faces = np.vstack([faces, faces[:, ::-1] + n * n])
    vs = "".join(f'<vertex x="{x:.6f}" y="{y:.6f}" z="{z:.6f}"/>\n' for x, y, z in vertices.tolist())
    ts = "".join(f'<triangle v1="{a}" v2="{b}" v3="{c}"/>\n' for a, b, c in faces.tolist())
    return model([mesh_object("1", inner=f"<mesh><vertices>{vs}</vertices><triangles>{ts}</triangles></mesh>")],
                 [item("1")])


def test_a_big_valid_model_is_read_quickly(tmp_path):
    path = write(tmp_path, members(grid_model(160)))  # ~100k triangles, ~5 MB of XML
    started = time.monotonic()
    (part,) = read_3mf(path)
    elapsed = time.monotonic() - started
    assert len(part.faces) == 4 * 160 * 160 and np.isfinite(part.vertices).all()
    assert elapsed < 4, f"{elapsed:.1f} s"  # ~0.4 s here; the old reader took ~1 s


# -- Fuzzing -----------------------------------------------------------------------------

# HOSTILE_3MF_EXAMPLES=5000 for a longer hunt.
FUZZ = settings(max_examples=int(os.environ.get("HOSTILE_3MF_EXAMPLES", "150")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
BASES = {"prusa": PRUSA_FILES, "orca": ORCA_FILES, "plain": members()}
ODD_VALUES = ["", " ", "-1", "0", "1", "3", "8", "99999999999999999999", "1e309", "-1e309", "nan", "inf", "0x10",
              "1_0", " 2 ", "\u0661", "1.5", "1e-320", "&amp;", "1 0 0 0 1 0 0 0 1 0 0 0", "1 2", "\x00"]
ATTRIBUTE = re.compile(r'([A-Za-z_:][\w:.-]*)="([^"]*)"')


def read_or_refuse(path: Path) -> None:
    """The only two ways reading may end."""
    try:
        volumes = read_3mf(path)
    except ThreeMFError as exc:
        assert "\n" not in str(exc) and len(str(exc)) <= MESSAGE_MAX_CHARS, str(exc)
        return
    assert_sane(volumes)


@FUZZ
@given(base=st.sampled_from(list(BASES)), data=st.data())
def test_fuzz_flipped_bytes_in_members(tmp_path, base, data):
    files = dict(BASES[base])
    name = data.draw(st.sampled_from(sorted(files)))
    content = bytearray(files[name].encode() if isinstance(files[name], str) else files[name])
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(content) - 1))
        content[at] = data.draw(st.integers(0, 255))
    files[name] = bytes(content)
    read_or_refuse(write(tmp_path, files))


@FUZZ
@given(base=st.sampled_from(list(BASES)), data=st.data())
def test_fuzz_attribute_values(tmp_path, base, data):
    files = dict(BASES[base])
    name = data.draw(st.sampled_from([n for n in (MODEL, PRUSA, ORCA) if n in files]))
    text = files[name]
    assert isinstance(text, str)
    spots = list(ATTRIBUTE.finditer(text))
    for _ in range(data.draw(st.integers(1, 3))):
        spot = data.draw(st.sampled_from(spots))
        value = data.draw(st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=30)))
        escaped = value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        text = text.replace(spot.group(0), f'{spot.group(1)}="{escaped}"', 1)
    files[name] = text
    read_or_refuse(write(tmp_path, files))


@FUZZ
@given(base=st.sampled_from(list(BASES)), data=st.data())
def test_fuzz_dropped_members_and_elements(tmp_path, base, data):
    files = dict(BASES[base])
    for name in data.draw(st.lists(st.sampled_from(sorted(files)), max_size=2, unique=True)):
        del files[name]
    if MODEL in files and data.draw(st.booleans()):
        text = files[MODEL]
        assert isinstance(text, str)
        tags = list(re.finditer(r"<[^<>]*/>", text))
        if tags:
            spot = data.draw(st.sampled_from(tags))
            files[MODEL] = text[:spot.start()] + text[spot.end():]
    read_or_refuse(write(tmp_path, files))


SNIPPETS = ['<object id="1"/>', '<object id="9"><components><component objectid="3"/></components></object>',
            '<components><component objectid="1"/></components>', "<mesh/>", '<item objectid="3"/>',
            '<item objectid="1" transform="0 0 0 0 0 0 0 0 0 0 0 0"/>', "<vertices>", "</triangles>",
            '<vertex x="1" y="1" z="1"/>', '<triangle v1="0" v2="0" v3="0"/>', "<!DOCTYPE x>", "&amp;", "&bogus;",
            "<![CDATA[<x>]]>", "<?pi x?>", '<metadata name="cura:infill_mesh">True</metadata>', "<metadatagroup>",
            '<model xmlns="' + CORE + '">', '<volume firstid="0" lastid="1"/>', '<part id="1" subtype="x"/>']


@FUZZ
@given(base=st.sampled_from(list(BASES)), data=st.data())
def test_fuzz_inserted_elements(tmp_path, base, data):
    files = dict(BASES[base])
    name = data.draw(st.sampled_from([n for n in (MODEL, PRUSA, ORCA) if n in files]))
    text = files[name]
    assert isinstance(text, str)
    for _ in range(data.draw(st.integers(1, 3))):
        boundaries = [m.end() for m in re.finditer(">", text)]
        at = data.draw(st.sampled_from(boundaries))
        text = text[:at] + data.draw(st.sampled_from(SNIPPETS)) + text[at:]
    files[name] = text
    read_or_refuse(write(tmp_path, files))


@FUZZ
@given(base=st.sampled_from(list(BASES)), data=st.data())
def test_fuzz_damaged_zip(tmp_path, base, data):
    content = bytearray(zip_bytes(BASES[base]))
    if data.draw(st.booleans()):
        content = content[:data.draw(st.integers(0, len(content)))]
    for _ in range(data.draw(st.integers(0, 6))):
        if content:
            content[data.draw(st.integers(0, len(content) - 1))] = data.draw(st.integers(0, 255))
    read_or_refuse(write(tmp_path, bytes(content)))


# -- The real command ---------------------------------------------------------------------


def test_cli_zip_bomb_under_the_memory_cap(tmp_path):
    path = write(tmp_path, bomb_3mf(3.5), "bomb.3mf")
    assert path.stat().st_size < 10 * 1024 * 1024
    run = run_cli("check", str(path), cwd=tmp_path, memory_mb=1536)
    assert_refused(run, codes={1}, says=("NOT PRINTABLE", "zip bomb"))


def test_cli_billion_laughs(tmp_path):
    path = write(tmp_path, members(BILLION_LAUGHS + PLAIN.replace("tetra", "&lol9;")), "lol.3mf")
    assert_refused(run_cli("check", str(path), cwd=tmp_path, memory_mb=1536), codes={1},
                   says=("NOT PRINTABLE", "DOCTYPE"))


def test_cli_hundreds_of_build_items(tmp_path):
    big = grid_model(40)  # ~6400 triangles, placed 200 times
    text = big.replace(item("1"), item("1") * 200)
    run = run_cli("check", str(write(tmp_path, members(text), "plate.3mf")), cwd=tmp_path, time_s=20)
    assert_refused(run, codes={1}, says=("NOT PRINTABLE", "more than 1,000,000 triangles"))


def test_cli_component_cycle_and_bad_index(tmp_path):
    cycle = write(tmp_path, members(model([assembly("1", ["2"]), assembly("2", ["1"])], [item("1")])), "c.3mf")
    index = write(tmp_path, members(_mesh_model(triangles=_triangles_with("x"))), "i.3mf")
    run = run_cli("check", str(cycle), str(index), cwd=tmp_path)
    assert_refused(run, codes={1}, says=("contains itself", "not a vertex index"))
