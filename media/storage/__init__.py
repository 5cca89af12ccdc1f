"""Object storage behind one small interface: a local folder or an S3-compatible bucket.

``GRIDGOV_MEDIA_URL`` picks the backend:

* ``file://DIR`` — files under ``DIR`` (relative paths are relative to the working directory),
  served by the app behind signed, expiring URLs;
* ``s3://KEY:SECRET@HOST:PORT/BUCKET?region=cn-north-1&secure=0`` — any S3-compatible store
  (MinIO, Ceph, OSS/COS/OBS in S3 mode, AWS). ``secure`` defaults to 1 (HTTPS), ``region`` to
  ``us-east-1``. When clients reach the store under another name than the app does (a compose
  network name inside, a public host outside), add ``public_host=HOST[:PORT]`` and optionally
  ``public_secure=1``: presigned URLs are then signed for that host. Percent-encode special
  characters of the key and secret.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from minio import Minio

from backend.config import Settings
from media.signing import UrlSigner
from media.storage.base import (
    ObjectMissing,
    ObjectStorage,
    StorageError,
    StorageFull,
    StorageMisconfigured,
    StorageUnavailable,
    StoredObject,
    check_key,
)
from media.storage.local import LOCAL_URL_BASE, LocalStorage
from media.storage.s3 import S3Config, S3Storage, http_client

__all__ = [
    "LOCAL_URL_BASE",
    "LocalStorage",
    "ObjectMissing",
    "ObjectStorage",
    "S3Config",
    "S3Storage",
    "StorageError",
    "StorageFull",
    "StorageMisconfigured",
    "StorageUnavailable",
    "StoredObject",
    "check_key",
    "open_storage",
    "ready_storage",
    "storage_for",
]

_TRUE = ("1", "true", "yes", "on")


def _flag(query: dict[str, list[str]], name: str, default: bool) -> bool:
    values = query.get(name)
    return default if not values else values[-1].strip().lower() in _TRUE


def open_storage(media_url: str, secret_key: str) -> ObjectStorage:
    """A backend for ``media_url``; raises ``ValueError`` naming what is wrong with it."""
    if media_url.startswith("file://"):
        root = media_url.removeprefix("file://")
        if not root:
            raise ValueError("GRIDGOV_MEDIA_URL file:// needs a folder")
        return LocalStorage(Path(root), UrlSigner(secret_key))
    if media_url.startswith("s3://"):
        parts = urlsplit(media_url)
        bucket = parts.path.strip("/")
        if not parts.hostname or not bucket or "/" in bucket:
            raise ValueError("GRIDGOV_MEDIA_URL must look like s3://KEY:SECRET@HOST:PORT/BUCKET")
        if not parts.username or parts.password is None:
            raise ValueError("GRIDGOV_MEDIA_URL s3:// needs KEY:SECRET@ before the host")
        query = parse_qs(parts.query)
        endpoint = parts.hostname + (f":{parts.port}" if parts.port else "")
        config = S3Config(
            endpoint=endpoint,
            access_key=unquote(parts.username),
            secret_key=unquote(parts.password),
            bucket=bucket,
            region=(query.get("region") or ["us-east-1"])[-1],
            secure=_flag(query, "secure", True),
        )
        public_host = (query.get("public_host") or [""])[-1]
        presigner = None
        if public_host:
            presigner = Minio(
                public_host,
                access_key=config.access_key,
                secret_key=config.secret_key,
                secure=_flag(query, "public_secure", config.secure),
                region=config.region,
                http_client=http_client(),
            )
        return S3Storage(config, presigner=presigner)
    scheme = media_url.split("://", 1)[0] if "://" in media_url else media_url
    raise ValueError(f"GRIDGOV_MEDIA_URL must start with file:// or s3://, got {scheme!r}")


_cache: dict[tuple[str, str], ObjectStorage] = {}
_prepared: set[int] = set()


def storage_for(settings: Settings) -> ObjectStorage:
    """The process's backend for these settings (one client and connection pool per URL)."""
    cache_key = (settings.media_url, settings.secret_key)
    storage = _cache.get(cache_key)
    if storage is None:
        storage = _cache[cache_key] = open_storage(settings.media_url, settings.secret_key)
    return storage


async def ready_storage(settings: Settings) -> ObjectStorage:
    """The backend, its folder or bucket created and checked once per process.

    A failed preparation (store down) is retried by the next caller, so the app starts and
    serves everything but uploads while the store is away. Two callers preparing at once is
    harmless: preparing is idempotent.
    """
    storage = storage_for(settings)
    if id(storage) not in _prepared:
        await storage.prepare()
        _prepared.add(id(storage))
    return storage
