"""Residents (居民): the people of a household, their care tags and their link to an owner.

Phone and ID number are optional and validated (mobile format; ID check digit), stored sealed
(:mod:`backend.pii`) and shown masked; a logged full read is :func:`get_resident` with
``reveal=True`` (rules in :mod:`grid.services.pii_views`). One ID number is one person: a
second resident with the same ID number is refused — move the existing one instead. A resident
whose ID number is an owner's is linked to that :class:`Owner`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.columns.combination import Or, Where

from backend import clock
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode, forbidden
from backend.pii import (
    cipher,
    id_number_lookup_hash,
    name_matches,
    normalize_id_number,
    open_text,
    phone_lookup_hash,
    seal_id_number,
    seal_phone,
    seal_text,
    tokens_are_exact,
)
from grid.actors import Actor
from grid.services.house_units import house_label
from grid.services.people_access import (
    MANAGE,
    access_house_unit,
    access_household,
    access_resident,
    read_prefixes,
    under,
)
from grid.services.people_fields import (
    KEEP,
    NAME_MAX,
    RELATION_MAX,
    Gender,
    Keep,
    check_birth_year,
    clean_text,
    reconcile_with_id,
)
from grid.services.personal_data import anonymise_and_delete
from grid.services.pii_views import (
    check_reveal,
    log_reveal,
    shown_id_number,
    shown_name,
    shown_phone,
)
from grid.services.resident_ids import fresh_resident_ids
from grid.services.resident_names import index_names, name_candidates
from grid.tables import CareTag, Household, Owner, Resident, ResidentTag


@dataclass(frozen=True)
class ResidentDraft:
    household_id: int
    name: str
    gender: Gender | None = None
    birth_year: int | None = None
    relation: str = ""
    phone: str | None = None
    id_number: str | None = None
    tags: tuple[CareTag, ...] = ()


@dataclass(frozen=True)
class ResidentChanges:
    """Fields to change; ``KEEP`` leaves one as it is, ``None`` clears an optional one."""

    household_id: int | Keep = KEEP
    name: str | Keep = KEEP
    gender: Gender | Keep | None = KEEP
    birth_year: int | Keep | None = KEEP
    relation: str | Keep = KEEP
    phone: str | Keep | None = KEEP
    id_number: str | Keep | None = KEEP
    tags: tuple[CareTag, ...] | Keep = KEEP


@dataclass(frozen=True)
class ResidentView:
    id: int
    household_id: int
    house_unit_id: int
    house_unit_label: str
    micro_grid_id: int
    unit_prefix: str
    name: str
    gender: Gender | None
    birth_year: int | None
    relation: str
    phone: str | None
    id_number: str | None
    tags: list[CareTag]
    owner_id: int | None
    revealed: bool
    created_at: datetime
    updated_at: datetime


_COLUMNS = (
    Resident.id,
    Resident.household,
    Resident.unit_prefix,
    Resident.name_enc,
    Resident.gender,
    Resident.birth_year,
    Resident.relation,
    Resident.phone_enc,
    Resident.id_number_enc,
    Resident.owner,
    Resident.created_at,
    Resident.updated_at,
    Resident.household.house_unit.id.as_alias("house_unit_id"),
    Resident.household.house_unit.micro_grid.as_alias("micro_grid_id"),
    Resident.household.house_unit.building.as_alias("building"),
    Resident.household.house_unit.entrance.as_alias("entrance"),
    Resident.household.house_unit.room.as_alias("room"),
)
_TAG_ORDER = {tag: i for i, tag in enumerate(CareTag)}


async def _tags_of(ids: list[int]) -> dict[int, list[CareTag]]:
    out: dict[int, list[CareTag]] = {i: [] for i in ids}
    if ids:
        for r in await ResidentTag.select(ResidentTag.resident, ResidentTag.tag).where(
            ResidentTag.resident.is_in(ids)
        ):
            out[r["resident"]].append(CareTag(r["tag"]))
    for tags in out.values():
        tags.sort(key=_TAG_ORDER.__getitem__)
    return out


async def _views(
    actor: Actor, rows: list[dict[str, Any]], *, reveal: bool = False
) -> list[ResidentView]:
    tags = await _tags_of([r["id"] for r in rows])
    return [
        ResidentView(
            id=r["id"],
            household_id=r["household"],
            house_unit_id=r["house_unit_id"],
            house_unit_label=house_label(r["building"], r["entrance"], r["room"]),
            micro_grid_id=r["micro_grid_id"],
            unit_prefix=r["unit_prefix"],
            name=shown_name(actor, r["unit_prefix"], open_text(r["name_enc"])),
            gender=Gender(r["gender"]) if r["gender"] else None,
            birth_year=r["birth_year"],
            relation=r["relation"],
            phone=shown_phone(r["phone_enc"], reveal=reveal),
            id_number=shown_id_number(r["id_number_enc"], reveal=reveal),
            tags=tags[r["id"]],
            owner_id=r["owner"],
            revealed=reveal,
            created_at=r["created_at"],
            updated_at=r["updated_at"],
        )
        for r in rows
    ]


async def _one(actor: Actor, resident_id: int, *, reveal: bool = False) -> ResidentView:
    rows = await Resident.select(*_COLUMNS).where(Resident.id == resident_id)
    return (await _views(actor, rows, reveal=reveal))[0]


async def get_resident(
    actor: Actor, resident_id: int, *, reveal: bool = False, reason: str = ""
) -> ResidentView:
    """One resident, masked; ``reveal=True`` is a full read, allowed to the frontline roles in
    scope with a reason, and logged in the transaction that reads it."""
    row = await access_resident(actor, resident_id)
    if not reveal:
        return await _one(actor, resident_id)
    why = check_reveal(actor, row["unit_prefix"], kind="resident", ident=resident_id, reason=reason)
    async with write_transaction():
        view = await _one(actor, resident_id, reveal=True)
        fields = [f for f in ("phone", "id_number") if getattr(view, f) is not None]
        await log_reveal(
            actor, subject_kind="resident", subject_id=resident_id, fields=fields, reason=why
        )
    return view


async def _owner_for(id_hash: str | None) -> int | None:
    if not id_hash:
        return None
    row = await Owner.select(Owner.id).where(Owner.id_number_hash == id_hash).first()
    return int(row["id"]) if row else None


async def _check_unique_id(id_hash: str | None, own_id: int = 0) -> None:
    if id_hash and await Resident.exists().where(
        (Resident.id_number_hash == id_hash) & (Resident.id != own_id)
    ):
        raise DomainError(ErrorCode.RESIDENT_DUPLICATE)


async def _replace_tags(resident_id: int, tags: tuple[CareTag, ...]) -> None:
    await ResidentTag.delete().where(ResidentTag.resident == resident_id)
    if tags:
        await ResidentTag.insert(
            *[ResidentTag(resident=resident_id, tag=t) for t in dict.fromkeys(tags)]
        )


async def create_resident(actor: Actor, draft: ResidentDraft) -> ResidentView:
    household = await access_household(actor, draft.household_id, MANAGE)
    name = clean_text(draft.name, "name", NAME_MAX, required=True)
    relation = clean_text(draft.relation, "relation", RELATION_MAX)
    id_number = normalize_id_number(draft.id_number) if draft.id_number else None
    gender, birth_year = reconcile_with_id(id_number, draft.gender, draft.birth_year)
    check_birth_year(birth_year)
    phone, sealed_id = seal_phone(draft.phone), seal_id_number(id_number)
    now = clock.now()
    async with write_transaction():
        await _check_unique_id(sealed_id.hash)
        fresh = await fresh_resident_ids(1)
        row = await Resident.insert(
            Resident(
                **({"id": fresh[0]} if fresh else {}),
                household=household["id"],
                unit_prefix=household["unit_prefix"],
                name_enc=seal_text(name),
                gender=gender or "",
                birth_year=birth_year,
                relation=relation,
                phone_enc=phone.enc,
                phone_hash=phone.hash,
                id_number_enc=sealed_id.enc,
                id_number_hash=sealed_id.hash,
                owner=await _owner_for(sealed_id.hash),
                created_at=now,
                updated_at=now,
            )
        ).returning(Resident.id)
        await _replace_tags(row[0]["id"], draft.tags)
        await index_names([(row[0]["id"], name)])
    return await _one(actor, row[0]["id"])


def _pick(change: Any, current: Any) -> Any:
    return current if isinstance(change, Keep) else change


async def update_resident(actor: Actor, resident_id: int, changes: ResidentChanges) -> ResidentView:
    row = await access_resident(actor, resident_id, MANAGE)
    values: dict[Any, Any] = {}
    if not isinstance(changes.household_id, Keep) and changes.household_id != row["household"]:
        target = await access_household(actor, changes.household_id, MANAGE)
        values[Resident.household] = target["id"]
        values[Resident.unit_prefix] = target["unit_prefix"]
    new_name = None
    if not isinstance(changes.name, Keep):
        new_name = clean_text(changes.name, "name", NAME_MAX, required=True)
        values[Resident.name_enc] = seal_text(new_name)
    if not isinstance(changes.relation, Keep):
        values[Resident.relation] = clean_text(changes.relation, "relation", RELATION_MAX)
    if not isinstance(changes.phone, Keep):
        phone = seal_phone(changes.phone)
        values[Resident.phone_enc], values[Resident.phone_hash] = phone.enc, phone.hash
    if isinstance(changes.id_number, Keep):
        id_number = cipher().decrypt(row["id_number_enc"]) if row["id_number_enc"] else None
    else:
        id_number = normalize_id_number(changes.id_number) if changes.id_number else None
        sealed_id = seal_id_number(id_number)
        values[Resident.id_number_enc] = sealed_id.enc
        values[Resident.id_number_hash] = sealed_id.hash
    # a new ID number brings its own birth year and gender unless the caller gives them
    fresh_id = not isinstance(changes.id_number, Keep) and id_number is not None
    current_gender = Gender(row["gender"]) if row["gender"] else None
    gender, birth_year = reconcile_with_id(
        id_number,
        _pick(changes.gender, None if fresh_id else current_gender),
        _pick(changes.birth_year, None if fresh_id else row["birth_year"]),
    )
    values[Resident.gender] = gender or ""
    values[Resident.birth_year] = check_birth_year(birth_year)
    values[Resident.updated_at] = clock.now()
    async with write_transaction():
        if Resident.id_number_hash in values:
            await _check_unique_id(values[Resident.id_number_hash], own_id=resident_id)
            values[Resident.owner] = await _owner_for(values[Resident.id_number_hash])
        await Resident.update(values).where(Resident.id == resident_id)
        if new_name is not None:
            await index_names([(resident_id, new_name)])
        if not isinstance(changes.tags, Keep):
            await _replace_tags(resident_id, changes.tags)
    return await _one(actor, resident_id)


async def set_tags(actor: Actor, resident_id: int, tags: tuple[CareTag, ...]) -> ResidentView:
    return await update_resident(actor, resident_id, ResidentChanges(tags=tags))


async def delete_resident(actor: Actor, resident_id: int) -> None:
    """Take a resident off the register (moved away, entered by mistake). Their name leaves
    case and matter histories and comments exactly as on a PIPL erasure — a deletion must not
    leave more behind than an erasure — but no erasure request is recorded: it is the
    register's correction, not the person's request."""
    await access_resident(actor, resident_id, MANAGE)
    async with write_transaction():
        await anonymise_and_delete(resident_id)


def _identity_search_scope(actor: Actor) -> Where | Or:
    """Where a search by name, phone or ID number may look: only where names are shown.

    A hit on a search confirms that a named person lives in a place, so read-only overseers,
    who see masked names, may not search by who someone is (they filter by unit and tag).
    """
    prefixes = actor.scope_prefixes(MANAGE)
    if not prefixes:
        raise forbidden(str(MANAGE))
    return under(Resident.unit_prefix, prefixes)


async def list_residents(
    actor: Actor,
    *,
    unit_id: int | None = None,
    house_unit_id: int | None = None,
    household_id: int | None = None,
    tag: CareTag | None = None,
    name_contains: str | None = None,
    phone: str | None = None,
    id_number: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[ResidentView], int]:
    """Residents in scope, masked, by id; phone and ID number filters are exact matches."""
    condition: Any = under(Resident.unit_prefix, await read_prefixes(actor, unit_id))
    if house_unit_id is not None:
        await access_house_unit(actor, house_unit_id)
        in_unit = Household.select(Household.id).where(Household.house_unit == house_unit_id)
        condition &= Resident.household.is_in(in_unit)
    if household_id is not None:
        await access_household(actor, household_id)
        condition &= Resident.household == household_id
    if tag is not None:
        tagged = ResidentTag.select(ResidentTag.resident).where(ResidentTag.tag == tag)
        condition &= Resident.id.is_in(tagged)
    identifying = bool(name_contains and name_contains.strip()) or bool(phone) or bool(id_number)
    if identifying:
        condition &= _identity_search_scope(actor)
    term = name_contains.strip() if name_contains else ""
    if term:
        condition &= name_candidates(term)
    if phone:
        condition &= Resident.phone_hash == phone_lookup_hash(phone)
    if id_number:
        condition &= Resident.id_number_hash == id_number_lookup_hash(id_number)
    if term and not tokens_are_exact(term):
        # names are sealed: the token index gives candidates, the clear name decides
        found = await Resident.select(*_COLUMNS).where(condition).order_by(Resident.id)
        hits = [r for r in found if name_matches(open_text(r["name_enc"]), term)]
        return await _views(actor, hits[offset : offset + limit]), len(hits)
    total = await Resident.count().where(condition)
    rows = (
        await Resident.select(*_COLUMNS)
        .where(condition)
        .order_by(Resident.id)
        .offset(offset)
        .limit(limit)
    )
    return await _views(actor, rows), total
