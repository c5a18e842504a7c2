"""``insolegen serve``: the designer, a local web app (Starlette, served by uvicorn).

One page (static/index.html: the form generated from the profile's JSON Schema, a
three.js view, downloads) and the API it and clinic software use (README, "The
designer"):

- ``GET /api/schema``: the profile's JSON Schema (with each key's unit and range);
- ``POST /api/preview``: a coarse, quick build of each side as a GLB and the landmark
  heights measured on it, for the live view;
- ``POST /api/build``: the exact, checked build: warnings, build.json's content and
  the URLs of its files (each STL and 3MF, the report, a zip of all, the profile);
- ``POST /api/parse``: a profile's TOML as the JSON object the form is filled from;
- ``POST /api/upload``: an outline, scan, picture or pressure map, kept under a random
  name in the session's temporary folder; a profile names it by the name returned.

A bad profile is a 422 with ``{"problems": [{"key", "value", "message"}]}`` (the CLI's
messages); a bad upload a 4xx with its message; nothing the client sends becomes a
server path. The temporary folder goes when the server stops.

Over 400 lines: the routes and the upload guards, one per kind, share the session; the
page's own logic is in static/app.js.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
import secrets
import shutil
import tempfile
import threading
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from insolegen.profile.problems import jsonable
from insolegen.profile.reading import without_none

__all__ = [
    "BUILD_ID",
    "FILE_KEYS",
    "MAX_BODY_BYTES",
    "MAX_UPLOAD_BYTES",
    "STATIC",
    "UPLOAD_KINDS",
    "UPLOAD_NAME",
    "Session",
    "make_app",
    "profile_schema",
    "profile_toml",
]

STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 2_000_000  # a profile as JSON or TOML (the CLI takes at most 1 MB of TOML)
MAX_UPLOAD_BYTES = 200_000_000  # a scan (the CLI's limits per kind apply on reading)
UPLOAD_KINDS = {  # extension -> what the first bytes must hold (lower-cased), and the kind
    ".svg": (lambda head: b"<svg" in head, "outline"),
    ".dxf": (lambda head: b"section" in head, "outline"),
    ".csv": (lambda head: _texty(head), "outline or pressure map"),
    ".stl": (lambda head: True, "scan"),  # binary or ASCII: the reader judges
    ".obj": (lambda head: b"v " in head or b"\nv " in head, "scan"),
    ".ply": (lambda head: head.startswith(b"ply"), "scan"),
    ".asf": (lambda head: b"rows" in head or b"ascii_data" in head, "pressure map"),
    ".lst": (lambda head: b"page" in head, "pressure map"),
    ".txt": (lambda head: _texty(head), "pressure map"),
    **dict.fromkeys((".jpg", ".jpeg"), (lambda head: head.startswith(b"\xff\xd8\xff"), "picture")),
    ".png": (lambda head: head.startswith(b"\x89png\r\n\x1a\n"), "picture"),  # lower-cased, as all heads are
    **dict.fromkeys((".tif", ".tiff"), (lambda head: head[:4] in (b"ii*\x00", b"mm\x00*"), "picture")),
    **dict.fromkeys((".heic", ".heif"), (lambda head: head[4:8] == b"ftyp", "picture")),
}
UPLOAD_NAME = re.compile(r"^uploads/[0-9a-f]{32}\.(svg|dxf|csv|stl|obj|ply|asf|lst|txt|jpe?g|png|tiff?|hei[cf])$")
FILE_KEYS = ("outline", "scan", "image", "file")  # the profile keys that name a file
BUILD_ID = re.compile(r"^[0-9a-f]{24}$")


def _texty(head: bytes) -> bool:
    return b"\x00" not in head


class Session:
    """The server's temporary folder: uploads and builds, removed on shutdown."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="insolegen-serve-"))
        (self.root / "uploads").mkdir()
        (self.root / "builds").mkdir()
        self.lock = threading.Lock()
        self.builds: dict[str, dict[str, str]] = {}  # id -> file name -> its URL name

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def make_app(session: Session | None = None) -> Starlette:
    """The designer's app; its session (temporary folder) lives as long as the app
    serves, or as the caller's ``session``."""
    # Over 60 lines: the routes are closures over the app's session; each is a few lines.
    own = session is None
    state = {"session": session}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if state["session"] is None:
            state["session"] = Session()
        app.state.session = state["session"]
        try:
            yield
        finally:
            if own and state["session"] is not None:
                state["session"].close()

    def current() -> Session:
        session = state["session"]
        if session is None:
            session = state["session"] = Session()
        return session

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    async def schema(request: Request) -> Response:
        return JSONResponse(profile_schema())

    async def parse(request: Request) -> Response:
        body, error = await _body(request)
        if error:
            return error
        text = body.get("profile")
        if not isinstance(text, str):
            return _problems([("profile", body.get("profile"), "expected the profile's TOML text")])
        import insolegen

        try:
            return JSONResponse({"profile": jsonable(insolegen.parse_toml(text))})
        except insolegen.ProfileError as exc:
            return _refused(exc.problems)

    async def preview(request: Request) -> Response:
        body, error = await _body(request)
        if error:
            return error
        profile, error = _profile(body, current())
        if error:
            return error
        from insolegen.web.preview_mesh import COLOUR_MODES, preview_glb

        if (colour := body.get("colour", "zones")) not in COLOUR_MODES:
            return _problems([("colour", colour, f"colour = {str(colour)[:40]!r}: one of {', '.join(COLOUR_MODES)}")], 400)
        try:
            glb, sides, legend = await run_in_threadpool(preview_glb, profile, colour)
        except Exception as exc:  # noqa: BLE001 (_build_refused answers the build's refusals, raises the rest)
            return _build_refused(exc)
        return JSONResponse({
            "glb": base64.b64encode(glb).decode(),
            "legend": None if legend is None else {"label": legend.label, "lo": legend.lo, "hi": legend.hi,
                                                   "stops": legend.stops, "scale": legend.scale},
            "warnings": list(profile.warnings),
            "sides": [{"side": s.side, "triangles": s.triangles, "y_offset_mm": s.y_offset_mm,
                       "heights": {k: {"x": x, "y": y, "z": round(z, 2)} for k, (x, y, z) in s.heights.items()}}
                      for s in sides],
        })

    async def build(request: Request) -> Response:
        body, error = await _body(request)
        if error:
            return error
        session = current()
        profile, error = _profile(body, session)
        if error:
            return error
        try:
            made = await run_in_threadpool(_build_files, profile, session, body)
        except Exception as exc:  # noqa: BLE001 (_build_refused answers the build's refusals, raises the rest)
            return _build_refused(exc)
        return JSONResponse(made)

    async def files(request: Request) -> Response:
        build_id, name = request.path_params["build"], request.path_params["name"]
        session = current()
        known = session.builds.get(build_id)
        if not BUILD_ID.match(build_id) or known is None or name not in known:
            return JSONResponse({"error": "no such file"}, status_code=404)
        path = session.root / "builds" / build_id / name
        return FileResponse(path, filename=name)

    async def upload(request: Request) -> Response:
        return await _upload(request, current())

    routes = [
        Route("/", index),
        Route("/api/schema", schema),
        Route("/api/parse", parse, methods=["POST"]),
        Route("/api/preview", preview, methods=["POST"]),
        Route("/api/build", build, methods=["POST"]),
        Route("/api/upload", upload, methods=["POST"]),
        Route("/api/files/{build}/{name}", files),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def profile_schema() -> dict[str, Any]:
    """The profile's JSON Schema, each numeric key's unit added as ``x-unit`` and each
    key's help (its comment in insolegen/profile/schema.py) as its ``description``."""
    from insolegen.profile.schema import RANGES, ProfileDoc

    schema = ProfileDoc.model_json_schema()
    helps = _field_comments()

    def mark(node: Any, owner: str | None = None) -> None:
        if isinstance(node, dict):
            for key, prop in (node.get("properties") or {}).items():
                if not isinstance(prop, dict):
                    continue
                if key in RANGES:
                    prop["x-unit"] = RANGES[key][2]
                help_text = helps.get((owner or "", key))
                if help_text and "description" not in prop:
                    prop["description"] = help_text
            for name, value in node.items():
                mark(value, name if node is schema.get("$defs") else owner)
        elif isinstance(node, list):
            for value in node:
                mark(value, owner)

    mark(schema, "ProfileDoc")
    for _side in ("left", "right"):  # [left] / [right] take [foot] and [shape] keys
        props = schema["$defs"].get("SideTable", {}).get("properties", {})
        for key, prop in props.items():
            text = helps.get(("FootTable", key)) or helps.get(("ShapeTable", key))
            if text and isinstance(prop, dict) and "description" not in prop:
                prop["description"] = text
    return schema


def _field_comments() -> dict[tuple[str, str], str]:
    """(class, field) -> the comment after the field in the schema's source: one home
    for each key's help, read where it is written."""
    import inspect

    from insolegen.profile import schema as module

    found: dict[tuple[str, str], str] = {}
    owner = ""
    for line in inspect.getsource(module).splitlines():
        cls = re.match(r"^class (\w+)\(", line)
        if cls:
            owner = cls.group(1)
            continue
        field = re.match(r"^    (\w+):[^#]*#\s*(?!type:)(.+)$", line)
        if field and owner:
            found[(owner, field.group(1))] = field.group(2).strip()
    return found


async def _body(request: Request) -> tuple[dict[str, Any], Response | None]:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        return {}, _problems([("profile", None, f"the request is over {MAX_BODY_BYTES} bytes")], status=413)
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        # not JSON at all: a malformed request (400), not a profile that fails its checks (422)
        return {}, _problems([("body", None, "not JSON: send {\"profile\": \"<TOML text>\"} or {\"profile\": {...}}")],
                             status=400)
    if not isinstance(body, dict):
        return {}, _problems([("body", None, "expected a JSON object with a \"profile\"")], status=400)
    return body, None


def _profile(body: dict[str, Any], session: Session):  # type: ignore[no-untyped-def]
    """The body's profile, validated and with its uploads found (their files read by
    the foot stage), or the 422 that says why not."""
    import insolegen

    given = body.get("profile")
    try:
        # JSON's null is "not given": TOML has no null, and the profile saved with the
        # build leaves the key out (without_none), so both read the same
        data = insolegen.parse_toml(given) if isinstance(given, str) else without_none(given)
    except insolegen.ProfileError as exc:
        return None, _refused(exc.problems)
    if not isinstance(data, dict):
        return None, _problems([("profile", given, "expected the profile's TOML text or a JSON object")])
    bad = [(key, value, "a file must be uploaded first (POST /api/upload) and named by the name it returns")
           for key, value in _file_refs(data) if not (isinstance(value, str) and UPLOAD_NAME.match(value))]
    if bad:
        return None, _problems(bad)
    try:
        # the uploads are found in the session's folder; what the client gets back names
        # no server path (the record's "profile" is the file it downloads, below)
        profile = insolegen.read_feet(insolegen.profile_from_dict(data, name="designer", base_dir=session.root))
    except insolegen.ProfileError as exc:
        return None, _refused(exc.problems)
    return profile, None


def _file_refs(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(key path, value) of every key that names a file, at any depth."""
    found = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            found += _file_refs(value, path + ".")
        elif key in FILE_KEYS:
            found.append((path, value))
    return found


def _refused(problems: list[Any], status: int = 422) -> JSONResponse:
    """A refusal's problems as JSON: each its key, its value exactly as given, its line
    (insolegen.profile.problems.Problem: nothing is read back out of the text)."""
    from insolegen.profile.problems import keyed

    return JSONResponse({"problems": [keyed(p).as_dict() for p in problems]}, status_code=status)


def _problems(items: list[tuple[str, Any, str]], status: int = 422) -> JSONResponse:
    """Refusals the app makes itself (the request, not the profile), as (key, value, line)."""
    from insolegen.profile.problems import problem

    return _refused([problem(k, v, m) for k, v, m in items], status)


def _build_refused(exc: Exception) -> JSONResponse:
    import insolegen

    if isinstance(exc, insolegen.ProfileError):
        return _refused(exc.problems)
    if isinstance(exc, insolegen.BedFitError):
        return _problems([("print", None, str(exc))])
    if isinstance(exc, insolegen.BuildError):
        return _problems([("build", None, str(exc))], status=500)
    raise exc


def _build_files(profile: Any, session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """The exact, checked build, its files in the session's folder; what the page shows."""
    import dataclasses

    import insolegen

    result = insolegen.build_profile(profile)
    # the record names the profile as the client has it (the TOML beside the files), not
    # the server's temporary folder
    result = dataclasses.replace(result, record=dataclasses.replace(result.record, profile=f"{profile.file_stem}.toml"))
    files = insolegen.render_files(result, preview=True)
    given = body.get("profile")
    toml = given if isinstance(given, str) else profile_toml(given)
    files[f"{profile.file_stem}.toml"] = toml.encode()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, data in files.items():
            z.writestr(f"{profile.file_stem}/{name}", data)
    files[f"{profile.file_stem}.zip"] = archive.getvalue()
    build_id = secrets.token_hex(12)
    insolegen.write_files(session.root / "builds" / build_id, files)
    with session.lock:
        session.builds[build_id] = {name: name for name in files}
    record = json.loads(files["build.json"])
    return {"id": build_id, "warnings": list(result.record.warnings), "record": record,
            "files": {name: f"/api/files/{build_id}/{name}" for name in files}}


def profile_toml(data: Any) -> str:
    """A profile given as a JSON object, as TOML text (tomli-w writes it; nulls left out)."""
    import tomli_w

    return tomli_w.dumps(without_none(data) if isinstance(data, dict) else {})


async def _upload(request: Request, session: Session) -> Response:
    length = int(request.headers.get("content-length") or 0)
    if length > MAX_UPLOAD_BYTES:
        return JSONResponse({"error": f"the file is over {MAX_UPLOAD_BYTES // 1_000_000} MB"}, status_code=413)
    try:
        form = await request.form(max_files=1, max_fields=4, max_part_size=MAX_UPLOAD_BYTES)
    except Exception as exc:  # noqa: BLE001 (a malformed upload is the client's: Starlette raises several kinds)
        return JSONResponse({"error": f"not a file upload: {exc}"}, status_code=400)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return JSONResponse({"error": "send the file as the multipart field \"file\""}, status_code=400)
    suffix = Path(upload.filename or "").suffix.lower()
    if suffix not in UPLOAD_KINDS:
        return JSONResponse({"error": f"a {suffix or 'nameless'} file: allowed are "
                                      + ", ".join(UPLOAD_KINDS)}, status_code=415)
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return JSONResponse({"error": f"the file is over {MAX_UPLOAD_BYTES // 1_000_000} MB"}, status_code=413)
    sniff, kind = UPLOAD_KINDS[suffix]
    if not data or not sniff(data[:4096].lower()):
        return JSONResponse({"error": f"the file's content is not a {suffix} {kind}"}, status_code=415)
    name = f"uploads/{secrets.token_hex(16)}{suffix}"
    (session.root / name).write_bytes(data)
    return JSONResponse({"file": name, "kind": kind, "bytes": len(data)})
