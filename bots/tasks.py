"""Chat delivery inside Celery workers, and the bots' housekeeping.

``gridgov.cases.deliver_outbox`` runs in the worker process, so the worker needs the bots'
outbox hook and a sender per configured channel. Importing this module (Celery imports it
with the other task modules at worker start) installs them; the Telegram client is built
lazily on the first send, on the worker's own event loop.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from backend.celery_app import run_async
from backend.config import Settings, load_settings
from bots import delivery
from bots.delivery import Notice


class LazyTelegramSender:
    """A PTB ``Bot`` without an Application (no updates here, only sendMessage)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bot: Any = None

    async def send(self, chat_id: str, notice: Notice) -> None:
        from telegram import Bot
        from telegram.error import BadRequest, Forbidden

        from bots.telegram import render
        from bots.telegram.transport import api_urls, quiet_token_logs

        if self.bot is None:
            quiet_token_logs()
            base_url, file_url = api_urls(self.settings.telegram_api_url)
            bot = Bot(self.settings.telegram_token, base_url=base_url, base_file_url=file_url)
            await bot.initialize()
            self.bot = bot
        try:
            await self.bot.send_message(
                chat_id, render.notice_text(notice), reply_markup=render.notice_keyboard(notice)
            )
        except (Forbidden, BadRequest) as exc:
            raise delivery.PermanentFailure(str(exc)) from exc


def install_worker_delivery(settings: Settings | None = None) -> None:
    settings = settings or load_settings()
    delivery.install()
    if settings.telegram_token:
        delivery.register_sender("telegram", LazyTelegramSender(settings).send)
    if settings.wechat_app_id:
        from bots.wechat.transport import WeChatAccount

        account = WeChatAccount(settings)
        delivery.register_sender("wechat", account.send, rate=20.0, burst=20)


@shared_task(name="gridgov.bots.prune_seen")
def prune_seen_task() -> int:
    """Forget WeChat nonces and MsgIds older than the freshness window (beat: 5 min)."""
    from bots.wechat.seen import prune_seen

    return run_async(prune_seen())


install_worker_delivery()
