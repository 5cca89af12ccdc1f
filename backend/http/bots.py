"""Chat channel doors: the Telegram webhook and the staff link-code endpoint.

The Telegram webhook compares ``X-Telegram-Bot-Api-Secret-Token`` in constant time before reading
anything else; a wrong or missing secret is 403 and touches nothing. Without a configured
bot the route answers 404, as if it did not exist. The WeChat door checks the account's
signature, the timestamp's freshness and the nonce's novelty (and in safe mode decrypts with
the message signature) first, answers with the
passive reply at once and does slow work (image download and storage) after the answer.
"""

from __future__ import annotations

import hmac
import logging
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import NotFoundException, PermissionDeniedException, ValidationException

from backend.http.deps import CurrentActor
from bots.links import issue_link_code
from bots.wechat.flows import Slow
from bots.wechat.inbound import BadXml, UnsafeXml
from bots.wechat.transport import BadSignature

log = logging.getLogger("gridgov.bots.http")

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
        try:
            data = msgspec.json.decode(await request.body())
        except (msgspec.DecodeError, RecursionError) as exc:
            raise ValidationException("not a JSON update") from exc
        await bot.process(data)
        return Response(None, status_code=200)

    @get("/wechat", summary="WeChat server URL check (signature, echostr)", security=[])
    async def wechat_verify(self, request: Request[Any, Any, Any]) -> Response[str]:
        account = _wechat(request)
        query = dict(request.query_params)
        try:
            account.verify(query)
        except BadSignature as exc:
            raise PermissionDeniedException("bad signature") from exc
        return Response(query.get("echostr", ""), media_type="text/plain")

    @post("/wechat", summary="WeChat messages (plain or safe mode)", security=[], status_code=200)
    async def wechat_message(self, request: Request[Any, Any, Any]) -> Response[str]:
        account = _wechat(request)
        try:
            xml, answer = await account.receive(await request.body(), dict(request.query_params))
        except BadSignature as exc:
            raise PermissionDeniedException("bad signature") from exc
        except UnsafeXml as exc:
            raise ValidationException("XML declarations are not accepted") from exc
        except BadXml as exc:
            raise ValidationException(str(exc)) from exc
        later = BackgroundTask(_after_reply, answer.later) if answer.later else None
        return Response(xml, media_type="application/xml", background=later)


def _wechat(request: Request[Any, Any, Any]) -> Any:
    account = getattr(request.app.state, "wechat", None)
    if account is None:
        raise NotFoundException()
    return account


async def _after_reply(work: Slow) -> None:
    try:
        await work()
    except Exception:  # the reply is gone; the person resends the photo
        log.warning("wechat: work after the reply failed", exc_info=True)
