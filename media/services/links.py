"""Attaching photos to what they document: a case's report/result/verification, a
consultation, a comment, a ballot scan.

The owner domain calls these inside its own use case (``async with write_transaction()`` joins
the caller's transaction), after it has decided the actor may act on the owner object. Media
checks only what it knows: the actor may see each photo, and an owner carries at most its
limit of photos per purpose.
"""

from __future__ import annotations

from backend.config import Settings
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode, invalid
from grid.actors import Actor
from media.services.access import PHOTO_COLUMNS, access_photo, may_see_photo
from media.services.photos import PhotoView, photo_view
from media.storage import storage_for
from media.tables import OwnerKind, Photo, PhotoLink, Purpose

#: Owners that carry fewer photos than ``GRIDGOV_MEDIA_MAX_PHOTOS`` allows.
OWNER_LIMITS: dict[OwnerKind, int] = {OwnerKind.comment: 3, OwnerKind.ballot: 2}


def photo_limit(owner_kind: OwnerKind, settings: Settings) -> int:
    return min(settings.media_max_photos, OWNER_LIMITS.get(owner_kind, settings.media_max_photos))


def _owner_filter(owner_kind: OwnerKind, owner_id: int, purpose: Purpose) -> object:
    return (
        (PhotoLink.owner_kind == owner_kind)
        & (PhotoLink.owner_id == owner_id)
        & (PhotoLink.purpose == purpose)
    )


async def link_photos(
    actor: Actor,
    photo_ids: list[int],
    owner_kind: OwnerKind,
    owner_id: int,
    purpose: Purpose,
    *,
    settings: Settings,
) -> list[int]:
    """Attach photos (idempotent); the owner's photo ids for ``purpose``, in link order."""
    owner_kind, purpose = OwnerKind(owner_kind), Purpose(purpose)
    wanted = list(dict.fromkeys(photo_ids))
    for photo_id in wanted:
        await access_photo(actor, photo_id)
    limit = photo_limit(owner_kind, settings)
    if len(wanted) > limit:
        raise DomainError(ErrorCode.MEDIA_TOO_MANY_PHOTOS, max=limit)
    async with write_transaction():
        rows = await PhotoLink.select(PhotoLink.photo).where(
            _owner_filter(owner_kind, owner_id, purpose)  # type: ignore[arg-type]
        )
        linked = {row["photo"] for row in rows}
        new = [p for p in wanted if p not in linked]
        if len(linked) + len(new) > limit:
            raise DomainError(ErrorCode.MEDIA_TOO_MANY_PHOTOS, max=limit)
        if new:
            await PhotoLink.insert(
                *(
                    PhotoLink(
                        photo=photo_id,
                        owner_kind=owner_kind,
                        owner_id=owner_id,
                        purpose=purpose,
                        linked_by_kind=actor.kind,
                        linked_by_id=actor.id,
                    )
                    for photo_id in new
                )
            )
        return await linked_photo_ids(owner_kind, owner_id, purpose)


async def unlink_photo(
    actor: Actor, photo_id: int, owner_kind: OwnerKind, owner_id: int, purpose: Purpose
) -> None:
    """Detach a photo; the photo and its image stay (other owners may use them)."""
    await access_photo(actor, photo_id)
    async with write_transaction():
        await PhotoLink.delete().where(
            (PhotoLink.photo == photo_id)
            & _owner_filter(OwnerKind(owner_kind), owner_id, Purpose(purpose))  # type: ignore[operator]
        )


async def linked_photo_ids(owner_kind: OwnerKind, owner_id: int, purpose: Purpose) -> list[int]:
    rows = (
        await PhotoLink.select(PhotoLink.photo)
        .where(_owner_filter(owner_kind, owner_id, purpose))  # type: ignore[arg-type]
        .order_by(PhotoLink.id)
    )
    return [row["photo"] for row in rows]


async def photos_of(
    actor: Actor,
    owner_kind: OwnerKind,
    owner_id: int,
    purpose: Purpose,
    *,
    settings: Settings,
) -> list[PhotoView]:
    """The owner's photos for ``purpose`` that the actor may see, with fresh URLs."""
    if owner_id <= 0:
        raise invalid("owner_id", "must be positive")
    ids = await linked_photo_ids(OwnerKind(owner_kind), owner_id, Purpose(purpose))
    if not ids:
        return []
    rows = await Photo.select(*PHOTO_COLUMNS).where(Photo.id.is_in(ids))
    by_id = {row["id"]: row for row in rows}
    storage = storage_for(settings)
    views = []
    for photo_id in ids:
        if await may_see_photo(actor, by_id[photo_id]):
            views.append(photo_view(by_id[photo_id], storage, settings))
    return views
