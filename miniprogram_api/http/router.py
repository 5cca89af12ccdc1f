"""The ``/mp/v1`` router and the staff controller, as ``backend.app`` mounts them."""

from __future__ import annotations

from litestar import Router

from backend.config import Settings
from backend.http.media import MULTIPART_OVERHEAD
from miniprogram_api.http.account import AccountController
from miniprogram_api.http.common import MP_DEPENDENCIES
from miniprogram_api.http.consult import ConsultationController
from miniprogram_api.http.my_data import MyDataController
from miniprogram_api.http.photos import MpPhotoController
from miniprogram_api.http.resident import ResidentController
from miniprogram_api.http.staff import MpStaffController
from miniprogram_api.http.worker import WorkerController

PREFIX = "/mp/v1"


def mp_router(settings: Settings) -> Router:
    """Every mini-program route. Only the photo uploads get a body limit sized to
    ``GRIDGOV_MEDIA_MAX_BYTES``; the JSON routes keep the app's 2 MiB."""
    photos = Router(
        path="/",
        route_handlers=[MpPhotoController],
        request_max_body_size=settings.media_max_bytes + MULTIPART_OVERHEAD,
    )
    return Router(
        path=PREFIX,
        route_handlers=[
            AccountController,
            ResidentController,
            ConsultationController,
            WorkerController,
            photos,
            MyDataController,
        ],
        dependencies=MP_DEPENDENCIES,
    )


__all__ = ["PREFIX", "MpStaffController", "mp_router"]
