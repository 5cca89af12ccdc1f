"""A fake WeChat API server on 127.0.0.1 (real HTTP, its own thread) for mini-program tests.

It serves what wechatpy calls for a sign-in: ``/cgi-bin/token`` (the access token, whose URL
wechatpy hard-codes) and ``/sns/jscode2session``. Tests hand out ``wx.login`` codes with
:meth:`FakeWeChat.code_for`; a code works once (WeChat answers 40163 after), an unknown code
gets 40029, and :attr:`FakeWeChat.failing` makes every answer a system error (-1).
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from backend.config import Settings

APPID, SECRET = "wx_test_appid", "wx-test-secret"


class FakeWeChat:
    def __init__(self) -> None:
        self.codes: dict[str, str] = {}
        self.used: set[str] = set()
        self.session_keys: dict[str, str] = {}
        self.paths: list[str] = []
        self.failing = False
        self.tokens_issued = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def code_for(self, openid: str) -> str:
        """A fresh ``wx.login`` code for the WeChat user ``openid``."""
        code = secrets.token_hex(8)
        with self._lock:
            self.codes[code] = openid
        return code

    def _answer(self, path: str, query: dict[str, str]) -> dict[str, object]:
        with self._lock:
            self.paths.append(path)
            if self.failing:
                return {"errcode": -1, "errmsg": "system error"}
            if path == "/cgi-bin/token":
                if query.get("appid") != APPID or query.get("secret") != SECRET:
                    return {"errcode": 40125, "errmsg": "invalid appsecret"}
                self.tokens_issued += 1
                return {"access_token": f"AT{self.tokens_issued}", "expires_in": 7200}
            if path == "/sns/jscode2session":
                if query.get("appid") != APPID or query.get("secret") != SECRET:
                    return {"errcode": 40125, "errmsg": "invalid appsecret"}
                code = query.get("js_code", "")
                if code in self.used:
                    return {"errcode": 40163, "errmsg": "code been used"}
                openid = self.codes.get(code)
                if openid is None:
                    return {"errcode": 40029, "errmsg": "invalid code"}
                self.used.add(code)
                key = secrets.token_urlsafe(16)
                self.session_keys[openid] = key
                return {"openid": openid, "session_key": key}
            return {"errcode": 404, "errmsg": "no such api"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = json.dumps(fake._answer(url.path, query)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                del args

        return Handler

    def start(self) -> FakeWeChat:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def fake_wechat() -> Iterator[FakeWeChat]:
    fake = FakeWeChat().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def mp_settings(settings: Settings, fake_wechat: FakeWeChat) -> Settings:
    return dataclasses.replace(
        settings, wechat_mp_appid=APPID, wechat_mp_secret=SECRET, wechat_api_url=fake_wechat.url
    )


@pytest.fixture
async def mp_client(mp_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app configured for the fake WeChat server (media on the local folder)."""
    from backend.app import create_app

    transport = httpx.ASGITransport(app=create_app(mp_settings), client=("127.0.0.1", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
