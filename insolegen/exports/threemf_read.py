"""Read a 3MF back for ``insolegen check``: the printed parts (placed as the file says)
and any zone modifiers with their settings, for PrusaSlicer's layout (volumes cut out of
one object by triangle ranges), Orca/Bambu's (components with model_settings.config)
and plain 3MF (every object a part)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

NS = {"m": "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"}


class ThreeMFError(Exception):
    """A file that is not a readable 3MF."""


@dataclass
class Volume:
    name: str
    role: str  # "part" or "modifier"
    vertices: NDArray[np.float64]  # placed on the bed
    faces: NDArray[np.int64]
    settings: dict[str, str] = field(default_factory=dict)


def _matrix(text: str | None) -> NDArray[np.float64]:
    if not text:
        return np.vstack([np.eye(3), np.zeros(3)])
    return np.array([float(v) for v in text.split()]).reshape(4, 3)


def _mesh(obj: ET.Element) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    v = np.array([[float(e.get(k, "nan")) for k in "xyz"] for e in obj.iterfind("m:mesh/m:vertices/m:vertex", NS)])
    f = np.array([[int(e.get(k, "-1")) for k in ("v1", "v2", "v3")]
                  for e in obj.iterfind("m:mesh/m:triangles/m:triangle", NS)], dtype=np.int64)
    return v.reshape(-1, 3), f.reshape(-1, 3)


def read_3mf(path: Path) -> list[Volume]:
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            model_name = next((n for n in names if n.lower().endswith(".model")), None)
            if model_name is None:
                raise ThreeMFError(f"{path}: no 3D model inside the 3MF")
            model = ET.fromstring(archive.read(model_name))
            prusa = archive.read("Metadata/Slic3r_PE_model.config") if "Metadata/Slic3r_PE_model.config" in names else None
            orca = archive.read("Metadata/model_settings.config") if "Metadata/model_settings.config" in names else None
    except (zipfile.BadZipFile, ET.ParseError, KeyError, OSError) as exc:
        raise ThreeMFError(f"{path}: not a readable 3MF ({exc.__class__.__name__}: {exc})") from None
    objects = {o.get("id"): o for o in model.iterfind("m:resources/m:object", NS)}
    items = list(model.iterfind("m:build/m:item", NS))
    if not items:
        raise ThreeMFError(f"{path}: the 3MF has no build items (nothing to print)")
    volumes: list[Volume] = []
    for item in items:
        placement = _matrix(item.get("transform"))
        obj = objects.get(item.get("objectid"))
        if obj is None:
            raise ThreeMFError(f"{path}: a build item points at a missing object")
        if prusa is not None:
            volumes += _prusa_volumes(obj, ET.fromstring(prusa), placement)
        else:
            volumes += _component_volumes(obj, objects, ET.fromstring(orca) if orca is not None else None, placement)
    return volumes


def _place(v: NDArray[np.float64], m: NDArray[np.float64]) -> NDArray[np.float64]:
    return v @ m[:3] + m[3]


def _prusa_volumes(obj: ET.Element, config: ET.Element, placement: NDArray[np.float64]) -> list[Volume]:
    v, f = _mesh(obj)
    entry = next((o for o in config.iterfind("object") if o.get("id") == obj.get("id")), None)
    if entry is None or not list(entry.iterfind("volume")):
        return [Volume(obj.get("name") or "object", "part", _place(v, placement), f)]
    out = []
    for volume in entry.iterfind("volume"):
        keys = {m.get("key"): m.get("value") for m in volume.iterfind("metadata")}
        first, last = int(volume.get("firstid", 0)), int(volume.get("lastid", len(f) - 1))
        faces = f[first:last + 1]
        used, local = np.unique(faces, return_inverse=True)
        role = "part" if keys.get("volume_type", "ModelPart") == "ModelPart" else "modifier"
        settings = {k: val for k, val in keys.items() if k not in ("name", "volume_type", "matrix", "modifier")
                    and not k.startswith("source")}
        out.append(Volume(keys.get("name", "volume"), role, _place(v[used], placement), local.reshape(-1, 3), settings))
    return out


def _component_volumes(obj: ET.Element, objects: dict, config: ET.Element | None,
                       placement: NDArray[np.float64]) -> list[Volume]:
    parts = {}
    if config is not None:
        for entry in config.iterfind("object"):
            for part in entry.iterfind("part"):
                parts[part.get("id")] = (part.get("subtype", "normal_part"),
                                         {m.get("key"): m.get("value") for m in part.iterfind("metadata")})
    components = list(obj.iterfind("m:components/m:component", NS))
    if not components:
        v, f = _mesh(obj)
        return [Volume(obj.get("name") or "object", "part", _place(v, placement), f)]
    out = []
    for component in components:
        child = objects[component.get("objectid")]
        v, f = _mesh(child)
        v = _place(_place(v, _matrix(component.get("transform"))), placement)
        subtype, keys = parts.get(component.get("objectid"), ("normal_part", {}))
        cura = {m.get("name", "").replace("cura:", ""): m.text or "" for m in child.iterfind("m:metadatagroup/m:metadata", NS)}
        role = "part" if subtype == "normal_part" and cura.get("infill_mesh") != "True" else "modifier"
        settings = {k: val for k, val in keys.items() if k != "name"}
        settings.update({f"cura:{k}": val for k, val in cura.items()})
        out.append(Volume(keys.get("name") or child.get("name") or "part", role, v, f, settings))
    return out
