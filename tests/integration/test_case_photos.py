"""A case's photos are media photos: linked in the move's transaction, checked for the actor,
seen by whoever may read the case, and a report without a location takes its photo's GPS."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import uuid

import pytest

from backend.errors import DomainError, ErrorCode
from grid.actors import SYSTEM, Actor
from grid.cases.services import queries, triage, work
from grid.cases.services.access import Reporter, load_case
from grid.cases.services.intake import ReportDraft, report_case
from grid.cases.tables import AssigneeKind, Case, Channel, ReporterKind
from media.services.links import linked_photo_ids
from media.services.photos import get_photo, upload_photo
from media.tables import OwnerKind, PhotoLink, Purpose
from tests.cases_support import POINTS, category_id, new_photos, report
from tests.media_samples import phone_jpeg


def resident(n: int) -> Actor:
    return Actor(kind="resident", id=n, name="居民")


async def draft(photo_ids: list[int], *, client_id: str | None = None, **where) -> ReportDraft:
    return ReportDraft(
        category_id=await category_id("0101"),
        description="楼下暴露垃圾",
        client_id=client_id or uuid.uuid4().hex,
        channel=Channel.miniprogram,
        photo_ids=photo_ids,
        **where,
    )


async def cases_with(client_id: str) -> int:
    return await Case.count().where(Case.client_id == client_id)


async def test_report_without_location_is_routed_by_its_rotated_12mp_photos_gps(world, settings):
    lon, lat = POINTS["grid_b1_1"]  # street B: not where a default would put it
    reporter = resident(950001)
    data = phone_jpeg(4000, 3000, orientation=6, seed=1, lon=lon, lat=lat)
    photo = await upload_photo(reporter, data, "IMG_0001.jpg", settings=settings)
    assert (photo.width, photo.height) == (1000, 750)  # stored sideways, turned upright
    no_gps = (await new_photos(reporter, settings, seed=9501))[0]

    case = (await report_case(reporter, await draft([no_gps, photo.id]), settings=settings)).case

    assert case["home_unit"] == world.units["grid_b1_1"]
    assert case["micro_grid"] == world.units["grid_b1_1_m1"]
    assert case["coord_system"] == "wgs84"
    assert abs(case["wgs_lon"] - lon) < 1e-5 and abs(case["wgs_lat"] - lat) < 1e-5
    assert await linked_photo_ids(OwnerKind.case, case["id"], Purpose.report) == [no_gps, photo.id]


async def test_report_without_location_or_gps_photo_is_refused(world, settings):
    reporter = resident(950002)
    ids = await new_photos(reporter, settings, seed=9502)
    with pytest.raises(DomainError) as refused:
        await report_case(reporter, await draft(ids), settings=settings)
    assert refused.value.code is ErrorCode.CASE_LOCATION_MISSING


@pytest.mark.parametrize("with_location", [True, False])
async def test_a_reporter_cannot_attach_someone_elses_photo(world, settings, with_location):
    lon, lat = POINTS["grid_a1_1"]
    other = await new_photos(resident(950004), settings, seed=9504, lon=lon, lat=lat)
    reporter = resident(950003)
    where = {"lon": lon, "lat": lat} if with_location else {}
    client_id = uuid.uuid4().hex
    with pytest.raises(DomainError) as refused:
        await report_case(
            reporter, await draft(other, client_id=client_id, **where), settings=settings
        )
    assert refused.value.status == 404 and refused.value.code is ErrorCode.NOT_FOUND
    assert await cases_with(client_id) == 0
    assert await PhotoLink.count().where(PhotoLink.photo == other[0]) == 0


async def test_a_retried_report_links_its_photos_once(world, settings):
    worker = world.actors["grid_worker_a"]
    ids = await new_photos(worker, settings, 3, seed=9505)
    lon, lat = POINTS["grid_a1_1"]
    client_id = uuid.uuid4().hex
    first = await report_case(
        worker, await draft(ids, client_id=client_id, lon=lon, lat=lat), settings=settings
    )
    again = await report_case(
        worker, await draft(ids, client_id=client_id, lon=lon, lat=lat), settings=settings
    )
    assert first.created and not again.created and again.case["id"] == first.case["id"]
    assert await PhotoLink.count().where(PhotoLink.owner_id == first.case["id"]) == 3
    assert await linked_photo_ids(OwnerKind.case, first.case["id"], Purpose.report) == ids


async def test_a_case_carries_at_most_medias_limit_of_photos(world, settings):
    worker = world.actors["grid_worker_a"]
    limited = dataclasses.replace(settings, media_max_photos=2)
    ids = await new_photos(worker, settings, 3, seed=9506)
    lon, lat = POINTS["grid_a1_1"]
    client_id = uuid.uuid4().hex
    with pytest.raises(DomainError) as refused:
        await report_case(
            worker, await draft(ids, client_id=client_id, lon=lon, lat=lat), settings=limited
        )
    assert refused.value.code is ErrorCode.MEDIA_TOO_MANY_PHOTOS and refused.value.data == {
        "max": 2
    }
    assert await cases_with(client_id) == 0


async def test_report_photos_are_seen_by_whoever_may_read_the_case(world, settings):
    a = world.actors
    reporter = resident(950007)
    lon, lat = POINTS["grid_a1_1"]
    ids = await new_photos(reporter, settings, 1, seed=9507, lon=lon, lat=lat)
    case = (await report_case(reporter, await draft(ids), settings=settings)).case

    for who in (reporter, a["street_a_staff"], a["grid_leader_a"], a["district_staff"]):
        assert (await get_photo(who, ids[0], settings=settings)).id == ids[0]
    for who in (a["street_b_staff"], a["grid_worker_b"], resident(950008)):
        with pytest.raises(DomainError) as hidden:
            await get_photo(who, ids[0], settings=settings)
        assert hidden.value.status == 404

    detail = await queries.case_detail(a["street_a_staff"], case["id"], settings=settings)
    assert [p.id for p in detail.photos.report] == ids
    assert detail.photos.report[0].thumb_url and detail.photos.report[0].display_url
    assert detail.photos.result == [] and detail.photos.verification == []


async def _in_progress(world) -> int:
    a = world.actors
    cid = (await report(world, "grid_worker_a"))["id"]
    await triage.file_case(a["grid_leader_a"], cid)
    await triage.dispatch_case(
        a["grid_leader_a"], cid, kind=AssigneeKind.staff, target_id=world.staff["grid_worker_a"]
    )
    await work.start_case(a["grid_worker_a"], cid)
    return cid


async def test_handle_links_result_photos_and_verify_links_verification_photos(world, settings):
    a = world.actors
    cid = await _in_progress(world)
    result = await new_photos(a["grid_worker_a"], settings, 2, seed=9509)
    await work.handle_case(a["grid_worker_a"], cid, "已清运", result, settings=settings)
    checked = await new_photos(a["grid_leader_a"], settings, 1, seed=9510)
    await work.verify_case(a["grid_leader_a"], cid, photo_ids=checked, settings=settings)

    detail = await queries.case_detail(a["grid_leader_a"], cid, settings=settings)
    assert [p.id for p in detail.photos.result] == result
    assert [p.id for p in detail.photos.verification] == checked
    assert (await queries.case_view(await load_case(cid))).result_photo_ids == result
    with pytest.raises(DomainError):
        await get_photo(a["street_b_staff"], result[0], settings=settings)


async def test_a_handle_with_a_photo_the_handler_may_not_use_changes_nothing(world, settings):
    a = world.actors
    cid = await _in_progress(world)
    foreign = await new_photos(resident(950011), settings, 1, seed=9511)
    with pytest.raises(DomainError) as refused:
        await work.handle_case(a["grid_worker_a"], cid, "已清运", foreign, settings=settings)
    assert refused.value.status == 404
    assert (await load_case(cid))["state"] == "in_progress"
    assert await linked_photo_ids(OwnerKind.case, cid, Purpose.result) == []


async def test_a_channel_user_attaches_only_the_doors_system_uploads(world, settings):
    lon, lat = POINTS["grid_a1_2"]
    user = Reporter(ReporterKind.external, f"telegram:{uuid.uuid4().hex[:8]}", "tg")
    mine = await new_photos(SYSTEM, settings, 1, seed=9512, lon=lon, lat=lat)
    client_id = uuid.uuid4().hex
    case = (await report_case(user, await draft(mine, client_id=client_id), settings=settings)).case
    assert case["home_unit"] == world.units["grid_a1_2"]  # by the photo's GPS
    again = await report_case(user, await draft(mine, client_id=client_id), settings=settings)
    assert not again.created and again.case["id"] == case["id"]

    someone = Reporter(ReporterKind.external, "telegram:someone-else")
    residents = await new_photos(resident(950013), settings, 1, seed=9513)
    for ids in (mine, residents):  # held by another reporter's case; not a system upload
        with pytest.raises(DomainError) as refused:
            await report_case(someone, await draft(ids, lon=lon, lat=lat), settings=settings)
        assert refused.value.status == 404


def test_every_process_that_opens_the_database_has_the_owner_rules(tmp_path):
    """The rules are registered by the apps' modules, which the engine imports when it is put
    in use — a fresh process that only touches media still applies them."""
    code = (
        "from backend import db\n"
        "from backend.config import load_settings\n"
        f"db.ensure_engine(load_settings({{'GRIDGOV_VAR_DIR': {str(tmp_path)!r}}}))\n"
        "from media.services.access import owner_visibility\n"
        "from media.tables import OwnerKind\n"
        "print(sorted(str(k) for k in OwnerKind if owner_visibility(k)))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDGOV_")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "['ballot', 'case', 'comment', 'consultation']"
