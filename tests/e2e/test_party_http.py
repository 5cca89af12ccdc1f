"""Party organizations follow the org tree and the party line."""

from __future__ import annotations


async def _org(client, world, persona, **body):
    return await client.post("/api/v1/party-orgs/", json=body, headers=world.headers(persona))


async def test_party_line_runs_street_committee_to_community_committee_to_grid_branch(
    client, world
):
    street = await _org(
        client,
        world,
        "admin",
        name="甲街道党工委",
        kind="street_working_committee",
        unit_id=world.units["street_a"],
    )
    assert street.status_code == 201, street.text
    community = await _org(
        client,
        world,
        "street_a_staff",
        name="甲一社区党委",
        kind="community_committee",
        unit_id=world.units["community_a1"],
        parent_id=street.json()["id"],
    )
    assert community.status_code == 201, community.text
    branch = await _org(
        client,
        world,
        "community_staff_a",
        name="甲一网格党支部",
        kind="grid_branch",
        unit_id=world.units["grid_a1_1"],
        parent_id=community.json()["id"],
    )
    assert branch.status_code == 201, branch.text
    branch_id = branch.json()["id"]

    leader = await client.post(
        f"/api/v1/party-orgs/{branch_id}/members",
        json={
            "name": "王建国",
            "role": "building_leader",
            "micro_grid_id": world.units["grid_a1_1_m1"],
        },
        headers=world.headers("community_staff_a"),
    )
    assert leader.status_code == 201, leader.text
    members = await client.get(
        f"/api/v1/party-orgs/{branch_id}/members", headers=world.headers("grid_worker_a")
    )
    assert [m["role"] for m in members.json()] == ["building_leader"]


async def test_grid_branch_under_a_committee_of_another_community_is_refused(client, world):
    street = await _org(
        client,
        world,
        "admin",
        name="乙街道党工委",
        kind="street_working_committee",
        unit_id=world.units["street_b"],
    )
    wrong = await _org(
        client,
        world,
        "admin",
        name="错位社区党委",
        kind="community_committee",
        unit_id=world.units["community_a1"],
        parent_id=street.json()["id"],
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "party_parent_invalid"


async def test_kind_must_match_the_unit_level(client, world):
    response = await _org(
        client,
        world,
        "admin",
        name="网格党工委",
        kind="street_working_committee",
        unit_id=world.units["grid_a1_1"],
    )
    assert response.status_code == 400
    assert "street" in response.json()["message"]


async def test_building_leader_outside_the_branch_grid_is_refused(client, world):
    street = await _org(
        client,
        world,
        "admin",
        name="甲街道党工委2",
        kind="street_working_committee",
        unit_id=world.units["street_a"],
    )
    community = await _org(
        client,
        world,
        "admin",
        name="甲一社区党委2",
        kind="community_committee",
        unit_id=world.units["community_a1"],
        parent_id=street.json()["id"],
    )
    branch = await _org(
        client,
        world,
        "admin",
        name="甲一网格党支部2",
        kind="grid_branch",
        unit_id=world.units["grid_a1_1"],
        parent_id=community.json()["id"],
    )
    response = await client.post(
        f"/api/v1/party-orgs/{branch.json()['id']}/members",
        json={
            "name": "李四",
            "role": "building_leader",
            "micro_grid_id": world.units["grid_b1_1_m1"],
        },
        headers=world.headers("admin"),
    )
    assert response.status_code == 400
    assert response.json()["data"]["field"] == "micro_grid_id"


async def test_street_b_staff_cannot_see_street_a_party_orgs(client, world):
    street = await _org(
        client,
        world,
        "admin",
        name="甲街道党工委3",
        kind="street_working_committee",
        unit_id=world.units["street_a"],
    )
    org_id = street.json()["id"]
    assert (
        await client.get(f"/api/v1/party-orgs/{org_id}", headers=world.headers("street_b_staff"))
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/party-orgs/{org_id}", headers=world.headers("street_a_staff"))
    ).status_code == 200
    listed = await client.get("/api/v1/party-orgs/", headers=world.headers("street_b_staff"))
    assert org_id not in [o["id"] for o in listed.json()["items"]]


async def test_grid_worker_may_read_but_not_create_party_orgs(client, world):
    response = await _org(
        client,
        world,
        "grid_worker_a",
        name="x",
        kind="street_working_committee",
        unit_id=world.units["street_a"],
    )
    # the street is above the worker's grid: outside their scope, so it "does not exist"
    assert response.status_code == 404
    street = await _org(
        client,
        world,
        "admin",
        name="甲街道党工委4",
        kind="street_working_committee",
        unit_id=world.units["street_a"],
    )
    community = await _org(
        client,
        world,
        "admin",
        name="甲一社区党委4",
        kind="community_committee",
        unit_id=world.units["community_a1"],
        parent_id=street.json()["id"],
    )
    branch = await _org(
        client,
        world,
        "grid_worker_a",
        name="x",
        kind="grid_branch",
        unit_id=world.units["grid_a1_1"],
        parent_id=community.json()["id"],
    )
    assert branch.status_code == 403
    assert branch.json()["code"] == "forbidden"
