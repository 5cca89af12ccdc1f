"""The WeChat Official Account: signature and encryption, passive replies, template messages.

wechatpy's client is synchronous, so calls run in a thread; :mod:`backend.wechat` builds it to
reach ``GRIDGOV_WECHAT_API_URL`` (a test's fake server) despite wechatpy's hard-coded host. The access token
is cached by wechatpy's session storage and fetched again when it expires or WeChat answers
40001/42001 (expired or invalid token).
"""

from __future__ import annotations

import asyncio
import time
from xml.parsers.expat import ExpatError

from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException, WeChatClientException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from backend import clock
from backend.config import Settings
from backend.wechat import wechat_client
from bots.delivery import Notice, PermanentFailure, register_sender, unregister_sender
from bots.wechat import render
from bots.wechat.flows import Answer, handle
from bots.wechat.inbound import BadXml, check_safe, parse
from bots.wechat.seen import (
    MAX_SKEW_SECONDS,
    claim_message,
    first_use_of_nonce,
    keep_reply,
    release_message,
    reply_of,
)

#: Errors that will not go away by retrying: invalid openid, user unsubscribed, no template.
PERMANENT = {40003, 40037, 43004, 43101}
#: What WeChat takes for "no passive reply" (and does not retry).
NO_REPLY = "success"


class BadSignature(Exception):
    """The request was not signed with this account's token."""


class WeChatAccount:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.crypto = (
            WeChatCrypto(settings.wechat_token, settings.wechat_aes_key, settings.wechat_app_id)
            if settings.wechat_aes_key
            else None
        )
        self.client = wechat_client(
            settings.wechat_app_id, settings.wechat_app_secret, settings.wechat_api_url
        )

    async def start(self) -> None:
        register_sender("wechat", self.send, rate=20.0, burst=20)

    async def stop(self) -> None:
        unregister_sender("wechat")

    def verify(self, query: dict[str, str]) -> None:
        try:
            check_signature(
                self.settings.wechat_token,
                query.get("signature", ""),
                query.get("timestamp", ""),
                query.get("nonce", ""),
            )
        except InvalidSignatureException as exc:
            raise BadSignature from exc

    async def check_fresh(self, query: dict[str, str]) -> None:
        """Refuse a signed request whose timestamp is stale (or from the future) or whose
        (timestamp, nonce) any app process has already accepted: the signature covers only
        those two and the token, so a captured request would otherwise replay for as long as
        it is fresh. The memory is the database's (:mod:`bots.wechat.seen`)."""
        try:
            stamp = int(query.get("timestamp", ""))
        except ValueError as exc:
            raise BadSignature("timestamp is not a number") from exc
        now = int(clock.now().timestamp())
        if abs(now - stamp) > MAX_SKEW_SECONDS:
            raise BadSignature("stale timestamp")
        if not await first_use_of_nonce(stamp, query.get("nonce", "")):
            raise BadSignature("replayed nonce")

    def _open(self, body: bytes, query: dict[str, str]) -> bytes:
        if query.get("encrypt_type") != "aes":
            if self.crypto is not None:
                raise BadSignature("plain message to an account in safe mode")
            return body
        if self.crypto is None:
            raise BadSignature("encrypted message to an account in plain mode")
        try:
            plain = self.crypto.decrypt_message(
                check_safe(body).decode("utf-8"),
                query.get("msg_signature", ""),
                query.get("timestamp", ""),
                query.get("nonce", ""),
            )
        except InvalidSignatureException as exc:
            raise BadSignature from exc
        except (ExpatError, KeyError, TypeError, ValueError) as exc:
            raise BadXml(f"not a sealed WeChat message: {type(exc).__name__}") from exc
        return plain.encode("utf-8") if isinstance(plain, str) else plain

    async def receive(self, body: bytes, query: dict[str, str]) -> tuple[str, Answer]:
        """The passive reply (encrypted in safe mode) and the answer with its slow part.

        A message WeChat posts again (same MsgId, after a slow reply) gets the first
        delivery's reply and runs nothing: the report flow must not submit twice."""
        self.verify(query)
        await self.check_fresh(query)
        inbound, message = parse(self._open(body, query))
        msg_id = str(getattr(message, "id", 0) or "")
        if msg_id in ("", "0"):  # events carry no MsgId
            answer = await handle(inbound, self.settings, self.download)
            return self._reply(answer.text, message, query), answer
        if not await claim_message(inbound.openid, msg_id):
            earlier = await reply_of(inbound.openid, msg_id)
            if earlier is None:
                return NO_REPLY, Answer("")
            return self._reply(earlier, message, query), Answer(earlier)
        try:
            answer = await handle(inbound, self.settings, self.download)
        except BaseException:
            await release_message(inbound.openid, msg_id)
            raise
        await keep_reply(inbound.openid, msg_id, answer.text)
        return self._reply(answer.text, message, query), answer

    def _reply(self, text: str, message: object, query: dict[str, str]) -> str:
        xml: str = TextReply(message=message, content=text).render()
        if self.crypto is not None:
            xml = self.crypto.encrypt_message(xml, query.get("nonce", ""), str(int(time.time())))
        return xml

    async def download(self, media_id: str) -> bytes:
        response = await asyncio.to_thread(self.client.media.download, media_id)
        return bytes(response.content)

    async def send(self, openid: str, notice: Notice) -> None:
        """The delivery sender: a template message."""
        try:
            await asyncio.to_thread(
                self.client.message.send_template,
                openid,
                self.settings.wechat_template_id,
                render.template_data(notice),
            )
        except WeChatClientException as exc:
            if exc.errcode in PERMANENT:
                raise PermanentFailure(f"wechat {exc.errcode}") from exc
            raise
