"""Auth state kept in the database so every app process agrees on it (logout, rate limits)."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from grid.tables import StaffAccount


class AuthSession(Table, tablename="auth_session"):
    """A bearer token, stored only as its SHA-256, so a database leak leaks no usable token."""

    token_hash = Varchar(length=64, unique=True)
    staff = ForeignKey(StaffAccount, on_delete=OnDelete.cascade)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    ip = Varchar(length=64, default="")


class LoginAttempt(Table, tablename="login_attempt"):
    username = Varchar(length=64, index=True)
    ip = Varchar(length=64, index=True)
    success = Boolean(default=False)
    at = Timestamptz(default=TimestamptzNow(), index=True)
