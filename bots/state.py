"""Conversation state in the database: a multi-step flow survives a restart or a second process.

One row per chat; a flow's answers are a small JSON object. Every step is its own short
write, so two processes behind a load balancer see the same step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from piccolo.engine.sqlite import SQLiteEngine

from backend import clock
from backend.db import write_transaction
from bots.tables import BotChannel, Conversation

T = TypeVar("T")


@dataclass
class State:
    flow: str = ""
    step: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def _where(channel: BotChannel, chat: str) -> Any:
    return (Conversation.channel == channel) & (Conversation.external_id == chat)


async def load_state(channel: BotChannel, chat: str) -> State:
    return _state(await Conversation.select().where(_where(channel, chat)).first())


def _state(row: dict[str, Any] | None) -> State:
    if row is None:
        return State()
    data = row["data"]
    if isinstance(data, str):
        import json

        data = json.loads(data)
    return State(row["flow"], row["step"], data or {})


async def save_state(channel: BotChannel, chat: str, state: State) -> None:
    now = clock.now()
    async with write_transaction():
        updated = (
            await Conversation.update(
                {
                    Conversation.flow: state.flow,
                    Conversation.step: state.step,
                    Conversation.data: state.data,
                    Conversation.updated_at: now,
                }
            )
            .where(_where(channel, chat))
            .returning(Conversation.id)
        )
        if not updated:
            await Conversation.insert(
                Conversation(
                    channel=channel,
                    external_id=chat,
                    flow=state.flow,
                    step=state.step,
                    data=state.data,
                    updated_at=now,
                )
            )


async def clear_state(channel: BotChannel, chat: str) -> None:
    async with write_transaction():
        await Conversation.delete().where(_where(channel, chat))


async def change_state(
    channel: BotChannel, chat: str, change: Callable[[State], T]
) -> tuple[State, T]:
    """Read, change and write one chat's state as one step under the row's lock.

    For work that takes long between reading and writing (storing a photo): two photos of an
    album arriving at once, or a location sent while a photo is stored, would otherwise each
    write back the state they read and lose the other's change. SQLite's write transaction
    is already exclusive; PostgreSQL locks the row.
    """
    async with write_transaction():
        query = Conversation.select().where(_where(channel, chat))
        if not isinstance(Conversation._meta.db, SQLiteEngine):
            query = query.lock_rows()
        state = _state(await query.first())
        result = change(state)
        await save_state(channel, chat, state)
    return state, result
