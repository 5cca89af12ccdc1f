"""Fixtures of the media tests: a real S3 protocol peer, both storage backends, Pillow's corpus.

The S3 peer is moto's standalone server, started here as its own process on 127.0.0.1 and a
free port, and spoken to by the real ``minio`` client (``secure=0``, a region set). moto checks
no signatures, so signing and expiry are tested in the app's own code and in unit tests of the
presigning call.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from backend.config import Settings

REPO = Path(__file__).resolve().parent.parent
#: Downloads survive between runs here (``./var`` is git-ignored).
CACHE_DIR = Path(os.environ.get("GRIDGOV_TEST_CACHE", REPO / "var" / "test-cache"))
PILLOW_VERSION = "13.0.0"
UPLOAD = "/api/v1/media/photos/"
S3_KEY, S3_SECRET, S3_REGION = "gridgov-test", "gridgov-test-secret", "cn-north-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class S3Peer:
    """One moto server process; ``stop()`` kills it mid-test like a crashed store."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> S3Peer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto server exited with {self.process.returncode}")
            try:
                httpx.get(f"http://{self.endpoint}/", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("moto server did not start within 30 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def media_url(self, bucket: str) -> str:
        return f"s3://{S3_KEY}:{S3_SECRET}@{self.endpoint}/{bucket}?region={S3_REGION}&secure=0"


@pytest.fixture(scope="session")
def s3_peer() -> Iterator[S3Peer]:
    peer = S3Peer().start()
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture
def stoppable_s3_peer() -> Iterator[S3Peer]:
    """A peer of the test's own, so stopping it disturbs no other test."""
    peer = S3Peer().start()
    try:
        yield peer
    finally:
        peer.stop()


def fresh_bucket() -> str:
    return f"photos-{uuid.uuid4().hex[:12]}"


def media_settings_for(
    settings: Settings, backend: str, tmp_path: Path, peer: S3Peer | None
) -> Settings:
    if backend == "local":
        url = f"file://{tmp_path / 'media'}"
    else:
        assert peer is not None
        url = peer.media_url(fresh_bucket())
    return dataclasses.replace(settings, media_url=url)


@pytest.fixture(params=["local", "s3"])
def media_settings(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path) -> Settings:
    """The test installation's settings on a fresh, empty store of each backend."""
    peer = request.getfixturevalue("s3_peer") if request.param == "s3" else None
    return media_settings_for(settings, request.param, tmp_path, peer)


@pytest.fixture
async def media_client(media_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    from backend.app import create_app, prepare_media

    await prepare_media(media_settings)
    app = create_app(media_settings)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    data: bytes,
    filename: str = "photo.jpg",
    **form: str,
) -> httpx.Response:
    """POST one photo as a phone app does (multipart field ``file``)."""
    return await client.post(
        UPLOAD, files={"file": (filename, data, "image/jpeg")}, data=form, headers=headers
    )


def _download_pillow_sdist() -> Path:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    found = sorted(CACHE_DIR.glob(f"pillow-{PILLOW_VERSION}.tar.gz"))
    if found:
        return found[0]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-binary",
            ":all:",
            "--no-deps",
            f"pillow=={PILLOW_VERSION}",
            "-d",
            str(CACHE_DIR),
        ],
        check=True,
        timeout=600,
        capture_output=True,
    )
    return CACHE_DIR / f"pillow-{PILLOW_VERSION}.tar.gz"


@pytest.fixture(scope="session")
def pillow_test_images() -> list[Path]:
    """Every file under ``Tests/images`` of Pillow's sdist: a corpus of real oddities."""
    from tests.conftest import service_missing

    target = CACHE_DIR / f"pillow-{PILLOW_VERSION}-images"
    if not (target / ".complete").exists():
        try:
            sdist = _download_pillow_sdist()
        except (subprocess.SubprocessError, OSError) as exc:
            service_missing("the package registry (Pillow sdist download)", exc)
        with tarfile.open(sdist) as archive:
            members = [m for m in archive.getmembers() if m.isfile() and "/Tests/images/" in m.name]
            archive.extractall(target, members=members, filter="data")
        (target / ".complete").touch()
    images = sorted(p for p in target.rglob("*") if p.is_file() and p.name != ".complete")
    assert len(images) > 500, f"only {len(images)} files extracted from the Pillow sdist"
    return images
