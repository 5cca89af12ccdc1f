"""Chat channel doors: the Telegram webhook and the staff link-code endpoint.

The webhook compares ``X-Telegram-Bot-Api-Secret-Token`` in constant time before reading
anything else; a wrong or missing secret is 403 and touches nothing. Without a configured
bot the route answers 404, as if it did not exist.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, post
from litestar.exceptions import NotFoundException, PermissionDeniedException

from backend.http.deps import CurrentActor
from bots.links import issue_link_code

SECRET_HEADER = "x-telegram-bot-api-secret-token"


class LinkCodeOut(msgspec.Struct):
    code: str
    expires_at: datetime
    how: str


class BotController(Controller):
    path = "/api/v1/bots"
    tags = ["bots"]

    @post("/link-codes", summary="A one-time code that links a chat (Telegram, WeChat) to me")
    async def link_code(self, actor: CurrentActor) -> LinkCodeOut:
        issued = await issue_link_code(actor)
        return LinkCodeOut(
            code=issued.code,
            expires_at=issued.expires_at,  # type: ignore[arg-type]
            how=f"在 Telegram 机器人中发送 /link {issued.code}，或在公众号中发送 绑定 {issued.code}",
        )

    @post("/telegram/webhook", summary="Telegram webhook (secret header checked)", security=[])
    async def telegram_webhook(self, request: Request[Any, Any, Any]) -> Response[None]:
        bot = getattr(request.app.state, "telegram", None)
        if bot is None:
            raise NotFoundException()
        sent = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(sent, bot.settings.telegram_secret.encode()):
            raise PermissionDeniedException("bad webhook secret")
        data = msgspec.json.decode(await request.body())
        await bot.process(data)
        return Response(None, status_code=200)
