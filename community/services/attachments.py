"""Photos of a consultation: a matter's attachments, paper-ballot scans, proxy authorizations.

The rows keep the ids (a matter version's ``attachment_ids``, a ballot event's
``scan_photo_id`` / ``proxy_photo_id``), and each id is also linked to its owner in media
(``media.services.links.link_photos``) inside the use case's transaction: media checks the
actor may use the photo (their upload, or one they may see) and the owner's limit (a ballot
event carries at most 2). Owners:

* ``consultation`` (the matter), purpose ``attachment`` — seen by whoever may read the matter
  (staff in scope; residents in scope once it is published);
* ``comment`` — seen by whoever may read its matter (hidden comments: moderators only);
* ``ballot`` (the ballot *event* a staff member entered), purpose ``scan`` — a voter's paper
  or proxy form: only staff who may read the matter.

Importing this module registers those rules with media; ``community/piccolo_app.py`` imports
it, and every process imports the Piccolo apps when it puts its database engine in use.
"""

from __future__ import annotations

from collections.abc import Iterable

from backend.config import Settings, load_settings
from backend.errors import DomainError, invalid
from community.services.access import READ, access_matter
from community.tables import BallotEvent, Comment
from grid.actors import Actor
from grid.permissions import Action
from media.services import links
from media.services.access import register_owner_visibility
from media.tables import OwnerKind, Purpose

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


async def link(
    actor: Actor,
    ids: Iterable[int | None],
    owner_kind: OwnerKind,
    owner_id: int,
    purpose: Purpose,
    settings: Settings | None = None,
) -> None:
    """Link the photos to their owner (in the caller's transaction; idempotent). Without the
    door's settings, the process environment's (what every door is started from)."""
    wanted = [i for i in ids if i is not None]
    if wanted:
        await links.link_photos(
            actor,
            wanted,
            owner_kind,
            owner_id,
            purpose,
            settings=settings if settings is not None else load_settings(),
        )


async def may_see_matter(actor: Actor, matter_id: int) -> bool:
    try:
        await access_matter(actor, matter_id, READ)
    except DomainError:
        return False
    return True


async def may_see_comment(actor: Actor, comment_id: int) -> bool:
    row = await Comment.select(Comment.matter, Comment.hidden).where(Comment.id == comment_id)
    if not row or not await may_see_matter(actor, row[0]["matter"]):
        return False
    if not row[0]["hidden"] or actor.kind == "system":
        return True
    matter, _ = await access_matter(actor, row[0]["matter"], READ)
    return actor.kind == "staff" and actor.may(Action.comment_moderate, matter["unit_prefix"])


async def may_see_ballot_scan(actor: Actor, event_id: int) -> bool:
    if actor.kind not in ("staff", "system"):
        return False
    row = await BallotEvent.select(BallotEvent.matter).where(BallotEvent.id == event_id)
    return bool(row) and await may_see_matter(actor, row[0]["matter"])


register_owner_visibility(OwnerKind.consultation, may_see_matter)
register_owner_visibility(OwnerKind.comment, may_see_comment)
register_owner_visibility(OwnerKind.ballot, may_see_ballot_scan)
