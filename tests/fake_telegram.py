"""A fake Telegram Bot API server on 127.0.0.1: real HTTP, served by uvicorn in a thread.

It answers the methods the bot uses (getMe, sendMessage, answerCallbackQuery, getFile,
setWebhook, …), records every call with its parameters, and serves file downloads from
``files`` (file_id → bytes) under ``/file/bot<token>/``. Tests wait for calls with
:meth:`FakeBotApi.wait_for`.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, get, post
from litestar.params import FromPath

from tests.media_fixtures import free_port

BOT_ID = 777000


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float


@dataclass
class FakeBotApi:
    calls: list[Call] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    fail_chats: dict[str, int] = field(default_factory=dict)  # chat id → HTTP error code
    #: Chats whose first sendMessage is recorded, then left unanswered until :attr:`release`
    #: is set — a sender stuck mid-call, for killing it there.
    hold_first_to: set[str] = field(default_factory=set)
    release: threading.Event = field(default_factory=threading.Event)
    port: int = 0
    _message_id: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sent(self, chat_id: str | int | None = None) -> list[dict[str, Any]]:
        return [
            c.params
            for c in list(self.calls)
            if c.method == "sendMessage"
            and (chat_id is None or str(c.params["chat_id"]) == str(chat_id))
        ]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [c for c in list(self.calls) if c.method == method]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.01)
        raise AssertionError(f"fake Bot API: {count} × {method} not called within {timeout}s")

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "getMe":
            return 200, {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "网格助手",
                "username": "grid_bot",
            }
        if method == "sendMessage":
            chat = str(params.get("chat_id"))
            if chat in self.fail_chats:
                code = self.fail_chats[chat]
                return code, {
                    "description": "Forbidden: bot was blocked by the user"
                    if code == 403
                    else "Too Many Requests: retry later",
                    "parameters": {"retry_after": 1} if code == 429 else None,
                }
            with self._lock:
                self._message_id += 1
                mid = self._message_id
            return 200, {
                "message_id": mid,
                "date": int(time.time()),
                "chat": {"id": int(chat), "type": "private"},
                "text": params.get("text", ""),
            }
        if method == "getFile":
            file_id = params["file_id"]
            return 200, {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_size": len(self.files.get(file_id, b"")),
                "file_path": f"photos/{file_id}.jpg",
            }
        return 200, True  # type: ignore[return-value]

    def app(self) -> Litestar:
        fake = self

        @post("/{segment:str}/{method:str}", status_code=200)
        async def method(
            request: Request[Any, Any, Any], segment: FromPath[str], method: FromPath[str]
        ) -> Response[Any]:
            if not segment.startswith("bot"):
                return Response({"ok": False, "error_code": 404}, status_code=404)
            content_type = request.headers.get("content-type", "")
            if "json" in content_type:
                params = await request.json() or {}
            else:
                form = await request.form()
                params = {k: v for k, v in form.items() if isinstance(v, str)}
            for key in ("reply_markup",):
                if isinstance(params.get(key), str):
                    params[key] = json.loads(params[key])
            fake.calls.append(Call(method, params, time.monotonic()))
            chat = str(params.get("chat_id"))
            if method == "sendMessage" and chat in fake.hold_first_to:
                fake.hold_first_to.discard(chat)
                await asyncio.to_thread(fake.release.wait, 60)
                return Response({"ok": False, "error_code": 502}, status_code=502)
            status, result = fake._answer(method, params)
            if status != 200:
                body: dict[str, Any] = {"ok": False, "error_code": status, **result}
                return Response(body, status_code=status)
            return Response({"ok": True, "result": result}, status_code=200)

        @get("/file/{segment:str}/photos/{name:str}")
        async def download(segment: FromPath[str], name: FromPath[str]) -> Response[bytes]:
            data = fake.files.get(name.removesuffix(".jpg"))
            if data is None:
                return Response(b"", status_code=404)
            return Response(data, media_type="image/jpeg")

        return Litestar([method, download], debug=False)

    def start(self) -> FakeBotApi:
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
                raise RuntimeError("fake Bot API did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.should_exit = True
        self._thread.join(timeout=5)
