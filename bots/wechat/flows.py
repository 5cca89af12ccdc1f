"""What the Official Account does with each message: text commands and a report assembled
from image, location and text messages, with the state in the database.

WeChat waits 5 seconds for the passive reply, so :func:`handle` answers at once and returns
the slow part (downloading an image through the API and storing it through Media) to run
after the reply is sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from backend.config import Settings
from backend.errors import DomainError, ErrorCode
from bots import report
from bots.links import linked_actor, redeem_link_code
from bots.state import State, clear_state, load_state, save_state
from bots.tables import BotChannel
from bots.wechat import render
from bots.wechat.inbound import Inbound
from grid.actors import Actor
from grid.cases.services.moves import case_number
from grid.cases.services.queries import case_detail, my_cases
from grid.cases.tables import Channel

WX = BotChannel.wechat
Slow = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Answer:
    text: str
    later: Slow | None = None


async def handle(
    inbound: Inbound, settings: Settings, download: Callable[[str], Awaitable[bytes]]
) -> Answer:
    try:
        return await _route(inbound, settings, download)
    except DomainError as error:
        return Answer(render.error_text(error))


async def _route(
    msg: Inbound, settings: Settings, download: Callable[[str], Awaitable[bytes]]
) -> Answer:
    word, _, rest = msg.text.partition(" ")
    if msg.kind == "text" and word in ("绑定", "bind"):
        actor = await redeem_link_code(WX, msg.openid, rest)
        return Answer(render.LINKED.format(name=actor.name))
    actor = await linked_actor(WX, msg.openid)
    if actor is None:
        raise DomainError(ErrorCode.BOT_NOT_LINKED)
    if msg.text in ("取消", "cancel"):
        await clear_state(WX, msg.openid)
        return Answer(render.CANCELLED)
    if msg.text in ("上报", "report"):
        await save_state(WX, msg.openid, report.new_report("wx"))
        return Answer(render.ASK_PHOTOS)
    if msg.text in ("我的案件", "mycases"):
        return Answer(await _my_cases(actor))
    if word in ("查询", "案件") and rest:
        return Answer(await _show_case(actor, rest))
    state = await load_state(WX, msg.openid)
    if state.flow != report.FLOW:
        return Answer(render.HELP if msg.kind == "text" else render.UNKNOWN)
    return await _report_step(msg, actor, state, settings, download)


async def _report_step(
    msg: Inbound,
    actor: Actor,
    state: State,
    settings: Settings,
    download: Callable[[str], Awaitable[bytes]],
) -> Answer:
    if msg.kind == "image" and state.step == "photos":

        async def store() -> None:
            data = await download(msg.media_id)
            await report.add_photo(actor, WX, msg.openid, data, settings)

        return Answer(render.PHOTO_RECEIVED, later=store)
    if msg.kind == "location" and msg.lon is not None and msg.lat is not None:
        report.set_location(state, msg.lon, msg.lat, "gcj02")
        majors = await report.majors(actor)
        state.step, state.data["choices"] = "major", [i for i, _ in majors]
        await save_state(WX, msg.openid, state)
        return Answer(render.numbered(majors, "大类"))
    if msg.kind != "text":
        return Answer(render.ASK_PHOTOS)
    if state.step in ("major", "category"):
        return await _pick(msg, actor, state)
    if state.step == "description" and msg.text:
        state.data["description"], state.step = msg.text, "confirm"
        await save_state(WX, msg.openid, state)
        return Answer(
            render.CONFIRM.format(
                category=state.data.get("category_name", ""),
                photos=len(state.data.get("photos", [])),
                description=msg.text,
            )
        )
    if state.step == "confirm" and msg.text in ("确认", "ok"):
        reported = await report.submit(actor, state, Channel.wechat)
        await clear_state(WX, msg.openid)
        case = reported.case
        number = case_number(case["id"], case["created_at"])
        return Answer(render.REPORTED.format(number=number, id=case["id"]))
    return Answer(render.ASK_PHOTOS if state.step == "photos" else render.UNKNOWN)


async def _pick(msg: Inbound, actor: Actor, state: State) -> Answer:
    choices: list[int] = state.data.get("choices", [])
    if not msg.text.isdigit() or not 1 <= int(msg.text) <= len(choices):
        raise DomainError(ErrorCode.VALIDATION, field="序号", reason=f"1–{len(choices)}")
    chosen = choices[int(msg.text) - 1]
    if state.step == "major":
        minors = await report.minors(actor, chosen)
        state.step, state.data["choices"] = "category", [i for i, _ in minors]
        await save_state(WX, msg.openid, state)
        return Answer(render.numbered(minors, "类别"))
    state.data["category_id"] = chosen
    state.data["category_name"] = await report.category_name(actor, chosen)
    state.step = "description"
    await save_state(WX, msg.openid, state)
    return Answer(render.ASK_DESCRIPTION)


async def _my_cases(actor: Actor) -> str:
    views, _ = await my_cases(actor, reported=actor.kind == "resident", limit=10)
    if not views:
        return render.NO_CASES
    return "\n".join(f"#{v.id} {v.number} {v.category_name}「{v.state_zh}」" for v in views)


async def _show_case(actor: Actor, arg: str) -> str:
    digits = arg.strip().lstrip("#").rsplit("-", 1)[-1]
    if not digits.isdigit():
        raise DomainError(ErrorCode.VALIDATION, field="编号", reason="查询 编号")
    detail = await case_detail(actor, int(digits))
    v = detail.case
    lines = [f"案件 {v.number}「{v.state_zh}」", f"{v.category_name}：{v.description}"]
    lines += [f"{e.at:%m-%d %H:%M} {e.action_zh} {e.reason}".rstrip() for e in detail.history[-5:]]
    return "\n".join(lines)
