"""code2session through wechatpy, with the whole WeChat host configurable.

wechatpy builds its URLs from constants — including the hard-coded access-token URL — so the
configured host (``GRIDGOV_WECHAT_API_URL``; tests start a fake WeChat server on 127.0.0.1)
is reached by a requests adapter mounted on the client's own session that rewrites every
``https://api.weixin.qq.com`` request to it. wechatpy is synchronous: calls run in a thread.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from backend.config import Settings
from backend.errors import DomainError, ErrorCode

WECHAT_HOST = "https://api.weixin.qq.com"
TIMEOUT_S = 5
#: WeChat's answers for a code that is wrong, used or expired (code2session docs).
BAD_CODE_ERRORS = {40029, 40163, 40226}


class HostRedirect(HTTPAdapter):
    """Sends every request for the WeChat host to ``base`` instead (same path and query)."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base.rstrip("/")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if request.url and request.url.startswith(WECHAT_HOST):
            request.url = self.base + request.url[len(WECHAT_HOST) :]
        return super().send(request, **kwargs)


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
            client = WeChatClient(
                settings.wechat_mp_appid, settings.wechat_mp_secret, timeout=TIMEOUT_S
            )
            if settings.wechat_api_url.rstrip("/") != WECHAT_HOST:
                client._http.mount(WECHAT_HOST, HostRedirect(settings.wechat_api_url))
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
