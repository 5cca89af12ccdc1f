"""Photo upload and reading over HTTP, on both storage backends."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PIL import Image

from backend import clock
from backend.config import Settings
from media.storage import storage_for
from media.tables import MediaImage, Photo
from tests.media_fixtures import UPLOAD, upload
from tests.media_samples import PHOTO_LAT, PHOTO_LON, bad_inputs, phone_jpeg


async def fetch(client: httpx.AsyncClient, url: str) -> httpx.Response:
    if url.startswith("http"):
        async with httpx.AsyncClient() as outside:
            return await outside.get(url)
    return await client.get(url)


async def counts() -> tuple[int, int]:
    return await MediaImage.count(), await Photo.count()


def is_red(pixel: tuple[int, ...]) -> bool:
    return pixel[0] > 180 and pixel[1] < 80 and pixel[2] < 80


async def test_rotated_12mp_photo_with_gps_is_stored_upright_without_exif(
    media_client, media_settings, world
):
    taken = datetime(2026, 11, 20, 9, 30)
    data = phone_jpeg(4000, 3000, orientation=6, taken_at=taken)
    response = await upload(media_client, world.headers("grid_worker_a"), data, "IMG_0001.JPG")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["gps"] == {"lon": PHOTO_LON, "lat": PHOTO_LAT, "coord_system": "wgs84"}
    assert body["taken_at"] == "2026-11-20T01:30:00Z"  # 09:30 China time, stored in UTC
    assert (body["width"], body["height"]) == (1000, 750)  # ¼-scale draft decode
    assert (body["thumb_width"], body["thumb_height"]) == (320, 240)
    assert body["source_format"] == "jpeg"

    for url, size in ((body["display_url"], (1000, 750)), (body["thumb_url"], (320, 240))):
        served = await fetch(media_client, url)
        assert served.status_code == 200
        image = Image.open(io.BytesIO(served.content))
        assert image.format == "JPEG" and image.size == size
        # upright: the red band marks the top of the picture as it was taken
        assert is_red(image.getpixel((size[0] // 2, 2)))
        assert not is_red(image.getpixel((size[0] // 2, size[1] - 3)))
        assert dict(image.getexif()) == {}
        assert b"Exif" not in served.content and b"TestPhone" not in served.content
        assert "icc_profile" not in image.info and "xmp" not in image.info


async def test_photo_taken_days_before_upload_is_flagged_stale(media_client, world):
    clock.freeze(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    old = phone_jpeg(800, 600, taken_at=datetime(2026, 11, 20, 9, 30), seed=1)
    fresh = phone_jpeg(800, 600, taken_at=datetime(2026, 11, 25, 15, 0), seed=2)
    headers = world.headers("grid_worker_a")
    assert (await upload(media_client, headers, old)).json()["stale"] is True
    assert (await upload(media_client, headers, fresh)).json()["stale"] is False


@pytest.mark.parametrize("name", sorted(bad_inputs()))
async def test_bad_upload_is_refused_with_a_reason_and_nothing_is_stored(
    media_client, media_settings, world, name
):
    data, code, status = bad_inputs()[name]
    before = await counts()
    response = await upload(media_client, world.headers("grid_worker_a"), data, "photo.jpg")
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert await counts() == before
    assert await storage_for(media_settings).list() == []


async def test_photo_larger_than_the_byte_limit_is_refused_with_413(media_client, world, settings):
    data = b"\xff\xd8\xff" + b"\x00" * (settings.media_max_bytes + 1)
    response = await upload(media_client, world.headers("grid_worker_a"), data)
    assert response.status_code == 413
    assert response.json()["code"] == "media_too_large"


async def test_pixel_cap_is_checked_from_the_header(media_client, media_settings, world):
    from dataclasses import replace

    from backend.app import create_app

    small_cap = replace(media_settings, media_max_pixels=1_000_000)
    transport = httpx.ASGITransport(app=create_app(small_cap))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await upload(client, world.headers("grid_worker_a"), phone_jpeg(1600, 1200))
    assert response.status_code == 422
    assert response.json()["code"] == "media_too_many_pixels"
    assert response.json()["data"] == {"pixels": 1_920_000, "max_pixels": 1_000_000}


async def test_identical_uploads_share_one_stored_image(media_client, media_settings, world):
    data = phone_jpeg(1200, 900, seed=5)
    first = (await upload(media_client, world.headers("grid_worker_a"), data)).json()
    again = (await upload(media_client, world.headers("grid_worker_a"), data)).json()
    other = (await upload(media_client, world.headers("grid_leader_a"), data)).json()
    assert again["id"] == first["id"] and again["reused"] is True
    assert other["id"] != first["id"] and first["reused"] is False
    images = {
        row["image"]
        for row in await Photo.select(Photo.image).where(Photo.id.is_in([first["id"], other["id"]]))
    }
    assert len(images) == 1
    assert len(await storage_for(media_settings).list()) == 2  # one display, one thumbnail


async def test_other_streets_staff_cannot_see_a_photo(media_client, world):
    data = phone_jpeg(640, 480, seed=7)
    photo = (await upload(media_client, world.headers("grid_worker_a"), data)).json()
    url = f"{UPLOAD}{photo['id']}"
    for persona in ("grid_worker_a", "street_a_staff", "community_staff_a", "district_staff"):
        response = await media_client.get(url, headers=world.headers(persona))
        assert response.status_code == 200, persona
        assert response.json()["thumb_url"]
    for persona in ("street_b_staff", "grid_worker_b", "grid_worker_a2"):
        response = await media_client.get(url, headers=world.headers(persona))
        assert response.status_code == 404, persona


async def test_upload_for_a_unit_outside_my_scope_is_refused(media_client, world):
    before = await counts()
    response = await upload(
        media_client,
        world.headers("grid_worker_a"),
        phone_jpeg(640, 480, seed=8),
        unit_id=str(world.units["grid_b1_1"]),
    )
    assert response.status_code == 404
    assert response.json()["data"] == {"kind": "unit", "id": str(world.units["grid_b1_1"])}
    assert await counts() == before


async def test_upload_needs_a_signed_in_user(media_client):
    response = await upload(media_client, {}, phone_jpeg(320, 240))
    assert response.status_code == 401


async def test_stopped_s3_peer_gives_503_and_leaves_no_rows(
    stoppable_s3_peer, settings: Settings, world
):
    from dataclasses import replace

    from backend.app import create_app, prepare_media

    s3_settings = replace(settings, media_url=stoppable_s3_peer.media_url("stopping"))
    await prepare_media(s3_settings)
    transport = httpx.ASGITransport(app=create_app(s3_settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        headers = world.headers("grid_worker_a")
        ok = await upload(client, headers, phone_jpeg(800, 600, seed=11))
        assert ok.status_code == 201
        stoppable_s3_peer.stop()
        before = await counts()
        started = time.monotonic()
        response = await upload(client, headers, phone_jpeg(800, 600, seed=12))
        answered = time.monotonic() - started
        assert response.status_code == 503
        assert response.json()["code"] == "media_storage_unavailable"
        assert await counts() == before  # no orphan MediaImage or Photo row
        print(f"\nS3 peer stopped: upload answered 503 in {answered:.2f}s; 0 rows written")
        # the photo stored before the outage still answers with fresh (presigned) URLs
        again = await client.get(f"{UPLOAD}{ok.json()['id']}", headers=headers)
        assert again.status_code == 200


async def test_local_object_route_refuses_tampered_expired_and_climbing_urls(
    settings: Settings, tmp_path, world
):
    from backend.app import create_app
    from tests.media_fixtures import media_settings_for

    local = media_settings_for(settings, "local", tmp_path, None)
    transport = httpx.ASGITransport(app=create_app(local))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        body = (
            await upload(client, world.headers("grid_worker_a"), phone_jpeg(640, 480, seed=13))
        ).json()
        url = body["thumb_url"]
        assert (await client.get(url)).status_code == 200
        path, _, query = url.partition("?")
        tampered = url[:-2] + ("AA" if not url.endswith("AA") else "BB")
        assert (await client.get(tampered)).json()["data"]["reason"] == "bad signature"
        other_key = path.replace("/thumb/", "/display/")
        assert (await client.get(f"{other_key}?{query}")).status_code == 403
        (tmp_path / "secret.jpg").write_bytes(b"secret")
        for climbing in (
            "/api/v1/media/objects/../../secret.jpg",
            "/api/v1/media/objects/%2e%2e/%2e%2e/secret.jpg",
            "/api/v1/media/objects/thumb/..%2f..%2fsecret.jpg",
        ):
            response = await client.get(f"{climbing}?{query}")
            assert response.status_code in (403, 404), climbing
            assert response.content != b"secret"
        clock.advance(timedelta(seconds=settings.media_url_ttl_seconds + 1))
        expired = await client.get(url)
        assert expired.status_code == 403
        assert expired.json()["data"]["reason"] == "expired"


async def test_app_start_creates_the_missing_bucket(s3_peer, settings: Settings):
    from dataclasses import replace

    from minio import Minio

    from backend.app import create_app
    from tests.media_fixtures import S3_KEY, S3_REGION, S3_SECRET, fresh_bucket

    bucket = fresh_bucket()
    app = create_app(replace(settings, media_url=s3_peer.media_url(bucket)))
    peer = Minio(s3_peer.endpoint, S3_KEY, S3_SECRET, secure=False, region=S3_REGION)
    assert not peer.bucket_exists(bucket)
    try:
        async with app.lifespan():
            assert peer.bucket_exists(bucket)
    finally:
        from backend import db

        await db.open_pool(db.get_engine())  # the app's shutdown closed the session's pool


async def test_body_far_over_the_limit_is_cut_off_with_413(media_client, world, settings):
    data = b"\xff\xd8\xff" + b"\x00" * (settings.media_max_bytes + 256 * 1024)
    response = await upload(media_client, world.headers("grid_worker_a"), data)
    assert response.status_code == 413
    assert response.json()["code"] in ("payload_too_large", "media_too_large")


@pytest.mark.parametrize(
    ("fmt", "params", "name"),
    [
        ("PNG", {}, "screenshot.png"),
        ("WEBP", {"quality": 80}, "photo.webp"),
        ("HEIF", {"quality": 60}, "IMG_0002.HEIC"),
        ("JPEG", {"quality": 85}, "named-wrongly.png"),
    ],
)
async def test_every_accepted_format_becomes_a_jpeg_photo(media_client, world, fmt, params, name):
    import media.processing  # noqa: F401  (registers the HEIF plugin)
    from tests.media_samples import encode, upright_picture

    data = encode(upright_picture(900, 600, seed=len(name)), fmt, **params)
    response = await upload(media_client, world.headers("grid_worker_a"), data, name)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["source_format"] == {"PNG": "png", "WEBP": "webp", "HEIF": "heif"}.get(fmt, "jpeg")
    served = await fetch(media_client, body["display_url"])
    assert Image.open(io.BytesIO(served.content)).format == "JPEG"
