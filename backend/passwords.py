"""Password hashing (argon2id) and the minimum password rule."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backend.errors import DomainError, ErrorCode

MIN_LENGTH = 8
_hasher = PasswordHasher()
#: Verified against when the username does not exist, so timing does not reveal which.
_DUMMY_HASH = _hasher.hash("gridgov-dummy-password")


def check_strength(password: str) -> None:
    if (
        len(password) < MIN_LENGTH
        or not any(c.isdigit() for c in password)
        or not any(c.isalpha() for c in password)
    ):
        raise DomainError(ErrorCode.PASSWORD_TOO_WEAK, min_length=MIN_LENGTH)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
