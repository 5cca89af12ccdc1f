"""Fixtures for the Telegram tests: the fake Bot API, a bot pointed at it, updates to send."""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from backend.config import Settings
from tests.fake_telegram import FakeBotApi

SECRET = "webhook-secret-for-tests"
TOKEN = "123456:TEST-token"
WEBHOOK = "/api/v1/bots/telegram/webhook"
_ids = itertools.count(int(time.time() * 1000) % 1_000_000_000)


def next_id() -> int:
    return next(_ids)


@pytest.fixture
def fake_tg() -> Iterator[FakeBotApi]:
    fake = FakeBotApi().start()
    yield fake
    fake.stop()


@pytest.fixture
def tg_settings(settings: Settings, fake_tg: FakeBotApi) -> Settings:
    return dataclasses.replace(
        settings, telegram_token=TOKEN, telegram_secret=SECRET, telegram_api_url=fake_tg.url
    )


class BotHarness:
    """A started bot in a fresh app (as after a restart), with an error handler that records
    every handler exception so the test fails on it (PTB only logs them)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.errors: list[BaseException] = []

    async def start(self) -> BotHarness:
        from backend.app import create_app
        from bots import delivery
        from bots.telegram.transport import TelegramBot

        async def fail(update: object, context: Any) -> None:
            self.errors.append(context.error)

        self.bot = TelegramBot(self.settings, error_handler=fail)
        await self.bot.start()
        delivery.install()
        app = create_app(self.settings)
        app.state.telegram = self.bot
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        self.http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        return self

    async def stop(self) -> None:
        await self.http.aclose()
        await self.bot.stop()
        assert not self.errors, f"bot handler raised: {self.errors!r}"

    async def post(self, update: dict[str, Any], secret: str = SECRET) -> httpx.Response:
        return await self.http.post(
            WEBHOOK, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
        )

    async def send(self, update: dict[str, Any]) -> None:
        response = await self.post(update)
        assert response.status_code == 200, response.text
        assert not self.errors, f"bot handler raised: {self.errors!r}"


@pytest.fixture
async def tg(tg_settings: Settings) -> AsyncIterator[BotHarness]:
    harness = await BotHarness(tg_settings).start()
    yield harness
    await harness.stop()


def _chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "测试"}


def _user(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "测试"}


def message(chat_id: int, **content: Any) -> dict[str, Any]:
    body = {
        "message_id": next_id(),
        "date": int(time.time()),
        "chat": _chat(chat_id),
        "from": _user(chat_id),
    }
    return {"update_id": next_id(), "message": {**body, **content}}


def text(chat_id: int, words: str) -> dict[str, Any]:
    if words.startswith("/"):
        length = len(words.split(" ", 1)[0])
        return message(
            chat_id, text=words, entities=[{"type": "bot_command", "offset": 0, "length": length}]
        )
    return message(chat_id, text=words)


def photo(chat_id: int, file_id: str) -> dict[str, Any]:
    return message(
        chat_id,
        photo=[
            {
                "file_id": f"{file_id}-small",
                "file_unique_id": f"s{file_id}",
                "width": 90,
                "height": 60,
            },
            {"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 640, "height": 480},
        ],
    )


def location(chat_id: int, lon: float, lat: float) -> dict[str, Any]:
    return message(chat_id, location={"longitude": lon, "latitude": lat})


def button(chat_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": next_id(),
        "callback_query": {
            "id": str(next_id()),
            "from": _user(chat_id),
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": next_id(),
                "date": int(time.time()),
                "chat": _chat(chat_id),
                "text": "…",
            },
        },
    }
