"""Staff sign-in: argon2 passwords, database-backed bearer tokens, login rate limits.

Tokens are random and stored only as a SHA-256 hash; a token dies on logout, on expiry and
when its account's password changes, and every app process sees that at once because the
state is in the database. Failed logins are counted per account and per IP over a sliding
window, also in the database, so limits hold across processes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from backend import clock
from backend.config import Settings
from backend.db import fetch_direct, is_sqlite, write_transaction
from backend.errors import DomainError, ErrorCode
from backend.passwords import check_strength, hash_password, verify_password
from backend.tables import AuthSession, LoginAttempt
from grid.actors import Actor, Grant
from grid.tables import Level, Role, RoleAssignment, StaffAccount


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    actor: Actor


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def _failures_since(column: object, value: str, since: datetime) -> int:
    return await LoginAttempt.count().where(
        (column == value) & (LoginAttempt.success == False) & (LoginAttempt.at >= since)  # noqa: E712
    )


async def _check_rate_limit(username: str, ip: str, settings: Settings) -> None:
    window = timedelta(minutes=settings.login_window_minutes)
    since = clock.now() - window
    if (
        await _failures_since(LoginAttempt.username, username, since)
        >= settings.login_max_failures_per_account
        or await _failures_since(LoginAttempt.ip, ip, since) >= settings.login_max_failures_per_ip
    ):
        raise DomainError(ErrorCode.RATE_LIMITED, retry_after=int(window.total_seconds()))


async def load_actor(staff_id: int) -> Actor:
    staff = await StaffAccount.objects().where(StaffAccount.id == staff_id).first()
    if staff is None:
        raise DomainError(ErrorCode.TOKEN_INVALID)
    rows = await RoleAssignment.select(
        RoleAssignment.role,
        RoleAssignment.unit.id,
        RoleAssignment.unit.prefix,
        RoleAssignment.unit.level,
        RoleAssignment.department,
    ).where(RoleAssignment.staff == staff_id)
    grants = tuple(
        Grant(
            role=Role(r["role"]),
            unit_id=r["unit.id"],
            unit_prefix=r["unit.prefix"],
            unit_level=Level(r["unit.level"]),
            department_id=r["department"],
        )
        for r in rows
    )
    return Actor(kind="staff", id=staff.id, name=staff.display_name, grants=grants)


async def login(username: str, password: str, ip: str, settings: Settings) -> IssuedToken:
    username = username.strip()
    await _check_rate_limit(username, ip, settings)
    staff = await StaffAccount.objects().where(StaffAccount.username == username).first()
    ok = verify_password(staff.password_hash if staff else None, password)
    if not ok or staff is None:
        # Recorded in its own transaction: the refusal must not roll the count back.
        async with write_transaction():
            await LoginAttempt.insert(
                LoginAttempt(username=username, ip=ip, success=False, at=clock.now())
            )
        raise DomainError(ErrorCode.BAD_CREDENTIALS)
    if not staff.active:
        raise DomainError(ErrorCode.ACCOUNT_DISABLED)
    async with write_transaction():
        await LoginAttempt.insert(
            LoginAttempt(username=username, ip=ip, success=True, at=clock.now())
        )
        token = secrets.token_urlsafe(32)
        expires_at = clock.now() + timedelta(hours=settings.token_ttl_hours)
        await AuthSession.insert(
            AuthSession(
                token_hash=_token_hash(token),
                staff=staff.id,
                created_at=clock.now(),
                expires_at=expires_at,
                ip=ip,
            )
        )
    return IssuedToken(token=token, expires_at=expires_at, actor=await load_actor(staff.id))


#: Every request's token check in ONE query (session, account and grants): it runs before
#: every authenticated request, so each round trip here is paid by every endpoint.
_TOKEN_SQL = """
SELECT s.staff AS staff_id, s.created_at AS created_at, s.expires_at AS expires_at,
       s.revoked_at AS revoked_at, a.active AS active,
       a.password_changed_at AS password_changed_at, a.display_name AS display_name,
       r.role AS role, r.department AS department,
       u.id AS unit_id, u.prefix AS unit_prefix, u.level AS unit_level
FROM auth_session s
JOIN staff_account a ON a.id = s.staff
LEFT JOIN role_assignment r ON r.staff = a.id
LEFT JOIN org_unit u ON u.id = r.unit
WHERE s.token_hash = {}
ORDER BY r.id
"""
_TOKEN_SQL_PG = _TOKEN_SQL.format("$1")


def _when(value: object) -> datetime:
    """SQLite hands raw timestamps back as text; PostgreSQL as aware datetimes."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def actor_from_token(token: str) -> Actor:
    if is_sqlite():
        rows = await AuthSession.raw(_TOKEN_SQL, _token_hash(token))
    else:  # asyncpg itself, prepared once per connection: Piccolo's raw() costs ~as much
        rows = await fetch_direct(_TOKEN_SQL_PG, [_token_hash(token)])
    row = rows[0] if rows else None
    if (
        row is None
        or row["revoked_at"] is not None
        or _when(row["expires_at"]) <= clock.now()
        or not row["active"]
        or _when(row["created_at"]) < _when(row["password_changed_at"])
    ):
        raise DomainError(ErrorCode.TOKEN_INVALID)
    grants = tuple(
        Grant(
            role=Role(r["role"]),
            unit_id=r["unit_id"],
            unit_prefix=r["unit_prefix"],
            unit_level=Level(r["unit_level"]),
            department_id=r["department"],
        )
        for r in rows
        if r["role"] is not None
    )
    return Actor(kind="staff", id=row["staff_id"], name=row["display_name"], grants=grants)


async def logout(token: str) -> None:
    async with write_transaction():
        await AuthSession.update({AuthSession.revoked_at: clock.now()}).where(
            (AuthSession.token_hash == _token_hash(token)) & AuthSession.revoked_at.is_null()
        )


async def change_password(actor: Actor, old_password: str, new_password: str) -> None:
    """A new password ends every session of the account, including the current one."""
    staff = await StaffAccount.objects().where(StaffAccount.id == actor.id).first()
    if staff is None or not verify_password(staff.password_hash, old_password):
        raise DomainError(ErrorCode.BAD_CREDENTIALS)
    check_strength(new_password)
    async with write_transaction():
        at = clock.now()
        await StaffAccount.update(
            {
                StaffAccount.password_hash: hash_password(new_password),
                StaffAccount.password_changed_at: at,
            }
        ).where(StaffAccount.id == actor.id)
        await AuthSession.update({AuthSession.revoked_at: at}).where(
            (AuthSession.staff == actor.id) & AuthSession.revoked_at.is_null()
        )
