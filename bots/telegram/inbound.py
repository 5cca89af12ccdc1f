"""What a Telegram update says, reduced to what the flows need (no PTB types beyond here)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update


@dataclass(frozen=True)
class Inbound:
    chat_id: str
    text: str = ""
    command: str = ""
    args: str = ""
    photo_file_id: str | None = None
    lon: float | None = None
    lat: float | None = None
    callback_id: str | None = None
    callback_data: str = ""


def parse(update: Update) -> Inbound | None:
    """The flow's view of an update; None for updates the bot does not answer."""
    query = update.callback_query
    if query is not None and query.message is not None:
        return Inbound(
            chat_id=str(query.message.chat.id),
            callback_id=query.id,
            callback_data=query.data or "",
        )
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return None
    chat_id = str(update.effective_chat.id)
    if message.photo:
        biggest = max(message.photo, key=lambda p: p.width * p.height)
        return Inbound(chat_id=chat_id, photo_file_id=biggest.file_id, text=message.caption or "")
    if message.location is not None:
        return Inbound(
            chat_id=chat_id, lon=message.location.longitude, lat=message.location.latitude
        )
    text = (message.text or "").strip()
    if text.startswith("/"):
        head, _, rest = text.partition(" ")
        return Inbound(
            chat_id=chat_id, text=text, command=head[1:].split("@")[0].lower(), args=rest.strip()
        )
    return Inbound(chat_id=chat_id, text=text)
