"""Turn an uploaded phone photo into a normalized display image and thumbnail (pure, CPU-bound).

Everything a client sends is untrusted, so the checks run cheapest first and never trust the
file name or the declared content type:

1. size (empty, too many bytes), then the format sniffed from the first bytes;
2. the header only: width × height against the settings cap *before* any pixel is decoded
   (a 100 KB PNG can claim 10 000 × 10 000 pixels), and against Pillow's own guard, whose
   ``DecompressionBombWarning`` is turned into an error (it only warns by default);
3. EXIF capture time and GPS, read before the metadata is dropped, tolerant of malformed tags
   (a phone app writing a zero denominator must not cost the user their photo);
4. ``load()`` — not ``verify()``, which does not notice a truncated JPEG;
5. EXIF orientation applied (except HEIF: pillow-heif already rotates while decoding),
   then fresh JPEGs written with no metadata at all.

Speed comes from JPEG draft mode: libjpeg decodes at ½, ¼ or ⅛ scale (DCT scaling, a good
downsampling filter in itself), the smallest scale whose long side still reaches
``DISPLAY_MIN``. A 12 MP phone photo (4000 × 3000) is decoded straight to 1000 × 750 and needs
no resampling for its display image; a 3000 px photo decodes to 1500 px. So every display image
of a photo larger than 1000 px has a long side between 1000 and 1600 px (the size WeChat itself
sends photos at), at a third of the cost of decoding at ½ scale and resampling to 1600 px
(see ``bench/photo_intake.py``).
"""

from __future__ import annotations

import hashlib
import io
import math
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pillow_heif
from PIL import ExifTags, Image

from backend.errors import DomainError, ErrorCode
from media.tables import SourceFormat

DISPLAY_MAX = 1600
#: Draft-mode decoding stops halving at this long side (see the module docstring).
DISPLAY_MIN = 1000
THUMB_MAX = 320
DISPLAY_QUALITY = 85
THUMB_QUALITY = 80
#: Phones write EXIF times without a zone unless they add OffsetTimeOriginal; in China that is
#: China Standard Time.
DEFAULT_PHOTO_TZ = timezone(timedelta(hours=8))

_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
_PIL_FORMAT = {
    SourceFormat.jpeg: "JPEG",
    SourceFormat.png: "PNG",
    SourceFormat.webp: "WEBP",
    SourceFormat.heif: "HEIF",
}
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_TAG_ORIENTATION = 0x0112
_TAG_DATETIME = 0x0132
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_OFFSET_TIME_ORIGINAL = 0x9011

pillow_heif.register_heif_opener()
# Process-wide policy, set once (``warnings.catch_warnings`` is not thread-safe, and photos are
# processed in worker threads): a decompression bomb is an error, never a log line; broken EXIF
# is expected from phone apps and handled by the readers below, so it is not worth a warning.
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
warnings.filterwarnings("ignore", message="(Possibly )?[Cc]orrupt EXIF", category=UserWarning)


@dataclass(frozen=True)
class GpsPoint:
    """A WGS-84 point (EXIF GPS is always WGS-84)."""

    lon: float
    lat: float


@dataclass(frozen=True)
class ProcessedPhoto:
    source_format: SourceFormat
    source_bytes: int
    source_width: int
    source_height: int
    taken_at: datetime | None
    gps: GpsPoint | None
    display: bytes
    width: int
    height: int
    thumb: bytes
    thumb_width: int
    thumb_height: int
    sha256: str  # of ``display``


def sniff_format(data: bytes) -> SourceFormat | None:
    """The image format the bytes start with, whatever the file is called."""
    if data.startswith(b"\xff\xd8\xff"):
        return SourceFormat.jpeg
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return SourceFormat.png
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return SourceFormat.webp
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return SourceFormat.heif
    return None


def _corrupt(reason: str) -> DomainError:
    return DomainError(ErrorCode.MEDIA_CORRUPT, reason=reason)


def _rational(value: Any) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _degrees(dms: Any, ref: Any, positive: str, negative: str) -> float:
    if isinstance(dms, (int, float)) or hasattr(dms, "numerator"):
        parts = [_rational(dms)]
    else:
        parts = [_rational(v) for v in tuple(dms)[:3]]
    if not parts:
        raise ValueError("empty coordinate")
    value = sum(part / 60**i for i, part in enumerate(parts))
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    ref = str(ref or positive).strip().upper()[:1]
    if ref == negative:
        value = -value
    elif ref != positive:
        raise ValueError(f"bad reference {ref!r}")
    return value


def read_gps(exif: Image.Exif) -> GpsPoint | None:
    """The photo's GPS point, or ``None`` when absent or malformed (never an error)."""
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        if not gps:
            return None
        lat = _degrees(
            gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef), "N", "S"
        )
        lon = _degrees(
            gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef), "E", "W"
        )
    except Exception:  # malformed GPS is common and never worth refusing a photo for
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return GpsPoint(lon=round(lon, 7), lat=round(lat, 7))


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value).strip("\x00 ")


