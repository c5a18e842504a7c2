"""Read a 3MF back for ``insolegen check``: the printed parts (placed as the file says)
and any zone modifiers with their settings, for PrusaSlicer's layout (volumes cut out of
one object by triangle ranges), Orca/Bambu's (components with model_settings.config,
objects possibly in other model parts by the production extension's ``p:path``) and
plain 3MF (every object a part).

A 3MF comes from anyone, so every way it can be hostile or broken ends in
:class:`ThreeMFError` with one line, in bounded time and memory:

- the file is opened through :mod:`insolegen.core.paths` (no FIFO, device, folder or
  symlink loop) and read whole, at most :data:`MAX_FILE_BYTES`;
- zip members are decompressed in chunks and counted as they come (a zip bomb is
  stopped at :data:`MAX_MEMBER_BYTES`, whatever its header says); encrypted members and
  compression methods a 3MF may not use are refused;
- XML is parsed by expat, the model as a stream, and a DOCTYPE is refused outright:
  without one there are no entities, so no "billion laughs" and no external files;
- every count (vertices, triangles, objects, components, items, elements, placed
  triangles) is capped, and every number, index, reference, transform and range is
  checked before it is used.

Over 400 lines: one reader's defences against a hostile file (zip, XML, three layouts),
in the order a file is read; its limits are the module's constants, which the hostile
tests tune, so it stays whole.
"""

from __future__ import annotations

import itertools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
from numpy.typing import NDArray

from insolegen.core.paths import shown
from insolegen.formats.threemf import limits  # read at each use: the tests lower them
from insolegen.formats.threemf.model import UNITS_MM, Matrix, _matrix, _ModelPart, _Object, _parse_models, _Ref, _whole_number
from insolegen.formats.threemf.names import MODEL_PATH, ORCA_CONFIG_PATH, PRUSA_CONFIG_PATH, WALL_METADATA
from insolegen.formats.threemf.package import (
    ALLOWED_COMPRESSION,
    COMPRESSION_NAMES,
    DEFAULT_MODEL,
    MODEL_RELATIONSHIP_SUFFIX,
    RELS,
    ZIP_CENTRAL_ENTRY_SIGNATURE,
    ZIP_ENCRYPTED_FLAG,
    ThreeMFError,
    _open_zip,
    _Package,
    _read_file,
)

__all__ = [
    "ALLOWED_COMPRESSION",
    "COMPRESSION_NAMES",
    "DEFAULT_MODEL",
    "MODEL_RELATIONSHIP_SUFFIX",
    "ORCA_CONFIG",
    "PRUSA_CONFIG",
    "PRUSA_SKIPPED_KEYS",
    "RELS",
    "UNITS_MM",
    "WALL_LOOK_BYTES",
    "ZIP_CENTRAL_ENTRY_SIGNATURE",
    "ZIP_ENCRYPTED_FLAG",
    "Matrix",
    "ThreeMFError",
    "Volume",
    "declared_wall_3mf_mm",
    "read_3mf",
]


PRUSA_CONFIG = PRUSA_CONFIG_PATH


ORCA_CONFIG = ORCA_CONFIG_PATH


PRUSA_SKIPPED_KEYS = ("name", "volume_type", "matrix", "modifier")


@dataclass
class Volume:
    name: str
    role: str  # "part" or "modifier"
    vertices: NDArray[np.float64]  # placed on the bed, in mm
    faces: NDArray[np.int64]
    settings: dict[str, str] = field(default_factory=dict)


def read_3mf(path: Path | str) -> list[Volume]:
    """The volumes a 3MF places on the bed, or :class:`ThreeMFError`."""
    where = shown(path)
    data = _read_file(path)
    archive = _open_zip(data, where)
    with archive:
        package = _Package(archive, where)
        root = package.root_model()
        parts = _parse_models(package, root)
        prusa = package.small_xml(PRUSA_CONFIG)
        orca = package.small_xml(ORCA_CONFIG) if prusa is None else None
    return _Assembler(parts, root, where, prusa, orca).volumes()


