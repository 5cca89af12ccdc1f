"""Starting and stopping the configured channels with the web app (its lifespan)."""

from __future__ import annotations

from typing import Any

from backend.config import Settings
from bots import delivery


async def start_bots(app: Any, settings: Settings) -> None:
    """Start each channel whose credentials are set and plug delivery into the outbox."""
    app.state.telegram = None
    if settings.telegram_token:
        from bots.telegram.transport import TelegramBot

        bot = TelegramBot(settings)
        await bot.start()
        app.state.telegram = bot
    app.state.wechat = None
    if settings.wechat_app_id:
        from bots.wechat.transport import WeChatAccount

        account = WeChatAccount(settings)
        await account.start()
        app.state.wechat = account
    delivery.install()


async def stop_bots(app: Any) -> None:
    bot = getattr(app.state, "telegram", None)
    if bot is not None:
        await bot.stop()
        app.state.telegram = None
    account = getattr(app.state, "wechat", None)
    if account is not None:
        await account.stop()
        app.state.wechat = None
