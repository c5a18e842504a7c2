"""Read a picture of a foot (JPEG, PNG, TIFF, HEIC) into RGB pixels, upright.

Pillow decodes (pillow-heif adds HEIC, which iPhones write); the EXIF orientation a
phone records instead of turning the pixels is applied, and the resolution a flatbed
scanner writes (JFIF/TIFF/PNG dpi) is kept. The file is a stranger's: read through
:func:`read_input_bytes` (size capped), and a picture too large to hold is refused
before it is decoded.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from insolegen.core.paths import MB, UnusablePathError, read_input_bytes
from insolegen.inputs.errors import InputFileError

__all__ = ["MAX_PICTURE_BYTES", "MAX_PICTURE_PIXELS", "MIN_PICTURE_PIXELS", "PICTURE_SUFFIXES", "Picture",
           "read_picture_file"]

PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".heif")
MAX_PICTURE_BYTES = 80 * MB  # a 600 dpi A4 TIFF uncompressed is ~100 MB; phones write 2-12 MB
MAX_PICTURE_PIXELS = 120_000_000  # 600 dpi over A3 is 70 MP; a 200 MP phone photo is refused
MIN_PICTURE_PIXELS = 300_000  # under ~0.3 MP a foot is a few pixels per millimetre at best
PHONE_DEFAULT_DPI = 72.0  # what cameras write when they know nothing: not a scanner's resolution


@dataclass(frozen=True)
class Picture:
    """The pixels, upright, as (rows, columns, 3) uint8 RGB, and what the file said."""

    rgb: NDArray[np.uint8]
    format: str  # JPEG, PNG, TIFF, HEIF
    dpi: float | None  # a scanner's resolution; None when the file gives none or a camera's 72
    exif_rotated: bool  # the EXIF orientation turned the pixels
    focal_35mm: float | None  # EXIF FocalLengthIn35mmFilm: the camera's field of view, if given


def _register_heif() -> bool:
    try:
        import pillow_heif
    except ImportError:  # pragma: no cover - a dependency; a broken install reads no HEIC
        return False
    pillow_heif.register_heif_opener()
    return True


def read_picture_file(path: Path | str) -> Picture:
    """The picture at ``path``; :class:`InputFileError` in one line when it is not one."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    suffix = Path(path).suffix.lower()
    if suffix not in PICTURE_SUFFIXES:
        raise InputFileError(f"a {suffix or 'nameless'} file is not a picture: use JPEG, PNG, TIFF or HEIC")
    try:
        data = read_input_bytes(path, max_bytes=MAX_PICTURE_BYTES, what="picture")
    except UnusablePathError as exc:
        raise InputFileError(str(exc)) from None
    if suffix in (".heic", ".heif") and not _register_heif():  # pragma: no cover
        raise InputFileError("HEIC needs pillow-heif: pip install pillow-heif, or save the photo as JPEG")
    what = suffix.lstrip(".").upper()
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb warning (over 89 MP) is ours to judge: the limit below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PICTURE_PIXELS:
                raise Image.DecompressionBombError(f"{image.width} x {image.height}")
            fmt = image.format or what
            dpi = _dpi(image.info.get("dpi"))
            focal = _focal_35mm(image)
            upright = ImageOps.exif_transpose(image)
            rotated = _orientation(image) not in (None, 1)
            rgb = _rgb8(upright)
    except Image.DecompressionBombError:
        raise InputFileError(f"the picture has more pixels than a photo of a foot needs (over "
                             f"{MAX_PICTURE_PIXELS // 1_000_000} million): save it smaller") from None
    except UnidentifiedImageError:
        raise InputFileError(f"not a {what} picture that can be read (not an image, or damaged)") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InputFileError(f"not a readable {what} picture ({type(exc).__name__}: {str(exc)[:80]})") from None
    if rgb.shape[0] * rgb.shape[1] < MIN_PICTURE_PIXELS:
        raise InputFileError(f"the picture is {rgb.shape[1]} x {rgb.shape[0]} pixels: too few to measure a foot by "
                             f"(at least {MIN_PICTURE_PIXELS // 1000}k); send the camera's original")
    return Picture(rgb=rgb, format=fmt, dpi=dpi, exif_rotated=bool(rotated), focal_35mm=focal)


def _rgb8(image: object) -> NDArray[np.uint8]:
    """8-bit RGB. Pillow's own conversion clips 16-bit grey (scanners write it) to white."""
    mode = image.mode  # type: ignore[attr-defined]
    if mode.startswith("I;16") or mode == "I":
        values = np.asarray(image, dtype=np.float64)
        grey = np.clip(values / (257.0 if mode.startswith("I;16") else max(values.max() / 255.0, 1.0)), 0, 255)
        return np.repeat(np.rint(grey).astype(np.uint8)[..., None], 3, axis=2)
    return np.asarray(image.convert("RGB"), dtype=np.uint8)  # type: ignore[attr-defined]


def _dpi(value: object) -> float | None:
    """The file's resolution, when it is a scanner's (x and y alike, 100-4800 dpi)."""
    try:
        x, y = (float(v) for v in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None
    if not (np.isfinite(x) and np.isfinite(y)) or abs(x - y) > 0.01 * max(x, y):
        return None
    if abs(x - PHONE_DEFAULT_DPI) < 0.5 or not 100 <= x <= 4800:
        return None
    return x


def _orientation(image: object) -> int | None:
    try:
        return image.getexif().get(0x0112)  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return None


def _focal_35mm(image: object) -> float | None:
    try:
        value = image.getexif().get_ifd(0x8769).get(0xA405)  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError, KeyError):
        return None
    try:
        focal = float(value)
    except (TypeError, ValueError):
        return None
    return focal if 8 <= focal <= 300 else None