def declared_wall_3mf_mm(path: Path | str) -> float | None:
    """The thinnest wall a 3MF says its part was made to (insolegen's lattice parts do,
    in the model's metadata, WALL_METADATA), or None. Read after read_3mf has accepted
    the file: the first few kilobytes of its model, where the metadata comes first."""
    import re

    try:
        with zipfile.ZipFile(path) as archive, archive.open(MODEL_PATH) as model:
            head = model.read(WALL_LOOK_BYTES)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, RuntimeError, NotImplementedError):
        return None
    found = re.search(rb'<metadata name="' + WALL_METADATA.encode() + rb'">(\d{1,2}\.\d\d)</metadata>', head)
    return float(found.group(1)) if found else None


WALL_LOOK_BYTES = 4096


@dataclass(frozen=True)
class _PrusaRange:
    first: int
    last: int
    name: str
    role: str
    settings: dict[str, str]


class _Assembler:
    """Items and components expanded into placed volumes, with the slicer configs'
    roles, names and settings."""

    def __init__(self, parts: dict[str, _ModelPart], root: zipfile.ZipInfo, where: str,
                 prusa: ET.Element | None, orca: ET.Element | None) -> None:
        self.parts = parts
        self.root = parts[root.filename]
        self.where = where
        self.prusa = prusa
        self.prusa_label = f"{where}: {PRUSA_CONFIG}"
        self.orca_parts, self.all_orca_parts = _orca_parts(orca)
        self._prusa_ranges: dict[str, list[_PrusaRange]] = {}
        self.placements = self.placed_triangles = self.placed_vertices = self.placed_volumes = 0

    def refuse(self, message: str) -> ThreeMFError:
        return ThreeMFError(f"{self.where}: {message}")

    def volumes(self) -> list[Volume]:
        if not self.root.items:
            raise self.refuse("the 3MF has no build items (nothing to print)")
        out: list[Volume] = []
        for item in self.root.items:
            obj = self._resolve(item)
            matrix = _matrix(item.transform, f"{self.where}: {item.label}")
            for leaf, placement, top in self._leaves(obj, matrix, (), obj.id):
                out += self._leaf_volumes(leaf, placement, top, direct=leaf is obj)
        return out

    def _resolve(self, ref: _Ref) -> _Object:
        if not ref.objectid:
            raise self.refuse(f"{ref.label} names no object (objectid is missing)")
        part = self.parts.get(ref.part)
        if ref.path:
            info_name = next((p for p in self.parts if p.lower() == ref.path.lstrip("/").lower()), None)
            part = self.parts.get(info_name) if info_name else None
            if part is None:
                raise self.refuse(f"{ref.label} refers to the model file {shown(ref.path, 60)!r}, which is not "
                                  "in the zip")
        obj = part.objects.get(ref.objectid) if part else None
        if obj is None:
            raise self.refuse(f"{ref.label} refers to object {shown(ref.objectid, limits.MAX_SHOWN_VALUE_CHARS)}, "
                              "which is not in the file")
        return obj

    def _leaves(self, obj: _Object, matrix: Matrix, trail: tuple[tuple[str, str], ...],
                top: str) -> Iterator[tuple[_Object, Matrix, str]]:
        """Every mesh object under ``obj`` with its placement, following components
        (cycles, depth and the number of placements bounded)."""
        key = (obj.part, obj.id)
        what = f"object {shown(obj.id, limits.MAX_SHOWN_VALUE_CHARS)}"
        if key in trail:
            chain = " -> ".join(shown(i, 20) for _, i in trail[trail.index(key):] + (key,))
            raise self.refuse(f"{what} contains itself through its components ({chain})")
        if len(trail) > limits.MAX_COMPONENT_DEPTH:
            raise self.refuse(f"components nest more than {limits.MAX_COMPONENT_DEPTH} deep")
        self.placements += 1
        if self.placements > limits.MAX_PLACEMENTS:
            raise self.refuse(f"the build items and components place objects more than {limits.MAX_PLACEMENTS} times")
        has_mesh, components = obj.vertices is not None, obj.components
        if has_mesh and components:
            raise self.refuse(f"{what} has both a mesh and components (a 3MF object has one or the other)")
        if not has_mesh and not components:
            raise self.refuse(f"{what} has neither a mesh nor components")
        if has_mesh:
            yield obj, matrix, top
            return
        for component in components or ():
            child = self._resolve(component)
            placement = _matrix(component.transform, f"{self.where}: {component.label}") @ matrix
            yield from self._leaves(child, placement, trail + (key,), top)

    def _leaf_volumes(self, obj: _Object, matrix: Matrix, top: str, direct: bool) -> list[Volume]:
        assert obj.vertices is not None and obj.faces is not None
        what = f"object {shown(obj.id, limits.MAX_SHOWN_VALUE_CHARS)}"
        if len(obj.faces) == 0:
            raise self.refuse(f"{what} has a mesh with no triangles")
        self.placed_triangles += len(obj.faces)
        if self.placed_triangles > limits.MAX_PLACED_TRIANGLES:
            raise self.refuse(f"the build places more than {limits.MAX_PLACED_TRIANGLES:,} triangles in all (the most "
                              "check takes; an object placed N times counts N times)")
        self.placed_vertices += len(obj.vertices)
        if self.placed_vertices > limits.MAX_PLACED_VERTICES:
            raise self.refuse(f"the build places more than {limits.MAX_PLACED_VERTICES:,} vertices in all (an object "
                              "placed N times counts N times)")
        ranges = self._prusa_volumes(obj) if obj.part == self.root.name else []
        self._count_volumes(max(len(ranges), 1))
        vertices = self._place(obj.vertices, matrix, what)
        faces = _wound_for(matrix, obj.faces)
        if ranges:
            return [_cut(vertices, faces, r) for r in ranges]
        subtype, keys = self._orca_part(top, obj.id)
        cura = obj.cura
        role = "part" if subtype == "normal_part" and cura.get("infill_mesh") != "True" else "modifier"
        settings = _printable({k: v for k, v in keys.items() if k != "name"})
        settings.update(_printable({f"cura:{k}": v for k, v in cura.items()}))
        name = keys.get("name") or obj.name or ("object" if direct else "part")
        return [Volume(shown(name, limits.MAX_NAME_CHARS), role, vertices, faces, settings)]

    def _count_volumes(self, count: int) -> None:
        self.placed_volumes += count
        if self.placed_volumes > limits.MAX_PLACED_VOLUMES:
            raise self.refuse(f"the build places more than {limits.MAX_PLACED_VOLUMES} parts and zones (the most check "
                              "takes)")

    def _place(self, vertices: NDArray[np.float64], matrix: Matrix, what: str) -> NDArray[np.float64]:
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is caught just below
            placed = (vertices @ matrix[:3, :3] + matrix[3, :3]) * self.root.unit_mm
        if not (np.isfinite(placed).all() and np.abs(placed).max(initial=0.0) <= limits.MAX_COORDINATE_MM):
            raise self.refuse(f"{what} is placed more than {limits.MAX_COORDINATE_MM / 1e6:g} km from the origin "
                              "(garbage coordinates or transform)")
        return placed

    def _orca_part(self, top: str, object_id: str) -> tuple[str, dict[str, str]]:
        found = self.orca_parts.get(top, {}).get(object_id) or self.all_orca_parts.get(object_id)
        return found or ("normal_part", {})

    def _prusa_volumes(self, obj: _Object) -> list[_PrusaRange]:
        """PrusaSlicer's volumes of this object: triangle ranges, checked to lie inside
        the mesh and not to overlap. Empty when the config says nothing of it."""
        if self.prusa is None:
            return []
        if obj.id not in self._prusa_ranges:
            entry = next((o for o in self.prusa.iterfind("object") if o.get("id") == obj.id), None)
            ranges = [] if entry is None else self._prusa_ranges_of(entry, obj)
            self._prusa_ranges[obj.id] = ranges
        return self._prusa_ranges[obj.id]

    def _prusa_ranges_of(self, entry: ET.Element, obj: _Object) -> list[_PrusaRange]:
        assert obj.faces is not None
        count = len(obj.faces)
        what = f"object {shown(obj.id, limits.MAX_SHOWN_VALUE_CHARS)}"
        ranges = []
        for number, volume in enumerate(entry.iterfind("volume"), start=1):
            keys = {m.get("key", ""): m.get("value", "") for m in volume.iterfind("metadata")}
            name = shown(keys.get("name") or f"volume {number}", limits.MAX_NAME_CHARS)
            label = f"{self.prusa_label}: volume {name!r} of {what}"
            first = _whole_number(volume.get("firstid", "0"), "firstid", label)
            last = _whole_number(volume.get("lastid", str(count - 1)), "lastid", label)
            if not 0 <= first <= last < count:
                raise ThreeMFError(f"{label} spans triangles {first} to {last}, but the mesh has {count} "
                                   f"triangles (0 to {count - 1})")
            role = "part" if keys.get("volume_type", "ModelPart") == "ModelPart" else "modifier"
            settings = _printable({k: v for k, v in keys.items()
                                   if k not in PRUSA_SKIPPED_KEYS and not k.startswith("source")})
            ranges.append(_PrusaRange(first, last, name, role, settings))
        ordered = sorted(ranges, key=lambda r: r.first)
        for a, b in itertools.pairwise(ordered):
            if b.first <= a.last:
                raise ThreeMFError(f"{self.prusa_label}: volumes {a.name!r} (triangles {a.first} to {a.last}) and "
                                   f"{b.name!r} ({b.first} to {b.last}) of {what} overlap")
        return ranges


