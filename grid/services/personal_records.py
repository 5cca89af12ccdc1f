"""What a person's data export reads: one reader per kind of record about a resident.

Used by :mod:`grid.services.personal_data` (export, and the selections erasure anonymises);
each reader returns JSON-ready rows (dates are made text by ``personal_data.plain``).
"""

from __future__ import annotations

from typing import Any

from backend.pii import cipher, open_text
from community.tables import BallotEvent, Comment
from grid.cases.services.moves import case_number
from grid.cases.tables import Case, Notification, Outbox, RecipientKind
from grid.services.house_units import house_label
from grid.tables import (
    Household,
    Owner,
    Ownership,
    PartyMember,
    PersonalDataRequest,
    PiiAccessLog,
    ResidentTag,
)

RESIDENT = "resident"


def revealed(enc: str | None) -> str | None:
    return cipher().decrypt(enc) if enc else None


async def profile(row: dict[str, Any]) -> dict[str, Any]:
    tags = await ResidentTag.select(ResidentTag.tag).where(ResidentTag.resident == row["id"])
    return {
        "id": row["id"],
        "name": open_text(row["name_enc"]),
        "gender": row["gender"] or None,
        "birth_year": row["birth_year"],
        "relation": row["relation"],
        "phone": revealed(row["phone_enc"]),
        "id_number": revealed(row["id_number_enc"]),
        "care_tags": sorted(t["tag"] for t in tags),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


async def household(row: dict[str, Any]) -> dict[str, Any] | None:
    found = (
        await Household.select(
            Household.id,
            Household.tenure,
            Household.house_unit.id.as_alias("house_unit_id"),
            Household.house_unit.building.as_alias("building"),
            Household.house_unit.entrance.as_alias("entrance"),
            Household.house_unit.room.as_alias("room"),
            Household.house_unit.address_enc.as_alias("address_enc"),
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
            "address": open_text(found["address_enc"]),
        },
    }


async def owner(row: dict[str, Any]) -> dict[str, Any] | None:
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
        "name": open_text(owner["name_enc"]),
        "phone": revealed(owner["phone_enc"]),
        "id_number": revealed(owner["id_number_enc"]),
        "house_units": [
            {"id": u["id"], "label": house_label(u["building"], u["entrance"], u["room"])}
            for u in units
        ],
    }


def reported_by(resident_id: int) -> Any:
    return (Case.reporter_kind == RESIDENT) & (Case.reporter_id == str(resident_id))


async def cases(resident_id: int) -> list[dict[str, Any]]:
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
        .where(reported_by(resident_id))
        .order_by(Case.id)
        .output(load_json=True)
    )
    return [{"number": case_number(r["id"], r["created_at"]), **r} for r in rows]


async def ballots(resident_id: int) -> list[dict[str, Any]]:
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


def authored_by(resident_id: int) -> Any:
    return (Comment.author_kind == RESIDENT) & (Comment.author_id == resident_id)


async def comments(resident_id: int) -> list[dict[str, Any]]:
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
        .where(authored_by(resident_id))
        .order_by(Comment.id)
    )


def addressed_to(table: type[Notification] | type[Outbox], resident_id: int) -> Any:
    return (table.recipient_kind == RecipientKind.resident) & (
        table.recipient_id == str(resident_id)
    )


async def notifications(resident_id: int) -> list[dict[str, Any]]:
    return (
        await Notification.select(
            Notification.id,
            Notification.kind,
            Notification.case.id.as_alias("case_id"),
            Notification.payload,
            Notification.created_at,
            Notification.read_at,
        )
        .where(addressed_to(Notification, resident_id))
        .order_by(Notification.id)
        .output(load_json=True)
    )


async def party(resident_id: int) -> list[dict[str, Any]]:
    return await PartyMember.select(
        PartyMember.id,
        PartyMember.party_org.name.as_alias("party_org"),
        PartyMember.role,
        PartyMember.name,
        PartyMember.joined_on,
    ).where(PartyMember.resident == resident_id)


async def access_log(resident_id: int) -> list[dict[str, Any]]:
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


async def requests(resident_id: int) -> list[dict[str, Any]]:
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
