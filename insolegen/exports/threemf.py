"""Slicer-ready 3MF files with per-zone infill (layouts from docs/slicers.md).

No single layout works in every slicer, so two files are written:

- PrusaSlicer: ONE object whose mesh holds the body then each zone as contiguous
  blocks; ``Metadata/Slic3r_PE_model.config`` cuts it into volumes by triangle ranges,
  the zones as ParameterModifier volumes with ``fill_density`` / ``fill_pattern``.
- OrcaSlicer / Bambu Studio: one mesh object per part under an assembly object,
  ``Metadata/model_settings.config`` marks zones as ``modifier_part`` with
  ``sparse_infill_*`` keys; each zone object also carries Cura's per-mesh settings
  (``infill_mesh``) for Cura's 3MF reader. Vertices are in bed coordinates with
  identity transforms (Orca moves only the first volume of foreign files otherwise).

Walls, top/bottom layers, layer height and speeds are set once on the object
(:mod:`.print_settings`), so zones add no inner walls and carry infill keys only.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

import numpy as np

from insolegen.core.version import __version__
from insolegen.exports.print_settings import TPU, PrintSettings, orca_object_settings, prusa_object_settings
from insolegen.formats.threemf.names import (
    CORE_NS,
    CURA_NS,
    INSOLEGEN_NS,
    MODEL_PATH,
    MODEL_RELATIONSHIP,
    ORCA_CONFIG_PATH,
    PRUSA_CONFIG_PATH,
    RELATIONSHIPS_NS,
    SLIC3RPE_NS,
    WALL_METADATA,
)
from insolegen.geometry.placement import Placement
from insolegen.geometry.solid import Mesh
from insolegen.geometry.zones import Zone
from insolegen.profile.schema import PATTERNS

__all__ = [
    "CONTENT_TYPES", "CURA_PATTERN", "IDENTITY", "ORCA_PATTERN", "PRUSA_PATTERN", "RELS", "ZIP_DATE", "orca_3mf",
    "prusa_3mf", "quoteattr",
]

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
 <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
 <Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>
 <Default Extension="config" ContentType="text/xml"/>
</Types>
"""
RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{RELATIONSHIPS_NS}">
 <Relationship Target="/{MODEL_PATH}" Id="rel-1" Type="{MODEL_RELATIONSHIP}"/>
</Relationships>
"""
IDENTITY = "1 0 0 0 1 0 0 0 1 0 0 0"

# Our pattern names -> each slicer's. Cura has no honeycomb; its nearest are given.
PRUSA_PATTERN = {p: p for p in PATTERNS}
ORCA_PATTERN = {**PRUSA_PATTERN, "rectilinear": "zig-zag"}
CURA_PATTERN = {"gyroid": "gyroid", "rectilinear": "lines", "grid": "grid", "triangles": "triangles",
                "cubic": "cubic", "honeycomb": "trihexagon", "3dhoneycomb": "cubic"}


def quoteattr(text: str) -> str:
    """An XML attribute value, quoted: the same text as ``xml.sax.saxutils.quoteattr``,
    whose import pulls in urllib and http (a tenth of a build's import time)."""
    text = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    text = text.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"' + text.replace('"', "&quot;") + '"'


def _mesh_xml(mesh: Mesh, indent: str = "   ") -> str:
    v = np.asarray(mesh.vertices, dtype=np.float64)
    # One %-format over the whole array: half the time of formatting line by line.
    vertices = ((f'{indent} <vertex x="%.6f" y="%.6f" z="%.6f"/>\n' * len(v)) % tuple(v.ravel().tolist()))[:-1]
    faces = np.asarray(mesh.faces, dtype=np.int64)
    triangles = ((f'{indent} <triangle v1="%d" v2="%d" v3="%d"/>\n' * len(faces))
                 % tuple(faces.ravel().tolist()))[:-1]
    return (f"{indent}<mesh>\n{indent}<vertices>\n{vertices}\n{indent}</vertices>\n"
            f"{indent}<triangles>\n{triangles}\n{indent}</triangles>\n{indent}</mesh>")


ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    # Level 1: a third of the size of stored text at a tenth of level 6's time.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in files.items():
            # a fixed date (zip's earliest): the same part gives the same file, byte for byte
            entry = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, text, compresslevel=1)
    return buffer.getvalue()


