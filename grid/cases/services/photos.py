"""Cases and the media package: a case's photos are media photos linked to it.

* **Linking.** Intake, handle and verify call :func:`link_photos` inside their own transaction;
  it calls :func:`media.services.links.link_photos` (owner kind ``case``, purpose ``report`` /
  ``result`` / ``verification``, media's per-owner limit), which first checks the actor may
  use each photo — their own upload, or one they may see — so a reporter cannot attach
  someone else's photo id. A failed link rolls the whole move back.
* **Channel users** (a :class:`~grid.cases.services.access.Reporter` without an account) have
  no media identity: their door uploads what they sent as the system actor. Such a report may
  attach only system uploads that no other owner holds yet (or that this reporter's own cases
  hold: a retry).
* **Visibility.** Importing this module registers :func:`may_see_case_photos` with media, so a
  photo linked to a case is seen by whoever may read the case. ``grid/cases/piccolo_app.py``
  imports it, and every process imports the Piccolo apps when it puts its database engine in
  use — before any photo can be checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.config import Settings, load_settings
from backend.errors import DomainError, ErrorCode, invalid, not_found
from grid.actors import SYSTEM, Actor
from grid.cases.services.access import Who, can_read, is_reporter, load_case
from media.services import links
from media.services.access import access_photo, register_owner_visibility
from media.services.photos import PhotoLocation, PhotoView, photo_location
from media.tables import OwnerKind, Photo, PhotoLink, Purpose


def media_settings(settings: Settings | None) -> Settings:
    """The door's settings; a caller without them (a script) gets the process environment's,
    which is what every door of one installation is started from."""
    return settings if settings is not None else load_settings()


def clean_photo_ids(photo_ids: list[int] | None, settings: Settings | None = None) -> list[int]:
    ids: list[int] = []
    for value in photo_ids or []:
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise invalid("photo_ids", "photo ids are positive integers")
        if value not in ids:
            ids.append(value)
    if ids:
        limit = links.photo_limit(OwnerKind.case, media_settings(settings))
        if len(ids) > limit:
            raise DomainError(ErrorCode.MEDIA_TOO_MANY_PHOTOS, max=limit)
    return ids


async def _check_channel_photos(reporter: Who, photo_ids: list[int]) -> None:
    """See the module docstring: system uploads, held by no owner but this reporter's cases."""
    rows = await Photo.select(Photo.id, Photo.uploader_kind).where(Photo.id.is_in(photo_ids))
    uploaded = {row["id"]: row["uploader_kind"] for row in rows}
    held = await PhotoLink.select(PhotoLink.photo, PhotoLink.owner_kind, PhotoLink.owner_id).where(
        PhotoLink.photo.is_in(photo_ids)
    )
    for photo_id in photo_ids:
        if uploaded.get(photo_id) != "system":
            raise not_found("photo", photo_id)
        for link in (h for h in held if h["photo"] == photo_id):
            case = await load_case(link["owner_id"]) if link["owner_kind"] == "case" else None
            if case is None or not is_reporter(reporter, case):
                raise not_found("photo", photo_id)


async def check_photos(who: Who, photo_ids: list[int]) -> None:
    """404 for the first photo ``who`` may not use (before anything is read from it)."""
    if not photo_ids:
        return
    if isinstance(who, Actor):
        for photo_id in photo_ids:
            await access_photo(who, photo_id)
    else:
        await _check_channel_photos(who, photo_ids)


async def located_by_photos(who: Who, photo_ids: list[int]) -> PhotoLocation | None:
    """Where the first photo with GPS was taken, once ``who`` may use the photos."""
    await check_photos(who, photo_ids)
    return await photo_location(photo_ids)


async def link_photos(
    who: Who,
    case_id: int,
    purpose: str,
    photo_ids: list[int],
    *,
    settings: Settings | None = None,
) -> None:
    """Attach photos to a case for ``purpose`` (report, result, verification); idempotent."""
    if not photo_ids:
        return
    actor = who if isinstance(who, Actor) else SYSTEM
    if not isinstance(who, Actor):
        await _check_channel_photos(who, photo_ids)
    await links.link_photos(
        actor,
        photo_ids,
        OwnerKind.case,
        case_id,
        Purpose(purpose),
        settings=media_settings(settings),
    )


@dataclass(frozen=True)
class CasePhotos:
    report: list[PhotoView]
    result: list[PhotoView]
    verification: list[PhotoView]


async def case_photos(case: dict[str, Any], *, settings: Settings | None = None) -> CasePhotos:
    """The case's photos with fresh time-limited URLs, for a caller already admitted to the
    case (:func:`~grid.cases.services.access.access_case`): case photos follow the case."""
    settings = media_settings(settings)

    async def of(purpose: Purpose) -> list[PhotoView]:
        return await links.photos_of(SYSTEM, OwnerKind.case, case["id"], purpose, settings=settings)

    return CasePhotos(
        report=await of(Purpose.report),
        result=await of(Purpose.result),
        verification=await of(Purpose.verification),
    )


async def may_see_case_photos(actor: Actor, case_id: int) -> bool:
    case = await load_case(case_id)
    return case is not None and can_read(actor, case)


register_owner_visibility(OwnerKind.case, may_see_case_photos)
