"""What a WeChat message says, parsed safely and reduced to what the flows need.

WeChat posts XML. A body with a DTD or an entity declaration is refused before any parser
sees it (WeChat never sends one; it is the shape of entity-expansion and XXE attacks), then
wechatpy's own parser reads the message. That parser is xmltodict over the standard library's
expat, which already neither fetches external entities (xmltodict's ``disable_entities``) nor
lets internal ones grow without bound (expat ≥ 2.4's amplification limit): the check here is a
second wall, and the one that gives the sender a clear 400. Anything that is not a UTF-8
``<xml>`` message with a sender and a type is refused as :class:`BadXml` too, never a 500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.parsers.expat import ExpatError

from wechatpy import parse_message
from wechatpy.messages import ImageMessage, LocationMessage, TextMessage

_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)


class BadXml(ValueError):
    """The body is not a WeChat message: not UTF-8, not well-formed, or missing its fields."""


class UnsafeXml(BadXml):
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
    try:
        message = parse_message(check_safe(xml).decode("utf-8"))
        openid = str(message.source)
    except UnsafeXml:
        raise
    except (UnicodeDecodeError, ExpatError, KeyError, TypeError, AttributeError) as exc:
        raise BadXml(f"not a WeChat message: {type(exc).__name__}") from exc
    if not openid or openid == "None":
        raise BadXml("not a WeChat message: no sender")
    if isinstance(message, TextMessage):
        return Inbound(openid, "text", text=(message.content or "").strip()), message
    if isinstance(message, ImageMessage):
        return Inbound(openid, "image", media_id=message.media_id or ""), message
    if isinstance(message, LocationMessage):
        try:
            lat, lon = float(message.location_x), float(message.location_y)
        except (TypeError, ValueError) as exc:
            raise BadXml("not a WeChat message: location is not a number") from exc
        return Inbound(openid, "location", lon=lon, lat=lat), message
    return Inbound(openid, "other"), message
