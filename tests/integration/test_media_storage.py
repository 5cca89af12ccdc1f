"""One storage test suite, run against both backends: a local folder and a real S3 peer."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from backend import clock
from backend.config import Settings
from media.storage import (
    LocalStorage,
    ObjectMissing,
    ObjectStorage,
    S3Storage,
    StorageMisconfigured,
    StorageUnavailable,
    open_storage,
)
from tests.media_fixtures import media_settings_for


def key(kind: str, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    return f"{kind}/{digest[:2]}/{digest}.jpg"


@pytest.fixture
async def storage(media_settings: Settings) -> ObjectStorage:
    store = open_storage(media_settings.media_url, media_settings.secret_key)
    await store.prepare()
    return store


async def fetch(url: str, media_settings: Settings) -> httpx.Response:
    """Follow a client URL: S3 presigned URLs go to the peer, local ones to the app."""
    if url.startswith("http"):
        async with httpx.AsyncClient() as client:
            return await client.get(url)
    from backend.app import create_app

    transport = httpx.ASGITransport(app=create_app(media_settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(url)


async def test_stored_object_reads_back_byte_for_byte(storage):
    data = b"\xff\xd8\xff" + bytes(range(256)) * 40
    k = key("display", data)
    await storage.put(k, data, "image/jpeg")
    assert await storage.get(k) == data
    assert await storage.exists(k)


async def test_put_replaces_the_object_under_the_same_key(storage):
    k = key("thumb", b"first")
    await storage.put(k, b"first", "image/jpeg")
    await storage.put(k, b"second", "image/jpeg")
    assert await storage.get(k) == b"second"


async def test_missing_object_is_reported_as_missing(storage):
    k = key("display", b"never stored")
    assert not await storage.exists(k)
    with pytest.raises(ObjectMissing):
        await storage.get(k)


async def test_delete_removes_and_deleting_twice_is_harmless(storage):
    k = key("display", b"to delete")
    await storage.put(k, b"to delete", "image/jpeg")
    await storage.delete(k)
    await storage.delete(k)
    assert not await storage.exists(k)


async def test_list_returns_objects_under_a_prefix_with_sizes(storage):
    thumbs = [key("thumb", bytes([i]) * (i + 1)) for i in range(3)]
    for i, k in enumerate(thumbs):
        await storage.put(k, bytes([i]) * (i + 1), "image/jpeg")
    display = key("display", b"other")
    await storage.put(display, b"other", "image/jpeg")
    listed = await storage.list("thumb/")
    assert [o.key for o in listed] == sorted(thumbs)
    assert {o.key: o.size for o in listed} == {k: i + 1 for i, k in enumerate(thumbs)}
    assert {o.key for o in await storage.list()} == {*thumbs, display}


async def test_prepare_is_idempotent(storage):
    await storage.prepare()
    await storage.prepare()


@pytest.mark.parametrize(
    "bad_key",
    [
        "../etc/passwd",
        "display/../../x.jpg",
        "display/ab/short.jpg",
        "/abs/ab/" + "a" * 64 + ".jpg",
    ],
)
async def test_keys_that_are_not_media_keys_are_refused(storage, bad_key):
    with pytest.raises(ValueError):
        await storage.put(bad_key, b"x", "image/jpeg")
    with pytest.raises(ValueError):
        storage.url(bad_key, timedelta(minutes=5))


async def test_time_limited_url_serves_the_object(storage, media_settings):
    data = b"\xff\xd8\xff photo bytes"
    k = key("display", data)
    await storage.put(k, data, "image/jpeg")
    response = await fetch(storage.url(k, timedelta(minutes=5)), media_settings)
    assert response.status_code == 200
    assert response.content == data


async def test_url_is_made_without_asking_the_store(storage):
    """Presigning and HMAC signing are local computations: a URL works out even when the
    store is busy or away (the region is configured, so minio needs no round trip)."""
    k = key("display", b"anything")
    url = storage.url(k, timedelta(minutes=5))
    assert k in url
    if isinstance(storage, S3Storage):
        assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    else:
        assert isinstance(storage, LocalStorage)
        assert "exp=" in url and "sig=" in url


async def test_local_url_stops_working_after_it_expires(settings, tmp_path: Path):
    """(S3 expiry is enforced by the store, which moto does not do: see the unit tests.)"""
    media_settings = media_settings_for(settings, "local", tmp_path, None)
    storage = open_storage(media_settings.media_url, media_settings.secret_key)
    await storage.prepare()
    k = key("display", b"expiring")
    await storage.put(k, b"expiring", "image/jpeg")
    url = storage.url(k, timedelta(seconds=60))
    clock.advance(timedelta(seconds=61))
    response = await fetch(url, media_settings)
    assert response.status_code == 403
    assert response.json()["code"] == "media_link_invalid"
    assert response.json()["data"]["reason"] == "expired"


async def test_s3_bucket_is_created_at_start_and_refused_when_public(s3_peer):
    from minio import Minio

    bucket = f"public-{hashlib.sha256(str(id(s3_peer)).encode()).hexdigest()[:10]}"
    storage = open_storage(s3_peer.media_url(bucket), "x" * 32)
    assert isinstance(storage, S3Storage)
    await storage.prepare()
    assert storage.client.bucket_exists(bucket)
    client = Minio(
        s3_peer.endpoint, "gridgov-test", "gridgov-test-secret", secure=False, region="cn-north-1"
    )
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["*"]},
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }
    client.set_bucket_policy(bucket, json.dumps(policy))
    with pytest.raises(StorageMisconfigured):
        await storage.prepare()


async def test_stopped_s3_peer_is_reported_as_unavailable_quickly(stoppable_s3_peer):
    storage = open_storage(stoppable_s3_peer.media_url("gone"), "x" * 32)
    await storage.prepare()
    stoppable_s3_peer.stop()
    started = clock.now()
    with pytest.raises(StorageUnavailable):
        await storage.put(key("display", b"late"), b"late", "image/jpeg")
    assert clock.now() - started < timedelta(seconds=10)
