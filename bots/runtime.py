"""Starting and stopping the configured channels with the web app (its lifespan)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from backend.config import Settings
from bots import delivery

log = logging.getLogger("gridgov.bots")


async def start_bots(app: Any, settings: Settings) -> None:
    """Start each channel whose credentials are set and plug delivery into the outbox."""
    app.state.telegram = None
    if settings.telegram_token:
        from bots.telegram.transport import TelegramBot

        bot = TelegramBot(settings)
        try:
            await bot.start()
        except Exception:  # Telegram unreachable must not stop the API; the webhook 404s
            log.exception("telegram bot did not start")
            with contextlib.suppress(Exception):
                await bot.stop()
        else:
            app.state.telegram = bot
    app.state.wechat = None
    if settings.wechat_app_id:
        from bots.wechat.transport import WeChatAccount

        account = WeChatAccount(settings)
        await account.start()
        app.state.wechat = account
    delivery.install()


class InProcessDelivery:
    """A kicker that delivers on this process's event loop right after a commit (no broker):
    one run at a time, and a kick during a run asks for one more run after it."""

    def __init__(self) -> None:
        self.running: asyncio.Task[None] | None = None
        self.again = False

    def __call__(self) -> None:
        if self.running is not None and not self.running.done():
            self.again = True
            return
        self.running = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        from grid.cases.services.outbox import deliver_pending

        while True:
            self.again = False
            try:
                await deliver_pending()
            except Exception:  # the periodic delivery task is the fallback
                log.warning("in-process delivery failed", exc_info=True)
            if not self.again:
                return


async def stop_bots(app: Any) -> None:
    bot = getattr(app.state, "telegram", None)
    if bot is not None:
        await bot.stop()
        app.state.telegram = None
    account = getattr(app.state, "wechat", None)
    if account is not None:
        await account.stop()
        app.state.wechat = None
