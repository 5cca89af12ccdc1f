"""A resident's personal data on request (PIPL art. 45 and 47): export it, or erase it.

Who may ask:

* the resident themselves (a resident actor whose id is the subject: the mini-program), or
* staff with ``personal_data.handle`` in the resident's scope — community staff (居委会, who
  hold the register) and admins. Others in the read scope get 403, outside it 404.

**Export** is one JSON document of everything held about the person (the sections below, and
any a door registers with :func:`register_section`). Staff exporting see the full phone and ID
number, so the export is also a logged full read (:class:`PiiAccessLog`).

**Erasure** removes the person and keeps what others rely on, anonymised:

* the resident row is deleted (care tags and binding codes with it, links from WeChat
  identities and party rolls set to NULL); its id is retired, never given to a new resident
  (:mod:`grid.services.resident_ids`);
* the cases they reported stay, with the reporter's name gone from their history and their
  rating comment cleared — so counts, deadlines and KPI figures do not move;
* ballots stay exactly as cast: ballot events and chain links are append-only and carry only
  the roll entry, the choice and a random nonce, so the hash chain still verifies and tallies
  do not change; comments stay with the author's name removed;
* their notifications and undelivered messages are deleted;
* the owner register (:class:`Owner`, 不动产登记 data the votes are counted on) is kept.

Every export and erasure writes one :class:`PersonalDataRequest` row (who, whose, why, when,
what it touched — counts only) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from backend import clock
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode, not_found
from backend.pii import cipher
from community.tables import BallotEvent, Comment, PhaseEvent
from grid.actors import Actor, authorize
from grid.cases.services.moves import case_number
from grid.cases.tables import Case, CaseEvent, Notification, Outbox, RecipientKind
from grid.permissions import Action
from grid.services.house_units import house_label
from grid.services.people_fields import clean_text
from grid.services.pii_views import REASON_MAX, log_reveal
from grid.tables import (
    DataRequestKind,
    Household,
    Owner,
    Ownership,
    PartyMember,
    PersonalDataRequest,
    PiiAccessLog,
    Resident,
    ResidentTag,
    StaffAccount,
)

RESIDENT = "resident"


@dataclass(frozen=True)
class DataSection:
    """A part of a person's data kept outside this package (a door's own tables).

    ``export`` returns the section's JSON-ready content; ``erase`` anonymises or deletes it
    inside the erasure's transaction and returns how many rows it touched."""

    name: str
    export: Callable[[int], Awaitable[Any]]
    erase: Callable[[int], Awaitable[int]]


_SECTIONS: dict[str, DataSection] = {}


def register_section(section: DataSection) -> None:
    """Doors that keep personal data (the mini-program's identities and binding requests)
    register it here, so an export shows it and an erasure reaches it."""
    _SECTIONS[section.name] = section


