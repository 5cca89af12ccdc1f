"""The seam between cases and the media package (written in parallel).

Cases store the photo ids they were given (``photo_ids``, ``result_photo_ids``) and call
:func:`link_photos` in the same transaction. Today it only validates the list; when the
media services land, it attaches each photo to the case (``media.PhotoLink`` with owner kind
``case`` and the purpose) so who may see a photo follows who may see the case.
"""

from __future__ import annotations

from backend.errors import DomainError, ErrorCode, invalid

MAX_PHOTOS = 9


def clean_photo_ids(photo_ids: list[int] | None, limit: int = MAX_PHOTOS) -> list[int]:
    ids: list[int] = []
    for value in photo_ids or []:
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise invalid("photo_ids", "photo ids are positive integers")
        if value not in ids:
            ids.append(value)
    if len(ids) > limit:
        raise DomainError(ErrorCode.MEDIA_TOO_MANY_PHOTOS, max=limit)
    return ids


async def link_photos(case_id: int, purpose: str, photo_ids: list[int]) -> None:
    """Attach photos to a case for ``purpose`` (report, result, verification)."""
    del case_id, purpose, photo_ids  # wired to media.services when that package lands
