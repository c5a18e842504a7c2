"""Hostile and broken traced outlines (SVG, DXF, CSV): every one ends in one clear
InputFileError line, in bounded time and memory; through the command line, exit 2 and
nothing written.

The bulk runs in-process against ``read_outline_file`` / ``align_outline``; a few of
each class go through ``python -m insolegen build`` in a child under memory and CPU caps
(tests/hostile.py).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import time
import warnings
from pathlib import Path

import ezdxf
import numpy as np
import pytest
from hostile import assert_refused, run_cli, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sweeps import cases, examples
from synthetic import LENGTH, outline_points

from insolegen.inputs import outline_files
from insolegen.inputs.align import MAX_OUTLINE_POINTS, align_outline
from insolegen.inputs.errors import InputFileError
from insolegen.inputs.outline_files import read_outline_file

SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
SVG_HEAD = f'<svg {SVG_NS} width="400mm" height="400mm" viewBox="0 0 400 400">'
MESSAGE_MAX_CHARS = 300  # without the path: one line a user reads
IN_PROCESS_SECONDS = 15.0  # any single refusal; the slowest legitimate caps take a few seconds


def foot(side: str = "left") -> np.ndarray:
    """A traced foot (mm, y up), placed on a 400 mm page."""
    return outline_points() * ([1, -1] if side == "left" else [1, 1]) + [60.0, 200.0]


def path_d(points: np.ndarray) -> str:
    flipped = points * [1, -1] + [0, 400]  # SVG's y points down the page
    return "M " + " L ".join(f"{x:.3f},{y:.3f}" for x, y in flipped) + " Z"


def good_svg(extra: str = "", head: str = SVG_HEAD) -> str:
    return f'{head}<path d="{path_d(foot())}"/>{extra}</svg>'


def good_dxf(fmt: str = "asc", marker: float | None = None) -> bytes:
    """A DXF of the foot as one closed LWPOLYLINE; ``marker`` replaces its first x."""
    doc = ezdxf.new()
    doc.header["$INSUNITS"] = 4
    pts = foot()
    if marker is not None:
        pts = pts.copy()
        pts[0, 0] = marker
    doc.modelspace().add_lwpolyline(pts.tolist(), close=True)
    stream = io.BytesIO()
    if fmt == "bin":
        doc.encode_binary_data = True
        path = Path(os.environ.get("TMPDIR", "/tmp")) / f"hostile-{os.getpid()}.dxf"
        try:
            doc.saveas(path, fmt="bin")
            return path.read_bytes()
        finally:
            path.unlink(missing_ok=True)
    text = io.StringIO()
    doc.write(text)
    stream.write(text.getvalue().encode("utf-8"))
    return stream.getvalue()


def good_csv() -> str:
    return "x,y\n" + "\n".join(f"{x:.3f},{y:.3f}" for x, y in foot()) + "\n"


def refused(path: Path | str, *says: str, units: str | None = None) -> str:
    """Read ``path``, expecting one short InputFileError line that says each of ``says``."""
    start = time.monotonic()
    with pytest.raises(InputFileError) as caught:
        read_outline_file(path, units)
    message = str(caught.value)
    assert time.monotonic() - start < IN_PROCESS_SECONDS, message
    assert "\n" not in message and "Traceback" not in message
    assert len(message.replace(str(path), "")) <= MESSAGE_MAX_CHARS, message[:600]
    for word in says:
        assert word.lower() in message.lower(), message
    return message


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_the_good_files_read(tmp_path):
    """The fixtures the hostile ones are made from are themselves fine."""
    reference = float(np.ptp(foot()[:, 0]))
    for name, content in [("a.svg", good_svg()), ("a.dxf", good_dxf()), ("b.dxf", good_dxf("bin")),
                          ("a.csv", good_csv())]:
        read = read_outline_file(write(tmp_path, name, content))
        assert np.ptp(read.points[:, 0]) == pytest.approx(reference, abs=0.5), name
        assert align_outline(read.points).length_mm == pytest.approx(LENGTH, abs=0.5)


# -- paths -------------------------------------------------------------------------------------


def test_paths_that_name_no_usable_file(tmp_path):
    loop = tmp_path / "loop.svg"
    loop.symlink_to(tmp_path / "loop2.svg")
    (tmp_path / "loop2.svg").symlink_to(loop)
    refused(loop, "loop of symbolic links")
    refused(tmp_path / "a\x00b.svg", "NUL byte")
    refused(tmp_path / ("x" * 300 + ".svg"), "too long")
    refused(tmp_path / "missing.svg", "no such file")
    (tmp_path / "folder.svg").mkdir()
    refused(tmp_path / "folder.svg", "folder")
    refused(tmp_path, "folder")  # no extension: a folder all the same, not an unknown format
    refused("", "empty")
    refused("/dev/zero", "device")
    refused("/dev/null", "device")
    fifo = tmp_path / "pipe.svg"
    os.mkfifo(fifo)
    refused(fifo, "FIFO")  # and no hang waiting for a writer
    big = tmp_path / "big.svg"
    with open(big, "wb") as f:
        f.truncate(60 * 1024 * 1024)  # sparse: costs no disk
    refused(big, "60 MB", "at most 50 MB")
    refused(write(tmp_path, "empty.svg", ""), "empty")
    refused(write(tmp_path, "blank.csv", "\n  \n"), "empty")
    refused(write(tmp_path, "pic.png", "x"), "unknown outline format", ".svg, .dxf or .csv")
    refused(tmp_path / "a.svg", "outline_units", "furlong", units="furlong")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    path = write(tmp_path, "locked.svg", good_svg())
    path.chmod(0)
    refused(path, "permission denied")


# -- SVG -------------------------------------------------------------------------------------


def svg_use_bomb(levels: int = 30) -> str:
    """~2 KB that svgelements would grow to 2**levels copies."""
    defs = ['<path id="u0" d="M 0,0 L 10,0 L 10,10 Z"/>']
    for i in range(1, levels):
        defs.append(f'<g id="u{i}"><use xlink:href="#u{i - 1}"/><use xlink:href="#u{i - 1}"/></g>')
    return f"{SVG_HEAD}<defs>{''.join(defs)}</defs><use xlink:href=\"#u{levels - 1}\"/></svg>"


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + f"]>{SVG_HEAD}<desc>&lol9;</desc></svg>"
)

SVG_CASES = {
    "huge-coordinates": (f'{SVG_HEAD}<path d="M 0,0 L 1e308,0 L 1e308,1e308 Z"/></svg>',
                         ("1e308", "from the origin", "±1,000,000")),
    "overflowing-scale": (f'<svg {SVG_NS} width="400mm" height="400mm" viewBox="0 0 1e-300 1e-300">'
                          f'<path d="M 0,0 L 1e10,0 L 1e10,1e10 Z"/></svg>', ("not a finite number", "inf")),
    "huge-circle": (f'{SVG_HEAD}<circle cx="0" cy="0" r="1e9"/></svg>', ("circle", "1e9", "from the origin")),
    "big-circle": (f'{SVG_HEAD}<circle cx="0" cy="0" r="4e5"/></svg>', ("mm long, not a foot",)),
    "use-bomb": (svg_use_bomb(), ("<use> copies",)),
    "use-fan-out": (SVG_HEAD + '<defs><path id="p" d="M0,0 L9,0 L9,9 Z"/></defs>' + '<use href="#p"/>' * 15_000
                    + '<g id="g">' + '<use href="#p"/>' * 10 + '</g>' + '<use href="#g"/>' * 1000 + "</svg>",
                    ("20,000 elements", "<use> copies")),
    "use-two-hrefs": (svg_use_bomb().replace('<use xlink:href="#u29"/>', '<use href="#u29" xlink:href="#u0"/>'),
                      ("<use> copies",)),
    "use-cycle": (f'{SVG_HEAD}<g id="a"><path d="M0,0 L9,0 L9,9 Z"/><use href="#a"/></g></svg>', ("copies itself",)),
    "use-chain": (f"{SVG_HEAD}<defs>" + "".join(f'<g id="c{i}"><use href="#c{i - 1}"/></g>' for i in range(1, 200))
                  + '<path id="c0" d="M0,0 L9,0 L9,9 Z"/></defs><use href="#c199"/></svg>', ("32 deep",)),
    "billion-laughs": (BILLION_LAUGHS, ("entities", "plain SVG")),
    "external-entity": ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                        f"{SVG_HEAD}<desc>&xxe;</desc></svg>", ("entities",)),
    "undefined-entity": (f"{SVG_HEAD}<desc>&nope;</desc></svg>", ("undefined entity",)),
    "deep-nesting": (SVG_HEAD + "<g>" * 5000 + "</g>" * 5000 + "</svg>", ("32 deep",)),
    "many-elements": (SVG_HEAD + '<rect width="1" height="1"/>' * 30_000 + "</svg>", ("20,000 elements",)),
    "many-points": (SVG_HEAD + '<path d="M 0,0' + " L 1,1" * 250_000 + '"/></svg>', ("400,000 numbers", "200,000 points")),
    "many-loops": (SVG_HEAD + "".join(f'<path d="M {i},0 l 1,0 l 0,1 Z"/>' for i in range(6000)) + "</svg>",
                   ("5,000 closed shapes",)),
    "huge-css": (SVG_HEAD + "<style>" + "a" * 50_000 + "</style></svg>", ("<style>", "10,000")),
    "css-copies": (SVG_HEAD + '<defs><g id="s"><style>' + "b" * 9_000 + "</style></g></defs>"
                   + '<use href="#s"/>' * 200 + "</svg>", ("too costly",)),
    "bad-transform": (SVG_HEAD + '<g transform="' + "scale(" * 300 + '"><path d="M0,0 L9,0 L9,9 Z"/></g></svg>',
                      ("transform is not valid",)),
    "long-transforms": (SVG_HEAD + '<g transform="translate(1,1)">' * 20 + '<g transform="' + "scale(1) " * 200
                        + '"><path d="M0,0 L9,0 L9,9 Z"/></g>' + "</g>" * 20 + "</svg>", ("transforms add up",)),
    "style-transform": (SVG_HEAD + '<path style="transform:' + "rotate(" * 50 + '" d="M0,0 L9,0 L9,9 Z"/></svg>',
                        ("transform is not valid",)),
    "transform-arity": (SVG_HEAD + f'<path transform="matrix(1,2,3)" d="{path_d(foot())}"/></svg>',
                        ("'matrix(1,2,3)' takes 6 numbers",)),
    "transform-nan": (SVG_HEAD + f'<path transform="rotate(nan)" d="{path_d(foot())}"/></svg>', ("takes 1 or 3",)),
    "transform-inf": (SVG_HEAD + f'<path transform="matrix(1e308,0,0,1e308,0,0)" d="{path_d(foot())}"/></svg>',
                      ("not a finite number (inf)",)),
    "scale-zero": (SVG_HEAD + f'<path transform="scale(0)" d="{path_d(foot())}"/></svg>',
                   ("encloses no area", "points: (0, 0), (0, 0)")),
    "nested-viewbox": (SVG_HEAD + f'<svg viewBox="0 0 1e-200 1e-200" width="100" height="100"><path d="{path_d(foot())}"/>'
                       "</svg></svg>", ("from the origin",)),
    "use-far-away": (SVG_HEAD + f'<defs><path id="p" d="{path_d(foot())}"/></defs><use href="#p" x="1e300"/></svg>',
                     ("<path id='p'>", "1e300")),
    "huge-arc": (SVG_HEAD + '<path d="M 0 0 A 1e300 1e300 0 0 1 200 1 L 0 80 Z"/></svg>', ("not a finite number",)),
    "clip-cycle": (SVG_HEAD + '<clipPath id="c"><use href="#c"/></clipPath><path clip-path="url(#c)" d="M0,0 L9,0 L9,9 Z"/>'
                   "</svg>", ("copies itself",)),
    "foreign-namespace": (good_svg(head=SVG_HEAD.replace("2000/svg", "2000/svh")), ("namespace", "svh")),
    "truncated": (good_svg()[:700], ("XML error",)),
    "not-xml": ("hello, not a drawing", ("not an SVG",)),
    "html": ("<html><body><svg:svg/></body></html>", ("XML error",)),
    "other-root": ('<x><svg xmlns="http://www.w3.org/2000/svg"/></x>', ("not an SVG", "<x>")),
    "open-paths": (f'{SVG_HEAD}<path d="M 0,0 L 200,0 L 200,90"/></svg>', ("no closed outline",)),
    "two-points": (f'{SVG_HEAD}<path d="M 0,0 L 200,0 Z"/></svg>', ("no closed outline",)),
    "one-spot": (f'{SVG_HEAD}<path d="M 5,5 L 5,5 L 5,5 L 5,5 Z"/></svg>', ()),
    "on-a-line": (f'{SVG_HEAD}<path d="M 0,0 L 100,0 L 250,0 Z"/></svg>', ("encloses no area", "3 points")),
    "figure-eight": (f'{SVG_HEAD}<path d="M 0,0 L 250,100 L 250,0 L 0,100 Z"/></svg>', ("crosses itself", "near (125.0")),
    "zero-size": (f'<svg {SVG_NS} width="0" height="0" viewBox="0 0 400 400"><path d="{path_d(foot())}"/></svg>',
                  ("no closed outline",)),
    "unknown-encoding": ('<?xml version="1.0" encoding="klingon"?>' + good_svg(), ("unknown text encoding", "klingon")),
    "not-a-text-encoding": ('<?xml version="1.0" encoding="rot13"?>' + good_svg(), ("unknown text encoding",)),
}


@pytest.mark.parametrize("case", sorted(SVG_CASES))
def test_hostile_svg(tmp_path, case):
    content, says = SVG_CASES[case]
    refused(write(tmp_path, f"{case}.svg", content), *says)


def test_svg_encodings_and_binary(tmp_path):
    latin = good_svg("<desc>Fuß</desc>").encode("latin-1")
    refused(write(tmp_path, "latin.svg", latin), "not utf-8 text", "0xdf", "save the SVG as UTF-8")
    declared = b'<?xml version="1.0" encoding="ISO-8859-1"?>' + latin
    assert read_outline_file(write(tmp_path, "declared.svg", declared)).loops_found == 1
    utf16 = good_svg("<desc>Fuß</desc>").encode("utf-16")  # with its byte-order mark
    assert read_outline_file(write(tmp_path, "utf16.svg", utf16)).loops_found == 1
    prefixed = good_svg().replace("<svg xmlns=", "<s:svg xmlns:s=").replace("<path", "<s:path").replace("</svg", "</s:svg")
    assert read_outline_file(write(tmp_path, "prefixed.svg", prefixed)).loops_found == 1
    doctype = '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
    assert read_outline_file(write(tmp_path, "doctype.svg", doctype + good_svg())).loops_found == 1
    garbage = np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    refused(write(tmp_path, "garbage.svg", garbage), "binary data", "not a text SVG")
    refused(write(tmp_path, "nul.svg", good_svg().replace("<path", "<\x00path")), "binary data", "0x00")


def test_svg_as_drawing_programs_write_them(tmp_path):
    """Not hostile, and must stay readable: a photo embedded to trace over, CSS classes
    (Illustrator), a DOCTYPE, <use> copies of a few shapes, layers with transforms."""
    photo = '<image width="400" height="400" xlink:href="data:image/png;base64,' + "QUJD" * 500_000 + '"/>'
    css = "<style>" + "".join(f".st{i}{{fill:none;stroke:#000;stroke-width:0.{i}}}" for i in range(60)) + "</style>"
    marks = '<defs><circle id="m" r="2"/></defs>' + "".join(f'<use href="#m" x="{i * 5}" y="5"/>' for i in range(40))
    layers = '<g transform="translate(0,0)"><g transform="rotate(0)">' + f'<path class="st3" d="{path_d(foot())}"/></g></g>'
    content = f"{SVG_HEAD}{css}{photo}{marks}{layers}</svg>"
    read = read_outline_file(write(tmp_path, "drawing.svg", content))
    assert read.loops_found == 41 and np.ptp(read.points[:, 0]) == pytest.approx(np.ptp(foot()[:, 0]), abs=0.5)


@pytest.mark.slow
def test_a_large_embedded_photo_reads_in_seconds(tmp_path):
    """expat re-scanned a 30 MB attribute on each of iterparse's 16 kB feeds: 40 s."""
    photo = '<image width="400" height="400" xlink:href="data:image/png;base64,' + "QUJD" * 7_500_000 + '"/>'
    path = write(tmp_path, "photo.svg", good_svg(photo))
    start = time.monotonic()
    assert read_outline_file(path).loops_found == 1
    assert time.monotonic() - start < 10


