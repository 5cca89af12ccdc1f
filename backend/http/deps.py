"""Request-scoped values handlers ask for by name: ``actor``, ``settings``, ``client_ip``."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from backend.auth import actor_from_token
from backend.config import Settings
from backend.errors import DomainError, ErrorCode
from grid.actors import Actor


def bearer_token(request: Request[Any, Any, Any]) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    return token.strip()


async def provide_actor(request: Request[Any, Any, Any], settings: Settings) -> Actor:
    """The caller, from the bearer token.

    ``settings`` is unused, but asking for it makes Litestar resolve the two in sequence:
    independent dependencies of one handler (``actor`` and ``settings``) are resolved in an
    anyio task group, two tasks per request, which cost more than the dependencies.
    """
    return await actor_from_token(bearer_token(request))


def provide_settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def provide_client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


DEPENDENCIES = {
    "actor": Provide(provide_actor),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "client_ip": Provide(provide_client_ip, sync_to_thread=False),
}

#: Explicit markers (Litestar 2.25 deprecates inferred dependencies): handlers write
#: ``actor: CurrentActor`` instead of ``actor: Actor``.
CurrentActor = NamedDependency[Actor]
CurrentSettings = NamedDependency[Settings]
ClientIp = NamedDependency[str]
