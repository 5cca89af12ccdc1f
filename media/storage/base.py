"""The one small interface every object store implements, and its two failure kinds.

Services only ever ``put`` whole small objects (a display JPEG, a thumbnail), hand clients a
time-limited URL, and — for maintenance — list and delete. Backends turn their own errors into
:class:`StorageUnavailable` (the peer is down, refuses us, or times out: the uploader gets a
503 and may retry), its :class:`StorageFull` (no room left: 507 until an operator acts) or
:class:`ObjectMissing`; nothing else escapes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

#: Keys are ours, never a client's: ``display/ab/<sha256>.jpg``. Anything else is refused, so a
#: key can never climb out of a local folder or name another bucket's object.
KEY_PATTERN = re.compile(r"[a-z]+/[0-9a-f]{2}/[0-9a-f]{64}\.jpg")


class StorageError(Exception):
    """Base of the errors a backend raises."""


class StorageUnavailable(StorageError):
    """The store cannot be reached or refused to work; the request may be retried later."""


class StorageFull(StorageUnavailable):
    """The store has no room left (a full disk, a quota): nothing was written, and retrying
    will not help until an operator frees space or grows the volume."""


class ObjectMissing(StorageError):
    """No object under this key."""


class StorageMisconfigured(StorageError):
    """The store is reachable but unsafe to use (for example a bucket that anyone may list)."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime


def check_key(key: str) -> str:
    # fullmatch, not match with ``$``: ``$`` also matches before a trailing newline
    if not KEY_PATTERN.fullmatch(key):
        raise ValueError(f"not a media object key: {key!r}")
    return key


class ObjectStorage(Protocol):
    """A private object store. Nothing in it is public; clients get expiring URLs."""

    #: Short name for logs and docs: ``local`` or ``s3``.
    kind: str

    async def prepare(self) -> None:
        """Create the folder or bucket if missing and check it is private (idempotent)."""

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key``, replacing any object with the same key."""

    async def get(self, key: str) -> bytes:
        """The object's bytes, or :class:`ObjectMissing`."""

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""

    async def list(self, prefix: str = "") -> list[StoredObject]:
        """Every object whose key starts with ``prefix`` (for maintenance, never for clients)."""

    def url(self, key: str, ttl: timedelta) -> str:
        """A URL that lets whoever holds it read the object until ``ttl`` has passed.

        Computed locally (HMAC or SigV4 presigning): it needs no round trip to the store.
        """
