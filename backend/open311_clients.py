"""Open311 clients: API keys issued by admins, and what each Open311 request brought.

A key is shown once when issued and stored only as its SHA-256 (as bearer tokens are): a
database leak leaks no usable key. Contact fields of a request are sealed with the PII
cipher (:mod:`backend.pii`) and never leave through a public read.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend import clock, pii
from backend.db import write_transaction
from backend.errors import forbidden, invalid, not_found
from backend.tables import Open311Client, Open311Request
from grid.actors import Actor
from grid.permissions import Action


@dataclass(frozen=True)
class ClientView:
    id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class IssuedKey:
    client: ClientView
    #: shown once; only its hash is kept
    api_key: str


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _view(row: dict[str, Any]) -> ClientView:
    return ClientView(row["id"], row["name"], row["created_at"], row["revoked_at"])


def _check_admin(actor: Actor) -> None:
    if actor.kind == "system":
        return
    if not actor.grants_for(Action.open311_manage):
        raise forbidden(str(Action.open311_manage))


async def issue_key(actor: Actor, name: str) -> IssuedKey:
    """A new client with a fresh key (admins; the CLI acts as the system)."""
    _check_admin(actor)
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise invalid("name", "1–100 characters")
    key = secrets.token_urlsafe(32)
    async with write_transaction():
        row = (
            await Open311Client.insert(
                Open311Client(
                    name=name,
                    key_hash=_hash(key),
                    created_by=actor.id if actor.kind == "staff" else None,
                    created_at=clock.now(),
                )
            ).returning(*Open311Client.all_columns())
        )[0]
    return IssuedKey(_view(row), key)


async def revoke_key(actor: Actor, client_id: int) -> ClientView:
    _check_admin(actor)
    async with write_transaction():
        row = await Open311Client.select().where(Open311Client.id == client_id).first()
        if row is None:
            raise not_found("open311_client", client_id)
        if row["revoked_at"] is None:
            row["revoked_at"] = clock.now()
            await Open311Client.update({Open311Client.revoked_at: row["revoked_at"]}).where(
                Open311Client.id == client_id
            )
    return _view(row)


async def list_clients(actor: Actor) -> list[ClientView]:
    _check_admin(actor)
    rows = await Open311Client.select().order_by(Open311Client.id)
    return [_view(r) for r in rows]


async def client_for_key(api_key: str) -> ClientView | None:
    """The live client holding ``api_key``, else None (unknown or revoked)."""
    if not api_key:
        return None
    row = await Open311Client.select().where(Open311Client.key_hash == _hash(api_key)).first()
    if row is None or row["revoked_at"] is not None:
        return None
    return _view(row)


@dataclass(frozen=True)
class Contact:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    account_id: str = ""
    device_id: str = ""

    def sealed(self) -> str:
        values = {k: v for k, v in self.__dict__.items() if v}
        return pii.cipher().encrypt(json.dumps(values, ensure_ascii=False)) if values else ""


def open_contact(sealed: str) -> Contact:
    """The contact fields of a request (staff-side use only)."""
    if not sealed:
        return Contact()
    return Contact(**json.loads(pii.cipher().decrypt(sealed)))


async def record_request(
    client: ClientView,
    case_id: int,
    *,
    attributes: dict[str, str],
    media_url: str,
    contact: Contact,
) -> str:
    """Keep what the request brought beside its case; returns the request's token. A retry
    that got the case already made gets the token already issued."""
    existing = await request_of_case(case_id)
    if existing is not None:
        return str(existing["token"])
    token = str(uuid.uuid4())
    async with write_transaction():
        await Open311Request.insert(
            Open311Request(
                case_id=case_id,
                client=client.id,
                token=token,
                attributes=attributes,
                media_url=media_url,
                contact=contact.sealed(),
                created_at=clock.now(),
            )
        ).on_conflict(action="DO NOTHING")
    existing = await request_of_case(case_id)
    assert existing is not None
    return str(existing["token"])


async def request_of_case(case_id: int) -> dict[str, Any] | None:
    return await Open311Request.select().where(Open311Request.case_id == case_id).first()


async def case_of_token(token: str) -> int | None:
    row = (
        await Open311Request.select(Open311Request.case_id)
        .where(Open311Request.token == token)
        .first()
    )
    return None if row is None else int(row["case_id"])


async def requests_of_cases(case_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not case_ids:
        return {}
    rows = await Open311Request.select(
        Open311Request.case_id, Open311Request.token, Open311Request.media_url
    ).where(Open311Request.case_id.is_in(case_ids))
    return {int(r["case_id"]): r for r in rows}
