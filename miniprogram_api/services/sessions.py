"""Mini-program sign-in and the app session behind every ``/mp/v1`` request.

The WeChat ``session_key`` stays on the server (sealed with the PII key); the client gets
only a random app token, stored as its SHA-256 like staff tokens. One WeChat identity may be
bound to a resident (who reports, follows cases, votes) and to a staff account (a grid worker
working cases): :class:`Principal` carries an :class:`~grid.actors.Actor` for each.

A staff account's new password (changed by its owner or reset by an admin) ends its staff API
sessions, and here too: a mini-program session older than the password is refused, and a
binding made before it no longer carries the staff account, so whoever bound a WeChat with a
stolen password loses it with the password (the owner binds again with a fresh code).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from backend import clock, pii
from backend.auth import load_actor
from backend.config import Settings
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode
from backend.pii import open_text
from grid.actors import Actor
from grid.tables import StaffAccount
from miniprogram_api import wechat
from miniprogram_api.tables import BindingCode, BindingKind, MpSession, WxIdentity


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    identity_id: int
    resident: Actor | None
    staff: Actor | None

    def as_resident(self) -> Actor:
        if self.resident is None:
            raise DomainError(ErrorCode.MP_NOT_BOUND, what="住户")
        return self.resident

    def as_staff(self) -> Actor:
        if self.staff is None:
            raise DomainError(ErrorCode.MP_NOT_BOUND, what="工作人员账号")
        return self.staff


@dataclass(frozen=True)
class SignedIn:
    token: str
    expires_at: datetime
    principal: Principal
    new_user: bool


async def sign_in(settings: Settings, code: str) -> SignedIn:
    code = code.strip()
    if not 1 <= len(code) <= 128:
        raise DomainError(ErrorCode.MP_WX_CODE_INVALID)
    wx = await wechat.code_to_session(settings, code)
    now = clock.now()
    sealed = pii.cipher().encrypt(wx.session_key)
    async with write_transaction():
        row = await WxIdentity.select(WxIdentity.id).where(WxIdentity.openid == wx.openid).first()
        new_user = row is None
        if row is None:
            created = await WxIdentity.insert(
                WxIdentity(
                    openid=wx.openid,
                    unionid=wx.unionid,
                    session_key_sealed=sealed,
                    created_at=now,
                    last_login_at=now,
                )
            ).returning(WxIdentity.id)
            identity_id = created[0]["id"]
        else:
            identity_id = row["id"]
            await WxIdentity.update(
                {WxIdentity.session_key_sealed: sealed, WxIdentity.last_login_at: now}
            ).where(WxIdentity.id == identity_id)
        token = secrets.token_urlsafe(32)
        expires_at = now + timedelta(hours=settings.mp_token_ttl_hours)
        await MpSession.insert(
            MpSession(
                token_hash=token_hash(token),
                identity=identity_id,
                created_at=now,
                expires_at=expires_at,
            )
        )
    return SignedIn(token, expires_at, await principal_of(identity_id), new_user)


def _when(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def principal_of(identity_id: int) -> Principal:
    row = (
        await WxIdentity.select(
            WxIdentity.id,
            WxIdentity.resident,
            WxIdentity.resident.name_enc,
            WxIdentity.staff,
            WxIdentity.staff.active,
        )
        .where(WxIdentity.id == identity_id)
        .first()
    )
    if row is None:
        raise DomainError(ErrorCode.TOKEN_INVALID)
    resident = None
    if row["resident"] is not None:
        resident = Actor(
            kind="resident", id=row["resident"], name=open_text(row["resident.name_enc"])
        )
    staff = None
    if row["staff"] is not None and row["staff.active"]:
        if await _bound_since_password(identity_id, row["staff"]):
            staff = await load_actor(row["staff"])
    return Principal(identity_id, resident, staff)


async def _bound_since_password(identity_id: int, staff_id: int) -> bool:
    """Whether this identity's staff binding (the code it used) is newer than the account's
    password; bindings are made only with codes, so no code means no binding to honour."""
    account = (
        await StaffAccount.select(StaffAccount.password_changed_at)
        .where(StaffAccount.id == staff_id)
        .first()
    )
    used = (
        await BindingCode.select(BindingCode.used_at)
        .where(
            (BindingCode.used_by == identity_id)
            & (BindingCode.staff == staff_id)
            & (BindingCode.kind == BindingKind.staff)
            & BindingCode.used_at.is_not_null()
        )
        .order_by(BindingCode.used_at, ascending=False)
        .first()
    )
    if account is None or used is None:
        return False
    return _when(used["used_at"]) >= _when(account["password_changed_at"])


async def principal_from_token(token: str) -> Principal:
    row = (
        await MpSession.select(
            MpSession.identity,
            MpSession.created_at,
            MpSession.expires_at,
            MpSession.revoked_at,
            MpSession.identity.staff.password_changed_at.as_alias("password_changed_at"),
        )
        .where(MpSession.token_hash == token_hash(token))
        .first()
    )
    if row is None or row["revoked_at"] is not None or _when(row["expires_at"]) <= clock.now():
        raise DomainError(ErrorCode.TOKEN_INVALID)
    changed = row["password_changed_at"]
    if changed is not None and _when(row["created_at"]) < _when(changed):
        raise DomainError(ErrorCode.TOKEN_INVALID)
    return await principal_of(row["identity"])


async def sign_out(token: str) -> None:
    async with write_transaction():
        await MpSession.update({MpSession.revoked_at: clock.now()}).where(
            (MpSession.token_hash == token_hash(token)) & MpSession.revoked_at.is_null()
        )
