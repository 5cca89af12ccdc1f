"""What every mini-program handler shares: the session principal, cursors, compact shapes and
OpenAPI examples."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any, Generic, TypeVar

import msgspec
from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example

from backend.config import Settings
from backend.errors import DomainError, invalid
from backend.http.deps import bearer_token
from grid.actors import Actor
from media.services.photos import get_photo
from miniprogram_api.services.sessions import Principal, principal_from_token

T = TypeVar("T")
MAX_LIMIT = 50


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    return await principal_from_token(bearer_token(request))


MP_DEPENDENCIES = {"principal": Provide(provide_principal)}
CurrentPrincipal = NamedDependency[Principal]


class CursorPage(msgspec.Struct, Generic[T]):
    """A page and the opaque cursor of the next one (``null``: nothing follows)."""

    items: list[T]
    next_cursor: str | None = None


def encode_cursor(**position: int) -> str:
    raw = json.dumps(position, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, key: str) -> int | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))[key]
        if not isinstance(value, int) or value < 0:
            raise ValueError(value)
    except (ValueError, KeyError, TypeError) as exc:
        raise invalid("cursor", "use the next_cursor of the previous page") from exc
    return value


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid("limit", f"1–{MAX_LIMIT}")
    return limit


def offset_page(items: list[T], offset: int, more: bool) -> CursorPage[T]:
    return CursorPage(items, encode_cursor(o=offset + len(items)) if more else None)


class MpVersionIn(msgspec.Struct):
    #: The case version the phone showed; a stale one answers 409 ``case_changed``.
    version: int | None = None


class PhotoRef(msgspec.Struct):
    id: int
    thumb_url: str
    display_url: str


async def photo_refs(actor: Actor, ids: list[int], settings: Settings) -> list[PhotoRef]:
    """Fresh links for the photos ``actor`` may see (others are left out, never an error)."""
    refs = []
    for photo_id in ids:
        try:
            view = await get_photo(actor, photo_id, settings=settings)
        except DomainError:
            continue
        refs.append(PhotoRef(view.id, view.thumb_url, view.display_url))
    return refs


class ErrorOut(msgspec.Struct):
    code: str
    message: str
    data: dict[str, Any]


NOW = datetime(2026, 11, 25, 9, 30).isoformat() + "+08:00"
ERRORS = {
    401: ResponseSpec(
        data_container=ErrorOut,
        generate_examples=False,
        description="未登录或会话已过期 (unauthenticated)",
        examples=[
            Example(
                summary="会话无效",
                value={"code": "token_invalid", "message": "登录已失效，请重新登录", "data": {}},
            )
        ],
    ),
    404: ResponseSpec(
        data_container=ErrorOut,
        generate_examples=False,
        description="不存在或不在您的范围内 (not found or outside your scope)",
        examples=[
            Example(
                summary="范围外",
                value={
                    "code": "not_found",
                    "message": "未找到该case或无权查看",
                    "data": {"kind": "case", "id": "42"},
                },
            )
        ],
    ),
}


def doc(model: Any, example: Any, *, status: int = 200, summary: str = "示例") -> dict[int, Any]:
    """``responses=`` for a handler: its success shape with an example, and the common errors."""
    return {
        status: ResponseSpec(
            data_container=model,
            generate_examples=False,
            description="成功 (success)",
            examples=[Example(summary=summary, value=example)],
        ),
        **ERRORS,
    }


def body_example(value: Any, summary: str = "示例") -> list[Example]:
    return [Example(summary=summary, value=value)]
