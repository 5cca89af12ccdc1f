"""A wechatpy client that reaches the configured WeChat host — shared by both WeChat doors
(the mini-program's sign-in and the Official Account).

wechatpy builds its URLs from constants, including the hard-coded access-token URL, so the
configured host (``GRIDGOV_WECHAT_API_URL``; tests start a fake WeChat server on 127.0.0.1)
is reached by a requests adapter mounted on the client's own session that rewrites every
``https://api.weixin.qq.com`` request to it. wechatpy is synchronous: callers run it in a
thread.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from wechatpy import WeChatClient

WECHAT_HOST = "https://api.weixin.qq.com"
TIMEOUT_S = 5


class HostRedirect(HTTPAdapter):
    """Sends every request for the WeChat host to ``base`` instead (same path and query)."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base.rstrip("/")

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:  # type: ignore[override]
        if request.url and request.url.startswith(WECHAT_HOST):
            request.url = self.base + request.url[len(WECHAT_HOST) :]
        return super().send(request, *args, **kwargs)


def wechat_client(
    appid: str, secret: str, api_url: str, timeout: float = TIMEOUT_S
) -> WeChatClient:
    """A client for one app whose every call goes to ``api_url``."""
    client = WeChatClient(appid, secret, timeout=timeout)
    if api_url.rstrip("/") != WECHAT_HOST:
        client._http.mount(WECHAT_HOST, HostRedirect(api_url))
    return client
