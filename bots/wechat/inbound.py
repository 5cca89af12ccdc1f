"""What a WeChat message says, parsed safely and reduced to what the flows need.

WeChat posts XML. A body with a DTD or an entity declaration is refused before any parser
sees it (WeChat never sends one; it is the shape of entity-expansion and XXE attacks), then
wechatpy's own parser reads the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wechatpy import parse_message
from wechatpy.messages import ImageMessage, LocationMessage, TextMessage

_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)


class UnsafeXml(ValueError):
    """The body declares a DTD or entities."""


@dataclass(frozen=True)
class Inbound:
    openid: str
    kind: str  # text, image, location, other
    text: str = ""
    media_id: str = ""
    lon: float | None = None
    lat: float | None = None


def check_safe(body: bytes | str) -> bytes:
    raw = body.encode() if isinstance(body, str) else body
    if _DECLARATIONS.search(raw):
        raise UnsafeXml("XML declarations are not accepted")
    return raw


def parse(xml: bytes | str) -> tuple[Inbound, object]:
    """The flow's view and wechatpy's message (the reply needs its source and target)."""
    message = parse_message(check_safe(xml).decode("utf-8"))
    openid = str(message.source)
    if isinstance(message, TextMessage):
        return Inbound(openid, "text", text=(message.content or "").strip()), message
    if isinstance(message, ImageMessage):
        return Inbound(openid, "image", media_id=message.media_id or ""), message
    if isinstance(message, LocationMessage):
        lat, lon = float(message.location_x), float(message.location_y)
        return Inbound(openid, "location", lon=lon, lat=lat), message
    return Inbound(openid, "other"), message
