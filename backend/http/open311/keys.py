"""Admins issue and revoke the API keys of Open311 clients."""

from __future__ import annotations

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from backend.http.deps import CurrentActor
from backend.open311_clients import ClientView, IssuedKey, issue_key, list_clients, revoke_key


class ClientIn(msgspec.Struct):
    name: str


class Open311ClientController(Controller):
    path = "/api/v1/open311/clients"
    tags = ["open311"]

    @post("/", summary="Issue an Open311 API key (shown once; admins)")
    async def issue(self, actor: CurrentActor, data: JSONBody[ClientIn]) -> IssuedKey:
        return await issue_key(actor, data.name)

    @get("/", summary="Open311 clients (admins)")
    async def clients(self, actor: CurrentActor) -> list[ClientView]:
        return await list_clients(actor)

    @post("/{client_id:int}/revoke", summary="Revoke an Open311 API key (admins)", status_code=200)
    async def revoke(self, actor: CurrentActor, client_id: FromPath[int]) -> ClientView:
        return await revoke_key(actor, client_id)
