"""Residents' names at rest: sealed in ``resident.name_enc`` and searchable through the keyed
tokens of ``resident_name_token`` (the crypto and the token rules are ``backend.pii``).

Every write of a name goes through :func:`index_names` in the same transaction, so the index
never disagrees with the name; a search takes the candidates the tokens give and keeps those
whose decrypted name really contains the term (:func:`backend.pii.name_matches`).
"""

from __future__ import annotations

from collections.abc import Iterable

from piccolo.columns.combination import WhereRaw

from backend.pii import name_tokens, query_tokens
from grid.tables import ResidentNameToken


async def index_names(names: Iterable[tuple[int, str]]) -> None:
    """(Re)write the tokens of each (resident id, clear name)."""
    pairs = list(names)
    if not pairs:
        return
    await ResidentNameToken.delete().where(
        ResidentNameToken.resident.is_in([rid for rid, _ in pairs])
    )
    rows = [
        ResidentNameToken(resident=rid, token=token)
        for rid, name in pairs
        for token in sorted(name_tokens(name))
    ]
    for start in range(0, len(rows), 500):
        await ResidentNameToken.insert(*rows[start : start + 500])


def name_candidates(term: str) -> WhereRaw:
    """Residents whose name has every token of ``term``: a superset of the true matches."""
    tokens = sorted(query_tokens(term))
    marks = ", ".join("{}" for _ in tokens)
    # constant SQL but for the number of placeholders; every value is a bound parameter
    sql = (
        '"resident"."id" IN (SELECT "resident" FROM "resident_name_token" '  # noqa: S608
        f'WHERE "token" IN ({marks}) GROUP BY "resident" HAVING COUNT(DISTINCT "token") = {{}})'
    )
    return WhereRaw(sql, *tokens, len(tokens))
