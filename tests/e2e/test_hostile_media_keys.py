"""Path traversal in media keys: every climbing, encoded, absolute, NUL-carrying or
backslashed key is refused by the local storage backend and by the signed object route —
even with a valid signature for that very key — and no file outside the media root is read
or written."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from backend import clock
from backend.config import Settings
from media.storage import LOCAL_URL_BASE, LocalStorage, check_key, storage_for
from tests.media_fixtures import media_settings_for

SECRET_BYTES = b"SENTINEL-outside-the-media-root"
GOOD = "display/ab/" + hashlib.sha256(b"good").hexdigest() + ".jpg"


def hostile_keys() -> dict[str, str]:
    hexname = hashlib.sha256(b"x").hexdigest()
    return {
        "dot-dot": "../sentinel.jpg",
        "deep dot-dot": "../../../../../../etc/passwd",
        "dot-dot inside a valid prefix": "display/ab/../../sentinel.jpg",
        "dot-dot after a valid key": f"{GOOD}/../../../sentinel.jpg",
        "encoded dot-dot": "%2e%2e/sentinel.jpg",
        "encoded slash": "..%2fsentinel.jpg",
        "double encoded": "%252e%252e%252fsentinel.jpg",
        "absolute": "/etc/passwd",
        "double-slash absolute": "//etc/passwd",
        "absolute to the sentinel": "{sentinel}",
        "NUL byte": f"display/ab/{hexname}.jpg\x00../../sentinel.jpg",
        "NUL before extension": f"display/ab/{hexname}\x00.jpg",
        "backslashes": "..\\..\\sentinel.jpg",
        "backslash inside key": f"display\\ab\\{hexname}.jpg",
        "Windows drive": "C:\\Windows\\win.ini",
        "trailing newline": f"{GOOD}\n",
        "newline then climb": f"{GOOD}\n../sentinel.jpg",
        "fullwidth dots": "．．/sentinel.jpg",
        "home": "~/sentinel.jpg",
        "upper-case hex": "display/AB/" + hexname.upper() + ".jpg",
        "empty": "",
    }


@pytest.fixture
def local(settings: Settings, tmp_path: Path) -> tuple[Settings, Path]:
    """Local media under tmp_path/media, a sentinel file beside (outside) it."""
    media = media_settings_for(settings, "local", tmp_path, None)
    (tmp_path / "sentinel.jpg").write_bytes(SECRET_BYTES)
    return media, tmp_path


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_check_key_accepts_only_the_storage_key_pattern():
    assert check_key(GOOD) == GOOD
    for name, key in hostile_keys().items():
        with pytest.raises(ValueError):
            check_key(key)
            pytest.fail(f"{name}: {key!r} accepted")


async def test_local_backend_refuses_every_hostile_key_and_touches_no_outside_file(local):
    media, tmp_path = local
    storage = storage_for(media)
    assert isinstance(storage, LocalStorage)
    await storage.prepare()
    before = files_under(tmp_path)
    sentinel = str(tmp_path / "sentinel.jpg")
    for name, key in hostile_keys().items():
        key = key.replace("{sentinel}", sentinel)
        for operation in (
            storage.put(key, b"EVIL", "image/jpeg"),
            storage.get(key),
            storage.exists(key),
            storage.delete(key),
        ):
            with pytest.raises(ValueError):
                await operation
                pytest.fail(f"{name}: {key!r} accepted")
        with pytest.raises(ValueError):
            storage.url(key, timedelta(minutes=5))
    assert files_under(tmp_path) == before
    assert (tmp_path / "sentinel.jpg").read_bytes() == SECRET_BYTES


async def test_object_route_refuses_hostile_keys_even_when_signed_for_them(local):
    from backend.app import create_app

    media, tmp_path = local
    storage = storage_for(media)
    assert isinstance(storage, LocalStorage)
    await storage.prepare()
    await storage.put(GOOD, b"\xff\xd8good", "image/jpeg")
    before = files_under(tmp_path)
    expires = int(clock.now().timestamp()) + 600
    transport = httpx.ASGITransport(app=create_app(media), client=("127.0.0.1", 50003))
    statuses: list[int] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        good = await client.get(storage.url(GOOD, timedelta(minutes=5)))
        assert good.status_code == 200 and good.content == b"\xff\xd8good"
        for name, key in hostile_keys().items():
            key = key.replace("{sentinel}", str(tmp_path / "sentinel.jpg"))
            signature = storage.signer.signature(key.lstrip("/"), expires)
            for path in (quote(key, safe="/"), quote(key, safe="")):
                url = f"{LOCAL_URL_BASE}/{path}"
                for query in ({"exp": expires, "sig": signature}, {"exp": expires, "sig": "x"}):
                    response = await client.get(url, params=query)
                    statuses.append(response.status_code)
                    assert response.status_code in (400, 403, 404), (name, response.status_code)
                    assert SECRET_BYTES not in response.content, name
                    assert response.json()["code"] in (
                        "not_found",
                        "validation_error",
                        "media_link_invalid",
                    ), name
    assert files_under(tmp_path) == before
    print(f"media key traversal: {len(hostile_keys())} keys, {len(statuses)} requests, refused")
