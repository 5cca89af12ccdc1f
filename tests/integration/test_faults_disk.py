"""A full media disk on the local backend: uploads get a clear 507 (``media_storage_full``, in
Chinese by default), no partial file and no row is left behind, and uploads work again as soon
as there is room — without a restart.

The disk is real: a 2 MiB tmpfs mounted as the media root (needs root; skipped with the reason
otherwise), filled with a plain file until only a little room or none is left.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from backend.config import Settings
from media.tables import MediaImage, Photo
from tests.media_fixtures import upload
from tests.media_samples import phone_jpeg

CHUNK = 64 * 1024


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a 2 MiB tmpfs as the media root needs root")
    target = tmp_path / "media"
    target.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(target)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield target
    finally:
        if subprocess.run(["umount", str(target)], check=False).returncode:
            subprocess.run(["umount", "-l", str(target)], check=True)


@pytest.fixture
async def disk_client(settings: Settings, tiny_disk: Path) -> AsyncIterator[httpx.AsyncClient]:
    from backend.app import create_app, prepare_media

    local = dataclasses.replace(settings, media_url=f"file://{tiny_disk}")
    await prepare_media(local)
    transport = httpx.ASGITransport(app=create_app(local), client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def _free(folder: Path) -> int:
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize


def _fill(filler: Path, leave: int) -> None:
    """Grow ``filler`` with real bytes (no sparse holes) until at most ``leave`` bytes are
    free; ``leave=0`` writes until the disk refuses."""
    with open(filler, "ab") as handle:
        while (room := _free(filler.parent)) > leave:
            try:
                handle.write(b"\0" * min(CHUNK, max(room - leave, 1)))
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                return


def _objects(root: Path) -> tuple[list[Path], list[Path]]:
    """(temporary files, stored objects) under the media root."""
    files = [p for p in root.rglob("*") if p.is_file() and p.name != "filler"]
    return [p for p in files if p.name.startswith(".tmp-")], [
        p for p in files if p.suffix == ".jpg"
    ]


def _whole_jpeg(path: Path) -> bool:
    with contextlib.suppress(OSError, SyntaxError), Image.open(path) as image:
        image.load()
        return image.format == "JPEG"
    return False


async def _rows() -> tuple[int, int]:
    return await MediaImage.count(), await Photo.count()


async def test_full_media_disk_answers_507_and_leaves_no_partial_file_or_row(
    disk_client: httpx.AsyncClient, tiny_disk: Path, world: Any
) -> None:
    headers = world.headers("grid_worker_a")
    first = await upload(disk_client, headers, phone_jpeg(800, 600, seed=31))
    assert first.status_code == 201, first.text
    filler = tiny_disk / "filler"
    rows = await _rows()
    refused = []
    # 64 KiB left: room for a thumbnail (~6 KiB) but not the display image (~120 KiB);
    # then nothing left at all.
    for seed, leave in ((32, 64 * 1024), (33, 0)):
        _fill(filler, leave)
        answer = await upload(disk_client, headers, phone_jpeg(800, 600, seed=seed))
        assert answer.status_code == 507, answer.text
        body = answer.json()
        assert body["code"] == "media_storage_full" and set(body) == {"code", "message", "data"}
        assert "存储空间已满" in body["message"]
        assert await _rows() == rows  # no row for an image that is not stored
        temporary, objects = _objects(tiny_disk)
        assert temporary == []  # the failed write removed its temporary file
        assert objects and all(_whole_jpeg(p) for p in objects)  # whole objects only
        refused.append(_free(tiny_disk))

    filler.unlink()
    again = await upload(disk_client, headers, phone_jpeg(800, 600, seed=33))
    assert again.status_code == 201, again.text  # room again: no restart needed
    assert await _rows() == (rows[0] + 1, rows[1] + 1)
    _, objects = _objects(tiny_disk)
    print(
        f"\nfull media disk: 2 uploads refused with 507 media_storage_full "
        f"(free {refused[0] // 1024} KiB, then {refused[1] // 1024} KiB); 0 rows, 0 temporary "
        f"files left; {len(objects)} objects on disk, all whole JPEGs; upload after freeing "
        f"space 201"
    )
