"""Photo intake and reading, the same for every door (HTTP, bots, the mini-program).

The order of an upload is what keeps the store and the database consistent:

1. check and normalize the bytes in a worker thread (CPU-bound; the event loop keeps serving);
2. put the display image and the thumbnail into object storage, *outside* any transaction —
   a slow or dead store never holds a database lock, and a failed put leaves no row behind
   (the uploader gets ``media_storage_unavailable``, 503, and may retry);
3. only then write the rows, in one short transaction. A row therefore always has its objects.
   If the database fails after the puts, the objects are orphans that no row names — harmless,
   and :func:`media.services.maintenance.sweep_orphan_objects` removes them.

Identical pictures share one ``MediaImage`` (keyed by the SHA-256 of the normalized display
JPEG) and its objects; the same person uploading the same picture twice gets the same photo
back. Objects are put on every upload, without first asking the database whether the image is
known: keys are content hashes, so a repeated put writes the same bytes under the same key,
and a lookup query on every upload costs more than the rare duplicate's second put (on SQLite
a query outside a transaction opens a connection, ~1.6 ms CPU, see ``bench/RESULTS.md``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from backend import clock
from backend.config import Settings
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode, forbidden, not_found
from grid.actors import Actor
from grid.geo.coords import CoordSystem
from grid.permissions import Action
from grid.tables import OrgUnit
from media.processing import GpsPoint, ProcessedPhoto, process_photo
from media.services.access import PHOTO_COLUMNS, access_photo
from media.storage import (
    ObjectStorage,
    StorageFull,
    StorageUnavailable,
    ready_storage,
    storage_for,
)
from media.tables import MediaImage, Photo

_pool: ThreadPoolExecutor | None = None

log = logging.getLogger("gridgov.media.photos")


def _processing_pool() -> ThreadPoolExecutor:
    """One thread per core for decoding: Pillow releases the GIL while it decodes, and a
    bounded pool bounds the memory of many large uploads arriving at once."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="photo")
    return _pool


#: A photo taken this long before it was uploaded is flagged as possibly not of the scene now.
STALE_AFTER = timedelta(hours=24)
JPEG = "image/jpeg"


@dataclass(frozen=True)
class PhotoView:
    id: int
    display_url: str
    thumb_url: str
    urls_expire_at: datetime
    width: int
    height: int
    thumb_width: int
    thumb_height: int
    source_format: str
    taken_at: datetime | None
    gps: GpsPoint | None
    stale: bool
    created_at: datetime
    #: True when this upload returned an already stored photo or image (nothing new written).
    reused: bool = False


@dataclass(frozen=True)
class PhotoLocation:
    """Where a photo says it was taken; EXIF GPS is WGS-84."""

    photo_id: int
    lon: float
    lat: float
    coord_system: CoordSystem
    taken_at: datetime | None


def object_keys(sha256: str) -> tuple[str, str]:
    """``(display_key, thumb_key)``: content-addressed, so equal images share objects."""
    return f"display/{sha256[:2]}/{sha256}.jpg", f"thumb/{sha256[:2]}/{sha256}.jpg"


def is_stale(taken_at: datetime | None, uploaded_at: datetime) -> bool:
    return taken_at is not None and uploaded_at - taken_at > STALE_AFTER


def photo_view(
    photo: dict[str, Any], storage: ObjectStorage, settings: Settings, *, reused: bool = False
) -> PhotoView:
    ttl = timedelta(seconds=settings.media_url_ttl_seconds)
    gps = None
    if photo["gps_lon"] is not None and photo["gps_lat"] is not None:
        gps = GpsPoint(lon=photo["gps_lon"], lat=photo["gps_lat"])
    return PhotoView(
        id=photo["id"],
        display_url=storage.url(photo["display_key"], ttl),
        thumb_url=storage.url(photo["thumb_key"], ttl),
        urls_expire_at=(clock.now() + ttl).replace(microsecond=0),
        width=photo["width"],
        height=photo["height"],
        thumb_width=photo["thumb_width"],
        thumb_height=photo["thumb_height"],
        source_format=photo["source_format"],
        taken_at=photo["taken_at"],
        gps=gps,
        stale=is_stale(photo["taken_at"], photo["created_at"]),
        created_at=photo["created_at"],
        reused=reused,
    )


async def _unit_prefix(actor: Actor, unit_id: int | None) -> str:
    """The unit whose staff see the photo by default (see :mod:`media.services.access`)."""
    if unit_id is not None:
        unit = await OrgUnit.select(OrgUnit.prefix).where(OrgUnit.id == unit_id).first()
        if unit is None or (
            actor.kind == "staff" and not actor.may(Action.media_upload, unit["prefix"])
        ):
            raise not_found("unit", unit_id)
        return str(unit["prefix"])
    if actor.kind == "staff":
        # the narrowest unit the uploader works in: a grid worker's grid, a center's street
        return max((g.unit_prefix for g in actor.grants_for(Action.media_upload)), key=len)
    return ""


