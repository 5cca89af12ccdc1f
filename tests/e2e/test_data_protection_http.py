"""Data protection, checked where it matters: in the raw tables (plain SQL on either engine)
and in every answer of the API.

* Phone and ID numbers, residents' and owners' names and house addresses seeded through the
  API appear in no column of any table in clear (names are sealed and found through keyed
  tokens). The few columns that still hold a name as it was shown at the time are listed,
  with why, in :data:`NAME_COLUMNS`; erasure and deletion clear them.
* Every read without a reveal shows them masked; each reveal writes its log row.
* Export (PIPL art. 45) by community staff and by the resident in the mini-program, and
  erasure (art. 47): personal data gone from every table, cases and ballots kept anonymised —
  the ballot hash chain still verifies, tallies and KPI figures do not move — each request
  recorded, and the erased resident's id never given to anyone again.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from backend import clock
from backend.db import get_engine, is_sqlite
from backend.pii import id_check_digit
from community.services import ballots, tally
from community.tasks import seal_pending_chains
from grid.actors import Actor
from grid.cases.kpis import unit_kpis
from grid.services import personal_data as pd
from tests import people_data
from tests.cases_support import report
from tests.estate import build_estate, open_matter
from tests.mp_support import bind_resident, sign_in

# Where a person's name may still stand in clear, and why (nothing else may hold it):
# - case and phase histories keep the actor's name as shown when they acted, so the audit
#   reads without joins to rows that may since be gone (erasure and deletion clear it);
# - consultation comments show their author's name publicly on the matter (cleared likewise);
# - a mini-program binding request is the name the person typed to be matched by staff
#   (cleared on erasure; the request is short-lived);
# - party rolls are the party organisation's own register, kept apart from the resident one.
# None of them is reached by the register flows this module seeds.
NAME_COLUMNS = {
    ("case_event", "actor_name"),
    ("community_phase_event", "actor_name"),
    ("community_comment", "author_name"),
    ("mp_binding_request", "name"),
    ("party_member", "name"),
}


def _id_number(seed: int) -> str:
    first17 = f"500103{1970 + seed % 40:04d}0101{seed % 1000:03d}"
    return first17 + id_check_digit(first17)


def _phone() -> str:
    return "139" + f"{uuid.uuid4().int % 10**8:08d}"


def _name() -> str:
    return "欧阳" + "".join(chr(0x4E00 + uuid.uuid4().int % 0x5000) for _ in range(3))


async def _tables() -> list[str]:
    engine = get_engine()
    if is_sqlite(engine):
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        return [r["name"] for r in await engine.run_ddl(sql)]
    sql = (
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    )
    return [r["table_name"] for r in await engine.run_ddl(sql)]


async def where_found(*needles: str) -> set[tuple[str, str, str]]:
    """(needle, table, column) for every raw cell of every table containing a needle."""
    engine = get_engine()
    found = set()
    for table in await _tables():
        for row in await engine.run_ddl(f'SELECT * FROM "{table}"'):
            for column, value in dict(row).items():
                text = value.hex() if isinstance(value, bytes) else str(value)
                for needle in needles:
                    if needle in text:
                        found.add((needle, table, column))
    return found


async def _resident(client: Any, world: Any, **fields: Any) -> dict[str, Any]:
    headers = world.headers("grid_worker_a")
    house = await client.post(
        "/api/v1/house-units/",
        json={
            "micro_grid_id": world.units["grid_a1_1_m1"],
            "building": people_data.building(),
            "room": "101",
            "address": fields.pop("address", ""),
        },
        headers=headers,
    )
    assert house.status_code == 201, house.text
    household = await client.post(
        "/api/v1/households/", json={"house_unit_id": house.json()["id"]}, headers=headers
    )
    assert household.status_code == 201, household.text
    body = {"household_id": household.json()["id"], **fields}
    answer = await client.post("/api/v1/residents/", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_numbers_names_and_addresses_of_the_register_are_nowhere_in_clear(client, world):
    phone, owner_phone, id_number, owner_id = _phone(), _phone(), _id_number(7), _id_number(8)
    name, owner_name, address = _name(), _name(), "测试路" + _name() + "号"
    resident = await _resident(
        client, world, name=name, phone=phone, id_number=id_number, address=address
    )
    owners = await client.put(
        f"/api/v1/house-units/{resident['house_unit_id']}/owners",
        json={"owners": [{"name": owner_name, "phone": owner_phone, "id_number": owner_id}]},
        headers=world.headers("grid_worker_a"),
    )
    assert owners.status_code == 200, owners.text
    staff_phone = _phone()
    staff = await client.post(
        "/api/v1/staff/",
        json={
            "username": "t_pii_" + uuid.uuid4().hex[:8],
            "display_name": "测试员",
            "password": "Passw0rd-pii-test",
            "phone": staff_phone,
            "grants": [{"role": "grid_worker", "unit_id": world.units["grid_a1_1"]}],
        },
        headers=world.headers("admin"),
    )
    assert staff.status_code == 201, staff.text

    secrets = (phone, owner_phone, id_number, owner_id, staff_phone, id_number[-8:])
    assert await where_found(*secrets) == set()
    assert await where_found(name, owner_name, address, address[3:9]) == set()
    # and still readable and findable by staff in scope
    headers = world.headers("grid_worker_a")
    got = await client.get(f"/api/v1/residents/{resident['id']}", headers=headers)
    assert got.json()["name"] == name
    house = await client.get(f"/api/v1/house-units/{resident['house_unit_id']}", headers=headers)
    assert house.json()["address"] == address
    assert [o["name"] for o in house.json()["owners"]] == [owner_name]
    for part in (name, name[2:4], name[:1]):
        hits = await client.get("/api/v1/residents/", params={"name": part}, headers=headers)
        assert resident["id"] in [r["id"] for r in hits.json()["items"]], part


async def test_every_read_without_a_reveal_is_masked_and_each_reveal_is_logged(client, world):
    phone, id_number = _phone(), _id_number(11)
    resident = await _resident(client, world, name=_name(), phone=phone, id_number=id_number)
    rid, headers = resident["id"], world.headers("grid_worker_a")
    reads = [
        await client.get(f"/api/v1/residents/{rid}", headers=headers),
        await client.get(
            "/api/v1/residents/", params={"household_id": resident["household_id"]}, headers=headers
        ),
        await client.post("/api/v1/residents/search", json={"phone": phone}, headers=headers),
        await client.get(f"/api/v1/households/{resident['household_id']}", headers=headers),
        await client.get(f"/api/v1/households/{resident['household_id']}/members", headers=headers),
        await client.get(f"/api/v1/house-units/{resident['house_unit_id']}", headers=headers),
        await client.get(f"/api/v1/residents/{rid}", headers=world.headers("street_a_staff")),
    ]
    for answer in reads:
        assert answer.status_code == 200, answer.text
        assert phone not in answer.text and id_number not in answer.text
    assert reads[0].json()["phone"] == phone[:3] + "****" + phone[-4:]
    assert reads[0].json()["id_number"] == id_number[:3] + "*" * 11 + id_number[-4:]

    log = f"SELECT * FROM pii_access_log WHERE subject_kind = 'resident' AND subject_id = {rid}"
    assert await get_engine().run_ddl(log) == []
    revealed = await client.post(
        f"/api/v1/residents/{rid}/reveal", json={"reason": "入户走访核实"}, headers=headers
    )
    assert revealed.status_code == 200 and revealed.json()["phone"] == phone
    rows = await get_engine().run_ddl(log)
    assert len(rows) == 1
    row = dict(rows[0])
    assert row["staff"] == world.staff["grid_worker_a"] and row["reason"] == "入户走访核实"
    assert row["fields"] == "phone,id_number" and row["at"] is not None


async def _voted(world: Any, voters: int) -> tuple[Any, dict[str, Any]]:
    estate = await build_estate(world, voters)
    matter = await open_matter(world, estate)
    for i in range(voters):
        await ballots.cast_ballot(estate.voter(i), matter["id"], "agree" if i % 2 else "disagree")
    await seal_pending_chains()
    return estate, matter


async def test_community_staff_export_everything_held_about_a_resident_and_it_is_recorded(
    client, world
):
    estate, matter = await _voted(world, 3)
    rid = estate.resident_ids[0]
    phone = _phone()
    await client.patch(
        f"/api/v1/residents/{rid}", json={"phone": phone}, headers=world.headers("grid_worker_a")
    )
    voter = estate.voter(0)
    case = await report(world, who=voter)
    await client.post(
        f"/api/v1/residents/{rid}/reveal",
        json={"reason": "核实联系方式"},
        headers=world.headers("grid_worker_a"),
    )
    url = f"/api/v1/residents/{rid}/data-export"
    for persona, status in (("grid_worker_a", 403), ("street_b_staff", 404)):
        refused = await client.post(url, json={"reason": "x"}, headers=world.headers(persona))
        assert refused.status_code == status, refused.text
    answer = await client.post(
        url, json={"reason": "居民书面申请查阅"}, headers=world.headers("community_staff_a")
    )
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert doc["profile"]["phone"] == phone and doc["profile"]["name"] == "业主0"
    assert doc["household"]["house_unit"]["id"] == estate.unit_ids[0]
    assert doc["owner"]["id"] == estate.owner_ids[0]
    assert [c["id"] for c in doc["cases_reported"]] == [case["id"]]
    [ballot] = doc["ballots_cast"]
    assert ballot["matter_id"] == matter["id"] and ballot["choice"] == "disagree"
    assert ballot["receipt"]
    assert [e["reason"] for e in doc["pii_access_log"]] == ["核实联系方式"]
    assert doc["mini_program"] == {"wechat_identities": [], "binding_requests": []}
    assert doc["data_requests"][-1]["kind"] == "export"
    records = await get_engine().run_ddl(
        f"SELECT * FROM personal_data_request WHERE subject_id = {rid} AND kind = 'export'"
    )
    assert len(records) == 1
    record = dict(records[0])
    assert record["requested_by_kind"] == "staff"
    assert record["requested_by_id"] == world.staff["community_staff_a"]
    assert record["reason"] == "居民书面申请查阅" and record["at"] is not None
    # a staff export shows full numbers, so it is a logged full read too
    log = await get_engine().run_ddl(
        f"SELECT staff, reason FROM pii_access_log WHERE subject_id = {rid} "
        "AND subject_kind = 'resident' ORDER BY id"
    )
    assert [dict(r)["reason"] for r in log] == ["核实联系方式", "居民书面申请查阅"]


async def test_erasure_removes_the_person_and_keeps_ballots_chain_tallies_cases_and_kpis(
    client, world
):
    estate, matter = await _voted(world, 4)
    rid = estate.resident_ids[1]
    phone, id_number = _phone(), _id_number(23)
    name = _name()
    answer = await client.patch(
        f"/api/v1/residents/{rid}",
        json={"phone": phone, "id_number": id_number, "name": name},
        headers=world.headers("grid_worker_a"),
    )
    assert answer.status_code == 200, answer.text
    voter = Actor(kind="resident", id=rid, name=name)
    case = await report(world, who=voter)
    grid = world.units["grid_a1_1"]
    day = clock.now().date()
    kpis_before = await unit_kpis(world.actors["admin"], grid, day, day + timedelta(days=1))
    chain_before = await tally.chain.verify_chain_of(matter["id"])
    result_before = await tally.compute_result(matter)
    assert chain_before.ok

    url = f"/api/v1/residents/{rid}/data-erasure"
    staff = world.headers("community_staff_a")
    unconfirmed = await client.post(url, json={"reason": "本人申请删除"}, headers=staff)
    assert unconfirmed.status_code == 400
    assert unconfirmed.json()["code"] == "erasure_unconfirmed"
    assert "不可恢复" in unconfirmed.json()["message"]
    erased = await client.post(url, json={"reason": "本人申请删除", "confirm": True}, headers=staff)
    assert erased.status_code == 200, erased.text
    assert erased.json()["summary"]["cases_kept"] == 1
    assert erased.json()["summary"]["ballots_kept"] == 1

    assert await where_found(phone, id_number, name) == set()
    gone = await client.get(f"/api/v1/residents/{rid}", headers=staff)
    assert gone.status_code == 404
    chain_after = await tally.chain.verify_chain_of(matter["id"])
    assert chain_after.ok and chain_after.length == chain_before.length
    assert chain_after.head == chain_before.head
    assert await tally.compute_result(matter) == result_before
    kept = await get_engine().run_ddl(f"SELECT state FROM case_record WHERE id = {case['id']}")
    assert len(kept) == 1
    kpis_after = await unit_kpis(world.actors["admin"], grid, day, day + timedelta(days=1))
    assert kpis_after == kpis_before

    records = await client.get(f"/api/v1/residents/{rid}/data-requests", headers=staff)
    assert records.status_code == 200, records.text
    [record] = records.json()
    assert record["kind"] == "erasure" and record["reason"] == "本人申请删除"
    assert record["requested_by_id"] == world.staff["community_staff_a"]
    assert record["summary"]["ballots_kept"] == 1
    other = await client.get(
        f"/api/v1/residents/{rid}/data-requests", headers=world.headers("street_b_staff")
    )
    assert other.status_code == 404


async def test_a_new_resident_never_gets_an_erased_or_deleted_ones_id(client, world):
    staff = world.headers("community_staff_a")
    newest = await _resident(client, world, name=_name())
    erased = await client.post(
        f"/api/v1/residents/{newest['id']}/data-erasure",
        json={"reason": "本人申请删除", "confirm": True},
        headers=staff,
    )
    assert erased.status_code == 200, erased.text
    after_erasure = await _resident(client, world, name=_name())
    assert after_erasure["id"] > newest["id"]
    deleted = await client.delete(f"/api/v1/residents/{after_erasure['id']}", headers=staff)
    assert deleted.status_code == 204
    after_delete = await _resident(client, world, name=_name())
    assert after_delete["id"] > after_erasure["id"]
    gone = await client.get(f"/api/v1/residents/{newest['id']}", headers=staff)
    assert gone.status_code == 404


async def test_a_resident_exports_and_erases_their_own_data_in_the_mini_program(
    mp_client, fake_wechat, world
):
    phone = _phone()
    resident = await _resident(mp_client, world, name=_name(), phone=phone)
    headers = await sign_in(mp_client, fake_wechat)
    unbound = await mp_client.post("/mp/v1/me/data/export", json={}, headers=headers)
    assert unbound.status_code == 403 and unbound.json()["code"] == "mp_not_bound"
    await bind_resident(mp_client, world, headers, resident["id"])

    exported = await mp_client.post("/mp/v1/me/data/export", json={}, headers=headers)
    assert exported.status_code == 200, exported.text
    doc = exported.json()
    assert doc["subject"] == {"kind": "resident", "id": resident["id"]}
    assert doc["profile"]["phone"] == phone
    assert len(doc["mini_program"]["wechat_identities"]) == 1
    assert doc["pii_access_log"] == []  # the person's own copy is not a staff read

    refused = await mp_client.post(
        "/mp/v1/me/data/erase", json={"reason": "已搬离"}, headers=headers
    )
    assert refused.status_code == 400 and refused.json()["code"] == "erasure_unconfirmed"
    erased = await mp_client.post(
        "/mp/v1/me/data/erase", json={"reason": "已搬离", "confirm": True}, headers=headers
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["summary"]["mini_program"] >= 1
    ended = await mp_client.get("/mp/v1/me", headers=headers)
    assert ended.status_code == 401
    assert await where_found(phone) == set()
    records = await get_engine().run_ddl(
        f"SELECT kind, requested_by_kind, requested_by_id FROM personal_data_request "
        f"WHERE subject_id = {resident['id']} ORDER BY id"
    )
    assert [tuple(dict(r).values()) for r in records] == [
        ("export", "resident", resident["id"]),
        ("erasure", "resident", resident["id"]),
    ]


async def test_only_the_resident_themselves_or_staff_in_charge_may_ask(world):
    estate = await build_estate(world, 2)
    neighbour = estate.voter(1)
    for who in (neighbour, world.actors["grid_worker_a"], world.actors["street_a_staff"]):
        try:
            await pd.export_resident_data(who, estate.resident_ids[0], "查看")
        except Exception as refused:
            assert getattr(refused, "code", None) in ("not_found", "forbidden"), refused
        else:
            raise AssertionError(f"{who.name} exported someone else's data")


async def test_deleting_a_resident_anonymises_their_histories_like_an_erasure(client, world):
    name = _name()
    resident = await _resident(client, world, name=name, address="测试路" + _name() + "号")
    rid = resident["id"]
    case = await report(world, who=Actor(kind="resident", id=rid, name=name))
    assert {(t, c) for _, t, c in await where_found(name)} == {("case_event", "actor_name")}

    deleted = await client.delete(
        f"/api/v1/residents/{rid}", headers=world.headers("community_staff_a")
    )
    assert deleted.status_code == 204, deleted.text
    assert await where_found(name) == set()
    kept = await get_engine().run_ddl(f"SELECT id FROM case_record WHERE id = {case['id']}")
    assert len(kept) == 1
    gone = await get_engine().run_ddl(f"SELECT id FROM resident_name_token WHERE resident = {rid}")
    assert gone == []