def _wound_for(matrix: Matrix, faces: NDArray[np.int64]) -> NDArray[np.int64]:
    """A mirroring placement (negative determinant) turns a solid inside out unless
    its triangles are turned too, as slicers do (a mirrored insole for the other foot)."""
    if np.linalg.det(matrix[:3, :3]) < 0:
        return np.ascontiguousarray(faces[:, ::-1])
    return faces


def _printable(settings: dict[str, str]) -> dict[str, str]:
    """Settings are shown to the user: one printable line each, kept short."""
    return {shown(k, limits.MAX_NAME_CHARS): shown(v, limits.MAX_NAME_CHARS) for k, v in settings.items()}


def _cut(vertices: NDArray[np.float64], faces: NDArray[np.int64], r: _PrusaRange) -> Volume:
    """One PrusaSlicer volume: its triangles and only the vertices they use."""
    used, local = np.unique(faces[r.first:r.last + 1], return_inverse=True)
    return Volume(r.name, r.role, vertices[used], local.reshape(-1, 3), dict(r.settings))


def _orca_parts(config: ET.Element | None) -> tuple[dict[str, dict[str, tuple[str, dict[str, str]]]],
                                                    dict[str, tuple[str, dict[str, str]]]]:
    """Orca/Bambu's parts: by the assembly object's id then the part's (= component's
    object) id, and by part id alone for files whose ids do not nest that way."""
    by_object: dict[str, dict[str, tuple[str, dict[str, str]]]] = {}
    every: dict[str, tuple[str, dict[str, str]]] = {}
    if config is None:
        return by_object, every
    for entry in config.iterfind("object"):
        parts = by_object.setdefault(entry.get("id", ""), {})
        for part in entry.iterfind("part"):
            found = (part.get("subtype", "normal_part"),
                     {m.get("key", ""): m.get("value", "") for m in part.iterfind("metadata")})
            parts[part.get("id", "")] = every[part.get("id", "")] = found
    return by_object, every
