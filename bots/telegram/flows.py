"""What the Telegram bot does with each message: linking, the report conversation, case work.

Every step reads and writes the conversation state in the database (:mod:`bots.state`), never
PTB's in-memory ``ConversationHandler`` state, so an update may land on a fresh process.
Domain refusals come back as :class:`DomainError` and are answered with their Chinese text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from backend.config import Settings
from backend.errors import DomainError, ErrorCode
from bots import report
from bots.links import linked_actor, redeem_link_code
from bots.state import State, clear_state, load_state, save_state
from bots.tables import BotChannel
from bots.telegram import render
from bots.telegram.inbound import Inbound
from grid.actors import Actor
from grid.cases.services.moves import case_number, state_text
from grid.cases.services.queries import case_detail, my_cases
from grid.cases.services.triage import dispatch_case, escalate_case, file_case
from grid.cases.services.work import evaluate_case, handle_case, start_case
from grid.cases.tables import AssigneeKind, Channel

TG = BotChannel.telegram
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


@dataclass
class Chat:
    """The replies and downloads a flow may use (given by the transport)."""

    inbound: Inbound
    settings: Settings
    reply: Callable[[str, Markup], Awaitable[None]]
    download: Callable[[str], Awaitable[bytes]]

    @property
    def id(self) -> str:
        return self.inbound.chat_id


async def handle(chat: Chat) -> None:
    """Answer one update; a domain refusal becomes its message."""
    try:
        await _route(chat)
    except DomainError as error:
        await chat.reply(render.error_text(error), None)


async def _route(chat: Chat) -> None:
    msg = chat.inbound
    if (msg.command == "start" and not msg.args) or msg.command == "help":
        await chat.reply(render.HELP, None)
        return
    if msg.command in ("link", "start"):
        actor = await redeem_link_code(TG, chat.id, msg.args)
        await chat.reply(render.LINKED.format(name=actor.name), None)
        return
    actor = await linked_actor(TG, chat.id)
    if actor is None:
        raise DomainError(ErrorCode.BOT_NOT_LINKED)
    if msg.command == "cancel" or msg.callback_data == "cancel":
        await clear_state(TG, chat.id)
        await chat.reply(render.CANCELLED, ReplyKeyboardRemove())
        return
    if msg.command == "report":
        await save_state(TG, chat.id, report.new_report("tg"))
        await chat.reply(render.ASK_PHOTOS, render.location_keyboard())
        return
    if msg.command == "mycases":
        await _my_cases(chat, actor)
        return
    if msg.command == "case":
        await _show_case(chat, actor, msg.args)
        return
    if msg.callback_data:
        await _button(chat, actor, msg.callback_data)
        return
    state = await load_state(TG, chat.id)
    if state.flow == report.FLOW:
        await _report_step(chat, actor, state)
    elif state.flow == "handle":
        await _handle_step(chat, actor, state)
    elif state.flow == "escalate" and msg.text:
        await clear_state(TG, chat.id)
        case = await escalate_case(
            actor, int(state.data["case_id"]), msg.text, channel=Channel.telegram
        )
        await _done(chat, case)
    else:
        await chat.reply(render.UNKNOWN, None)


async def _report_step(chat: Chat, actor: Actor, state: State) -> None:
    msg = chat.inbound
    if state.step == "photos" and msg.photo_file_id:
        data = await chat.download(msg.photo_file_id)
        count = await report.add_photo(actor, TG, chat.id, data, chat.settings)
        await chat.reply(render.PHOTO_OK.format(n=count), None)
    elif state.step == "photos" and msg.lon is not None and msg.lat is not None:
        report.set_location(state, msg.lon, msg.lat)
        state.step = "category"
        await save_state(TG, chat.id, state)
        await chat.reply("📍", ReplyKeyboardRemove())
        await chat.reply(render.ASK_CATEGORY, render.choices(await report.majors(actor), "major"))
    elif state.step == "description" and msg.text:
        state.data["description"] = msg.text
        state.step = "confirm"
        await save_state(TG, chat.id, state)
        text = render.CONFIRM.format(
            category=state.data.get("category_name", ""),
            photos=len(state.data.get("photos", [])),
            description=msg.text,
        )
        await chat.reply(text, render.confirm_keyboard())
    else:
        await chat.reply(render.ASK_PHOTOS if state.step == "photos" else render.UNKNOWN, None)


async def _button(chat: Chat, actor: Actor, data: str) -> None:
    verb, _, rest = data.partition(":")
    state = await load_state(TG, chat.id)
    if state.flow == report.FLOW and verb in ("major", "category", "submit"):
        await _report_button(chat, actor, state, verb, rest)
        return
    if verb == "dispatch":
        await _done(chat, await dispatch_here(actor, int(rest)))
    elif verb == "start":
        await _done(chat, await start_case(actor, int(rest), channel=Channel.telegram))
    elif verb == "handle":
        await save_state(
            TG, chat.id, State("handle", "photo", {"case_id": int(rest), "photos": []})
        )
        await chat.reply(render.ASK_HANDLE_PHOTO, None)
    elif verb == "escalate":
        await save_state(TG, chat.id, State("escalate", "reason", {"case_id": int(rest)}))
        await chat.reply(render.ASK_REASON, None)
    elif verb == "rate":
        case_id, _, stars = rest.partition(":")
        await evaluate_case(actor, int(case_id), int(stars), channel=Channel.telegram)
        await chat.reply(render.RATED, None)
    else:
        await chat.reply(render.UNKNOWN, None)


async def dispatch_here(actor: Actor, case_id: int) -> dict[str, Any]:
    """A leader's one tap on a new case: file it and dispatch it to its responsible unit,
    whose linked workers then get the case with their work buttons."""
    case = await file_case(actor, case_id, channel=Channel.telegram)
    return await dispatch_case(
        actor, case_id, kind=AssigneeKind.unit, target_id=case["unit"], channel=Channel.telegram
    )


async def _report_button(chat: Chat, actor: Actor, state: State, verb: str, rest: str) -> None:
    if verb == "major" and state.step == "category":
        await chat.reply(
            render.ASK_SUBCATEGORY,
            render.choices(await report.minors(actor, int(rest)), "category"),
        )
    elif verb == "category" and state.step == "category":
        state.data["category_id"] = int(rest)
        state.data["category_name"] = await report.category_name(actor, int(rest))
        state.step = "description"
        await save_state(TG, chat.id, state)
        await chat.reply(render.ASK_DESCRIPTION, None)
    elif verb == "submit" and state.step == "confirm":
        reported = await report.submit(actor, state, Channel.telegram)
        await clear_state(TG, chat.id)
        case = reported.case
        number = case_number(case["id"], case["created_at"])
        await chat.reply(render.REPORTED.format(number=number, id=case["id"]), None)


async def _handle_step(chat: Chat, actor: Actor, state: State) -> None:
    msg = chat.inbound
    if msg.photo_file_id:
        data = await chat.download(msg.photo_file_id)
        await report.add_photo(actor, TG, chat.id, data, chat.settings)
        await chat.reply(render.ASK_HANDLE_NOTE, None)
        return
    if not msg.text:
        await chat.reply(render.ASK_HANDLE_PHOTO, None)
        return
    case = await handle_case(
        actor,
        int(state.data["case_id"]),
        msg.text,
        [int(p) for p in state.data.get("photos", [])],
        channel=Channel.telegram,
    )
    await clear_state(TG, chat.id)
    await _done(chat, case)


async def _done(chat: Chat, case: dict[str, Any]) -> None:
    number = case_number(case["id"], case["created_at"])
    await chat.reply(render.DONE.format(number=number, state=state_text(case["state"])), None)


async def _my_cases(chat: Chat, actor: Actor) -> None:
    views, _ = await my_cases(actor, reported=actor.kind == "resident", limit=10)
    if not views:
        await chat.reply(render.NO_CASES, None)
        return
    lines = [f"#{v.id} {v.number} {v.category_name}「{v.state_zh}」" for v in views]
    await chat.reply("\n".join(lines), None)


async def _show_case(chat: Chat, actor: Actor, arg: str) -> None:
    digits = arg.strip().lstrip("#").rsplit("-", 1)[-1]
    if not digits.isdigit():
        raise DomainError(ErrorCode.VALIDATION, field="case", reason="/case 编号")
    detail = await case_detail(actor, int(digits))
    v = detail.case
    lines = [f"案件 {v.number}「{v.state_zh}」", f"{v.category_name}：{v.description}"]
    lines += [f"{e.at:%m-%d %H:%M} {e.action_zh} {e.reason}".rstrip() for e in detail.history[-5:]]
    await chat.reply("\n".join(lines), None)
