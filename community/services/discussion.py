"""Discussion of a matter: comments, suggestions, replies, likes, moderation, a summary.

Residents in scope and staff who may read the matter write while it is published or under
discussion. A staff reply by someone who may manage the matter is marked official (the
organizer's answer). Moderators hide a comment with a reason: the author and everyone else
no longer see it in the list, moderators still do, with who hid it and why. The summary of
suggestions (most liked first) is what the organizer reads before revising the text.
"""

from __future__ import annotations

from typing import Any

from backend import clock
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode, not_found
from community.phases import DISCUSSABLE, Phase
from community.services.access import READ, access_matter
from community.services.matters import NOTE_MAX, text
from community.tables import AuthorKind, Comment, CommentKind, CommentLike
from grid.actors import Actor, authorize
from grid.permissions import Action

BODY_MAX = 2_000


def _author(actor: Actor) -> tuple[AuthorKind, int]:
    if actor.kind == "resident":
        return AuthorKind.resident, actor.id
    if actor.kind == "staff":
        return AuthorKind.staff, actor.id
    raise DomainError(ErrorCode.FORBIDDEN, action="comment")


async def post_comment(
    actor: Actor,
    matter_id: int,
    body: str,
    *,
    kind: CommentKind = CommentKind.comment,
    parent_id: int | None = None,
) -> dict[str, Any]:
    matter, place = await access_matter(actor, matter_id, READ)
    if matter["phase"] not in DISCUSSABLE:
        raise DomainError(ErrorCode.DISCUSSION_CLOSED)
    author_kind, author_id = _author(actor)
    content = text(body, "body", BODY_MAX)
    if parent_id is not None:
        parent = (
            await Comment.select(Comment.matter, Comment.hidden)
            .where(Comment.id == parent_id)
            .first()
        )
        if parent is None or parent["matter"] != matter_id or parent["hidden"]:
            raise not_found("comment", parent_id)
    official = author_kind is AuthorKind.staff and actor.may(
        Action.matter_manage, matter["unit_prefix"]
    )
    async with write_transaction():
        row = await Comment.insert(
            Comment(
                matter=matter_id,
                parent=parent_id,
                kind=kind,
                version=matter["version"],
                body=content,
                author_kind=author_kind,
                author_id=author_id,
                author_name=place.name if place is not None else actor.name,
                official=official,
                created_at=clock.now(),
            )
        ).returning(Comment.id)
    return await _one(row[0]["id"])


async def _one(comment_id: int) -> dict[str, Any]:
    row = await Comment.select().where(Comment.id == comment_id).first()
    assert row is not None
    return row


async def _comment_of(actor: Actor, comment_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    row = await Comment.select().where(Comment.id == comment_id).first()
    if row is None:
        raise not_found("comment", comment_id)
    matter, _ = await access_matter(actor, row["matter"], READ)
    return row, matter


async def like_comment(actor: Actor, comment_id: int) -> dict[str, Any]:
    """A like counts once per person; liking again changes nothing."""
    row, matter = await _comment_of(actor, comment_id)
    if row["hidden"]:
        raise not_found("comment", comment_id)
    if matter["phase"] not in DISCUSSABLE:
        raise DomainError(ErrorCode.DISCUSSION_CLOSED)
    liker_kind, liker_id = _author(actor)
    async with write_transaction():
        added = (
            await CommentLike.insert(
                CommentLike(
                    comment=comment_id,
                    liker_kind=liker_kind,
                    liker_id=liker_id,
                    created_at=clock.now(),
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(CommentLike.id)
        )
        if added:
            await Comment.update({Comment.likes: Comment.likes + 1}).where(Comment.id == comment_id)
    return await _one(comment_id)


async def hide_comment(actor: Actor, comment_id: int, reason: str) -> dict[str, Any]:
    row, matter = await _comment_of(actor, comment_id)
    authorize(
        actor,
        Action.comment_moderate,
        matter["unit_prefix"],
        read=READ,
        kind="comment",
        ident=comment_id,
    )
    why = text(reason, "reason", NOTE_MAX)
    async with write_transaction():
        await Comment.update(
            {
                Comment.hidden: True,
                Comment.hidden_reason: why,
                Comment.hidden_by: actor.id,
                Comment.hidden_at: clock.now(),
            }
        ).where(Comment.id == row["id"])
    return await _one(comment_id)


async def list_comments(actor: Actor, matter_id: int) -> list[dict[str, Any]]:
    """Oldest first; hidden ones only for moderators (with who hid them and why)."""
    matter, _ = await access_matter(actor, matter_id, READ)
    moderator = actor.kind == "staff" and actor.may(Action.comment_moderate, matter["unit_prefix"])
    query = Comment.select().where(Comment.matter == matter_id).order_by(Comment.id)
    if not moderator:
        query = query.where(Comment.hidden.eq(False))
    return list(await query)


async def suggestion_summary(actor: Actor, matter_id: int) -> dict[str, Any]:
    """Visible suggestions on the current text, most liked first, with their reply counts."""
    matter, _ = await access_matter(actor, matter_id, READ)
    visible = (Comment.matter == matter_id) & Comment.hidden.eq(False)
    suggestions = await Comment.select(
        Comment.id, Comment.body, Comment.author_name, Comment.likes, Comment.created_at
    ).where(
        visible & (Comment.kind == CommentKind.suggestion) & (Comment.version == matter["version"])
    )
    replies: dict[int, int] = {}
    for r in await Comment.select(Comment.parent).where(visible & Comment.parent.is_not_null()):
        replies[r["parent"]] = replies.get(r["parent"], 0) + 1
    ordered = sorted(suggestions, key=lambda s: (-s["likes"], s["id"]))
    return {
        "matter_id": matter_id,
        "version": matter["version"],
        "open": Phase(matter["phase"]) in DISCUSSABLE,
        "count": len(ordered),
        "suggestions": [{**s, "replies": replies.get(s["id"], 0)} for s in ordered],
    }