def plain(value: Any) -> Any:
    """JSON-ready: datetimes and dates as ISO 8601 text, containers walked."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


async def access_subject(actor: Actor, resident_id: int) -> dict[str, Any]:
    """The resident whose data is asked for, if ``actor`` may ask (themselves, or staff with
    ``personal_data.handle`` in scope)."""
    row = await Resident.select().where(Resident.id == resident_id).first()
    if actor.kind == RESIDENT:
        if row is None or actor.id != resident_id:
            raise not_found("resident", resident_id)
        return row
    if row is None:
        raise not_found("resident", resident_id)
    authorize(
        actor,
        Action.personal_data,
        row["unit_prefix"],
        read=Action.resident_read,
        kind="resident",
        ident=resident_id,
    )
    return row


def _reveal(enc: str | None) -> str | None:
    return cipher().decrypt(enc) if enc else None


async def _profile(row: dict[str, Any]) -> dict[str, Any]:
    tags = await ResidentTag.select(ResidentTag.tag).where(ResidentTag.resident == row["id"])
    return {
        "id": row["id"],
        "name": row["name"],
        "gender": row["gender"] or None,
        "birth_year": row["birth_year"],
        "relation": row["relation"],
        "phone": _reveal(row["phone_enc"]),
        "id_number": _reveal(row["id_number_enc"]),
        "care_tags": sorted(t["tag"] for t in tags),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


async def _household(row: dict[str, Any]) -> dict[str, Any] | None:
    found = (
        await Household.select(
            Household.id,
            Household.tenure,
            Household.house_unit.id.as_alias("house_unit_id"),
            Household.house_unit.building.as_alias("building"),
            Household.house_unit.entrance.as_alias("entrance"),
            Household.house_unit.room.as_alias("room"),
            Household.house_unit.address.as_alias("address"),
        )
        .where(Household.id == row["household"])
        .first()
    )
    if found is None:
        return None
    return {
        "id": found["id"],
        "tenure": found["tenure"],
        "house_unit": {
            "id": found["house_unit_id"],
            "label": house_label(found["building"], found["entrance"], found["room"]),
            "address": found["address"],
        },
    }


async def _owner(row: dict[str, Any]) -> dict[str, Any] | None:
    if not row["owner"]:
        return None
    owner = await Owner.select().where(Owner.id == row["owner"]).first()
    if owner is None:
        return None
    units = await Ownership.select(
        Ownership.house_unit.id.as_alias("id"),
        Ownership.house_unit.building.as_alias("building"),
        Ownership.house_unit.entrance.as_alias("entrance"),
        Ownership.house_unit.room.as_alias("room"),
    ).where(Ownership.owner == owner["id"])
    return {
        "id": owner["id"],
        "kind": owner["kind"],
        "name": owner["name"],
        "phone": _reveal(owner["phone_enc"]),
        "id_number": _reveal(owner["id_number_enc"]),
        "house_units": [
            {"id": u["id"], "label": house_label(u["building"], u["entrance"], u["room"])}
            for u in units
        ],
    }


def _reported_by(resident_id: int) -> Any:
    return (Case.reporter_kind == RESIDENT) & (Case.reporter_id == str(resident_id))


async def _cases(resident_id: int) -> list[dict[str, Any]]:
    rows = (
        await Case.select(
            Case.id,
            Case.category.code.as_alias("category_code"),
            Case.category.name.as_alias("category"),
            Case.description,
            Case.address,
            Case.lon,
            Case.lat,
            Case.coord_system,
            Case.state,
            Case.channel,
            Case.photo_ids,
            Case.rating,
            Case.rating_comment,
            Case.created_at,
            Case.closed_at,
        )
        .where(_reported_by(resident_id))
        .order_by(Case.id)
        .output(load_json=True)
    )
    return [{"number": case_number(r["id"], r["created_at"]), **r} for r in rows]


async def _ballots(resident_id: int) -> list[dict[str, Any]]:
    return (
        await BallotEvent.select(
            BallotEvent.matter.id.as_alias("matter_id"),
            BallotEvent.matter.title.as_alias("matter_title"),
            BallotEvent.ballot_no,
            BallotEvent.choice,
            BallotEvent.approvals,
            BallotEvent.channel,
            BallotEvent.receipt,
            BallotEvent.at,
        )
        .where((BallotEvent.cast_by_kind == RESIDENT) & (BallotEvent.cast_by_id == resident_id))
        .order_by(BallotEvent.id)
        .output(load_json=True)
    )


def _authored_by(resident_id: int) -> Any:
    return (Comment.author_kind == RESIDENT) & (Comment.author_id == resident_id)


async def _comments(resident_id: int) -> list[dict[str, Any]]:
    return (
        await Comment.select(
            Comment.id,
            Comment.matter.id.as_alias("matter_id"),
            Comment.kind,
            Comment.body,
            Comment.author_name,
            Comment.hidden,
            Comment.created_at,
        )
        .where(_authored_by(resident_id))
        .order_by(Comment.id)
    )


def _addressed_to(table: type[Notification] | type[Outbox], resident_id: int) -> Any:
    return (table.recipient_kind == RecipientKind.resident) & (
        table.recipient_id == str(resident_id)
    )


async def _notifications(resident_id: int) -> list[dict[str, Any]]:
    return (
        await Notification.select(
            Notification.id,
            Notification.kind,
            Notification.case.id.as_alias("case_id"),
            Notification.payload,
            Notification.created_at,
            Notification.read_at,
        )
        .where(_addressed_to(Notification, resident_id))
        .order_by(Notification.id)
        .output(load_json=True)
    )


async def _party(resident_id: int) -> list[dict[str, Any]]:
    return await PartyMember.select(
        PartyMember.id,
        PartyMember.party_org.name.as_alias("party_org"),
        PartyMember.role,
        PartyMember.name,
        PartyMember.joined_on,
    ).where(PartyMember.resident == resident_id)


async def _access_log(resident_id: int) -> list[dict[str, Any]]:
    return (
        await PiiAccessLog.select(
            PiiAccessLog.staff.id.as_alias("staff_id"),
            PiiAccessLog.staff.display_name.as_alias("staff_name"),
            PiiAccessLog.fields,
            PiiAccessLog.reason,
            PiiAccessLog.at,
        )
        .where((PiiAccessLog.subject_kind == RESIDENT) & (PiiAccessLog.subject_id == resident_id))
        .order_by(PiiAccessLog.id)
    )


async def _requests(resident_id: int) -> list[dict[str, Any]]:
    return await (
        PersonalDataRequest.select(
            PersonalDataRequest.kind,
            PersonalDataRequest.requested_by_kind,
            PersonalDataRequest.requested_by_id,
            PersonalDataRequest.reason,
            PersonalDataRequest.at,
        )
        .where(
            (PersonalDataRequest.subject_kind == RESIDENT)
            & (PersonalDataRequest.subject_id == resident_id)
        )
        .order_by(PersonalDataRequest.id)
    )


async def _record(
    actor: Actor, kind: DataRequestKind, row: dict[str, Any], reason: str, summary: dict[str, int]
) -> None:
    await PersonalDataRequest.insert(
        PersonalDataRequest(
            kind=kind,
            subject_kind=RESIDENT,
            subject_id=row["id"],
            unit_prefix=row["unit_prefix"],
            requested_by_kind=actor.kind,
            requested_by_id=actor.id,
            reason=reason,
            summary=summary,
            at=clock.now(),
        )
    )


async def export_resident_data(actor: Actor, resident_id: int, reason: str) -> dict[str, Any]:
    """Everything held about the resident, as one JSON-ready document; the export is recorded
    (and, for staff, logged as a full read) in the transaction that reads it."""
    await access_subject(actor, resident_id)
    why = clean_text(reason, "reason", REASON_MAX, required=True)
    async with write_transaction():
        row = await access_subject(actor, resident_id)
        document: dict[str, Any] = {
            "subject": {"kind": RESIDENT, "id": resident_id},
            "generated_at": clock.now(),
            "profile": await _profile(row),
            "household": await _household(row),
            "owner": await _owner(row),
            "cases_reported": await _cases(resident_id),
            "ballots_cast": await _ballots(resident_id),
            "comments": await _comments(resident_id),
            "notifications": await _notifications(resident_id),
            "party_memberships": await _party(resident_id),
            "pii_access_log": await _access_log(resident_id),
            "data_requests": await _requests(resident_id),
        }
        for name, section in sorted(_SECTIONS.items()):
            document[name] = await section.export(resident_id)
        summary = {
            key: len(value)
            for key, value in document.items()
            if isinstance(value, list) and key != "data_requests"
        }
        if actor.kind == "staff":
            fields = [f for f in ("phone", "id_number") if document["profile"][f] is not None]
            await log_reveal(
                actor, subject_kind=RESIDENT, subject_id=resident_id, fields=fields, reason=why
            )
        await _record(actor, DataRequestKind.export, row, why, summary)
    document["data_requests"] = await _requests(resident_id)
    return plain(document)


async def erase_resident(
    actor: Actor, resident_id: int, reason: str, *, confirmed: bool
) -> dict[str, int]:
    """Erase the resident's personal data and delete the row; cases and ballots stay,
    anonymised. Returns what was touched (also kept in the request record).

    Erasure cannot be undone, so every door makes the caller say ``confirmed`` explicitly
    (checked after access, so a refusal never hints at anything outside the scope)."""
    await access_subject(actor, resident_id)
    why = clean_text(reason, "reason", REASON_MAX, required=True)
    if not confirmed:
        raise DomainError(ErrorCode.ERASURE_UNCONFIRMED)
    ident = str(resident_id)
    async with write_transaction():
        row = await access_subject(actor, resident_id)
        summary = {
            "cases_kept": await Case.count().where(_reported_by(resident_id)),
            "ballots_kept": await BallotEvent.count().where(
                (BallotEvent.cast_by_kind == RESIDENT) & (BallotEvent.cast_by_id == resident_id)
            ),
            "comments_anonymised": await Comment.count().where(_authored_by(resident_id)),
            "notifications_deleted": await Notification.count().where(
                _addressed_to(Notification, resident_id)
            ),
        }
        await Case.update({Case.rating_comment: ""}).where(_reported_by(resident_id))
        await CaseEvent.update({CaseEvent.actor_name: ""}).where(
            (CaseEvent.actor_kind == RESIDENT) & (CaseEvent.actor_id == ident)
        )
        await PhaseEvent.update({PhaseEvent.actor_name: ""}).where(
            (PhaseEvent.actor_kind == RESIDENT) & (PhaseEvent.actor_id == ident)
        )
        await Comment.update({Comment.author_name: ""}).where(_authored_by(resident_id))
        await Notification.delete().where(_addressed_to(Notification, resident_id))
        await Outbox.delete().where(_addressed_to(Outbox, resident_id))
        for name, section in sorted(_SECTIONS.items()):
            summary[name] = await section.erase(resident_id)
        await Resident.delete().where(Resident.id == resident_id)
        await _record(actor, DataRequestKind.erasure, row, why, summary)
    return summary


async def data_requests_about(actor: Actor, resident_id: int) -> list[dict[str, Any]]:
    """The export and erasure records of one resident (also after erasure, for the audit):
    staff with ``personal_data.handle`` over the unit the resident lived in."""
    rows = await (
        PersonalDataRequest.select()
        .where(
            (PersonalDataRequest.subject_kind == RESIDENT)
            & (PersonalDataRequest.subject_id == resident_id)
        )
        .order_by(PersonalDataRequest.id)
        .output(load_json=True)
    )
    if not rows or not actor.may(Action.personal_data, rows[-1]["unit_prefix"]):
        raise not_found("resident", resident_id)
    names = {
        s["id"]: s["display_name"]
        for s in await StaffAccount.select(StaffAccount.id, StaffAccount.display_name).where(
            StaffAccount.id.is_in([r["requested_by_id"] for r in rows] or [0])
        )
    }
    for r in rows:
        if r["requested_by_kind"] == "staff":
            r["requested_by_name"] = names.get(r["requested_by_id"], "")
    return plain(rows)
