"""Auth state kept in the database so every app process agrees on it (logout, rate limits)."""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, Boolean, ForeignKey, OnDelete, Text, Timestamptz, Varchar
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


class Open311Client(Table, tablename="open311_client"):
    """An Open311 client (a city app, FixMyStreet) and its API key, issued by an admin.

    Only the key's SHA-256 is stored: a database leak leaks no usable key."""

    name = Varchar(length=100)
    key_hash = Varchar(length=64, unique=True)
    created_by = ForeignKey(StaffAccount, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)


class Open311Request(Table, tablename="open311_request"):
    """What an Open311 POST brought besides the report: its token, attributes, a media URL
    kept as a reference (never fetched) and the contact fields, encrypted (``backend.pii``).

    ``case_id`` is a plain column (no foreign key across apps, so the two apps migrate in
    any order); one row per case."""

    case_id = BigInt(unique=True)
    client = ForeignKey(Open311Client, on_delete=OnDelete.restrict)
    token = Varchar(length=36, unique=True)
    attributes = JSON(default={})
    media_url = Varchar(length=2000, default="")
    contact = Text(default="")  # sealed JSON of first/last name, email, phone, account, device
    created_at = Timestamptz(default=TimestamptzNow())
