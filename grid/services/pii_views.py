"""What of a person's data each caller sees, and the log of every full read.

The rules, in one place (docs/people.md explains them):

* Phone and ID numbers leave the services **masked** (``138****5678``, ``500***********1234``),
  in every output — lists, single reads, owners, households.
* A full read ("reveal") is for the people who work with residents face to face: roles with
  ``Action.pii_reveal`` in the resident's scope (grid worker, grid leader, community staff). The
  caller gives a reason; the read and its :class:`PiiAccessLog` row happen in one transaction,
  so no full value leaves without its log row. Anyone else asking gets 403 (or 404 outside
  their read scope).
* Names are shown in full to roles that may *maintain* the record (``resident.manage``: the
  frontline roles and admins) — they need them to work. Read-only overseers (street, district
  and city center staff) see masked names (张*, 欧**娜): they supervise numbers and cases, and
  do not need to know who lives where.
"""

from __future__ import annotations

from backend import clock
from backend.pii import cipher, mask_id_number, mask_name, mask_phone
from grid.actors import Actor, authorize
from grid.permissions import Action
from grid.services.people_fields import clean_text
from grid.tables import PiiAccessLog

REASON_MAX = 200


def shown_name(actor: Actor, prefix: str, name: str) -> str:
    return name if actor.may(Action.resident_manage, prefix) else mask_name(name)


def shown_phone(enc: str | None, *, reveal: bool = False) -> str | None:
    if not enc:
        return None
    phone = cipher().decrypt(enc)
    return phone if reveal else mask_phone(phone)


def shown_id_number(enc: str | None, *, reveal: bool = False) -> str | None:
    if not enc:
        return None
    number = cipher().decrypt(enc)
    return number if reveal else mask_id_number(number)


def check_reveal(actor: Actor, prefix: str, *, kind: str, ident: object, reason: str) -> str:
    """Refuse a full read the actor may not make; the cleaned reason to log otherwise."""
    authorize(actor, Action.pii_reveal, prefix, read=Action.resident_read, kind=kind, ident=ident)
    return clean_text(reason, "reason", REASON_MAX, required=True)


async def log_reveal(
    actor: Actor, *, subject_kind: str, subject_id: int, fields: list[str], reason: str
) -> None:
    """Record one full read; call inside the transaction that serves the read."""
    if not fields:
        return
    await PiiAccessLog.insert(
        PiiAccessLog(
            staff=actor.id,
            subject_kind=subject_kind,
            subject_id=subject_id,
            fields=",".join(fields),
            reason=reason,
            at=clock.now(),
        )
    )
