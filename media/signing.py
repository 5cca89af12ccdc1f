"""Signed, expiring URLs for objects the app serves itself (the local storage backend).

A URL carries the key, an expiry (Unix seconds) and an HMAC-SHA256 over both, made with a key
derived from ``GRIDGOV_SECRET_KEY`` for this one purpose — so a media signature can never be
replayed as anything else the secret signs. Whoever holds the URL may read the object until
it expires, like an S3 presigned GET; nothing else about the request is trusted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from backend.errors import DomainError, ErrorCode

_PURPOSE = b"gridgov media url v1"


@dataclass(frozen=True)
class UrlSigner:
    secret: str

    def _key(self) -> bytes:
        return hmac.new(self.secret.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()

    def signature(self, key: str, expires: int) -> str:
        mac = hmac.new(self._key(), f"{key}\n{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    def sign(self, key: str, expires_at: datetime) -> tuple[int, str]:
        """``(expires, signature)`` for the query string of ``key``'s URL."""
        expires = int(expires_at.timestamp())
        return expires, self.signature(key, expires)

    def verify(self, key: str, expires: int, signature: str, now: datetime) -> None:
        """Refuse a tampered or expired URL with ``media_link_invalid`` (403).

        The signature is checked before the expiry so a forged URL learns nothing more.
        """
        expected = self.signature(key, expires)
        if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii", "replace")):
            raise DomainError(ErrorCode.MEDIA_LINK_INVALID, reason="bad signature")
        if int(now.timestamp()) >= expires:
            raise DomainError(ErrorCode.MEDIA_LINK_INVALID, reason="expired")
