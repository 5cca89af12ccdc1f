"""Objects as files in a local folder: the embedded default (``GRIDGOV_MEDIA_URL=file://DIR``).

The folder is never served as a directory. The app serves one object at a time behind a signed,
expiring URL (:mod:`media.signing`), so the local backend gives clients the same kind of link
an S3 presigned GET does. Writes go to a temporary file that is flushed to disk and renamed, so a
crash never leaves a half-written object under a real key; a failed write (a full disk, say)
removes its temporary file.
"""

from __future__ import annotations

import asyncio
import errno
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from backend import clock
from media.signing import UrlSigner
from media.storage.base import (
    ObjectMissing,
    StorageFull,
    StorageUnavailable,
    StoredObject,
    check_key,
)

#: Where the HTTP adapter serves signed local objects; the backend builds URLs under it.
LOCAL_URL_BASE = "/api/v1/media/objects"


class LocalStorage:
    kind = "local"

    def __init__(self, root: Path, signer: UrlSigner, url_base: str = LOCAL_URL_BASE) -> None:
        self.root = root
        self.signer = signer
        self.url_base = url_base.rstrip("/")

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def prepare(self) -> None:
        try:
            await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"cannot create {self.root}: {exc}") from exc

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        try:
            await asyncio.to_thread(self._write, path, data)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFull(f"no room for {key} in {self.root}: {exc}") from exc
            raise StorageUnavailable(f"cannot write {key}: {exc}") from exc

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise ObjectMissing(key) from exc
        except OSError as exc:
            raise StorageUnavailable(f"cannot read {key}: {exc}") from exc

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def delete(self, key: str) -> None:
        try:
            await asyncio.to_thread(self._path(key).unlink, missing_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"cannot delete {key}: {exc}") from exc

    def _list(self, prefix: str) -> list[StoredObject]:
        found: list[StoredObject] = []
        if not self.root.is_dir():
            return found
        for path in self.root.rglob("*.jpg"):
            key = path.relative_to(self.root).as_posix()
            if key.startswith(prefix) and not path.name.startswith(".tmp-"):
                stat = path.stat()
                found.append(
                    StoredObject(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))
                )
        return sorted(found, key=lambda o: o.key)

    async def list(self, prefix: str = "") -> list[StoredObject]:
        try:
            return await asyncio.to_thread(self._list, prefix)
        except OSError as exc:
            raise StorageUnavailable(f"cannot list {self.root}: {exc}") from exc

    def url(self, key: str, ttl: timedelta) -> str:
        expires, signature = self.signer.sign(check_key(key), clock.now() + ttl)
        return f"{self.url_base}/{quote(key)}?exp={expires}&sig={signature}"