def read_taken_at(exif: Image.Exif, default_tz: timezone = DEFAULT_PHOTO_TZ) -> datetime | None:
    """When the photo was taken (DateTimeOriginal, else DateTime), in UTC."""
    try:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        raw = sub.get(_TAG_DATETIME_ORIGINAL) or exif.get(_TAG_DATETIME)
        if not raw:
            return None
        taken = datetime.strptime(_text(raw)[:19], "%Y:%m:%d %H:%M:%S")
        tz: timezone = default_tz
        offset = _text(sub.get(_TAG_OFFSET_TIME_ORIGINAL) or "")
        if len(offset) == 6 and offset[0] in "+-" and offset[3] == ":":
            minutes = int(offset[1:3]) * 60 + int(offset[4:6])
            tz = timezone(timedelta(minutes=minutes if offset[0] == "+" else -minutes))
        return taken.replace(tzinfo=tz).astimezone(UTC)
    except Exception:  # unreadable time: the photo is still a photo
        return None


def _orientation(exif: Image.Exif) -> int:
    try:
        value = int(exif.get(_TAG_ORIENTATION, 1))
    except Exception:
        return 1
    return value if value in _TRANSPOSE else 1


def _to_rgb(image: Image.Image) -> Image.Image:
    """Flatten transparency onto white and bring every mode to 8-bit RGB."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # a fresh ``info`` and no exif/icc arguments: nothing of the original travels along
    image.info = {}
    image.save(out, "JPEG", quality=quality, optimize=False)
    return out.getvalue()


def _fit(size: tuple[int, int], limit: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, limit / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _too_many_pixels(pixels: object, max_pixels: int) -> DomainError:
    return DomainError(ErrorCode.MEDIA_TOO_MANY_PIXELS, pixels=pixels, max_pixels=max_pixels)


def _open(data: bytes, fmt: SourceFormat, max_pixels: int) -> Image.Image:
    """Open (header only) and refuse a picture larger than the cap before decoding it.

    Pillow's own guard (``Image.MAX_IMAGE_PIXELS``, ~89 MP) only warns; it counts here as a
    second cap, checked explicitly so the refusal does not depend on warning filters.
    """
    try:
        image = Image.open(io.BytesIO(data), formats=[_PIL_FORMAT[fmt]])
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _too_many_pixels(f"> {Image.MAX_IMAGE_PIXELS}", max_pixels) from exc
    except Image.UnidentifiedImageError as exc:
        raise _corrupt("unreadable header") from exc
    width, height = image.size
    if width <= 0 or height <= 0:
        raise _corrupt("empty picture")
    if width * height > min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels):
        raise _too_many_pixels(width * height, max_pixels)
    return image


def process_photo(
    data: bytes,
    *,
    max_bytes: int,
    max_pixels: int,
    default_tz: timezone = DEFAULT_PHOTO_TZ,
) -> ProcessedPhoto:
    """Check, read and normalize one upload; raise ``DomainError`` (4xx) for bad input."""
    if not data:
        raise DomainError(ErrorCode.MEDIA_EMPTY)
    if len(data) > max_bytes:
        raise DomainError(ErrorCode.MEDIA_TOO_LARGE, max_mb=round(max_bytes / 2**20, 1))
    fmt = sniff_format(data)
    if fmt is None:
        raise DomainError(ErrorCode.MEDIA_UNSUPPORTED)
    try:
        return _process(data, fmt, max_pixels, default_tz)
    except DomainError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _too_many_pixels(f"> {Image.MAX_IMAGE_PIXELS}", max_pixels) from exc
    except MemoryError:
        raise
    except Exception as exc:  # decoders of untrusted bytes raise many kinds of error
        reason = "truncated" if "truncated" in str(exc) else type(exc).__name__
        raise _corrupt(reason) from exc


def _process(
    data: bytes, fmt: SourceFormat, max_pixels: int, default_tz: timezone
) -> ProcessedPhoto:
    image = _open(data, fmt, max_pixels)
    source_size = image.size
    try:
        exif = image.getexif()
    except Exception:
        exif = Image.Exif()
    gps = read_gps(exif)
    taken_at = read_taken_at(exif, default_tz)
    # pillow-heif has already applied the HEIF orientation while decoding
    orientation = 1 if fmt is SourceFormat.heif else _orientation(exif)

    if fmt is SourceFormat.jpeg:
        # decode at the smallest DCT scale whose long side is still >= DISPLAY_MIN
        image.draft("RGB", _fit(source_size, DISPLAY_MIN))
    image.load()
    image = _to_rgb(image)
    # resize first, rotate the smaller picture; bilinear is Pillow's antialiased triangle
    # filter, indistinguishable from Lanczos at these ratios and twice as fast
    display = image
    if max(image.size) > DISPLAY_MAX:
        display = image.resize(
            _fit(image.size, DISPLAY_MAX), Image.Resampling.BILINEAR, reducing_gap=2.0
        )
    if orientation != 1:
        display = display.transpose(_TRANSPOSE[orientation])
    display_bytes = _jpeg(display, DISPLAY_QUALITY)
    # box-reduce by the whole factor first (reducing_gap=1): twice as fast at thumbnail size
    thumb = display.resize(
        _fit(display.size, THUMB_MAX), Image.Resampling.BILINEAR, reducing_gap=1.0
    )
    thumb_bytes = _jpeg(thumb, THUMB_QUALITY)
    return ProcessedPhoto(
        source_format=fmt,
        source_bytes=len(data),
        source_width=source_size[0],
        source_height=source_size[1],
        taken_at=taken_at,
        gps=gps,
        display=display_bytes,
        width=display.width,
        height=display.height,
        thumb=thumb_bytes,
        thumb_width=thumb.width,
        thumb_height=thumb.height,
        sha256=hashlib.sha256(display_bytes).hexdigest(),
    )
