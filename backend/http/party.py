"""Party organizations over HTTP (being written)."""

from litestar import Controller


class PartyController(Controller):
    path = "/api/v1/party-orgs"
