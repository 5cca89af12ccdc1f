"""Binding a WeChat identity to a resident or a staff account.

* A resident binds with a **one-time invitation code** community staff issue for a household
  (or one member of it); without a code they **ask** with their name and house unit, and staff
  in whose scope the unit lies approve (naming the resident record) or deny.
* A grid worker binds with a one-time code they issue for their own account while signed in
  to the console, so a WeChat identity reaches a staff account only with that account's
  password behind it.

Which resident an identity becomes is always a staff decision (code or approval); owner
status then follows from the house unit's owner records, never from what the user claims.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from backend import clock
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode, invalid, not_found
from backend.pii import open_text
from grid.actors import Actor, authorize
from grid.permissions import Action
from grid.tables import Household, HouseUnit, Resident
from miniprogram_api.tables import (
    BindingCode,
    BindingKind,
    BindingRequest,
    RequestStatus,
    WxIdentity,
)

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 8
RESIDENT_CODE_TTL = timedelta(days=7)
STAFF_CODE_TTL = timedelta(minutes=15)


def _hash(code: str) -> str:
    normalized = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalized.encode("ascii", "ignore")).hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class IssuedCode:
    code: str
    kind: str
    expires_at: datetime
    household_id: int | None = None
    resident_id: int | None = None


def _check_manage(actor: Actor, prefix: str, kind: str, ident: object) -> None:
    authorize(
        actor, Action.resident_manage, prefix, read=Action.resident_read, kind=kind, ident=ident
    )


async def issue_resident_code(
    actor: Actor, household_id: int, resident_id: int | None = None
) -> IssuedCode:
    """A code for one household (or one member): staff with ``resident.manage`` there."""
    household = (
        await Household.select(Household.id, Household.unit_prefix)
        .where(Household.id == household_id)
        .first()
    )
    if household is None:
        raise not_found("household", household_id)
    _check_manage(actor, household["unit_prefix"], "household", household_id)
    if resident_id is not None and not await Resident.exists().where(
        (Resident.id == resident_id) & (Resident.household == household_id)
    ):
        raise not_found("resident", resident_id)
    code = _new_code()
    expires_at = clock.now() + RESIDENT_CODE_TTL
    async with write_transaction():
        await BindingCode.insert(
            BindingCode(
                code_hash=_hash(code),
                kind=BindingKind.resident,
                household=household_id,
                resident=resident_id,
                unit_prefix=household["unit_prefix"],
                issued_by=actor.id,
                created_at=clock.now(),
                expires_at=expires_at,
            )
        )
    return IssuedCode(code, BindingKind.resident, expires_at, household_id, resident_id)


async def issue_staff_code(actor: Actor) -> IssuedCode:
    """A short-lived code binding the caller's own staff account to their WeChat."""
    if actor.kind != "staff":
        raise DomainError(ErrorCode.FORBIDDEN, action="mp.bind_staff")
    code = _new_code()
    expires_at = clock.now() + STAFF_CODE_TTL
    async with write_transaction():
        await BindingCode.insert(
            BindingCode(
                code_hash=_hash(code),
                kind=BindingKind.staff,
                staff=actor.id,
                issued_by=actor.id,
                created_at=clock.now(),
                expires_at=expires_at,
            )
        )
    return IssuedCode(code, BindingKind.staff, expires_at)


async def _take_code(code: str, kind: BindingKind, identity_id: int) -> dict[str, Any]:
    """Marks the code used (first taker wins, also under concurrency) and returns it."""
    now = clock.now()
    row = await BindingCode.select().where(BindingCode.code_hash == _hash(code)).first()
    if row is None or row["kind"] != kind or row["used_at"] is not None or row["expires_at"] <= now:
        raise DomainError(ErrorCode.MP_BINDING_CODE_INVALID)
    taken = (
        await BindingCode.update({BindingCode.used_at: now, BindingCode.used_by: identity_id})
        .where((BindingCode.id == row["id"]) & BindingCode.used_at.is_null())
        .returning(BindingCode.id)
    )
    if not taken:
        raise DomainError(ErrorCode.MP_BINDING_CODE_INVALID)
    return row


async def _identity(identity_id: int) -> dict[str, Any]:
    row = await WxIdentity.select().where(WxIdentity.id == identity_id).first()
    if row is None:
        raise DomainError(ErrorCode.TOKEN_INVALID)
    return row


async def bind_resident(identity_id: int, code: str, name: str = "") -> int:
    """Bind with a resident code; a household code also needs the member's name."""
    async with write_transaction():
        if (await _identity(identity_id))["resident"] is not None:
            raise DomainError(ErrorCode.MP_ALREADY_BOUND, what="住户")
        row = await _take_code(code, BindingKind.resident, identity_id)
        resident_id = row["resident"]
        if resident_id is None:
            members = (
                await Resident.select(Resident.id, Resident.name_enc)
                .where(Resident.household == row["household"])
                .order_by(Resident.id)
            )
            # names are sealed: compare the household's few members in clear
            member = next((m for m in members if open_text(m["name_enc"]) == name.strip()), None)
            if member is None:
                raise DomainError(ErrorCode.MP_BINDING_NAME_MISMATCH, name=name.strip())
            resident_id = member["id"]
        await WxIdentity.update({WxIdentity.resident: resident_id}).where(
            WxIdentity.id == identity_id
        )
    return int(resident_id)