async def _store(storage: ObjectStorage, processed: ProcessedPhoto) -> None:
    display_key, thumb_key = object_keys(processed.sha256)
    try:
        await storage.put(thumb_key, processed.thumb, JPEG)
        await storage.put(display_key, processed.display, JPEG)
    except StorageFull as exc:
        log.error("media storage is full: %s", exc)  # an operator must free space
        raise DomainError(ErrorCode.MEDIA_STORAGE_FULL) from exc
    except StorageUnavailable as exc:
        raise DomainError(ErrorCode.MEDIA_STORAGE_UNAVAILABLE) from exc


async def _image_id(sha256: str) -> int | None:
    row = await MediaImage.select(MediaImage.id).where(MediaImage.sha256 == sha256).first()
    return None if row is None else int(row["id"])


async def _write_rows(
    actor: Actor, processed: ProcessedPhoto, unit_prefix: str
) -> tuple[dict[str, Any], bool]:
    """``(photo row with its image's columns, reused)``: reused when the image or the photo
    was already there. An identical upload racing this one ends in the same rows
    (``ON CONFLICT DO NOTHING`` on both unique keys, then a read)."""
    display_key, thumb_key = object_keys(processed.sha256)
    image: dict[str, Any] = {
        "sha256": processed.sha256,
        "display_key": display_key,
        "thumb_key": thumb_key,
        "width": processed.width,
        "height": processed.height,
        "thumb_width": processed.thumb_width,
        "thumb_height": processed.thumb_height,
    }
    async with write_transaction():
        inserted = await MediaImage.insert(
            MediaImage(
                **image,
                display_bytes=len(processed.display),
                thumb_bytes=len(processed.thumb),
            )
        ).on_conflict(action="DO NOTHING")
        image_known = not inserted
        image_id = int(inserted[0]["id"]) if inserted else await _image_id(processed.sha256)
        assert image_id is not None
        photo: dict[str, Any] = {
            "image": image_id,
            "uploader_kind": actor.kind,
            "uploader_id": actor.id,
            "unit_prefix": unit_prefix,
            "source_format": processed.source_format,
            "source_bytes": processed.source_bytes,
            "source_width": processed.source_width,
            "source_height": processed.source_height,
            "taken_at": processed.taken_at,
            "gps_lon": processed.gps.lon if processed.gps else None,
            "gps_lat": processed.gps.lat if processed.gps else None,
            "created_at": clock.now(),
        }
        inserted = await Photo.insert(Photo(**photo)).on_conflict(action="DO NOTHING")
        if inserted:
            return {**photo, **image, "id": int(inserted[0]["id"])}, image_known
        existing = (
            await Photo.select(*PHOTO_COLUMNS)
            .where(
                (Photo.uploader_kind == actor.kind)
                & (Photo.uploader_id == actor.id)
                & (Photo.image == image_id)
            )
            .first()
        )
        assert existing is not None
        return existing, True


async def upload_photo(
    actor: Actor,
    data: bytes,
    filename: str | None = None,
    *,
    settings: Settings,
    unit_id: int | None = None,
) -> PhotoView:
    """Check, normalize and store one photo; the view carries its GPS, time and URLs.

    ``filename`` is informational only: the format is read from the bytes. ``unit_id`` sets
    which unit's staff may see the photo before an owner domain takes over; staff may only
    name a unit in their scope, and default to the narrowest unit they work in.
    """
    if actor.kind == "staff" and not actor.grants_for(Action.media_upload):
        raise forbidden(str(Action.media_upload))
    unit_prefix = await _unit_prefix(actor, unit_id)
    processed = await asyncio.get_running_loop().run_in_executor(
        _processing_pool(),
        partial(
            process_photo,
            data,
            max_bytes=settings.media_max_bytes,
            max_pixels=settings.media_max_pixels,
        ),
    )
    try:
        storage = await ready_storage(settings)
    except StorageUnavailable as exc:
        raise DomainError(ErrorCode.MEDIA_STORAGE_UNAVAILABLE) from exc
    await _store(storage, processed)
    photo, reused = await _write_rows(actor, processed, unit_prefix)
    return photo_view(photo, storage, settings, reused=reused)


async def get_photo(actor: Actor, photo_id: int, *, settings: Settings) -> PhotoView:
    """One photo with fresh time-limited URLs, if the actor may see it (else 404)."""
    photo = await access_photo(actor, photo_id)
    return photo_view(photo, storage_for(settings), settings)


async def photo_location(photo_ids: Sequence[int]) -> PhotoLocation | None:
    """The GPS point of the first photo (in the given order) that has one, for a report sent
    without a location. Callers (case intake) have already checked access to these photos."""
    if not photo_ids:
        return None
    rows = await Photo.select(Photo.id, Photo.gps_lon, Photo.gps_lat, Photo.taken_at).where(
        Photo.id.is_in(list(photo_ids))
    )
    by_id = {row["id"]: row for row in rows}
    for photo_id in photo_ids:
        row = by_id.get(photo_id)
        if row and row["gps_lon"] is not None and row["gps_lat"] is not None:
            return PhotoLocation(
                photo_id=photo_id,
                lon=row["gps_lon"],
                lat=row["gps_lat"],
                coord_system=CoordSystem.wgs84,
                taken_at=row["taken_at"],
            )
    return None
