"""Who may see a photo: its owner domain decides, through a small registry.

A photo linked to a case is seen by whoever may see that case, a photo in a consultation's
comment by whoever may see the consultation — rules that live in ``grid.cases`` and
``community``, not here. Those domains register one check per owner kind at import time
(``register_owner_visibility(OwnerKind.case, may_see_case)``); media calls it without knowing
anything about cases.

Until an owner domain decides (no link, or only links of unregistered kinds) the default rule
applies: the uploader, and staff whose ``media.read`` scope covers the photo's unit. A photo
uploaded without a unit (a resident's, before it is attached) is the uploader's alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from backend.errors import not_found
from grid.actors import Actor
from grid.permissions import Action
from media.tables import OwnerKind, Photo, PhotoLink

#: A photo row with the columns of its image, as every media service reads it.
PHOTO_COLUMNS = (
    *Photo.all_columns(),
    Photo.image.sha256.as_alias("sha256"),
    Photo.image.display_key.as_alias("display_key"),
    Photo.image.thumb_key.as_alias("thumb_key"),
    Photo.image.width.as_alias("width"),
    Photo.image.height.as_alias("height"),
    Photo.image.thumb_width.as_alias("thumb_width"),
    Photo.image.thumb_height.as_alias("thumb_height"),
)

#: ``check(actor, owner_id) -> may the actor see this owner object?``
OwnerCheck = Callable[[Actor, int], Awaitable[bool]]

_registry: dict[OwnerKind, OwnerCheck] = {}


def register_owner_visibility(kind: OwnerKind, check: OwnerCheck) -> None:
    """Let the domain owning ``kind`` objects decide who sees their photos (last one wins)."""
    _registry[OwnerKind(kind)] = check


def unregister_owner_visibility(kind: OwnerKind) -> None:
    _registry.pop(OwnerKind(kind), None)


def owner_visibility(kind: OwnerKind) -> OwnerCheck | None:
    """The check registered for ``kind`` (None: the default rule applies to its photos)."""
    return _registry.get(OwnerKind(kind))


def is_uploader(actor: Actor, photo: dict[str, Any]) -> bool:
    return actor.kind == photo["uploader_kind"] and actor.id == photo["uploader_id"]


async def may_see_photo(actor: Actor, photo: dict[str, Any]) -> bool:
    if actor.kind == "system" or is_uploader(actor, photo):
        return True
    links = await PhotoLink.select(PhotoLink.owner_kind, PhotoLink.owner_id).where(
        PhotoLink.photo == photo["id"]
    )
    decided = [link for link in links if link["owner_kind"] in _registry]
    if decided:
        for link in decided:
            if await _registry[OwnerKind(link["owner_kind"])](actor, link["owner_id"]):
                return True
        return False
    return actor.kind == "staff" and actor.may(Action.media_read, photo["unit_prefix"])


async def access_photo(actor: Actor, photo_id: int) -> dict[str, Any]:
    """The photo row with its image's columns, or 404 when missing or not visible."""
    photo = await Photo.select(*PHOTO_COLUMNS).where(Photo.id == photo_id).first()
    if photo is None or not await may_see_photo(actor, photo):
        raise not_found("photo", photo_id)
    return photo
