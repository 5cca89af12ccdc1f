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
from community.tables import BallotEvent, Comment, PhaseEvent
from grid.actors import Actor, authorize
from grid.cases.tables import Case, CaseEvent, Notification, Outbox
from grid.permissions import Action
from grid.services import personal_records as records
from grid.services.people_fields import clean_text
from grid.services.personal_records import RESIDENT
from grid.services.pii_views import REASON_MAX, log_reveal
from grid.tables import (
    DataRequestKind,
    PersonalDataRequest,
    Resident,
    StaffAccount,
)


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
            "profile": await records.profile(row),
            "household": await records.household(row),
            "owner": await records.owner(row),
            "cases_reported": await records.cases(resident_id),
            "ballots_cast": await records.ballots(resident_id),
            "comments": await records.comments(resident_id),
            "notifications": await records.notifications(resident_id),
            "party_memberships": await records.party(resident_id),
            "pii_access_log": await records.access_log(resident_id),
            "data_requests": await records.requests(resident_id),
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
    document["data_requests"] = await records.requests(resident_id)
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
    async with write_transaction():
        row = await access_subject(actor, resident_id)
        summary = await anonymise_and_delete(resident_id)
        await _record(actor, DataRequestKind.erasure, row, why, summary)
    return summary


async def anonymise_and_delete(resident_id: int) -> dict[str, int]:
    """What erasure does to the data, without the access check and the request record: the
    name out of every history, their messages gone, the row deleted. Also the path of a plain
    register deletion (:func:`grid.services.residents.delete_resident`), so a deleted person
    leaves no more behind than an erased one. Call inside a write transaction."""
    ident = str(resident_id)
    summary = {
        "cases_kept": await Case.count().where(records.reported_by(resident_id)),
        "ballots_kept": await BallotEvent.count().where(
            (BallotEvent.cast_by_kind == RESIDENT) & (BallotEvent.cast_by_id == resident_id)
        ),
        "comments_anonymised": await Comment.count().where(records.authored_by(resident_id)),
        "notifications_deleted": await Notification.count().where(
            records.addressed_to(Notification, resident_id)
        ),
    }
    await Case.update({Case.rating_comment: ""}).where(records.reported_by(resident_id))
    await CaseEvent.update({CaseEvent.actor_name: ""}).where(
        (CaseEvent.actor_kind == RESIDENT) & (CaseEvent.actor_id == ident)
    )
    await PhaseEvent.update({PhaseEvent.actor_name: ""}).where(
        (PhaseEvent.actor_kind == RESIDENT) & (PhaseEvent.actor_id == ident)
    )
    await Comment.update({Comment.author_name: ""}).where(records.authored_by(resident_id))
    await Notification.delete().where(records.addressed_to(Notification, resident_id))
    await Outbox.delete().where(records.addressed_to(Outbox, resident_id))
    for name, section in sorted(_SECTIONS.items()):
        summary[name] = await section.erase(resident_id)
    await Resident.delete().where(Resident.id == resident_id)
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