def _pct(value: float) -> str:
    return f"{value:g}%"


def _wall_mark(thinnest_wall_mm: float | None) -> tuple[str, str]:
    """The model's namespace declaration and metadata line saying the wall a lattice part
    was made to (threemf_names.WALL_METADATA), or nothing."""
    if thinnest_wall_mm is None:
        return "", ""
    return (f' xmlns:insolegen="{INSOLEGEN_NS}"',
            f'\n <metadata name="{WALL_METADATA}">{thinnest_wall_mm:.2f}</metadata>')


def prusa_3mf(name: str, body: Mesh, zones: Sequence[Zone], pattern: str, placement: Placement,
              settings: PrintSettings = TPU, supports: bool = False, fill_pct: float | None = None,
              thinnest_wall_mm: float | None = None) -> bytes:
    """The PrusaSlicer file: one object, body + ParameterModifier zones, placed on the
    bed by the build item's transform. ``thinnest_wall_mm``: the wall a lattice part
    was made to, recorded for ``insolegen check``."""
    parts = [("body", body)] + [(z.name, z.mesh) for z in zones]
    vertices, faces, ranges = [], [], []
    v_offset = t_offset = 0
    for _, mesh in parts:
        vertices.append(mesh.vertices)
        faces.append(mesh.faces + v_offset)
        ranges.append((t_offset, t_offset + len(mesh.faces) - 1))
        v_offset += len(mesh.vertices)
        t_offset += len(mesh.faces)
    combined = Mesh(vertices=np.vstack(vertices), faces=np.vstack(faces))
    wall_ns, wall = _wall_mark(thinnest_wall_mm)
    model = f"""<?xml version="1.0" encoding="UTF-8"?>
<model unit="millimeter" xml:lang="en-US" xmlns="{CORE_NS}" xmlns:slic3rpe="{SLIC3RPE_NS}"{wall_ns}>
 <metadata name="slic3rpe:Version3mf">1</metadata>
 <metadata name="Title">{name}</metadata>{wall}
 <metadata name="Application">insolegen {__version__}</metadata>
 <resources>
  <object id="1" type="model">
{_mesh_xml(combined)}
  </object>
 </resources>
 <build>
  <item objectid="1" transform="{placement.transform_3mf()}" printable="1"/>
 </build>
</model>
"""
    object_keys = {
        "name": name, **prusa_object_settings(settings, supports), "fill_pattern": PRUSA_PATTERN[pattern],
        "fill_density": _pct(fill_pct if fill_pct is not None else max((z.infill_pct for z in zones), default=20.0)),
    }
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<config>", ' <object id="1" instances_count="1">']
    lines += [f'  <metadata type="object" key="{k}" value={quoteattr(str(v))}/>' for k, v in object_keys.items()]
    for (part_name, _), zone, (first, last) in zip(parts, [None, *zones], ranges):
        lines.append(f'  <volume firstid="{first}" lastid="{last}">')
        lines.append(f'   <metadata type="volume" key="name" value={quoteattr(part_name)}/>')
        if zone is None:
            lines.append('   <metadata type="volume" key="volume_type" value="ModelPart"/>')
        else:
            lines.append('   <metadata type="volume" key="volume_type" value="ParameterModifier"/>')
            lines.append(f'   <metadata type="volume" key="fill_density" value="{_pct(zone.infill_pct)}"/>')
            lines.append(f'   <metadata type="volume" key="fill_pattern" value="{PRUSA_PATTERN[pattern]}"/>')
            if zone.extruder != 1:  # a modifier can switch the filament for its region
                lines.append(f'   <metadata type="volume" key="extruder" value="{zone.extruder}"/>')
        lines.append("  </volume>")
    lines += [" </object>", "</config>", ""]
    return _zip({
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": RELS,
        MODEL_PATH: model,
        PRUSA_CONFIG_PATH: "\n".join(lines),
    })


