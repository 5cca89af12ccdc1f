"""Sign-in over HTTP: tokens, logout, password change and login rate limits."""

from __future__ import annotations

from tests.personas import PASSWORD


async def test_login_returns_a_token_that_identifies_the_staff_member(client, world):
    response = await client.post(
        "/api/v1/auth/login", json={"username": "t_street_a_staff", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert [g["role"] for g in me.json()["roles"]] == ["street_center_staff"]


async def test_wrong_password_is_refused_in_chinese_by_default_and_english_on_request(
    client, world
):
    bad = {"username": "t_grid_worker_b", "password": "nope-123456"}
    zh = await client.post("/api/v1/auth/login", json=bad)
    assert zh.status_code == 401
    assert zh.json()["code"] == "bad_credentials"
    assert zh.json()["message"] == "用户名或密码错误"
    en = await client.post(
        "/api/v1/auth/login", json=bad, headers={"Accept-Language": "en-US,en;q=0.9"}
    )
    assert en.json()["message"] == "Wrong username or password"


async def test_logout_kills_the_token(client, world):
    login = await client.post(
        "/api/v1/auth/login", json={"username": "t_district_staff", "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    replay = await client.get("/api/v1/auth/me", headers=headers)
    assert replay.status_code == 401
    assert replay.json()["code"] == "token_invalid"


async def test_missing_token_is_401_with_reason(client):
    response = await client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


async def test_account_is_locked_out_after_repeated_failures(client, world):
    for _ in range(5):
        r = await client.post(
            "/api/v1/auth/login", json={"username": "t_grid_leader_a", "password": "wrong-pass-1"}
        )
        assert r.status_code == 401
    locked = await client.post(
        "/api/v1/auth/login", json={"username": "t_grid_leader_a", "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert locked.json()["code"] == "rate_limited"
    assert int(locked.headers["retry-after"]) > 0


async def test_one_address_guessing_many_accounts_is_slowed_down(settings, world):
    import httpx

    from backend.app import create_app

    app = create_app(settings)
    guesser = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("10.9.8.7", 40000)),
        base_url="http://testserver",
    )
    neighbour = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("10.9.8.8", 40000)),
        base_url="http://testserver",
    )
    async with guesser, neighbour:
        for i in range(settings.login_max_failures_per_ip):
            r = await guesser.post(
                "/api/v1/auth/login", json={"username": f"nobody-{i}", "password": "guess-123"}
            )
            assert r.status_code == 401
        blocked = await guesser.post(
            "/api/v1/auth/login", json={"username": "t_grid_worker_a2", "password": PASSWORD}
        )
        assert blocked.status_code == 429 and blocked.json()["code"] == "rate_limited"
        # the account itself is not locked: the same login from another address works
        other = await neighbour.post(
            "/api/v1/auth/login", json={"username": "t_grid_worker_a2", "password": PASSWORD}
        )
        assert other.status_code == 200
