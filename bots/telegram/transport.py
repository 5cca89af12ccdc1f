"""The python-telegram-bot Application in webhook mode, owned by the Litestar app.

PTB's updater (polling, its own web server) is switched off: Litestar receives the webhook
(:mod:`backend.http.bots`) and hands each update to :meth:`TelegramBot.process`, which runs
the handlers before the HTTP answer, so Telegram's redelivery covers a crash mid-update.
``base_url``/``base_file_url`` (``{token}`` placeholder) point the client at a Bot API server;
tests start a fake one on 127.0.0.1.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, ApplicationBuilder, CallbackContext, TypeHandler

from backend.config import Settings
from bots.delivery import Notice, PermanentFailure, register_sender, unregister_sender
from bots.telegram import render
from bots.telegram.flows import Chat, Markup, handle
from bots.telegram.inbound import parse

log = logging.getLogger("gridgov.bots.telegram")
DEFAULT_API_URL = "https://api.telegram.org"
ErrorHandler = Callable[[object, CallbackContext[Any, Any, Any, Any]], Awaitable[None]]


def api_urls(api_url: str) -> tuple[str, str]:
    base = api_url.rstrip("/")
    return f"{base}/bot{{token}}", f"{base}/file/bot{{token}}"


def quiet_token_logs() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the bot token."""
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger("httpx").level))


class TelegramBot:
    """One bot: build, start and stop with the app; process webhook updates; send notices."""

    def __init__(self, settings: Settings, *, error_handler: ErrorHandler | None = None) -> None:
        assert settings.telegram_token, "GRIDGOV_TELEGRAM_TOKEN is not set"
        quiet_token_logs()
        self.settings = settings
        base_url, file_url = api_urls(settings.telegram_api_url)
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(settings.telegram_token)
            .base_url(base_url)
            .base_file_url(file_url)
            .updater(None)
            .build()
        )
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(error_handler or self._log_error)

    @property
    def bot(self) -> Bot:
        return self.application.bot

    async def start(self) -> None:
        await self.application.initialize()
        await self.application.start()
        register_sender("telegram", self.send)

    async def stop(self) -> None:
        unregister_sender("telegram")
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def process(self, data: dict[str, Any]) -> None:
        update = Update.de_json(data, self.bot)
        await self.application.process_update(update)

    async def _on_update(self, update: object, context: object) -> None:
        assert isinstance(update, Update)
        inbound = parse(update)
        if inbound is None:
            return
        if inbound.callback_id:
            await self.bot.answer_callback_query(inbound.callback_id)

        async def reply(text: str, markup: Markup) -> None:
            await self.bot.send_message(inbound.chat_id, text, reply_markup=markup)

        async def download(file_id: str) -> bytes:
            file = await self.bot.get_file(file_id)
            return bytes(await file.download_as_bytearray())

        await handle(Chat(inbound, self.settings, reply, download))

    async def _log_error(
        self, update: object, context: CallbackContext[Any, Any, Any, Any]
    ) -> None:
        log.error("telegram update failed", exc_info=context.error)

    async def send(self, chat_id: str, notice: Notice) -> None:
        """The delivery sender: a blocked bot or a vanished chat is a permanent failure."""
        try:
            await self.bot.send_message(
                chat_id, render.notice_text(notice), reply_markup=render.notice_keyboard(notice)
            )
        except (Forbidden, BadRequest) as exc:
            raise PermanentFailure(str(exc)) from exc

    async def set_webhook(self, url: str) -> bool:
        return await self.bot.set_webhook(
            url,
            secret_token=self.settings.telegram_secret or None,
            allowed_updates=["message", "callback_query"],
        )
