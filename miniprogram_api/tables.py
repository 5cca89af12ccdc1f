"""What the mini-program keeps: WeChat identities, app sessions, binding codes and requests,
and the grid workers' patrol log (巡查走访)."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from grid.tables import Household, HouseUnit, OrgUnit, Resident, StaffAccount


class WxIdentity(Table, tablename="mp_wx_identity"):
    """One WeChat user of the mini-program (openid), bound to a resident and/or a staff account.

    ``session_key`` is WeChat's key for this user's encrypted data: sealed at rest with the PII
    key and never sent to any client."""

    openid = Varchar(length=64, unique=True)
    unionid = Varchar(length=64, null=True, default=None)
    session_key_sealed = Text(default="")
    resident = ForeignKey(Resident, null=True, default=None, on_delete=OnDelete.set_null)
    staff = ForeignKey(StaffAccount, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(default=TimestamptzNow())


class MpSession(Table, tablename="mp_session"):
    """An app session token, stored only as its SHA-256 (as staff tokens are)."""

    token_hash = Varchar(length=64, unique=True)
    identity = ForeignKey(WxIdentity, on_delete=OnDelete.cascade)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class BindingKind(StrEnum):
    resident = "resident"
    staff = "staff"


class BindingCode(Table, tablename="mp_binding_code"):
    """A one-time code: staff hand it to a resident (for a household) or to themselves."""

    code_hash = Varchar(length=64, unique=True)
    kind = Varchar(length=16, choices=BindingKind)
    household = ForeignKey(Household, null=True, default=None, on_delete=OnDelete.cascade)
    resident = ForeignKey(Resident, null=True, default=None, on_delete=OnDelete.cascade)
    staff = ForeignKey(StaffAccount, null=True, default=None, on_delete=OnDelete.cascade)
    unit_prefix = Varchar(length=18, default="", index=True)
    issued_by = Integer()
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    used_by = Integer(null=True, default=None)


class RequestStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    denied = "denied"


class BindingRequest(Table, tablename="mp_binding_request"):
    """A resident without a code asks to be bound: name + house unit, staff decide."""

    identity = ForeignKey(WxIdentity, on_delete=OnDelete.cascade)
    name = Varchar(length=64)
    house_unit = ForeignKey(HouseUnit, on_delete=OnDelete.cascade)
    unit_prefix = Varchar(length=18, index=True)
    note = Text(default="")
    status = Varchar(length=16, choices=RequestStatus, default=RequestStatus.pending, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    decided_at = Timestamptz(null=True, default=None)
    decided_by = Integer(null=True, default=None)
    resident = ForeignKey(Resident, null=True, default=None, on_delete=OnDelete.set_null)
    reason = Text(default="")


class PatrolVisit(Table, tablename="mp_patrol_visit"):
    """巡查走访: a grid worker's visit to a household or a place, with a note and photos."""

    staff = ForeignKey(StaffAccount, on_delete=OnDelete.cascade)
    unit = ForeignKey(OrgUnit, on_delete=OnDelete.cascade)
    unit_prefix = Varchar(length=18, index=True)
    household = ForeignKey(Household, null=True, default=None, on_delete=OnDelete.set_null)
    place = Varchar(length=200, default="")
    lon = Float(null=True, default=None)
    lat = Float(null=True, default=None)
    coord_system = Varchar(length=8, default="gcj02")
    note = Text()
    photo_ids = JSON(default=[])
    client_id = Varchar(length=64)
    visited_at = Timestamptz(default=TimestamptzNow())
    created_at = Timestamptz(default=TimestamptzNow())
    found_problem = Boolean(default=False)
