"""Conversation state in the database: a multi-step flow survives a restart or a second process.

One row per chat; a flow's answers are a small JSON object. Every step is its own short
write, so two processes behind a load balancer see the same step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend import clock
from backend.db import write_transaction
from bots.tables import BotChannel, Conversation


@dataclass
class State:
    flow: str = ""
    step: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def _where(channel: BotChannel, chat: str) -> Any:
    return (Conversation.channel == channel) & (Conversation.external_id == chat)


async def load_state(channel: BotChannel, chat: str) -> State:
    row = await Conversation.select().where(_where(channel, chat)).first()
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
