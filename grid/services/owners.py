"""Owners (业主) of house units: who they are across units, and each unit's co-owners.

An owner is one row however many units they hold, found again by the keyed hash of their ID
number (a person's resident ID, or a company's unified social credit code). That is what the
Civil Code count needs ("all units of one buyer count as one owner"). Without an ID number a
person can only be recognised on the same unit (same name), and a developer or organization by
its kind and name. Co-owners are several :class:`Ownership` rows on one unit.

These helpers run inside the caller's write transaction; authorization is the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from backend.pii import (
    cipher,
    name_lookup_hash,
    open_text,
    seal_id_number,
    seal_phone,
    seal_text,
)
from grid.actors import Actor
from grid.services.people_fields import NAME_MAX, clean_text, normalize_credit_code
from grid.services.pii_views import shown_id_number, shown_name, shown_phone
from grid.tables import Owner, OwnerKind, Ownership, Resident


@dataclass(frozen=True)
class OwnerSpec:
    """An owner as the caller describes them (plaintext; sealed by :func:`seal_owner`)."""

    name: str
    kind: OwnerKind = OwnerKind.person
    id_number: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class SealedOwner:
    kind: OwnerKind
    name: str
    id_enc: str | None
    id_hash: str | None
    phone_enc: str | None
    phone_hash: str | None


@dataclass(frozen=True)
class OwnerView:
    id: int
    kind: OwnerKind
    name: str
    id_number: str | None
    phone: str | None


def seal_owner(spec: OwnerSpec) -> SealedOwner:
    """Validate and encrypt; a person's ID is a resident ID, others' a credit code."""
    name = clean_text(spec.name, "name", NAME_MAX, required=True)
    id_enc = id_hash = None
    if spec.id_number and spec.id_number.strip():
        if spec.kind is OwnerKind.person:
            sealed = seal_id_number(spec.id_number)
            id_enc, id_hash = sealed.enc, sealed.hash
        else:
            code = normalize_credit_code(spec.id_number)
            id_enc, id_hash = cipher().encrypt(code), cipher().blind_index(code)
    phone = seal_phone(spec.phone.strip() if spec.phone else None)
    return SealedOwner(spec.kind, name, id_enc, id_hash, phone.enc, phone.hash)


async def _update_owner(row: dict[str, Any], owner: SealedOwner) -> None:
    changes: dict[Any, Any] = {}
    if open_text(row["name_enc"]) != owner.name:
        changes[Owner.name_enc] = seal_text(owner.name)
        changes[Owner.name_hash] = name_lookup_hash(owner.name)
    if row["kind"] != owner.kind:
        changes[Owner.kind] = owner.kind
    if owner.phone_hash and row["phone_hash"] != owner.phone_hash:
        changes[Owner.phone_enc] = owner.phone_enc
        changes[Owner.phone_hash] = owner.phone_hash
    if owner.id_hash and row["id_number_hash"] != owner.id_hash:
        changes[Owner.id_number_enc] = owner.id_enc
        changes[Owner.id_number_hash] = owner.id_hash
    if changes:
        await Owner.update(changes).where(Owner.id == row["id"])


async def find_or_create_owner(owner: SealedOwner, house_unit_id: int) -> int:
    """The one Owner row for this owner (updated with what the caller now says), or a new one."""
    row: dict[str, Any] | None
    if owner.id_hash:
        row = await Owner.select().where(Owner.id_number_hash == owner.id_hash).first()
    elif owner.kind is OwnerKind.person:
        row = (
            await Owner.select()
            .where(
                (Owner.name_hash == name_lookup_hash(owner.name))
                & (Owner.kind == OwnerKind.person)
                & Owner.id.is_in(
                    Ownership.select(Ownership.owner).where(Ownership.house_unit == house_unit_id)
                )
            )
            .first()
        )
    else:
        row = (
            await Owner.select()
            .where(
                (Owner.name_hash == name_lookup_hash(owner.name))
                & (Owner.kind == owner.kind)
                & Owner.id_number_hash.is_null()
            )
            .first()
        )
    if row is not None:
        await _update_owner(row, owner)
        return int(row["id"])
    inserted = await Owner.insert(
        Owner(
            kind=owner.kind,
            name_enc=seal_text(owner.name),
            name_hash=name_lookup_hash(owner.name),
            id_number_enc=owner.id_enc,
            id_number_hash=owner.id_hash,
            phone_enc=owner.phone_enc,
            phone_hash=owner.phone_hash,
        )
    ).returning(Owner.id)
    return int(inserted[0]["id"])


async def link_residents(owner_id: int, id_hash: str | None) -> None:
    """Residents with the owner's ID number are that owner (the resident ↔ owner link)."""
    if id_hash:
        await Resident.update({Resident.owner: owner_id}).where(Resident.id_number_hash == id_hash)


async def drop_orphan_owners(owner_ids: Iterable[int]) -> None:
    """Owners who no longer own any unit are deleted: no personal data kept without purpose."""
    ids = list(set(owner_ids))
    if not ids:
        return
    still = {
        r["owner"]
        for r in await Ownership.select(Ownership.owner).where(Ownership.owner.is_in(ids))
    }
    gone = [i for i in ids if i not in still]
    if gone:
        await Owner.delete().where(Owner.id.is_in(gone))


async def replace_owners(house_unit_id: int, owners: list[SealedOwner]) -> list[int]:
    """Make ``owners`` the unit's co-owners; returns their ids in the given order."""
    ids: list[int] = []
    for owner in owners:
        owner_id = await find_or_create_owner(owner, house_unit_id)
        if owner_id not in ids:
            ids.append(owner_id)
        await link_residents(owner_id, owner.id_hash)
    current = {
        r["owner"]
        for r in await Ownership.select(Ownership.owner).where(
            Ownership.house_unit == house_unit_id
        )
    }
    removed = current - set(ids)
    if removed:
        await Ownership.delete().where(
            (Ownership.house_unit == house_unit_id) & Ownership.owner.is_in(list(removed))
        )
        await drop_orphan_owners(removed)
    added = [i for i in ids if i not in current]
    if added:
        await Ownership.insert(*[Ownership(house_unit=house_unit_id, owner=i) for i in added])
    return ids


async def owners_of(
    actor: Actor, units: list[dict[str, Any]], *, reveal: bool = False
) -> dict[int, list[OwnerView]]:
    """Each unit's owners, masked (unless a checked and logged ``reveal``), in one query;
    names follow the unit's name rule."""
    if not units:
        return {}
    prefix_of_unit = {u["id"]: u["unit_prefix"] for u in units}
    rows = (
        await Ownership.select(
            Ownership.house_unit,
            Ownership.owner.id.as_alias("owner_id"),
            Ownership.owner.kind.as_alias("kind"),
            Ownership.owner.name_enc.as_alias("name_enc"),
            Ownership.owner.id_number_enc.as_alias("id_number_enc"),
            Ownership.owner.phone_enc.as_alias("phone_enc"),
        )
        .where(Ownership.house_unit.is_in(list(prefix_of_unit)))
        .order_by(Ownership.id)
    )
    out: dict[int, list[OwnerView]] = {u["id"]: [] for u in units}
    for r in rows:
        unit_id = r["house_unit"]
        out[unit_id].append(
            OwnerView(
                id=r["owner_id"],
                kind=OwnerKind(r["kind"]),
                name=shown_name(actor, prefix_of_unit[unit_id], open_text(r["name_enc"])),
                id_number=shown_id_number(r["id_number_enc"], reveal=reveal),
                phone=shown_phone(r["phone_enc"], reveal=reveal),
            )
        )
    return out
