"""A fake WeChat API server on 127.0.0.1 (real HTTP, its own thread) for the mini-program and
the Official Account tests; one server, as both talk to the same WeChat host.

It serves what wechatpy calls: ``/cgi-bin/token`` (the access token, whose URL wechatpy
hard-codes), ``/sns/jscode2session`` (mini-program sign-in), ``/cgi-bin/message/template/send``
(notifications) and ``/cgi-bin/media/get`` (a user's image). Tests hand out ``wx.login`` codes
with :meth:`FakeWeChat.code_for`; a code works once (WeChat answers 40163 after), an unknown
code gets 40029; :attr:`FakeWeChat.failing` makes every answer a system error (-1); a token in
:attr:`FakeWeChat.revoked` gets 40001, an openid in :attr:`FakeWeChat.unsubscribed` 43004.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from backend.config import Settings

#: The mini-program's and the Official Account's credentials the fake accepts.
APPID, SECRET = "wx_test_appid", "wx-test-secret"
OA_APPID, OA_SECRET = "wx1234567890abcdef", "wechat-secret"
APPS = {APPID: SECRET, OA_APPID: OA_SECRET}


class FakeWeChat:
    def __init__(self) -> None:
        self.codes: dict[str, str] = {}
        self.used: set[str] = set()
        self.session_keys: dict[str, str] = {}
        self.paths: list[str] = []
        self.failing = False
        self.tokens_issued: list[str] = []
        self.revoked: set[str] = set()
        self.templates: list[dict[str, Any]] = []
        self.media: dict[str, bytes] = {}
        self.unsubscribed: set[str] = set()
        self._n = itertools.count(1)
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

    def _token(self, query: dict[str, str]) -> dict[str, Any]:
        if APPS.get(query.get("appid", "")) != query.get("secret"):
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        issued = f"AT{next(self._n)}"
        self.tokens_issued.append(issued)
        return {"access_token": issued, "expires_in": 7200}

    def _session(self, query: dict[str, str]) -> dict[str, Any]:
        if APPS.get(query.get("appid", "")) != query.get("secret"):
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

    def _template(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        used = query.get("access_token", "")
        if used in self.revoked or used not in self.tokens_issued:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        if body.get("touser") in self.unsubscribed:
            return {"errcode": 43004, "errmsg": "require subscribe"}
        self.templates.append({**body, "access_token": used, "at": time.monotonic()})
        return {"errcode": 0, "errmsg": "ok", "msgid": next(self._n)}

    def answer(self, path: str, query: dict[str, str], body: bytes) -> tuple[bytes, str]:
        """The response body and content type for one call."""
        with self._lock:
            self.paths.append(path)
            if self.failing:
                answer: dict[str, Any] = {"errcode": -1, "errmsg": "system error"}
            elif path == "/cgi-bin/token":
                answer = self._token(query)
            elif path == "/sns/jscode2session":
                answer = self._session(query)
            elif path == "/cgi-bin/message/template/send":
                answer = self._template(query, json.loads(body or b"{}"))
            elif path == "/cgi-bin/media/get" and query.get("media_id") in self.media:
                return self.media[query["media_id"]], "image/jpeg"
            elif path == "/cgi-bin/media/get":
                answer = {"errcode": 40007, "errmsg": "invalid media_id"}
            else:
                answer = {"errcode": 404, "errmsg": "no such api"}
        return json.dumps(answer).encode(), "application/json"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, body: bytes) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                data, content_type = fake.answer(url.path, query, body)
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve(b"")

            def do_POST(self) -> None:
                self._serve(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

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
