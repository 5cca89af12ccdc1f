"""Photo checks and normalization, without database or storage."""

from __future__ import annotations

import io
import warnings
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import ExifTags, Image, TiffImagePlugin

from backend.errors import DomainError
from media.processing import (
    DISPLAY_MAX,
    DISPLAY_MIN,
    THUMB_MAX,
    GpsPoint,
    process_photo,
    read_gps,
    read_taken_at,
    sniff_format,
)
from media.tables import SourceFormat
from tests.media_samples import (
    PHOTO_LAT,
    PHOTO_LON,
    encode,
    make_exif,
    phone_jpeg,
    png_bomb,
    upright_picture,
)

LIMITS = {"max_bytes": 15 * 2**20, "max_pixels": 50_000_000}
R = TiffImagePlugin.IFDRational


def process(data: bytes, **limits: int):
    return process_photo(data, **{**LIMITS, **limits})


def refused(data: bytes, **limits: int) -> DomainError:
    with pytest.raises(DomainError) as caught:
        process(data, **limits)
    assert 400 <= caught.value.status < 500
    return caught.value


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def top_is_red(data: bytes) -> bool:
    image = opened(data).convert("RGB")
    r, g, b = image.getpixel((image.width // 2, 1))  # type: ignore[misc]
    return r > 180 and g < 80 and b < 80


@pytest.mark.parametrize(
    ("fmt", "params", "expected"),
    [
        ("JPEG", {}, SourceFormat.jpeg),
        ("PNG", {}, SourceFormat.png),
        ("WEBP", {"quality": 80}, SourceFormat.webp),
        ("HEIF", {"quality": 60}, SourceFormat.heif),
    ],
)
def test_every_accepted_format_is_sniffed_from_its_bytes(fmt, params, expected):
    import media.processing  # noqa: F401  (registers the HEIF plugin)

    data = encode(upright_picture(64, 48), fmt, **params)
    assert sniff_format(data) is expected
    result = process(data)
    assert result.source_format is expected
    assert opened(result.display).format == "JPEG"


def test_file_name_does_not_decide_the_format():
    assert sniff_format(b"GIF89a...") is None
    assert sniff_format(b"hello.jpg") is None
    assert refused(b"plain text named photo.jpg").code == "media_unsupported_format"


def test_empty_and_oversized_uploads_are_refused_before_decoding():
    assert refused(b"").code == "media_empty"
    error = refused(b"\xff\xd8\xff" + b"\x00" * 2000, max_bytes=1000)
    assert error.code == "media_too_large" and error.status == 413


def test_truncated_jpeg_passes_verify_but_is_refused():
    data = phone_jpeg(800, 600)
    truncated = data[: len(data) * 2 // 3]
    opened(truncated).verify()  # the trap: verify() does not notice
    error = refused(truncated)
    assert error.code == "media_corrupt" and error.data["reason"] == "truncated"


def test_pixel_cap_is_enforced_from_the_header():
    data = encode(upright_picture(1000, 1000), "PNG")
    error = refused(data, max_pixels=999_999)
    assert error.code == "media_too_many_pixels"
    assert error.data == {"pixels": 1_000_000, "max_pixels": 999_999}


def test_pixel_bomb_is_refused_even_when_the_cap_is_set_above_pillows_guard():
    bomb = png_bomb(10_000, 10_000)  # 100 MP in ~100 KB, above Pillow's warning threshold
    assert len(bomb) < 200_000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert opened(bomb).size == (10_000, 10_000)  # Pillow alone would only warn
    error = refused(bomb, max_pixels=10**9)
    assert error.code == "media_too_many_pixels"


def test_gps_and_capture_time_are_read_before_metadata_is_stripped():
    data = phone_jpeg(1200, 900, taken_at=datetime(2026, 5, 1, 7, 45, 12))
    result = process(data)
    assert result.gps == GpsPoint(lon=PHOTO_LON, lat=PHOTO_LAT)
    assert result.taken_at == datetime(2026, 5, 1, 7, 45, 12, tzinfo=timezone(timedelta(hours=8)))
    for output in (result.display, result.thumb):
        image = opened(output)
        assert dict(image.getexif()) == {}
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
        assert b"TestPhone" not in output


def test_capture_time_uses_the_offset_the_phone_wrote():
    exif = make_exif(taken_at=datetime(2026, 5, 1, 7, 45))
    exif.get_ifd(ExifTags.IFD.Exif)[0x9011] = "+02:00"
    assert read_taken_at(exif) == datetime(2026, 5, 1, 5, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    "gps",
    [
        {
            ExifTags.GPS.GPSLatitude: (R(29, 0), R(30, 0), R(0, 0)),
            ExifTags.GPS.GPSLongitude: (R(106, 1),),
        },
        {
            ExifTags.GPS.GPSLatitudeRef: "X",
            ExifTags.GPS.GPSLatitude: (R(29, 1),),
            ExifTags.GPS.GPSLongitude: (R(106, 1),),
        },
        {ExifTags.GPS.GPSLatitude: (R(129, 1),), ExifTags.GPS.GPSLongitude: (R(106, 1),)},
        {ExifTags.GPS.GPSLatitude: (R(29, 1),)},
        {ExifTags.GPS.GPSLatitude: (), ExifTags.GPS.GPSLongitude: ()},
        {ExifTags.GPS.GPSLatitude: (R(0, 1),), ExifTags.GPS.GPSLongitude: (R(0, 1),)},
    ],
    ids=[
        "zero-denominator",
        "bad-ref",
        "out-of-range",
        "no-longitude",
        "empty",
        "null-island",
    ],
)
def test_malformed_gps_is_ignored_and_the_photo_is_kept(gps):
    data = phone_jpeg(640, 480, gps_override=gps)
    result = process(data)
    assert result.gps is None
    assert result.width == 640


def test_gps_pointer_into_nowhere_is_ignored():
    raw = make_exif().tobytes()
    assert raw[6:8] == b"MM"  # Pillow writes big-endian TIFF
    entry = raw.index(b"\x88\x25\x00\x04\x00\x00\x00\x01")  # GPSInfo, LONG, count 1
    raw = raw[: entry + 8] + (0x7FFF_FF00).to_bytes(4, "big") + raw[entry + 12 :]
    data = encode(upright_picture(320, 240), "JPEG", exif=raw)
    result = process(data)
    assert result.gps is None and result.width == 320


def test_southern_and_western_references_give_negative_coordinates():
    exif = make_exif(lon=-70.25, lat=-33.5)
    point = read_gps(exif)
    assert point is not None
    assert (point.lon, point.lat) == pytest.approx((-70.25, -33.5), abs=1e-6)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_ends_upright(orientation):
    upright = upright_picture(400, 300)
    stored = {
        1: upright,
        2: upright.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        3: upright.transpose(Image.Transpose.ROTATE_180),
        4: upright.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
        5: upright.transpose(Image.Transpose.TRANSPOSE),
        6: upright.transpose(Image.Transpose.ROTATE_90),
        7: upright.transpose(Image.Transpose.TRANSVERSE),
        8: upright.transpose(Image.Transpose.ROTATE_270),
    }[orientation]
    data = encode(stored, "JPEG", exif=make_exif(orientation=orientation).tobytes())
    result = process(data)
    assert (result.width, result.height) == (400, 300)
    assert top_is_red(result.display) and top_is_red(result.thumb)


def test_heic_orientation_is_not_applied_twice():
    import media.processing  # noqa: F401  (registers the HEIF plugin)

    stored = upright_picture(400, 300).transpose(Image.Transpose.ROTATE_90)
    data = encode(stored, "HEIF", quality=70, exif=make_exif(orientation=6).tobytes())
    result = process(data)
    assert (result.width, result.height) == (400, 300)
    assert top_is_red(result.display)
    assert result.gps == GpsPoint(lon=PHOTO_LON, lat=PHOTO_LAT)


def test_12mp_photo_is_decoded_at_quarter_scale_to_a_1000_display_and_320_thumbnail():
    result = process(phone_jpeg(4000, 3000, orientation=6))
    assert (result.source_width, result.source_height) == (3000, 4000)  # as stored
    assert (result.width, result.height) == (DISPLAY_MIN, 750)
    assert (result.thumb_width, result.thumb_height) == (THUMB_MAX, 240)
    assert opened(result.display).size == (1000, 750)
    assert top_is_red(result.display)


@pytest.mark.parametrize(
    ("size", "display"),
    [
        ((3000, 2000), (1500, 1000)),  # ½ scale already fits
        ((1800, 1200), (DISPLAY_MAX, 1067)),  # full decode, resampled to the cap
        ((8000, 6000), (1000, 750)),  # ⅛ scale
        ((1000, 1000), (1000, 1000)),
    ],
)
def test_display_long_side_stays_between_1000_and_1600(size, display):
    data = encode(upright_picture(*size), "JPEG", quality=80)
    result = process(data, max_pixels=60_000_000)
    assert (result.width, result.height) == display
    assert max(result.thumb_width, result.thumb_height) == THUMB_MAX


def test_small_photo_is_not_enlarged():
    result = process(encode(upright_picture(300, 200), "PNG"))
    assert (result.width, result.height) == (300, 200)
    assert (result.thumb_width, result.thumb_height) == (300, 200)


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        ("RGBA", "PNG"),
        ("LA", "PNG"),
        ("P", "PNG"),
        ("L", "JPEG"),
        ("CMYK", "JPEG"),
        ("I;16", "PNG"),
        ("1", "PNG"),
        ("RGBA", "WEBP"),
    ],
)
def test_unusual_colour_modes_become_rgb_jpegs(mode, fmt):
    data = encode(upright_picture(120, 90).convert(mode), fmt)
    result = process(data)
    assert opened(result.display).mode == "RGB"


def test_same_picture_gives_the_same_hash_and_metadata_does_not_change_it():
    picture = upright_picture(800, 600)
    plain = encode(picture, "JPEG", quality=90)
    with_gps = encode(picture, "JPEG", quality=90, exif=make_exif().tobytes())
    assert process(plain).sha256 == process(with_gps).sha256
    other = encode(upright_picture(800, 600, seed=1), "JPEG", quality=90)
    assert process(other).sha256 != process(plain).sha256


def test_importing_media_makes_pillows_bomb_warning_an_error_process_wide(tmp_path):
    """Set once at import, not per call: ``warnings.catch_warnings`` is not thread-safe and
    photos are processed in worker threads. (pytest resets filters per test, hence a child.)"""
    import subprocess
    import sys

    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_bomb(10_000, 10_000))
    script = (
        "import sys, media.processing; from PIL import Image\n"
        "try:\n    Image.open(sys.argv[1])\nexcept Image.DecompressionBombWarning:\n"
        "    sys.exit(0)\nsys.exit(1)\n"
    )
    child = subprocess.run([sys.executable, "-c", script, str(bomb)], capture_output=True)
    assert child.returncode == 0, child.stderr.decode()
