"""A consultation's photos are media photos: a matter's attachments, a comment's photos and a
paper ballot's scan are linked to their owner and seen by whoever may see that owner."""

from __future__ import annotations

import pytest

from backend.errors import DomainError
from community.services import ballots, discussion, matters
from community.tables import BallotEvent, Matter, MatterKind, PollUnit, RollEntry, ScopeKind
from grid.actors import Actor
from media.services.links import link_photos, linked_photo_ids
from media.services.photos import get_photo
from media.tables import OwnerKind, Purpose
from tests.cases_support import new_photos
from tests.estate import build_estate, open_matter


def draft(estate, attachment_ids: list[int], title: str = "加装电梯") -> matters.MatterDraft:
    return matters.MatterDraft(
        title=title,
        body="拟加装电梯，请提意见。",
        kind=MatterKind.opinion_poll,
        poll_unit=PollUnit.resident,
        scope_kind=ScopeKind.building,
        unit_id=estate.micro_grid_id,
        building=estate.building,
        attachment_ids=attachment_ids,
    )


async def sees(actor: Actor, photo_id: int, settings) -> bool:
    try:
        await get_photo(actor, photo_id, settings=settings)
    except DomainError as error:
        assert error.status == 404
        return False
    return True


async def test_attachments_follow_the_matter_residents_see_them_once_published(world, settings):
    estate = await build_estate(world, 2)
    staff = world.actors["community_staff_a"]
    ids = await new_photos(staff, settings, 2, seed=6301)
    matter = await matters.create_matter(staff, draft(estate, ids), settings=settings)
    assert await linked_photo_ids(OwnerKind.consultation, matter["id"], Purpose.attachment) == ids

    owner, outsider = estate.voter(0), Actor(kind="resident", id=987654321, name="外人")
    assert not await sees(owner, ids[0], settings)  # a draft is not shown to residents
    await matters.publish_matter(staff, matter["id"])
    assert await sees(owner, ids[0], settings)
    assert await sees(world.actors["street_a_staff"], ids[1], settings)
    for actor in (outsider, world.actors["street_b_staff"], world.actors["grid_worker_b"]):
        assert not await sees(actor, ids[0], settings)


async def test_a_revision_links_its_new_attachments_and_keeps_the_old(world, settings):
    estate = await build_estate(world, 2)
    staff = world.actors["community_staff_a"]
    first, second = await new_photos(staff, settings, 2, seed=6302)
    matter = await matters.create_matter(staff, draft(estate, [first]), settings=settings)
    await matters.revise_matter(
        staff, matter["id"], title="二稿", body="二稿", change_note="", attachment_ids=[second]
    )
    linked = await linked_photo_ids(OwnerKind.consultation, matter["id"], Purpose.attachment)
    assert linked == [first, second]


async def test_a_matter_cannot_carry_a_photo_its_author_may_not_use(world, settings):
    estate = await build_estate(world, 2)
    foreign = await new_photos(world.actors["grid_worker_b"], settings, 1, seed=6303)
    title = "不能附他人照片"
    with pytest.raises(DomainError) as refused:
        await matters.create_matter(
            world.actors["community_staff_a"], draft(estate, foreign, title), settings=settings
        )
    assert refused.value.status == 404
    assert await Matter.count().where(Matter.title == title) == 0


async def test_a_ballot_scan_is_seen_only_by_the_matters_staff(world, settings):
    estate = await build_estate(world, 3)
    matter = await open_matter(world, estate)
    entry = (
        await RollEntry.select(RollEntry.id)
        .where(RollEntry.matter == matter["id"])
        .order_by(RollEntry.id)
        .first()
    )
    worker = world.actors["grid_worker_a"]
    scan = (await new_photos(worker, settings, 1, seed=6304))[0]
    await ballots.enter_paper_ballot(
        worker, matter["id"], entry["id"], "agree", scan_photo_id=scan, settings=settings
    )
    event = await BallotEvent.select(BallotEvent.id).where(BallotEvent.scan_photo_id == scan)
    assert await linked_photo_ids(OwnerKind.ballot, event[0]["id"], Purpose.scan) == [scan]
    assert await sees(world.actors["community_staff_a"], scan, settings)
    assert await sees(worker, scan, settings)  # who entered it
    for actor in (estate.voter(0), estate.voter(1), world.actors["street_b_staff"]):
        assert not await sees(actor, scan, settings)


async def test_a_comments_photo_is_hidden_with_the_comment(world, settings):
    estate = await build_estate(world, 2)
    staff = world.actors["community_staff_a"]
    matter = await matters.create_matter(staff, draft(estate, []), settings=settings)
    await matters.publish_matter(staff, matter["id"])
    await matters.open_discussion(staff, matter["id"])
    author, neighbour = estate.voter(0), estate.voter(1)
    comment = await discussion.post_comment(author, matter["id"], "门口的台阶坏了，见照片")
    photo = (await new_photos(author, settings, 1, seed=6305))[0]
    await link_photos(
        author, [photo], OwnerKind.comment, comment["id"], Purpose.attachment, settings=settings
    )
    assert await sees(neighbour, photo, settings)
    assert not await sees(world.actors["street_b_staff"], photo, settings)
    await discussion.hide_comment(staff, comment["id"], "含个人信息")
    assert not await sees(neighbour, photo, settings)
    assert await sees(staff, photo, settings) and await sees(author, photo, settings)