async def bind_staff(identity_id: int, code: str) -> int:
    async with write_transaction():
        if (await _identity(identity_id))["staff"] is not None:
            raise DomainError(ErrorCode.MP_ALREADY_BOUND, what="工作人员账号")
        row = await _take_code(code, BindingKind.staff, identity_id)
        await WxIdentity.update({WxIdentity.staff: row["staff"]}).where(
            WxIdentity.id == identity_id
        )
    return int(row["staff"])


async def request_binding(
    identity_id: int, name: str, house_unit_id: int, note: str = ""
) -> dict[str, Any]:
    name = name.strip()
    if not 1 <= len(name) <= 64:
        raise invalid("name", "1–64 characters")
    if len(note) > 500:
        raise invalid("note", "at most 500 characters")
    house = (
        await HouseUnit.select(HouseUnit.id, HouseUnit.unit_prefix)
        .where(HouseUnit.id == house_unit_id)
        .first()
    )
    if house is None:
        raise not_found("house_unit", house_unit_id)
    async with write_transaction():
        if (await _identity(identity_id))["resident"] is not None:
            raise DomainError(ErrorCode.MP_ALREADY_BOUND, what="住户")
        if await BindingRequest.exists().where(
            (BindingRequest.identity == identity_id)
            & (BindingRequest.status == RequestStatus.pending)
        ):
            raise DomainError(ErrorCode.CONFLICT, reason="已有待审核的绑定申请，请等待社区处理")
        created = await BindingRequest.insert(
            BindingRequest(
                identity=identity_id,
                name=name,
                house_unit=house_unit_id,
                unit_prefix=house["unit_prefix"],
                note=note.strip(),
                created_at=clock.now(),
            )
        ).returning(*BindingRequest.all_columns())
    return created[0]


async def my_requests(identity_id: int) -> list[dict[str, Any]]:
    return list(
        await BindingRequest.select()
        .where(BindingRequest.identity == identity_id)
        .order_by(BindingRequest.id, ascending=False)
        .limit(20)
    )


async def pending_requests(
    actor: Actor, *, after_id: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Pending requests for house units in the caller's ``resident.manage`` scope."""
    prefixes = actor.scope_prefixes(Action.resident_manage)
    if not prefixes:
        raise DomainError(ErrorCode.FORBIDDEN, action=str(Action.resident_manage))
    where: Any = BindingRequest.unit_prefix.like(prefixes[0] + "%")
    for p in prefixes[1:]:
        where = where | BindingRequest.unit_prefix.like(p + "%")
    where = where & (BindingRequest.status == RequestStatus.pending)
    if after_id is not None:
        where = where & (BindingRequest.id > after_id)
    return list(await BindingRequest.select().where(where).order_by(BindingRequest.id).limit(limit))


async def _pending(actor: Actor, request_id: int) -> dict[str, Any]:
    row = await BindingRequest.select().where(BindingRequest.id == request_id).first()
    if row is None:
        raise not_found("binding_request", request_id)
    _check_manage(actor, row["unit_prefix"], "binding_request", request_id)
    if row["status"] != RequestStatus.pending:
        raise DomainError(ErrorCode.MP_REQUEST_DECIDED, status=row["status"])
    return row


async def approve_request(actor: Actor, request_id: int, resident_id: int) -> dict[str, Any]:
    """Staff name the resident record (it must live in the requested house unit)."""
    async with write_transaction():
        row = await _pending(actor, request_id)
        households = Household.select(Household.id).where(Household.house_unit == row["house_unit"])
        if not await Resident.exists().where(
            (Resident.id == resident_id) & Resident.household.is_in(households)
        ):
            raise not_found("resident", resident_id)
        identity = await _identity(row["identity"])
        if identity["resident"] is not None:
            raise DomainError(ErrorCode.MP_ALREADY_BOUND, what="住户")
        await WxIdentity.update({WxIdentity.resident: resident_id}).where(
            WxIdentity.id == row["identity"]
        )
        return await _decide(row["id"], actor, RequestStatus.approved, resident_id=resident_id)


async def deny_request(actor: Actor, request_id: int, reason: str) -> dict[str, Any]:
    reason = reason.strip()
    if not 1 <= len(reason) <= 500:
        raise invalid("reason", "1–500 characters")
    async with write_transaction():
        row = await _pending(actor, request_id)
        return await _decide(row["id"], actor, RequestStatus.denied, reason=reason)


async def _decide(
    request_id: int,
    actor: Actor,
    status: RequestStatus,
    *,
    resident_id: int | None = None,
    reason: str = "",
) -> dict[str, Any]:
    updated = (
        await BindingRequest.update(
            {
                BindingRequest.status: status,
                BindingRequest.decided_at: clock.now(),
                BindingRequest.decided_by: actor.id,
                BindingRequest.resident: resident_id,
                BindingRequest.reason: reason,
            }
        )
        .where(BindingRequest.id == request_id)
        .returning(*BindingRequest.all_columns())
    )
    return updated[0]
