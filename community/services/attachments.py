"""Photos attached to a matter's text, and ballot scans and proxy authorizations.

The media app is written beside this one, so for now a photo is a plain media id kept on
the row that uses it; this is the one place that checks such ids and will ask the media
registry to link them to their owner once it exists.
"""

from __future__ import annotations

from collections.abc import Iterable

from backend.errors import invalid

MAX_ATTACHMENTS = 9


def photo_ids(ids: Iterable[int] | None, field: str = "attachment_ids") -> list[int]:
    """Distinct positive ids, in the caller's order, at most :data:`MAX_ATTACHMENTS`."""
    out: list[int] = []
    for raw in ids or ():
        if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
            raise invalid(field, "photo ids are positive integers")
        if raw not in out:
            out.append(raw)
    if len(out) > MAX_ATTACHMENTS:
        raise invalid(field, f"at most {MAX_ATTACHMENTS} photos")
    return out


def photo_id(raw: int | None, field: str, *, required: bool) -> int | None:
    if raw is None:
        if required:
            raise invalid(field, "required")
        return None
    return photo_ids([raw], field)[0]
