"""Hostile webhooks: XML bombs and external entities at the WeChat Official Account door,
malformed messages, forged or replayed WeChat signatures and forged Telegram secrets. Every one
is refused with a 4xx, stores nothing, fetches nothing and sends nothing."""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any
from xml.parsers.expat import ExpatError

import httpx
import pytest
import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

from tests.e2e.test_wechat_account import (
    AES_KEY,
    APP_ID,
    DOOR,
    TOKEN,
    door,
    signed,
    wx_settings,
    xml,
)
from tests.fake_telegram import FakeBotApi
from tests.fake_wechat import FakeWeChat
from tests.hostile_support import Tripwire, changed, table_counts
from tests.telegram_support import BotHarness, next_id, text

LAUGHS = "".join(
    f'<!ENTITY lol{i} "{"".join(f"&lol{i - 1};" for _ in range(10))}">' for i in range(1, 10)
)


def message_with(doctype: str, content: str) -> str:
    return (
        f'<?xml version="1.0"?>{doctype}<xml><ToUserName>gh</ToUserName>'
        f"<FromUserName>o-hostile</FromUserName><CreateTime>1</CreateTime>"
        f"<MsgType>text</MsgType><Content>{content}</Content><MsgId>1</MsgId></xml>"
    )


@pytest.fixture
def fake_wx() -> Iterator[FakeWeChat]:
    fake = FakeWeChat().start()
    yield fake
    fake.stop()


@pytest.fixture
async def wx(settings: Any, fake_wx: FakeWeChat) -> AsyncIterator[httpx.AsyncClient]:
    """The Official Account door in plain mode (as in test_wechat_account)."""
    async for client in door(wx_settings(settings, fake_wx, safe=False)):
        yield client


@pytest.fixture
def tripwire() -> Iterator[Tripwire]:
    server = Tripwire().start()
    yield server
    server.stop()


def xml_attacks(tripwire_url: str) -> dict[str, str]:
    """Each known XML attack, as a WeChat text message."""
    return {
        "billion laughs": message_with(f'<!DOCTYPE xml [<!ENTITY lol0 "lol">{LAUGHS}]>', "&lol9;"),
        "quadratic blowup": message_with(
            f'<!DOCTYPE xml [<!ENTITY a "{"a" * 50_000}">]>', "&a;" * 1000
        ),
        "XXE file": message_with(
            '<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"
        ),
        "XXE http": message_with(
            f'<!DOCTYPE xml [<!ENTITY xxe SYSTEM "{tripwire_url}/xxe">]>', "&xxe;"
        ),
        "parameter entity": message_with(
            f'<!DOCTYPE xml [<!ENTITY % p SYSTEM "{tripwire_url}/dtd"> %p;]>', "x"
        ),
        "external DTD": message_with(f'<!DOCTYPE xml SYSTEM "{tripwire_url}/external.dtd">', "x"),
        "lower-case and spaced doctype": message_with(
            f'<! doctype xml [<!ENTITY xxe SYSTEM "{tripwire_url}/lc">]>', "&xxe;"
        ),
    }


