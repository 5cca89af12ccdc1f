"""Photo services: links with limits, visibility through the owner registry, the photo's
location for intake, and the orphan sweep."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from backend import clock
from backend.config import Settings
from backend.errors import DomainError
from grid.actors import SYSTEM, Actor
from grid.geo.coords import CoordSystem
from media.services.access import (
    access_photo,
    owner_visibility,
    register_owner_visibility,
    unregister_owner_visibility,
)
from media.services.links import link_photos, linked_photo_ids, photos_of, unlink_photo
from media.services.maintenance import sweep_orphan_objects
from media.services.photos import get_photo, object_keys, photo_location, upload_photo
from media.storage import storage_for
from media.tables import OwnerKind, Purpose
from tests.media_fixtures import media_settings_for
from tests.media_samples import PHOTO_LAT, PHOTO_LON, encode, phone_jpeg, upright_picture

RESIDENT = Actor(kind="resident", id=424242, name="居民甲")
OTHER_RESIDENT = Actor(kind="resident", id=424243, name="居民乙")


@pytest.fixture
def local(settings: Settings, tmp_path: Path) -> Settings:
    return media_settings_for(settings, "local", tmp_path, None)


@pytest.fixture
def case_rule() -> Iterator[set[tuple[str, int]]]:
    """A stand-in for the cases domain's rule: who may see which case (the real one is put
    back afterwards)."""
    allowed: set[tuple[str, int]] = set()
    real = owner_visibility(OwnerKind.case)

    async def may_see_case(actor: Actor, case_id: int) -> bool:
        return (f"{actor.kind}:{actor.id}", case_id) in allowed

    register_owner_visibility(OwnerKind.case, may_see_case)
    try:
        yield allowed
    finally:
        unregister_owner_visibility(OwnerKind.case)
        if real is not None:
            register_owner_visibility(OwnerKind.case, real)


async def new_photo(actor: Actor, settings: Settings, seed: int, **kwargs: object) -> int:
    data = encode(upright_picture(320, 240, seed=seed), "JPEG", quality=70 + seed % 20)
    data = kwargs.pop("data", data)  # type: ignore[assignment]
    return (await upload_photo(actor, data, "p.jpg", settings=settings, **kwargs)).id  # type: ignore[arg-type]


async def test_resident_photo_is_private_until_an_owner_domain_shares_it(local, world, case_rule):
    photo_id = await new_photo(RESIDENT, local, seed=1)
    await get_photo(RESIDENT, photo_id, settings=local)
    for actor in (OTHER_RESIDENT, world.actors["street_a_staff"], world.actors["admin"]):
        with pytest.raises(DomainError) as caught:
            await get_photo(actor, photo_id, settings=local)
        assert caught.value.status == 404
    await link_photos(RESIDENT, [photo_id], OwnerKind.case, 9001, Purpose.report, settings=local)
    case_rule.add((f"staff:{world.staff['street_a_staff']}", 9001))
    await get_photo(world.actors["street_a_staff"], photo_id, settings=local)
    with pytest.raises(DomainError):
        await get_photo(world.actors["street_b_staff"], photo_id, settings=local)


async def test_owner_rule_replaces_the_unit_scope_once_linked(local, world, case_rule):
    photo_id = await new_photo(world.actors["grid_worker_a"], local, seed=2)
    await get_photo(world.actors["street_a_staff"], photo_id, settings=local)  # unit scope
    await link_photos(
        world.actors["grid_worker_a"],
        [photo_id],
        OwnerKind.case,
        9002,
        Purpose.result,
        settings=local,
    )
    with pytest.raises(DomainError):
        await get_photo(world.actors["street_a_staff"], photo_id, settings=local)
    await get_photo(world.actors["grid_worker_a"], photo_id, settings=local)  # uploader


async def test_owner_carries_at_most_its_limit_per_purpose(local, world):
    worker = world.actors["grid_worker_a"]
    limited = dataclasses.replace(local, media_max_photos=3)
    ids = [await new_photo(worker, limited, seed=10 + i) for i in range(5)]
    owner = (OwnerKind.case, 9003)
    assert await link_photos(worker, ids[:2], *owner, Purpose.report, settings=limited) == ids[:2]
    assert await link_photos(worker, ids[:2], *owner, Purpose.report, settings=limited) == ids[:2]
    with pytest.raises(DomainError) as caught:
        await link_photos(worker, ids[2:4], *owner, Purpose.report, settings=limited)
    assert caught.value.code == "media_too_many_photos" and caught.value.data == {"max": 3}
    assert await linked_photo_ids(*owner, Purpose.report) == ids[:2]
    # another purpose of the same case has its own allowance
    assert await link_photos(worker, ids[2:5], *owner, Purpose.result, settings=limited) == ids[2:5]
    await unlink_photo(worker, ids[0], *owner, Purpose.report)
    assert await link_photos(worker, [ids[3]], *owner, Purpose.report, settings=limited) == [
        ids[1],
        ids[3],
    ]


async def test_comments_carry_fewer_photos_than_reports(local, world):
    worker = world.actors["grid_worker_a"]
    ids = [await new_photo(worker, local, seed=20 + i) for i in range(4)]
    with pytest.raises(DomainError) as caught:
        await link_photos(worker, ids, OwnerKind.comment, 77, Purpose.attachment, settings=local)
    assert caught.value.data == {"max": 3}


async def test_cannot_link_a_photo_one_cannot_see(local, world):
    photo_id = await new_photo(world.actors["grid_worker_b"], local, seed=30)
    with pytest.raises(DomainError) as caught:
        await link_photos(
            world.actors["grid_worker_a"],
            [photo_id],
            OwnerKind.case,
            9004,
            Purpose.report,
            settings=local,
        )
    assert caught.value.status == 404
    assert await linked_photo_ids(OwnerKind.case, 9004, Purpose.report) == []


async def test_photos_of_an_owner_come_in_link_order_with_urls(local, world):
    worker = world.actors["grid_worker_a"]
    ids = [await new_photo(worker, local, seed=40 + i) for i in range(3)]
    await link_photos(
        worker, ids[::-1], OwnerKind.consultation, 5, Purpose.attachment, settings=local
    )
    views = await photos_of(worker, OwnerKind.consultation, 5, Purpose.attachment, settings=local)
    assert [v.id for v in views] == ids[::-1]
    assert all("sig=" in v.thumb_url for v in views)
    hidden = await photos_of(
        world.actors["street_b_staff"],
        OwnerKind.consultation,
        5,
        Purpose.attachment,
        settings=local,
    )
    assert hidden == []


async def test_report_without_location_gets_the_first_photo_gps_point(local, world):
    worker = world.actors["grid_worker_a"]
    no_gps = await new_photo(worker, local, seed=50)
    with_gps = await new_photo(worker, local, seed=51, data=phone_jpeg(800, 600, seed=51))
    elsewhere = await new_photo(
        worker, local, seed=52, data=phone_jpeg(800, 600, seed=52, lon=106.6, lat=29.6)
    )
    location = await photo_location([no_gps, with_gps, elsewhere])
    assert location is not None
    assert (location.photo_id, location.lon, location.lat) == (with_gps, PHOTO_LON, PHOTO_LAT)
    assert location.coord_system is CoordSystem.wgs84
    assert (await photo_location([elsewhere, with_gps])).photo_id == elsewhere  # type: ignore[union-attr]
    assert await photo_location([no_gps]) is None
    assert await photo_location([]) is None


async def test_sweep_removes_only_old_objects_no_row_names(local, world):
    photo_id = await new_photo(world.actors["grid_worker_a"], local, seed=60)
    storage = storage_for(local)
    orphan_display, orphan_thumb = object_keys("f" * 64)
    await storage.put(orphan_display, b"left over by a failed commit", "image/jpeg")
    await storage.put(orphan_thumb, b"left over", "image/jpeg")
    assert await sweep_orphan_objects(storage) == []  # too young: an upload may be committing
    clock.advance(timedelta(hours=2))
    assert sorted(await sweep_orphan_objects(storage)) == sorted([orphan_display, orphan_thumb])
    kept = await access_photo(SYSTEM, photo_id)
    assert {o.key for o in await storage.list()} == set(object_keys(kept["sha256"]))


async def test_identical_uploads_racing_each_other_end_in_one_image(local):
    import asyncio

    data = phone_jpeg(900, 600, seed=70)
    people = [Actor(kind="resident", id=500 + i, name=f"r{i}") for i in range(4)]
    views = await asyncio.gather(
        *(upload_photo(p, data, "same.jpg", settings=local) for p in [*people, people[0]])
    )
    assert len({v.id for v in views}) == 4  # the fifth is the first person's photo again
    assert views[4].id == views[0].id
    images = {(await access_photo(SYSTEM, v.id))["sha256"] for v in views}
    assert len(images) == 1
    assert len(await storage_for(local).list()) == 2
