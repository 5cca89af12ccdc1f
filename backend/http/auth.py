"""Staff sign-in over HTTP: login → bearer token, logout, who am I, change password."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import JSONBody

from backend import auth
from backend.http.deps import ClientIp, CurrentActor, CurrentSettings, bearer_token


class LoginIn(msgspec.Struct):
    # as long as the column that records sign-in attempts; a longer name cannot exist
    username: Annotated[str, msgspec.Meta(max_length=64)]
    password: Annotated[str, msgspec.Meta(max_length=1024)]


class GrantOut(msgspec.Struct):
    role: str
    unit_id: int
    unit_prefix: str
    unit_level: str
    department_id: int | None


class MeOut(msgspec.Struct):
    id: int
    name: str
    roles: list[GrantOut]


class TokenOut(msgspec.Struct):
    token: str
    token_type: str
    expires_at: datetime
    me: MeOut


class PasswordIn(msgspec.Struct):
    old_password: str
    new_password: str


def me_out(actor: CurrentActor) -> MeOut:
    return MeOut(
        id=actor.id,
        name=actor.name,
        roles=[
            GrantOut(g.role, g.unit_id, g.unit_prefix, g.unit_level, g.department_id)
            for g in actor.grants
        ],
    )


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", summary="Sign in with username and password", status_code=200)
    async def login(
        self, data: JSONBody[LoginIn], settings: CurrentSettings, client_ip: ClientIp
    ) -> TokenOut:
        issued = await auth.login(data.username, data.password, client_ip, settings)
        return TokenOut(issued.token, "Bearer", issued.expires_at, me_out(issued.actor))

    @post("/logout", summary="End this token's session", status_code=204)
    async def logout(self, request: Request[Any, Any, Any], actor: CurrentActor) -> None:
        await auth.logout(bearer_token(request))

    @get("/me", summary="The signed-in staff member and their role grants")
    async def me(self, actor: CurrentActor) -> MeOut:
        return me_out(actor)

    @post(
        "/password", summary="Change password; ends every session of the account", status_code=204
    )
    async def change_password(self, data: JSONBody[PasswordIn], actor: CurrentActor) -> None:
        await auth.change_password(actor, data.old_password, data.new_password)