def malformed() -> dict[str, bytes]:
    utf16 = message_with('<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;")
    return {
        "UTF-16 with a DTD": utf16.replace(
            'version="1.0"', 'version="1.0" encoding="UTF-16"'
        ).encode("utf-16"),
        "not XML": b"hello",
        "empty": b"",
        "unclosed": b"<xml><ToUserName>gh",
        "empty root": b"<xml></xml>",
        "no sender": b"<xml><MsgType>text</MsgType><Content>x</Content></xml>",
        "location not a number": (
            b"<xml><ToUserName>gh</ToUserName><FromUserName>o-h</FromUserName>"
            b"<CreateTime>1</CreateTime><MsgType>location</MsgType><Location_X>north"
            b"</Location_X><Location_Y>x</Location_Y><Scale>1</Scale><Label/></xml>"
        ),
        "deep nesting": b"<xml>" + b"<a>" * 50_000 + b"</a>" * 50_000 + b"</xml>",
    }


async def test_xml_bombs_and_external_entities_are_refused_and_never_fetched(
    wx: httpx.AsyncClient, fake_wx: Any, tripwire: Tripwire
) -> None:
    before = await table_counts()
    for name, body in xml_attacks(tripwire.url).items():
        started = time.monotonic()
        response = await wx.post(DOOR, params=signed(), content=body)
        assert response.status_code == 400, (name, response.status_code, response.text[:200])
        assert response.json()["code"] == "validation_error", name
        assert "root:" not in response.text and "TRIPWIRE" not in response.text, name
        assert time.monotonic() - started < 2, f"{name} took too long"
    assert tripwire.hits == []
    assert changed(before, await table_counts()) == only_nonces(before, len(xml_attacks("x")))
    assert not [p for p in fake_wx.paths if "template" in p], "a message was sent"


async def test_malformed_wechat_bodies_are_a_400_not_a_500(wx: httpx.AsyncClient) -> None:
    before = await table_counts()
    for name, body in malformed().items():
        response = await wx.post(DOOR, params=signed(), content=body)
        assert response.status_code == 400, (name, response.status_code, response.text[:200])
    assert changed(before, await table_counts()) == only_nonces(before, len(malformed()))


async def test_safe_mode_refuses_entities_inside_the_sealed_message(
    settings: Any, fake_wx: Any, tripwire: Tripwire
) -> None:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    before = await table_counts()
    async for client in door(wx_settings(settings, fake_wx, safe=True)):
        for name, body in xml_attacks(tripwire.url).items():
            query = signed()
            sealed = crypto.encrypt_message(body, query["nonce"], query["timestamp"])
            envelope = xmltodict.parse(sealed)["xml"]
            params = {**query, "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
            response = await client.post(DOOR, params=params, content=sealed)
            assert response.status_code == 400, (name, response.status_code, response.text[:200])
        broken = await client.post(
            DOOR, params={**signed(), "encrypt_type": "aes", "msg_signature": "0"}, content=b"<x"
        )
        assert broken.status_code in (400, 403)
    assert tripwire.hits == []
    signed_requests = len(xml_attacks("x")) + 1
    assert changed(before, await table_counts()) == only_nonces(before, signed_requests)


def test_wechatpy_parser_itself_expands_no_entity_and_fetches_nothing(tripwire: Tripwire):
    """The second wall: even without the declaration check, wechatpy's parser (xmltodict over
    expat with entities disabled) neither reads a file nor fetches a URL nor expands a bomb."""
    attacks = xml_attacks(tripwire.url)
    for name in ("XXE file", "XXE http", "parameter entity", "external DTD"):
        assert "root:" not in parsed_content(attacks[name]), name
    assert len(parsed_content(attacks["billion laughs"])) < 1000
    assert tripwire.hits == []


def only_nonces(before: dict[str, int], signed_requests: int) -> dict[str, tuple[int, int]]:
    """What a refused but correctly signed request leaves: its (timestamp, nonce) in the
    replay memory, so a copy is refused too — and nothing else."""
    seen = before["bot_seen_request"]
    return {"bot_seen_request": (seen, seen + signed_requests)}


def parsed_content(body: str) -> str:
    """What wechatpy reads as the message text; a parser that refuses is safe too."""
    try:
        return str(parse_message(body).content)
    except ExpatError as exc:
        return f"refused by expat: {exc}"


def _sign(timestamp: str, nonce: str, token: str = TOKEN) -> dict[str, str]:
    parts = "".join(sorted([token, timestamp, nonce])).encode()
    signature = hashlib.sha1(parts).hexdigest()  # noqa: S324 — WeChat signs with SHA-1
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


async def test_forged_stale_and_replayed_wechat_requests_are_refused(
    wx: httpx.AsyncClient, fake_wx: Any
) -> None:
    openid = f"o-{next_id()}"
    body = xml(openid, "text", Content="上报")
    now = int(time.time())
    before = await table_counts()
    forged = {
        "wrong token": _sign(str(now), "n1", token="guessed"),
        "no signature": {"timestamp": str(now), "nonce": "n2"},
        "signature of another nonce": {**_sign(str(now), "n3"), "nonce": "n4"},
        "stale timestamp": _sign(str(now - 3600), "n5"),
        "future timestamp": _sign(str(now + 3600), "n6"),
        "timestamp not a number": _sign("yesterday", "n7"),
    }
    for name, query in forged.items():
        response = await wx.post(DOOR, params=query, content=body)
        assert response.status_code == 403, (name, response.status_code, response.text[:200])
        assert response.json()["code"] == "forbidden", name
    assert changed(before, await table_counts()) == {}

    fresh = _sign(str(now), f"n-{next_id()}")
    first = await wx.post(DOOR, params=fresh, content=body)
    assert first.status_code == 200, first.text
    after_first = await table_counts()
    replayed = await wx.post(DOOR, params=fresh, content=body)
    assert replayed.status_code == 403
    assert changed(after_first, await table_counts()) == {}


async def test_forged_telegram_webhooks_are_refused_and_change_nothing(
    tg: BotHarness, fake_tg: FakeBotApi, world: Any
) -> None:
    chat = next_id()
    update = text(chat, "/report")
    before = await table_counts()
    secrets = {
        "missing": None,
        "empty": "",
        "wrong": "not-the-secret",
        "prefix": tg.settings.telegram_secret[:-1],
        "longer": tg.settings.telegram_secret + "x",
        "other case": tg.settings.telegram_secret.upper(),
        "padded": f" {tg.settings.telegram_secret} ",
    }
    for name, secret in secrets.items():
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        response = await tg.http.post("/api/v1/bots/telegram/webhook", json=update, headers=headers)
        assert response.status_code == 403, (name, response.status_code)
        assert response.json()["code"] == "forbidden"
    assert changed(before, await table_counts()) == {}
    assert fake_tg.sent(chat) == []


async def test_telegram_webhook_without_a_bot_is_absent(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/bots/telegram/webhook",
        json=text(next_id(), "/report"),
        headers={"X-Telegram-Bot-Api-Secret-Token": ""},
    )
    assert response.status_code == 404
