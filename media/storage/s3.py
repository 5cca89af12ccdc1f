"""Objects in an S3-compatible store through the ``minio`` client.

``GRIDGOV_MEDIA_URL=s3://KEY:SECRET@HOST:PORT/BUCKET?region=cn-north-1&secure=0``.

* The client is synchronous (urllib3); every call runs in a worker thread so the event loop
  keeps serving while an upload is on the wire.
* minio's default HTTP client retries five times with backoff and waits minutes for a dead
  peer. An uploader on a phone should hear "storage unavailable, retry" within seconds, so the
  pool here has short timeouts and two retries.
* A region is always set: presigning then needs no round trip (minio would otherwise ask the
  server for the bucket's location), so a URL can be made even while the store is down.
* The bucket is created on first use if missing and must not be public: ``prepare`` refuses
  a bucket whose policy lets anyone read or list it.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any, TypeVar

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error

from media.storage.base import (
    ObjectMissing,
    StorageFull,
    StorageMisconfigured,
    StorageUnavailable,
    StoredObject,
    check_key,
)

T = TypeVar("T")

#: S3 refuses presigned URLs valid for longer than seven days.
MAX_PRESIGN_TTL = timedelta(days=7)
_MISSING = frozenset({"NoSuchKey", "NoSuchObject"})
#: MinIO's answer when its drives have no room left.
_FULL = frozenset({"XMinioStorageFull"})


@dataclass(frozen=True)
class S3Config:
    endpoint: str  # host:port
    access_key: str
    secret_key: str
    bucket: str
    region: str = "us-east-1"
    secure: bool = True


def http_client(connect_timeout: float = 3.0, read_timeout: float = 20.0) -> urllib3.PoolManager:
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
        maxsize=16,
        retries=urllib3.Retry(
            total=2, connect=2, read=1, backoff_factor=0.1, status_forcelist=[500, 502, 503, 504]
        ),
    )


def _is_public(policy_text: str) -> bool:
    """Does any Allow statement name the anonymous principal ``*``?"""
    try:
        policy = json.loads(policy_text)
    except ValueError:
        return True  # unreadable policy: do not assume it is safe
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        values = principal.get("AWS", []) if isinstance(principal, dict) else principal
        if values == "*" or (isinstance(values, list) and "*" in values):
            return True
    return False


class S3Storage:
    kind = "s3"

    def __init__(
        self, config: S3Config, client: Minio | None = None, presigner: Minio | None = None
    ) -> None:
        self.config = config
        self.bucket = config.bucket
        self.client = client or Minio(
            config.endpoint,
            access_key=config.access_key,
            secret_key=config.secret_key,
            secure=config.secure,
            region=config.region,
            http_client=http_client(),
        )
        #: Signs client URLs; a second client when clients reach the store under another host.
        self.presigner = presigner or self.client

    async def _call(self, work: Callable[[], T], what: str) -> T:
        try:
            return await asyncio.to_thread(work)
        except S3Error as exc:
            if exc.code in _MISSING:
                raise ObjectMissing(what) from exc
            if exc.code in _FULL:
                raise StorageFull(f"{what}: S3 error {exc.code}") from exc
            raise StorageUnavailable(f"{what}: S3 error {exc.code}") from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(f"{what}: {type(exc).__name__}") from exc

    def _prepare(self) -> None:
        if not self.client.bucket_exists(self.bucket):
            try:
                self.client.make_bucket(self.bucket, location=self.config.region)
            except S3Error as exc:
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        try:
            policy = self.client.get_bucket_policy(self.bucket)
        except S3Error as exc:
            if exc.code == "NoSuchBucketPolicy":
                return
            raise
        if _is_public(policy):
            raise StorageMisconfigured(
                f"bucket {self.bucket!r} has a policy that grants anonymous access; "
                "photos must stay private — remove the policy"
            )

    async def prepare(self) -> None:
        await self._call(self._prepare, f"bucket {self.bucket}")

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        check_key(key)
        await self._call(
            lambda: self.client.put_object(
                self.bucket, key, io.BytesIO(data), len(data), content_type=content_type
            ),
            key,
        )

    def _get(self, key: str) -> bytes:
        response = self.client.get_object(self.bucket, key)
        try:
            return bytes(response.read())
        finally:
            response.close()
            response.release_conn()

    async def get(self, key: str) -> bytes:
        check_key(key)
        return await self._call(lambda: self._get(key), key)

    async def exists(self, key: str) -> bool:
        check_key(key)
        try:
            await self._call(lambda: self.client.stat_object(self.bucket, key), key)
        except ObjectMissing:
            return False
        return True

    async def delete(self, key: str) -> None:
        check_key(key)
        await self._call(lambda: self.client.remove_object(self.bucket, key), key)

    def _list(self, prefix: str) -> list[StoredObject]:
        found = []
        for item in self.client.list_objects(self.bucket, prefix=prefix or None, recursive=True):
            name: Any = item.object_name
            if item.is_dir or name is None or item.last_modified is None:
                continue
            modified = item.last_modified
            if modified.tzinfo is None:
                modified = modified.replace(tzinfo=UTC)
            found.append(StoredObject(str(name), int(item.size or 0), modified))
        return sorted(found, key=lambda o: o.key)

    async def list(self, prefix: str = "") -> list[StoredObject]:
        return await self._call(lambda: self._list(prefix), f"list {prefix!r}")

    def url(self, key: str, ttl: timedelta) -> str:
        """A presigned GET, computed locally (SigV4 with the configured region)."""
        return self.presigner.presigned_get_object(
            self.bucket, check_key(key), expires=min(ttl, MAX_PRESIGN_TTL)
        )
