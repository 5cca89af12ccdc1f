"""Hostile bodies: too large for their door (with and without a Content-Length), or nested
deeper than any parser's recursion. Each is refused with the ``{code, message, data}``
envelope in Chinese, and no table gains or loses a row."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.app import MAX_BODY_BYTES
from backend.config import Settings
from media.storage import storage_for
from tests.hostile_support import assert_envelope, changed, table_counts
from tests.media_fixtures import media_settings_for
from tests.mp_support import sign_in
from tests.telegram_support import SECRET, WEBHOOK

OVER_JSON = MAX_BODY_BYTES + 1024
DEPTH = 100_000


def chunked(data: bytes, size: int = 256 * 1024) -> Any:
    """The body as a stream without Content-Length, as a client lying about nothing would."""

    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, len(data), size):
            yield data[start : start + size]

    return stream()


def oversized_json(size: int) -> bytes:
    return b'{"description": "' + b"x" * size + b'"}'


@pytest.fixture
def local_media(settings: Settings, tmp_path: Path, fake_wechat: Any) -> Settings:
    from tests.fake_wechat import APPID
    from tests.fake_wechat import SECRET as MP_SECRET

    local = media_settings_for(settings, "local", tmp_path, None)
    return dataclasses.replace(
        local, wechat_mp_appid=APPID, wechat_mp_secret=MP_SECRET, wechat_api_url=fake_wechat.url
    )


@pytest.fixture
async def app_client(local_media: Settings) -> AsyncIterator[httpx.AsyncClient]:
    from backend.app import create_app, prepare_media

    await prepare_media(local_media)
    transport = httpx.ASGITransport(app=create_app(local_media), client=("127.0.0.1", 50002))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
async def test_oversized_bodies_are_refused_with_413_at_every_door(
    app_client, local_media, world, fake_wechat, framing
):
    mp = await sign_in(app_client, fake_wechat)
    staff = world.headers("grid_worker_a")
    photo_limit = local_media.media_max_bytes
    big_photo = b"\xff\xd8\xff" + b"\x00" * (photo_limit + 256 * 1024)
    boundary = "hostileboundary"
    multipart = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + big_photo
        + f"\r\n--{boundary}--\r\n".encode()
    )
    form = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    json_type = {"Content-Type": "application/json"}
    doors = [
        ("staff JSON API", "/api/v1/cases", staff | json_type, oversized_json(OVER_JSON)),
        ("staff photo upload", "/api/v1/media/photos", staff | form, multipart),
        ("mini-program JSON", "/mp/v1/reports", mp | json_type, oversized_json(OVER_JSON)),
        ("mini-program photo", "/mp/v1/photos", mp | form, multipart),
        ("mini-program worker photo", "/mp/v1/worker/photos", mp | form, multipart),
        (
            "Telegram webhook",
            WEBHOOK,
            {"X-Telegram-Bot-Api-Secret-Token": SECRET},
            b"{" * OVER_JSON,
        ),
        ("WeChat webhook", "/api/v1/bots/wechat", {}, b"<xml>" + b"x" * OVER_JSON + b"</xml>"),
    ]
    before = await table_counts()
    refused = []
    for name, path, headers, body in doors:
        content = chunked(body) if framing == "chunked" else body
        response = await app_client.post(path, content=content, headers=headers)
        if path.endswith("/webhook") or path.endswith("/wechat"):
            # no bot is configured in this app: the door does not exist, so nothing is read
            assert response.status_code in (404, 413), (name, response.status_code)
            continue
        body_json = assert_envelope(response, 413)
        assert body_json["code"] in ("payload_too_large", "media_too_large"), (name, body_json)
        refused.append(name)
    assert changed(before, await table_counts()) == {}
    assert await storage_for(local_media).list() == []
    print(f"oversized ({framing}): {len(refused)} doors refused with 413: {refused}")


async def test_mini_program_json_routes_keep_the_2_mib_limit_not_the_photo_limit(
    app_client, fake_wechat
):
    """A body bigger than 2 MiB but smaller than a photo is still too large for JSON."""
    mp = await sign_in(app_client, fake_wechat)
    body = oversized_json(MAX_BODY_BYTES + 64 * 1024)
    response = await app_client.post(
        "/mp/v1/auth/login", content=body, headers={**mp, "Content-Type": "application/json"}
    )
    assert_envelope(response, 413, "payload_too_large")


async def test_oversized_telegram_body_is_refused_once_the_secret_is_right(tg, settings):
    before = await table_counts()
    response = await tg.http.post(
        WEBHOOK,
        content=b'{"update_id": 1, "pad": "' + b"x" * OVER_JSON + b'"}',
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
    )
    assert_envelope(response, 413, "payload_too_large")
    assert changed(before, await table_counts()) == {}


async def test_oversized_wechat_body_is_refused_once_the_signature_is_right(settings):
    from tests.e2e.test_wechat_account import DOOR, door, signed, wx_settings
    from tests.fake_wechat import FakeWeChat

    fake = FakeWeChat().start()
    before = await table_counts()
    try:
        async for client in door(wx_settings(settings, fake, safe=False)):
            response = await client.post(
                DOOR, params=signed(), content=b"<xml>" + b"x" * OVER_JSON + b"</xml>"
            )
            assert_envelope(response, 413, "payload_too_large")
    finally:
        fake.stop()
    assert changed(before, await table_counts()) == {}


def nested(depth: int, kind: str) -> bytes:
    if kind == "array":
        return b"[" * depth + b"]" * depth
    if kind == "object":
        return b'{"a":' * depth + b"1" + b"}" * depth
    return b"[" * depth  # never closed


@pytest.mark.parametrize("kind", ["array", "object", "unclosed"])
async def test_deeply_nested_json_is_a_clean_400_everywhere(
    app_client, world, fake_wechat, tg, kind
):
    mp = await sign_in(app_client, fake_wechat)
    body = nested(DEPTH, kind)
    doors = [
        (app_client, "/api/v1/auth/login", {}),
        (app_client, "/api/v1/cases", world.headers("grid_worker_a")),
        (app_client, "/api/v1/residents/search", world.headers("street_a_staff")),
        (app_client, "/mp/v1/reports", mp),
        (app_client, "/mp/v1/auth/login", {}),
        (tg.http, WEBHOOK, {"X-Telegram-Bot-Api-Secret-Token": SECRET}),
    ]
    before = await table_counts()
    for client, path, headers in doors:
        response = await client.post(
            path, content=body, headers={**headers, "Content-Type": "application/json"}
        )
        assert_envelope(response, 400)
    assert changed(before, await table_counts()) == {}
