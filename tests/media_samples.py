"""Generated photos for the media tests and benchmark: phone-like JPEGs and a bad-input corpus.

A "phone photo" is a noisy gradient (so it compresses like a real picture, not like a flat
colour), stored sideways with EXIF orientation 6 (as a phone held upright writes it), with GPS
and a capture time. The top of the *upright* picture is marked red so tests can check the
display image really is upright.
"""

from __future__ import annotations

import io
import struct
import zlib
from datetime import datetime
from fractions import Fraction

from PIL import ExifTags, Image, TiffImagePlugin

#: Where the generated photos were "taken": a point inside tests/personas.py's grid A1-1.
PHOTO_LON, PHOTO_LAT = 106.5031, 29.5042


def _dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction((value - degrees - minutes / 60) * 3600).limit_denominator(10000)
    return (
        TiffImagePlugin.IFDRational(degrees, 1),
        TiffImagePlugin.IFDRational(minutes, 1),
        TiffImagePlugin.IFDRational(seconds.numerator, seconds.denominator),
    )


def make_exif(
    *,
    orientation: int = 1,
    lon: float | None = PHOTO_LON,
    lat: float | None = PHOTO_LAT,
    taken_at: datetime | None = None,
    gps_override: dict[int, object] | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "TestPhone"
    if taken_at is not None:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken_at.strftime(
            "%Y:%m:%d %H:%M:%S"
        )
    gps: dict[int, object] = {}
    if lon is not None and lat is not None:
        gps = {
            ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
            ExifTags.GPS.GPSLatitude: _dms(lat),
            ExifTags.GPS.GPSLongitudeRef: "E" if lon >= 0 else "W",
            ExifTags.GPS.GPSLongitude: _dms(lon),
        }
    if gps_override is not None:
        gps = gps_override
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(gps)
    return exif


def upright_picture(width: int, height: int, seed: int = 0) -> Image.Image:
    """An upright test picture: red band on top, noisy gradient below."""
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 10 + seed % 3)
    blue = Image.radial_gradient("L").resize((width, height))
    # sensor-like noise in every channel: a 12 MP picture then weighs ~3.5 MB as a q90 JPEG
    picture = Image.merge(
        "RGB", (Image.blend(gradient, noise, 0.5), noise, Image.blend(blue, noise, 0.3))
    )
    band = Image.new("RGB", (width, max(1, height // 8)), (230, 20, 20))
    picture.paste(band, (0, 0))
    return picture


def phone_jpeg(
    width: int = 4000,
    height: int = 3000,
    *,
    orientation: int = 6,
    seed: int = 0,
    quality: int = 90,
    **exif_args: object,
) -> bytes:
    """A JPEG whose *upright* picture is ``width`` × ``height``, stored as a phone stores it.

    With orientation 6 the pixels are stored rotated 90° (the sensor's landscape frame), so
    the file is ``height`` × ``width`` and the EXIF tag asks viewers to rotate it back.
    """
    upright = upright_picture(width, height, seed)
    stored = upright.transpose(Image.Transpose.ROTATE_90) if orientation == 6 else upright
    out = io.BytesIO()
    exif = make_exif(orientation=orientation, **exif_args)  # type: ignore[arg-type]
    stored.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def png_bomb(width: int = 10_000, height: int = 10_000) -> bytes:
    """A valid grey PNG of ``width`` × ``height`` zero pixels: ~100 KB that decodes to 100 MB."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte + pixels
    chunks = [compressor.compress(row) for _ in range(height)]
    chunks.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(chunks))
        + _png_chunk(b"IEND", b"")
    )


def bad_inputs() -> dict[str, tuple[bytes, str, int]]:
    """name → (bytes, expected error code, expected HTTP status)."""
    jpeg = phone_jpeg(800, 600, seed=3)
    return {
        "zero_byte": (b"", "media_empty", 400),
        "renamed_text": (b"this is not a photo, just text\n" * 20, "media_unsupported_format", 415),
        "renamed_pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "media_unsupported_format", 415),
        "truncated_jpeg": (jpeg[: len(jpeg) // 2], "media_corrupt", 422),
        "jpeg_header_only": (jpeg[:200], "media_corrupt", 422),
        "truncated_png": (encode(upright_picture(300, 200), "PNG")[:900], "media_corrupt", 422),
        "pixel_bomb_png": (png_bomb(), "media_too_many_pixels", 422),
        "gif": (
            encode(upright_picture(40, 30).convert("P"), "GIF"),
            "media_unsupported_format",
            415,
        ),
    }
