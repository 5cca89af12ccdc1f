"""The WeChat Official Account: signature and encryption, passive replies, template messages.

wechatpy's client is synchronous, so calls run in a thread; :mod:`backend.wechat` builds it to
reach ``GRIDGOV_WECHAT_API_URL`` (a test's fake server) despite wechatpy's hard-coded host. The access token
is cached by wechatpy's session storage and fetched again when it expires or WeChat answers
40001/42001 (expired or invalid token).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
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

#: Errors that will not go away by retrying: invalid openid, user unsubscribed, no template.
PERMANENT = {40003, 40037, 43004, 43101}
#: How far a request's signed timestamp may be from our clock. WeChat retries an unanswered
#: message three times within about 15 s, each signed afresh; five minutes leaves room for
#: clock drift while a captured request soon stops being worth replaying.
MAX_SKEW_SECONDS = 300


class BadSignature(Exception):
    """The request was not signed with this account's token."""


class WeChatAccount:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        #: (timestamp, nonce) of the signed messages this process accepted, oldest first.
        self._seen: OrderedDict[tuple[int, str], None] = OrderedDict()
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

    def check_fresh(self, query: dict[str, str]) -> None:
        """Refuse a signed request whose timestamp is stale (or from the future) or whose
        (timestamp, nonce) this process has already accepted: the signature covers only
        those two and the token, so a captured request would otherwise replay forever.

        The memory is per process and spans ``MAX_SKEW_SECONDS``; with several app processes
        a replay within that window can still reach another one (documented in
        docs/reliability.md)."""
        try:
            stamp = int(query.get("timestamp", ""))
        except ValueError as exc:
            raise BadSignature("timestamp is not a number") from exc
        now = int(clock.now().timestamp())
        if abs(now - stamp) > MAX_SKEW_SECONDS:
            raise BadSignature("stale timestamp")
        while self._seen and next(iter(self._seen))[0] < now - MAX_SKEW_SECONDS:
            self._seen.popitem(last=False)
        key = (stamp, query.get("nonce", ""))
        if key in self._seen:
            raise BadSignature("replayed nonce")
        self._seen[key] = None

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
        """The passive reply (encrypted in safe mode) and the answer with its slow part."""
        self.verify(query)
        self.check_fresh(query)
        inbound, message = parse(self._open(body, query))
        answer = await handle(inbound, self.settings, self.download)
        xml = TextReply(message=message, content=answer.text).render()
        if self.crypto is not None:
            xml = self.crypto.encrypt_message(xml, query.get("nonce", ""), str(int(time.time())))
        return xml, answer

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
