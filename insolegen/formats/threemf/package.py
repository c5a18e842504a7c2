"""A 3MF's zip package read defensively: the file through insolegen.core.paths, members
decompressed in chunks and counted as they come (a zip bomb is refused, not unpacked),
only stored or deflated members, small XML (relationships, slicer configs) parsed whole
by expat with no DOCTYPE, entity or deep nesting."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.parsers import expat

from insolegen.core.paths import UnusablePathError, read_input_bytes, shown
from insolegen.formats.threemf import limits  # read at each use: the tests lower them
from insolegen.formats.threemf.names import MODEL_PATH

__all__ = [
    "ALLOWED_COMPRESSION", "COMPRESSION_NAMES", "DEFAULT_MODEL", "MODEL_RELATIONSHIP_SUFFIX", "RELS",
    "ZIP_CENTRAL_ENTRY_SIGNATURE", "ZIP_ENCRYPTED_FLAG", "ThreeMFError",
]

MODEL_RELATIONSHIP_SUFFIX = "/3dmodel"  # the Type of the relationship to the root model


DEFAULT_MODEL = MODEL_PATH


RELS = "_rels/.rels"


ZIP_CENTRAL_ENTRY_SIGNATURE = b"PK\x01\x02"


ZIP_ENCRYPTED_FLAG = 0x1


ALLOWED_COMPRESSION = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}  # 3MF spec, 2.1


COMPRESSION_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma", 9: "deflate64"}


# Expat names elements "namespace-URI local-name" with this separator.
_NS_SEP = " "


# Errors the zip module raises for damaged archives (it has no single base class).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
               struct.error, NotImplementedError, RuntimeError, UnicodeDecodeError, IndexError, KeyError)


class ThreeMFError(Exception):
    """A file that is not a readable 3MF; the message is one line naming the problem."""


def _read_file(path: Path | str) -> bytes:
    try:
        return read_input_bytes(path, max_bytes=limits.MAX_FILE_BYTES, what="3MF")
    except UnusablePathError as exc:
        raise ThreeMFError(str(exc)) from None


def _open_zip(data: bytes, where: str) -> zipfile.ZipFile:
    # ZipFile holds an object per entry of the central directory: count the entries'
    # signatures first (an upper bound, in C) so millions of them are never built.
    if data.count(ZIP_CENTRAL_ENTRY_SIGNATURE) > limits.MAX_ZIP_ENTRIES:
        raise ThreeMFError(f"{where}: not a readable 3MF: the zip has more than {limits.MAX_ZIP_ENTRIES} entries")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        raise ThreeMFError(f"{where}: not a readable 3MF: not a zip archive ({_brief(exc)})") from None
    if len(archive.infolist()) > limits.MAX_ZIP_ENTRIES:
        raise ThreeMFError(f"{where}: not a readable 3MF: the zip has more than {limits.MAX_ZIP_ENTRIES} entries")
    return archive


def _size(size: int) -> str:
    return f"{size / limits.MB:.0f} MB" if size >= limits.MB else f"{size} bytes"


def _brief(exc: BaseException) -> str:
    """An exception in a few words on one line."""
    return shown(f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__, 100)


class _Package:
    """The zip's members by (case-insensitive) name, read under the size caps."""

    def __init__(self, archive: zipfile.ZipFile, where: str) -> None:
        self.archive = archive
        self.where = where
        self._by_name: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            self._by_name.setdefault(info.filename.lower(), info)
        self._budget = limits.MAX_TOTAL_BYTES

    def find(self, name: str) -> zipfile.ZipInfo | None:
        """A member by its OPC part name ("/3D/3dmodel.model") or zip name."""
        return self._by_name.get(name.lstrip("/").lower())

    def refuse(self, message: str) -> ThreeMFError:
        return ThreeMFError(f"{self.where}: {message}")

    def chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The member's content in chunks, stopped at the caps however much the zip's
        header claims (a bomb's header can lie)."""
        self._check_member(info)
        name = shown(info.filename, 60)
        limit = limits.MAX_MEMBER_BYTES
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(limits.READ_CHUNK_BYTES):
                    self._budget -= len(chunk)
                    if self._budget < 0:
                        raise self.refuse(f"the zip's members expand to more than {_size(limits.MAX_TOTAL_BYTES)} "
                                          "in total (a zip bomb?)")
                    limit -= len(chunk)
                    if limit < 0:
                        raise self.refuse(f"{name} expands to more than {_size(limits.MAX_MEMBER_BYTES)} "
                                          "(a zip bomb?)")
                    yield chunk
        except _ZIP_ERRORS as exc:
            raise self.refuse(f"not a readable 3MF: {name} is damaged in the zip ({_brief(exc)})") from None

    def read(self, info: zipfile.ZipInfo, max_bytes: int) -> bytes:
        if info.file_size > max_bytes:
            raise self.refuse(f"{shown(info.filename, 60)} expands to {_size(info.file_size)}: at most "
                              f"{_size(max_bytes)} is read")
        out, size = [], 0
        for chunk in self.chunks(info):
            size += len(chunk)
            if size > max_bytes:
                raise self.refuse(f"{shown(info.filename, 60)} expands to more than {_size(max_bytes)}")
            out.append(chunk)
        return b"".join(out)

    def _check_member(self, info: zipfile.ZipInfo) -> None:
        name = shown(info.filename, 60)
        if info.flag_bits & ZIP_ENCRYPTED_FLAG:
            raise self.refuse(f"{name} is encrypted in the zip: a 3MF cannot be password-protected")
        if info.compress_type not in ALLOWED_COMPRESSION:
            method = COMPRESSION_NAMES.get(info.compress_type, f"method {info.compress_type}")
            raise self.refuse(f"{name} is compressed with {method}: a 3MF may use only stored or deflate")
        if info.file_size > limits.MAX_MEMBER_BYTES:  # early; the real size is counted while reading
            raise self.refuse(f"{name} expands to {_size(info.file_size)}: at most "
                              f"{_size(limits.MAX_MEMBER_BYTES)} is read (a zip bomb?)")

    def small_xml(self, name: str) -> ET.Element | None:
        """A small XML member (a slicer config) as a tree, or None when absent."""
        info = self.find(name)
        if info is None:
            return None
        return _parse_small_xml(self.read(info, limits.MAX_SMALL_XML_BYTES), f"{self.where}: {name}")

    def root_model(self) -> zipfile.ZipInfo:
        """3D/3dmodel.model, as slicers read it whatever the relationships say; else the
        model part the relationships name; else the only model part."""
        info = self.find(DEFAULT_MODEL)
        if info is not None:
            return info
        for target in self._relationship_targets():
            info = self.find(target)
            if info is not None and target.lower().endswith(".model"):
                return info
        models = [i for i in self._by_name.values() if i.filename.lower().endswith(".model")]
        if len(models) == 1:
            return models[0]
        if not models:
            raise self.refuse(f"not a 3MF: the zip holds no 3D model ({DEFAULT_MODEL})")
        raise self.refuse(f"not a 3MF: no {DEFAULT_MODEL} and {len(models)} other model files, none named "
                          f"by {RELS}")

    def _relationship_targets(self) -> list[str]:
        """The root model's name in _rels/.rels; a broken one is no reason to refuse."""
        try:
            rels = self.small_xml(RELS)
        except ThreeMFError:
            return []
        if rels is None:
            return []
        return [r.get("Target", "") for r in rels.iter() if _local(r.tag) == "Relationship"
                and r.get("Type", "").endswith(MODEL_RELATIONSHIP_SUFFIX)]


def _safe_expat(label: str, namespaces: bool) -> expat.XMLParserType:
    """An expat parser that refuses any DOCTYPE: entities can only be declared in one,
    so none can expand ("billion laughs") or read a file or URL."""
    parser = expat.ParserCreate(namespace_separator=_NS_SEP) if namespaces else expat.ParserCreate()

    def refuse_doctype(*_: object) -> None:
        raise ThreeMFError(f"{label} declares a DOCTYPE, which a 3MF never has (refused: its entities could "
                           "expand to gigabytes or read other files)")

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def _local(tag: str) -> str:
    """An element's name without namespace or prefix."""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].rsplit(_NS_SEP, 1)[-1]


def _parse_small_xml(data: bytes, label: str) -> ET.Element:
    """A small document as an ElementTree, element count and depth capped."""
    parser = _safe_expat(label, namespaces=False)
    builder = ET.TreeBuilder()
    depth = count = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, count
        depth += 1
        count += 1
        if depth > limits.MAX_XML_DEPTH:
            raise ThreeMFError(f"{label} nests elements more than {limits.MAX_XML_DEPTH} deep")
        if count > limits.MAX_SMALL_XML_ELEMENTS:
            raise ThreeMFError(f"{label} has more than {limits.MAX_SMALL_XML_ELEMENTS} elements")
        builder.start(name, attrs)

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(name)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
        return builder.close()
    except (expat.ExpatError, ValueError, LookupError) as exc:
        raise ThreeMFError(f"{label} is not valid XML ({_brief(exc)})") from None
    except AssertionError:  # TreeBuilder.close() with nothing built: an empty document
        raise ThreeMFError(f"{label} is not valid XML (no element)") from None