def test_a_sliver_of_self_crossing_is_forgiven(tmp_path):
    """A hand tracing whose end overlaps its start crosses itself in a tiny loop: the
    foot is kept."""
    points = np.vstack([foot(), foot()[:3] + [0, -2.0]])
    read = read_outline_file(write(tmp_path, "overlap.csv", "\n".join(f"{x},{y}" for x, y in points)))
    assert align_outline(read.points).length_mm == pytest.approx(LENGTH, abs=1.0)


def test_a_foot_drawn_with_curves(tmp_path):
    """Curves are sampled; a foot drawn as an ellipse-ish closed path of arcs reads."""
    content = f'{SVG_HEAD}<ellipse cx="200" cy="200" rx="130" ry="45" transform="rotate(20 200 200)"/></svg>'
    read = read_outline_file(write(tmp_path, "oval.svg", content))
    assert np.isfinite(read.points).all() and 500 < len(read.points) < 5000


# -- the length check at its edges --------------------------------------------------------------


@pytest.mark.parametrize("length, verdict", [
    (149.96, "ok"), (350.04, "ok"), (150.0, "ok"), (350.0, "ok"), (349.999999, "ok"),
    (149.9, "149.9 mm long"), (350.1, "350.1 mm long"), (98.0, "98 mm long"), (2e5, "200000 mm long"),
])
def test_foot_length_limits_print_as_compared(tmp_path, length, verdict):
    rect = np.array([[0, 0], [length, 0], [length, 90], [0, 90]], dtype=float)
    path = write(tmp_path, "rect.csv", "\n".join(f"{float(x)!r},{float(y)!r}" for x, y in rect))
    if verdict == "ok":
        assert np.ptp(read_outline_file(path).points[:, 0]) == pytest.approx(length)
    else:
        refused(path, verdict, "not a foot (150-350 mm)")


