"""Chat identities ↔ accounts, made only through one-time link codes.

A signed-in person (staff through the staff API, a resident through the mini-program) asks
for a code; sending it to a bot links that chat to their account. The code is stored hashed,
lives 15 minutes and works once, so a leaked chat id or an old code links nothing. Relinking
a chat replaces its previous account (a shared phone changes hands).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from backend import clock
from backend.auth import load_actor
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode
from backend.pii import open_text
from bots.tables import AccountKind, BotChannel, ChannelLink, LinkCode
from grid.actors import Actor
from grid.tables import Resident, RoleAssignment

CODE_TTL = timedelta(minutes=15)
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud, typed on a phone
CODE_LENGTH = 8


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: object


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def issue_link_code(actor: Actor) -> IssuedCode:
    """A fresh one-time code for the acting staff member or resident."""
    if actor.kind not in ("staff", "resident"):
        raise DomainError(ErrorCode.FORBIDDEN, action="bot_link")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = clock.now()
    async with write_transaction():
        await LinkCode.insert(
            LinkCode(
                code_hash=_hash(code),
                account_kind=AccountKind(actor.kind),
                account_id=actor.id,
                created_at=now,
                expires_at=now + CODE_TTL,
            )
        )
    return IssuedCode(code, now + CODE_TTL)


async def redeem_link_code(channel: BotChannel, external_id: str, code: str) -> Actor:
    """Link the chat to the code's account; the account's actor. Refused if the code is
    unknown, used or expired (``bot_link_code_invalid``)."""
    now = clock.now()
    async with write_transaction():
        row = await LinkCode.select().where(LinkCode.code_hash == _hash(code)).first()
        if row is None or row["used_at"] is not None or row["expires_at"] < now:
            raise DomainError(ErrorCode.BOT_LINK_CODE_INVALID)
        taken = (
            await LinkCode.update({LinkCode.used_at: now})
            .where((LinkCode.id == row["id"]) & LinkCode.used_at.is_null())
            .returning(LinkCode.id)
        )
        if not taken:
            raise DomainError(ErrorCode.BOT_LINK_CODE_INVALID)
        await ChannelLink.delete().where(
            (ChannelLink.channel == channel) & (ChannelLink.external_id == external_id)
        )
        await ChannelLink.insert(
            ChannelLink(
                channel=channel,
                external_id=external_id,
                account_kind=row["account_kind"],
                account_id=row["account_id"],
                linked_at=now,
            )
        )
    return await _actor(row["account_kind"], row["account_id"])


async def _actor(kind: str, account_id: int) -> Actor:
    if kind == AccountKind.staff:
        return await load_actor(account_id)
    resident = await Resident.select(Resident.name_enc).where(Resident.id == account_id).first()
    name = open_text(resident["name_enc"]) if resident else ""
    return Actor(kind="resident", id=account_id, name=name)


async def linked_actor(channel: BotChannel, external_id: str) -> Actor | None:
    """Who this chat speaks for, or None before linking."""
    link = (
        await ChannelLink.select(ChannelLink.account_kind, ChannelLink.account_id)
        .where((ChannelLink.channel == channel) & (ChannelLink.external_id == external_id))
        .first()
    )
    if link is None:
        return None
    return await _actor(link["account_kind"], link["account_id"])


async def chats_of(kind: str, recipient_id: str) -> list[tuple[str, str]]:
    """The (channel, chat id) pairs a notification recipient reaches: a person's own links,
    or the linked staff holding a role in the unit or department."""
    if kind in ("staff", "resident"):
        accounts = [(kind, int(recipient_id))]
    elif kind in ("unit", "department"):
        column = RoleAssignment.unit if kind == "unit" else RoleAssignment.department
        rows = await RoleAssignment.select(RoleAssignment.staff).where(column == int(recipient_id))
        accounts = [("staff", r["staff"]) for r in rows]
    else:
        return []
    if not accounts:
        return []
    found: list[tuple[str, str]] = []
    for account_kind in {k for k, _ in accounts}:
        ids = sorted({i for k, i in accounts if k == account_kind})
        rows = await ChannelLink.select(ChannelLink.channel, ChannelLink.external_id).where(
            (ChannelLink.account_kind == account_kind) & ChannelLink.account_id.is_in(ids)
        )
        found += [(r["channel"], r["external_id"]) for r in rows]
    return sorted(set(found))
