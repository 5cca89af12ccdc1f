"""Photo uploads from the mini-program: the only ``/mp/v1`` routes whose body may exceed the
app's 2 MiB limit, so :func:`~miniprogram_api.http.router.mp_router` mounts them on a router of
their own with the photo-sized limit (every other mini-program route keeps the small one)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, post
from litestar.enums import RequestEncodingType
from litestar.params import Body

from backend.http.deps import CurrentSettings
from backend.http.media import PhotoOut, PhotoUpload, photo_out
from media.services import photos as media
from miniprogram_api.http.cases_out import PHOTO_EXAMPLE
from miniprogram_api.http.common import CurrentPrincipal, doc

UPLOADED = doc(PhotoOut, {**PHOTO_EXAMPLE, "gps": None, "stale": False}, status=201)


class MpPhotoController(Controller):
    path = "/"

    @post(
        "/photos",
        summary="上传照片 Upload a photo (multipart `file`) to attach to a report",
        status_code=201,
        responses=UPLOADED,
        tags=["mini-program: resident"],
    )
    async def upload(
        self,
        principal: CurrentPrincipal,
        settings: CurrentSettings,
        data: Annotated[PhotoUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> PhotoOut:
        actor = principal.resident or principal.as_staff()
        content = await data.file.read()
        view = await media.upload_photo(actor, content, data.file.filename, settings=settings)
        return photo_out(view)

    @post(
        "/worker/photos",
        summary="上传照片 Upload a work photo (multipart `file`) as the staff account",
        status_code=201,
        responses=UPLOADED,
        tags=["mini-program: grid worker"],
        operation_id="MpV1WorkerPhotosUpload",  # as before it moved here
    )
    async def upload_work_photo(
        self,
        principal: CurrentPrincipal,
        settings: CurrentSettings,
        data: Annotated[PhotoUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> PhotoOut:
        content = await data.file.read()
        view = await media.upload_photo(
            principal.as_staff(), content, data.file.filename, settings=settings
        )
        return photo_out(view)
