"""What a 3MF may hold: far above any insole (ours hold ~30k triangles in ~2 MB of XML),
low enough that the worst file allowed is read in seconds and checked in about a minute
(check takes ~50 us a triangle) within well under a GB. One home: the reader reads them
as ``limits.NAME`` at each use, so tests can lower them."""

from __future__ import annotations

__all__ = [
    "MAX_ATTRIBUTES", "MAX_COMPONENTS", "MAX_COMPONENT_DEPTH", "MAX_COORDINATE_MM", "MAX_FILE_BYTES", "MAX_ITEMS",
    "MAX_MEMBER_BYTES", "MAX_METADATA_CHARS", "MAX_MODEL_PARTS", "MAX_NAME_CHARS", "MAX_OBJECTS",
    "MAX_OTHER_ELEMENTS", "MAX_PLACED_TRIANGLES", "MAX_PLACED_VERTICES", "MAX_PLACED_VOLUMES", "MAX_PLACEMENTS",
    "MAX_SHOWN_VALUE_CHARS", "MAX_SMALL_XML_BYTES", "MAX_SMALL_XML_ELEMENTS", "MAX_TAG_BYTES", "MAX_TOTAL_BYTES",
    "MAX_TRIANGLES", "MAX_VERTICES", "MAX_XML_DEPTH", "MAX_ZIP_ENTRIES", "MB", "READ_CHUNK_BYTES",
]

MB = 1024 * 1024

# Far above any insole (ours hold ~30k triangles in ~2 MB of XML), low enough that the
# worst file allowed is read in seconds and checked in about a minute (check takes
# ~50 us a triangle) within well under a GB. Module constants, so tests can lower them.
MAX_FILE_BYTES = 256 * MB  # the .3mf itself, compressed
MAX_MEMBER_BYTES = 512 * MB  # one zip member, decompressed
MAX_TOTAL_BYTES = 1024 * MB  # all members read, decompressed
MAX_SMALL_XML_BYTES = 16 * MB  # configs and relationships are parsed whole into a tree
MAX_SMALL_XML_ELEMENTS = 200_000
MAX_ZIP_ENTRIES = 10_000
MAX_MODEL_PARTS = 256  # model files: the root one and those named by p:path
MAX_VERTICES = 1_000_000  # in the whole file
MAX_TRIANGLES = 1_000_000  # in the whole file
MAX_OBJECTS = 10_000
MAX_COMPONENTS = 10_000
MAX_ITEMS = 256
MAX_OTHER_ELEMENTS = 1_000_000  # model elements that are neither vertex nor triangle
MAX_ATTRIBUTES = 10_000_000  # counted as '=' signs, in C: expat builds a dict of them per element
MAX_XML_DEPTH = 64  # a 3MF model nests 6 deep; expat itself has no limit
MAX_TAG_BYTES = 16 * MB  # bytes between two '>': one tag, or text, held whole by expat
MAX_METADATA_CHARS = 65_536
MAX_COMPONENT_DEPTH = 16  # components inside components
MAX_PLACEMENTS = 10_000  # objects visited while expanding items and components
MAX_PLACED_VOLUMES = 512  # volumes handed to check, each checked on its own
MAX_PLACED_TRIANGLES = 1_000_000  # an object placed N times counts N times
MAX_PLACED_VERTICES = 2_000_000  # likewise: each placement is a copy of the object's vertices
MAX_COORDINATE_MM = 1e6  # a kilometre from the origin: garbage, not a part
MAX_NAME_CHARS = 100  # names and settings are shown to the user, cut to this
MAX_SHOWN_VALUE_CHARS = 40  # a bad value quoted in a message
READ_CHUNK_BYTES = 1 * MB  # at most MAX_TAG_BYTES: runs are checked across chunks
