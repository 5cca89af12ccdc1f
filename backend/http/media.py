"""Photos over HTTP: multipart upload, reading a photo's URLs, and serving local objects.

The object route is how the local storage backend hands out files: like an S3 presigned GET,
the URL itself (key, expiry, HMAC) is the permission, so it needs no bearer token. The key
must match the storage key pattern (``display/ab/<sha256>.jpg``), so no path can climb out of
the media folder, and the signature is checked before the file is touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery

from backend import clock
from backend.config import Settings
from backend.errors import DomainError, ErrorCode, not_found
from backend.http.deps import CurrentActor, CurrentSettings
from media.services import photos as svc
from media.storage import (
    LOCAL_URL_BASE,
    LocalStorage,
    ObjectMissing,
    StorageUnavailable,
    check_key,
    storage_for,
)

log = logging.getLogger("gridgov.media")

#: Room for the multipart envelope around the largest allowed photo.
MULTIPART_OVERHEAD = 64 * 1024


@dataclass
class PhotoUpload:
    file: UploadFile
    #: Which unit's staff may see the photo until it is attached (default: your narrowest unit).
    unit_id: int | None = None


class GpsOut(msgspec.Struct):
    lon: float
    lat: float
    coord_system: str = "wgs84"


class PhotoOut(msgspec.Struct):
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
    gps: GpsOut | None
    stale: bool
    created_at: datetime
    reused: bool


def photo_out(view: svc.PhotoView) -> PhotoOut:
    gps = GpsOut(view.gps.lon, view.gps.lat) if view.gps else None
    return PhotoOut(
        id=view.id,
        display_url=view.display_url,
        thumb_url=view.thumb_url,
        urls_expire_at=view.urls_expire_at,
        width=view.width,
        height=view.height,
        thumb_width=view.thumb_width,
        thumb_height=view.thumb_height,
        source_format=view.source_format,
        taken_at=view.taken_at,
        gps=gps,
        stale=view.stale,
        created_at=view.created_at,
        reused=view.reused,
    )


class PhotoController(Controller):
    path = "/api/v1/media/photos"
    tags = ["media"]

    @post(
        "/",
        summary="Upload one photo (multipart field `file`: JPEG, PNG, WebP or HEIC)",
        description="Returns the photo id, time-limited thumbnail/display URLs, the EXIF GPS "
        "point (WGS-84) and capture time, and `stale` when the photo was taken more than a "
        "day before the upload. Metadata is stripped from the stored images.",
    )
    async def upload_photo(
        self,
        actor: CurrentActor,
        settings: CurrentSettings,
        data: Annotated[PhotoUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> PhotoOut:
        content = await data.file.read()
        view = await svc.upload_photo(
            actor, content, data.file.filename, settings=settings, unit_id=data.unit_id
        )
        return photo_out(view)

    @get("/{photo_id:int}", summary="One photo with fresh time-limited URLs")
    async def get_photo(
        self, actor: CurrentActor, settings: CurrentSettings, photo_id: FromPath[int]
    ) -> PhotoOut:
        return photo_out(await svc.get_photo(actor, photo_id, settings=settings))


@get(
    f"{LOCAL_URL_BASE}/{{key:path}}",
    summary="A stored image behind a signed, expiring URL (local storage backend)",
    tags=["media"],
    security=[],
)
async def serve_object(
    request: Request[Any, Any, Any],
    settings: CurrentSettings,
    key: FromPath[str],
    exp: FromQuery[int],
    sig: FromQuery[str],
) -> Response[bytes]:
    storage = storage_for(settings)
    key = key.lstrip("/")
    if not isinstance(storage, LocalStorage):
        raise not_found("object", key)
    try:
        check_key(key)
    except ValueError as exc:
        raise not_found("object", key) from exc
    now = clock.now()
    storage.signer.verify(key, exp, sig, now)
    try:
        content = await storage.get(key)
    except ObjectMissing as exc:
        raise not_found("object", key) from exc
    except StorageUnavailable as exc:
        raise DomainError(ErrorCode.MEDIA_STORAGE_UNAVAILABLE) from exc
    remaining = max(0, exp - int(now.timestamp()))
    return Response(
        content,
        media_type="image/jpeg",
        headers={
            "Cache-Control": f"private, max-age={remaining}",
            "X-Content-Type-Options": "nosniff",
        },
    )


def media_router(settings: Settings) -> Router:
    """The media routes, with a body limit sized to ``GRIDGOV_MEDIA_MAX_BYTES``."""
    return Router(
        path="/",
        route_handlers=[PhotoController, serve_object],
        request_max_body_size=settings.media_max_bytes + MULTIPART_OVERHEAD,
    )