def test_unit_hints_follow_the_units_used(tmp_path):
    inches = write(tmp_path, "in.csv", "\n".join(f"{x},{y}" for x, y in foot() / 25.4))
    refused(inches, 'outline_units = "in"')
    refused(inches, "not a foot", units="m")  # 7000 mm: no unit turns it into a foot


# -- CSV -------------------------------------------------------------------------------------


CSV_CASES = {
    "nan": ("0,0\n100,0\nnan,50\n", ("line 3", "nan", "not a finite point")),
    "inf": ("0,0\n100,0\n50,inf\n", ("line 3", "inf")),
    "overflow": ("0,0\n100,0\n50,1e400\n", ("line 3", "1e400")),
    "huge": ("0,0\n100,0\n50,1e300\n", ("line 3", "1e300", "beyond ±1,000,000")),
    "two-points": ("0,0\n100,0\n", ("found 2 x,y points", "at least 3")),
    "one-spot": ("5,5\n5,5\n5,5\n5,5\n", ("encloses no area",)),
    "on-a-line": ("0,0\n100,0\n250,0\n", ("encloses no area",)),
    "bowtie": ("0,0\n250,100\n250,0\n0,100\n", ("crosses itself",)),
    "headers": ("a\nb\nc\nd\n0,0\n", ("line 4 is not 'x,y'",)),
    "bad-row": ("x,y\n1,2\n3,four\n", ("line 3",)),
    "single-column": ("1\n2\n3\n4\n", ("line 4",)),
    "long-line": ("0,0\n1,1\n" + "9" * 5_000_000 + "\n", ("line 3", "...")),
    "long-number": ("9" * 400 + ",0\n0,0\n1,1\n", ("line 1", "finite")),
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_hostile_csv(tmp_path, case):
    content, says = CSV_CASES[case]
    refused(write(tmp_path, f"{case}.csv", content), *says)


def test_csv_binary_and_huge(tmp_path):
    garbage = np.random.default_rng(2).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    refused(write(tmp_path, "garbage.csv", garbage), "binary data", "not a text CSV")
    refused(write(tmp_path, "utf16.csv", good_csv().encode("utf-16")), "binary data")
    refused(write(tmp_path, "many.csv", "1,2\n3,4\n" * 750_000), "more than 200,000 points")
    # a latin-1 comment, a DOS end-of-file mark, semicolons: all fine
    fine = "# Fußumriss\n" + good_csv().replace(",", ";") + "\x1a"
    assert len(read_outline_file(write(tmp_path, "latin.csv", fine.encode("latin-1"))).points) == len(foot())
    for ending in ("\r\n", "\r"):
        assert len(read_outline_file(write(tmp_path, "lines.csv", good_csv().replace("\n", ending))).points) == len(foot())


# -- DXF -------------------------------------------------------------------------------------


def dxf_with(tmp_path: Path, name: str, value: str) -> Path:
    text = good_dxf(marker=12345.678).decode()
    assert text.count("12345.678") == 1
    return write(tmp_path, name, text.replace("12345.678", value))


def test_hostile_dxf(tmp_path):
    refused(dxf_with(tmp_path, "nan.dxf", "nan"), "LWPOLYLINE", "handle", "not a finite number")
    refused(dxf_with(tmp_path, "inf.dxf", "inf"), "LWPOLYLINE", "not a finite number")
    refused(dxf_with(tmp_path, "huge.dxf", "1e300"), "LWPOLYLINE", "1e300")
    refused(dxf_with(tmp_path, "word.dxf", "twelve"), "not a readable DXF")
    doc = ezdxf.new()
    doc.modelspace().add_circle((0, 0), 1e9)
    doc.saveas(tmp_path / "circle.dxf")
    refused(tmp_path / "circle.dxf", "CIRCLE", "1e9")
    doc = ezdxf.new()
    doc.modelspace().add_circle((0, 0), 4e5)
    doc.saveas(tmp_path / "big-circle.dxf")
    refused(tmp_path / "big-circle.dxf", "not a foot")
    doc = ezdxf.new()
    doc.header["$INSUNITS"] = 99
    doc.saveas(tmp_path / "units.dxf")
    refused(tmp_path / "units.dxf", "$INSUNITS = 99")
    doc = ezdxf.new()
    doc.modelspace().add_lwpolyline([(0, 0), (0, 0), (0, 0), (0, 0)], close=True)
    doc.saveas(tmp_path / "spot.dxf")
    refused(tmp_path / "spot.dxf", "encloses no area", "(3 points: (0, 0)")


def dense_dxf(count: int) -> str:
    """An LWPOLYLINE of ``count`` vertices, written directly: ezdxf's add_lwpolyline takes
    time quadratic in the count (a minute for 200 k)."""
    doc = ezdxf.new()
    doc.modelspace().add_lwpolyline([(1.5, 2.5), (3.5, 4.5), (5.5, 6.5)], close=True)
    text = io.StringIO()
    doc.write(text)
    three = " 90\n3\n 70\n1\n 10\n1.5\n 20\n2.5\n 10\n3.5\n 20\n4.5\n 10\n5.5\n 20\n6.5\n"
    assert three in text.getvalue()
    vertices = "".join(f" 10\n{i % 1000}\n 20\n{i // 1000}\n" for i in range(count))
    return text.getvalue().replace(three, f" 90\n{count}\n 70\n1\n{vertices}")


@pytest.mark.slow  # large DXF files: seconds
def test_dxf_amplifiers(tmp_path):
    doc = ezdxf.new()
    for i in range(5001):
        doc.modelspace().add_lwpolyline([(i * 3, 0), (i * 3 + 1, 0), (i * 3, 1)], close=True)
    doc.saveas(tmp_path / "triangles.dxf")
    refused(tmp_path / "triangles.dxf", "5,000 closed shapes")
    doc = ezdxf.new()
    doc.modelspace().add_spline([(0, 0), (100, 0), (100, 50), (0, 50), (0, 0)]).dxf.degree = 50
    doc.saveas(tmp_path / "degree.dxf")
    refused(tmp_path / "degree.dxf", "SPLINE", "degree 50", "at most 10")
    refused(write(tmp_path, "dense.dxf", dense_dxf(MAX_OUTLINE_POINTS + 1)), "more than 200,000 points")


def test_dxf_with_too_many_entities(tmp_path, monkeypatch):
    """Counted on the tags before ezdxf builds them (~3 kB and 40 us each)."""
    text = good_dxf().decode()
    points = "  0\nPOINT\n  8\n0\n 10\n1\n 20\n2\n" * 60_000
    end = text.index("  0\nENDSEC", text.index("ENTITIES"))
    refused(write(tmp_path, "points.dxf", text[:end] + points + text[end:]), "more than 50,000 entities")
    monkeypatch.setattr(outline_files, "DXF_MAX_ENTITIES", 100)
    doc = ezdxf.new()
    for k in range(101):
        doc.modelspace().add_point((k, 0))
    doc.saveas(tmp_path / "points-bin.dxf", fmt="bin")
    refused(tmp_path / "points-bin.dxf", "more than 100 entities")


def test_dxf_garbage_and_binary(tmp_path):
    binary = good_dxf("bin")
    assert binary.startswith(b"AutoCAD Binary DXF")
    refused(write(tmp_path, "cut.dxf", binary[: len(binary) // 2]), "binary DXF", "save it as ASCII DXF")
    refused(write(tmp_path, "sig.dxf", binary[:22] + b"\xff" * 500), "binary DXF", "ASCII DXF")
    ascii_dxf = good_dxf()
    refused(write(tmp_path, "cut-ascii.dxf", ascii_dxf[: len(ascii_dxf) // 2]), "DXF")
    garbage = np.random.default_rng(3).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    refused(write(tmp_path, "garbage.dxf", garbage), "binary data", "DXF")
    refused(write(tmp_path, "words.dxf", "0\nSECTION\n2\nENTITIES\n" * 3), "DXF")
    refused(write(tmp_path, "lines.dxf", "\n".join(["0", "LINE"] * 1000)), "DXF")


# -- align_outline, given anything --------------------------------------------------------------


@pytest.mark.parametrize("points, says", [
    ([[0, 0], [1, 1]], "2 points"),
    ([], "not a list of (x, y) points"),
    ([[0, 0, 0], [1, 0, 0], [0, 1, 0]], "shape (3, 3)"),
    ([["a", "b"]] * 3, "not a list of (x, y) points"),
    ([[0, 0], [100, 0], [np.nan, 50]], "not finite (point 3: nan"),
    ([[0, 0], [100, 0], [50, np.inf]], "not finite"),
    ([[0, 0], [1e300, 0], [0, 1e300]], "1e300 mm from the origin: at most 1e9 mm"),
    ([[5, 5]] * 10, "encloses no area"),
    ([[0, 0], [250, 100], [250, 0], [0, 100]], "crosses itself"),
    (np.zeros((MAX_OUTLINE_POINTS + 1, 2)), "at most 200,000"),
])
def test_align_refuses_what_is_no_outline(points, says):
    with pytest.raises(InputFileError, match=None) as caught:
        align_outline(points)
    message = str(caught.value)
    assert says.lower() in message.lower() and "\n" not in message and len(message) < MESSAGE_MAX_CHARS


def test_align_a_sliver_does_not_crash():
    sliver = np.array([[0, 0], [250, 0], [250, 0.01], [0, 0.01]])
    aligned = align_outline(sliver, "right")
    assert np.isfinite(aligned.polygon).all() and aligned.length_mm == pytest.approx(250, abs=0.1)


# -- fuzzing: random and garbled files end as a polygon or InputFileError, nothing else --------


SEEDS = {".svg": good_svg().encode(), ".csv": good_csv().encode(), ".dxf": good_dxf()}


def assert_polygon_or_refusal(path: Path) -> None:
    """A finite polygon (aligned, or refused by align_outline) or one InputFileError
    line, with nothing printed on the side (parsers' logs, numpy's warnings)."""
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed), contextlib.redirect_stdout(printed), \
            warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        try:
            read = read_outline_file(path)
            assert read.points.ndim == 2 and len(read.points) >= 3 and np.isfinite(read.points).all()
            assert np.isfinite(align_outline(read.points).polygon).all()
        except InputFileError as exc:
            assert "\n" not in str(exc) and len(str(exc).replace(str(path), "")) <= MESSAGE_MAX_CHARS
    assert not printed.getvalue() and not [str(w.message) for w in warned]


NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
ODD_NUMBERS = [b"nan", b"inf", b"-inf", b"1e308", b"-1e308", b"1e400", b"0", b"-0", b"1e-320", b"99999999", b"",
               b"1e9", b"3", b"-", b"."]
ODD_BYTES = [b"<use href='#x'/>", b"<g>", b"</g>", b"\x00", b"Z", b"<!ENTITY a 'b'>", b"&amp;", b" 0\n", b"LINE\n",
             b"SECTION\n", b"EOF\n", b"#", b"transform='scale(0)'", b"r='1e9'", b",", b"\n", b"\xff\xfe", b"\r"]


@st.composite
def garbled(draw: st.DrawFn, seed: bytes) -> bytes:
    """A valid file with a few of its numbers swapped for odd ones, bytes flipped,
    markup or random bytes spliced in, pieces dropped, or its end cut."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["number", "number", "number", "flip", "insert", "drop", "cut"]))
        at = draw(st.integers(0, len(data)))
        if action == "number":
            numbers = list(NUMBER.finditer(bytes(data)))
            if numbers:
                hit = numbers[draw(st.integers(0, len(numbers) - 1))]
                odd = draw(st.one_of(st.sampled_from(ODD_NUMBERS), st.floats().map(lambda v: repr(v).encode())))
                data[hit.start():hit.end()] = odd
        elif action == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.one_of(st.binary(max_size=20), st.sampled_from(ODD_BYTES)))
        elif action == "drop":
            del data[at:at + draw(st.integers(1, 200))]
        elif action == "cut" and at > 0:
            del data[at:]
    return bytes(data)


FUZZ = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


@pytest.mark.parametrize("suffix", sorted(SEEDS))
@FUZZ
@given(data=st.data())
def test_garbled_files(tmp_path, suffix, data):
    content = data.draw(garbled(SEEDS[suffix]))
    assert_polygon_or_refusal(write(tmp_path, f"fuzz{suffix}", content))


@pytest.mark.parametrize("suffix", sorted(SEEDS))
@FUZZ
@given(content=st.binary(max_size=2000))
def test_random_bytes(tmp_path, suffix, content):
    assert_polygon_or_refusal(write(tmp_path, f"random{suffix}", content))


@FUZZ
@given(numbers=st.lists(st.tuples(st.floats(allow_nan=True, allow_infinity=True),
                                  st.floats(allow_nan=True, allow_infinity=True)), max_size=12))
def test_random_csv_points(tmp_path, numbers):
    assert_polygon_or_refusal(write(tmp_path, "points.csv", "\n".join(f"{x!r},{y!r}" for x, y in numbers)))


@FUZZ
@given(points=st.lists(st.tuples(st.floats(width=32), st.floats(width=32)), max_size=40),
       side=st.sampled_from([None, "auto", "left", "right"]))
def test_align_random_points(points, side):
    """Any list of points: an aligned finite outline or one InputFileError line."""
    assert_aligned_or_refused(np.array(points, dtype=float).reshape(-1, 2), side)


@FUZZ
@given(radii=st.lists(st.floats(0.01, 1.0), min_size=3, max_size=30),
       scale=st.sampled_from([1e-300, 1e-9, 1e-3, 1.0, 250.0, 1e6, 1e9, 1e12]),
       offset=st.sampled_from([0.0, 1e3, -1e8, 1e15]),
       side=st.sampled_from([None, "left", "right"]))
def test_align_star_shapes_of_any_size(radii, scale, offset, side):
    """Simple polygons (star-shaped) from atom-sized to planet-sized, anywhere."""
    angles = np.linspace(0, 2 * np.pi, len(radii), endpoint=False)
    points = np.c_[np.cos(angles), np.sin(angles)] * np.array(radii)[:, None] * scale + offset
    assert_aligned_or_refused(points, side)


def assert_aligned_or_refused(points: np.ndarray, side: str | None) -> None:
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed), warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        try:
            aligned = align_outline(points, side)
        except InputFileError as exc:
            assert "\n" not in str(exc) and len(str(exc)) <= MESSAGE_MAX_CHARS
        else:
            assert np.isfinite(aligned.polygon).all() and aligned.side in ("left", "right")
    assert not printed.getvalue() and not [str(w.message) for w in warned]


@FUZZ
@given(values=st.lists(st.one_of(st.floats(), st.sampled_from(["1e308", "-1e308", "nan", "0", "1e-320", "", "."])),
                       min_size=2, max_size=16),
       shape=st.sampled_from(["path", "circle", "ellipse", "rect", "polygon"]))
def test_random_svg_shapes(tmp_path, values, shape):
    v = [str(x) for x in values]
    body = {
        "path": f'<path d="M {v[0]},{v[1]} ' + " ".join(f"C {' '.join(v[2:])}".split()[:7]) + ' Z"/>',
        "circle": f'<circle cx="{v[0]}" cy="{v[1]}" r="{v[-1]}"/>',
        "ellipse": f'<ellipse cx="{v[0]}" cy="{v[1]}" rx="{v[-1]}" ry="{v[-2]}" transform="rotate({v[0]})"/>',
        "rect": f'<rect x="{v[0]}" y="{v[1]}" width="{v[-1]}" height="{v[-2]}" rx="{v[0]}"/>',
        "polygon": f'<polygon points="{" ".join(v)}"/>',
    }[shape]
    assert_polygon_or_refusal(write(tmp_path, "shape.svg", f"{SVG_HEAD}{body}</svg>"))


# -- through the command line: exit 2, one line, nothing written ----------------------------------


def cli_refuses(tmp_path: Path, outline: str, *says: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    profile = tmp_path / "p.toml"
    profile.write_text(f'name = "t"\n[foot]\noutline = "{outline}"\n')
    run = run_cli("build", str(profile), "--out", str(out), "--no-preview", cwd=tmp_path)
    assert_refused(run, codes={2}, says=("outline", *says))
    assert snapshot(out) == set()


CLI_CASES = {
    "symlink-loop": (None, "loop of symbolic links"),
    "device": ("/dev/zero", "device"),
    "fifo": (None, "FIFO"),
    "huge-circle": (f'{SVG_HEAD}<circle cx="0" cy="0" r="1e9"/></svg>', "from the origin"),
    "use-bomb": (svg_use_bomb(), "<use> copies"),
    "billion-laughs": (BILLION_LAUGHS, "entities"),
    "csv-nan": ("0,0\n100,0\nnan,50\n", "not a finite point"),
    "csv-huge": (None, "more than 200,000 points"),
    "dxf-garbage": (b"AutoCAD Binary DXF\r\n\x1a\x00" + b"\x07" * 300, "binary DXF"),
}


@pytest.mark.parametrize("case", cases(sorted(CLI_CASES), 3))
def test_cli_refuses_hostile_outlines(tmp_path, case):
    content, says = CLI_CASES[case]
    if case == "symlink-loop":
        (tmp_path / "a.svg").symlink_to(tmp_path / "b.svg")
        (tmp_path / "b.svg").symlink_to(tmp_path / "a.svg")
        outline = "a.svg"
    elif case == "device":
        outline = content
    elif case == "fifo":
        os.mkfifo(tmp_path / "pipe.svg")
        outline = "pipe.svg"
    elif case == "csv-huge":
        write(tmp_path, "huge.csv", "".join(f"{i % 997}.25,{i % 991}.5\n" for i in range(1_500_000)))
        outline = "huge.csv"
    else:
        suffix = ".csv" if case.startswith("csv") else ".dxf" if case.startswith("dxf") else ".svg"
        outline = f"bad{suffix}"
        write(tmp_path, outline, content)
    cli_refuses(tmp_path, outline, says)
