"""A fake WeChat API server on 127.0.0.1 (real HTTP, uvicorn in a thread): access tokens,
template messages and temporary media, recording every call."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, get, post

from tests.media_fixtures import free_port


@dataclass
class FakeWeChatApi:
    tokens_issued: list[str] = field(default_factory=list)
    templates: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    unsubscribed: set[str] = field(default_factory=set)
    port: int = 0
    _n: Any = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> Litestar:
        fake = self

        @get("/cgi-bin/token")
        async def token(request: Request[Any, Any, Any]) -> dict[str, Any]:
            issued = f"token-{next(fake._n)}"
            fake.tokens_issued.append(issued)
            return {"access_token": issued, "expires_in": 7200}

        @post("/cgi-bin/message/template/send", status_code=200)
        async def template(request: Request[Any, Any, Any]) -> dict[str, Any]:
            used = request.query_params.get("access_token", "")
            if used in fake.revoked or used not in fake.tokens_issued:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            body = await request.json()
            if body.get("touser") in fake.unsubscribed:
                return {"errcode": 43004, "errmsg": "require subscribe"}
            fake.templates.append({**body, "access_token": used, "at": time.monotonic()})
            return {"errcode": 0, "errmsg": "ok", "msgid": next(fake._n)}

        @get("/cgi-bin/media/get")
        async def media(request: Request[Any, Any, Any]) -> Response[bytes]:
            data = fake.media.get(request.query_params.get("media_id", ""))
            if data is None:
                return Response(b'{"errcode": 40007, "errmsg": "invalid media_id"}')
            return Response(data, media_type="image/jpeg")

        return Litestar([token, template, media], debug=False)

    def start(self) -> FakeWeChatApi:
        self.port = free_port()
        config = uvicorn.Config(
            self.app(), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake WeChat API did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