def _cura_metadata(zone: Zone, pattern: str) -> str:
    settings = {
        "infill_mesh": "True", "infill_sparse_density": f"{zone.infill_pct:g}",
        "infill_pattern": CURA_PATTERN[pattern], "wall_thickness": "0", "top_bottom_thickness": "0",
    }
    items = "".join(f'<metadata name="cura:{k}" preserve="1">{v}</metadata>' for k, v in settings.items())
    return f"   <metadatagroup>{items}</metadatagroup>\n"


def orca_3mf(name: str, body: Mesh, zones: Sequence[Zone], pattern: str, placement: Placement,
             settings: PrintSettings = TPU, supports: bool = False, fill_pct: float | None = None,
             thinnest_wall_mm: float | None = None) -> bytes:
    """The OrcaSlicer / Bambu Studio file (also carrying Cura's per-mesh settings):
    one object per part, an assembly of them, vertices already on the bed.
    ``fill_pct``: the object's infill when there are no zones to set it (a lattice: 100);
    ``thinnest_wall_mm``: as for prusa_3mf."""
    parts = [("body", body, None)] + [(z.name, z.mesh, z) for z in zones]
    objects, components = [], []
    for object_id, (part_name, mesh, zone) in enumerate(parts, start=1):
        placed = Mesh(vertices=placement.apply(mesh.vertices), faces=mesh.faces)
        cura = _cura_metadata(zone, pattern) if zone is not None else ""
        objects.append(
            f'  <object id="{object_id}" name={quoteattr(part_name)} type="model">\n{cura}'
            f"{_mesh_xml(placed)}\n  </object>"
        )
        components.append(f'    <component objectid="{object_id}" transform="{IDENTITY}"/>')
    assembly = len(parts) + 1
    wall_ns, wall = _wall_mark(thinnest_wall_mm)
    model = f"""<?xml version="1.0" encoding="UTF-8"?>
<model unit="millimeter" xml:lang="en-US" xmlns="{CORE_NS}" xmlns:cura="{CURA_NS}"{wall_ns}>
 <metadata name="Title">{name}</metadata>{wall}
 <metadata name="Application">insolegen {__version__}</metadata>
 <resources>
{chr(10).join(objects)}
  <object id="{assembly}" name={quoteattr(name)} type="model">
   <components>
{chr(10).join(components)}
   </components>
  </object>
 </resources>
 <build>
  <item objectid="{assembly}" transform="{IDENTITY}" printable="1"/>
 </build>
</model>
"""
    object_keys = {
        "name": name, **orca_object_settings(settings, supports), "sparse_infill_pattern": ORCA_PATTERN[pattern],
        "sparse_infill_density": _pct(fill_pct if fill_pct is not None
                                      else max((z.infill_pct for z in zones), default=20.0)),
    }
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<config>", f' <object id="{assembly}">']
    lines += [f"  <metadata key=\"{k}\" value={quoteattr(str(v))}/>" for k, v in object_keys.items()]
    for object_id, (part_name, _, zone) in enumerate(parts, start=1):
        subtype = "normal_part" if zone is None else "modifier_part"
        lines.append(f'  <part id="{object_id}" subtype="{subtype}">')
        lines.append(f"   <metadata key=\"name\" value={quoteattr(part_name)}/>")
        if zone is not None:
            lines.append(f'   <metadata key="sparse_infill_density" value="{_pct(zone.infill_pct)}"/>')
            lines.append(f'   <metadata key="sparse_infill_pattern" value="{ORCA_PATTERN[pattern]}"/>')
            if zone.extruder != 1:
                lines.append(f'   <metadata key="extruder" value="{zone.extruder}"/>')
        lines.append("  </part>")
    lines += [" </object>", "</config>", ""]
    return _zip({
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": RELS,
        MODEL_PATH: model,
        ORCA_CONFIG_PATH: "\n".join(lines),
    })
