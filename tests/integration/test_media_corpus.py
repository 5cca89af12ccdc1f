"""Pillow's own test images (from its source distribution) as a corpus of real oddities:
CMYK and progressive JPEGs, 16-bit and interlaced PNGs, animated WebPs, broken files, other
formats under image names. Every one must end in a photo or a 4xx with a reason — no crash,
no server error."""

from __future__ import annotations

import collections
from pathlib import Path

from backend.errors import STATUS, ErrorCode
from tests.media_fixtures import upload

MEDIA_REFUSALS = {
    ErrorCode.MEDIA_EMPTY,
    ErrorCode.MEDIA_TOO_LARGE,
    ErrorCode.MEDIA_TOO_MANY_PIXELS,
    ErrorCode.MEDIA_UNSUPPORTED,
    ErrorCode.MEDIA_CORRUPT,
}


async def test_pillow_test_images_never_crash_the_upload(
    media_client, world, pillow_test_images: list[Path]
):
    headers = world.headers("grid_worker_a")
    outcomes: collections.Counter[str] = collections.Counter()
    failures = []
    for path in pillow_test_images:
        response = await upload(media_client, headers, path.read_bytes(), path.name)
        if response.status_code == 201:
            outcomes["stored"] += 1
            continue
        body = response.json()
        code = body.get("code")
        outcomes[str(code)] += 1
        if code not in MEDIA_REFUSALS or response.status_code != STATUS.get(code, 400):
            failures.append((path.name, response.status_code, body))
        elif not body.get("message"):
            failures.append((path.name, response.status_code, "no message"))
    assert failures == [], failures[:20]
    # the corpus really exercised both paths
    assert outcomes["stored"] > 300, outcomes
    assert outcomes[ErrorCode.MEDIA_UNSUPPORTED] > 300, outcomes
    assert outcomes[ErrorCode.MEDIA_CORRUPT] > 0, outcomes
