"""code2session through wechatpy (the client from :mod:`backend.wechat`, which reaches the
configured WeChat host); wechatpy is synchronous, so calls run in a thread."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from backend.config import Settings
from backend.errors import DomainError, ErrorCode
from backend.wechat import wechat_client

#: WeChat's answers for a code that is wrong, used or expired (code2session docs).
BAD_CODE_ERRORS = {40029, 40163, 40226}


@dataclass(frozen=True)
class WxSession:
    openid: str
    session_key: str
    unionid: str | None


_clients: dict[tuple[str, str, str], WeChatClient] = {}
_lock = threading.Lock()


def client_for(settings: Settings) -> WeChatClient:
    """One client per (appid, secret, host): its access token is cached between calls."""
    key = (settings.wechat_mp_appid, settings.wechat_mp_secret, settings.wechat_api_url)
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = wechat_client(
                settings.wechat_mp_appid, settings.wechat_mp_secret, settings.wechat_api_url
            )
            _clients[key] = client
        return client


def _code_to_session(settings: Settings, code: str) -> dict[str, Any]:
    return client_for(settings).wxa.code_to_session(code)  # type: ignore[no-any-return]


async def code_to_session(settings: Settings, code: str) -> WxSession:
    """Exchange a ``wx.login`` code; a bad code is 401, anything else from WeChat 502."""
    if not settings.wechat_mp_appid or not settings.wechat_mp_secret:
        raise DomainError(ErrorCode.MP_WECHAT_UNAVAILABLE, reason="mini-program not configured")
    try:
        result = await asyncio.to_thread(_code_to_session, settings, code)
    except WeChatClientException as exc:
        if exc.errcode in BAD_CODE_ERRORS:
            raise DomainError(ErrorCode.MP_WX_CODE_INVALID, errcode=exc.errcode) from exc
        raise DomainError(ErrorCode.MP_WECHAT_UNAVAILABLE, reason=f"errcode {exc.errcode}") from exc
    except requests.RequestException as exc:
        raise DomainError(ErrorCode.MP_WECHAT_UNAVAILABLE, reason=type(exc).__name__) from exc
    if not isinstance(result, dict) or not result.get("openid") or not result.get("session_key"):
        raise DomainError(ErrorCode.MP_WECHAT_UNAVAILABLE, reason="unexpected answer")
    return WxSession(result["openid"], result["session_key"], result.get("unionid"))
