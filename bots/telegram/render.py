"""Chinese-first texts and inline keyboards of the Telegram bot.

Callback data stays short (Telegram allows 64 bytes): ``verb:arg[:arg]``.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from backend.errors import DomainError
from backend.i18n import ZH, translate
from bots.delivery import Notice

HELP = (
    "可用指令：\n/link 绑定码 — 绑定账号\n/report — 上报事件\n/mycases — 我的案件\n"
    "/case 编号 — 查看案件\n/cancel — 取消当前操作"
)
LINKED = "绑定成功：{name}。\n" + HELP
ASK_PHOTOS = "请发送现场照片（可多张），然后发送位置（📎 → 位置）。随时发送 /cancel 取消。"
PHOTO_OK = "已收到第 {n} 张照片。继续发送照片，或发送位置。"
ASK_CATEGORY = "位置已记录。请选择事件类别："
ASK_SUBCATEGORY = "请选择具体类别："
ASK_DESCRIPTION = "请用一句话描述问题："
CONFIRM = "请确认上报：\n类别：{category}\n照片：{photos} 张\n描述：{description}"
REPORTED = "上报成功，案件编号 {number}。可发送 /case {id} 查看进展。"
CANCELLED = "已取消。"
NO_CASES = "暂无案件。"
ASK_HANDLE_PHOTO = "请发送处置后的照片，然后输入处置说明（可不发照片直接输入）。"
ASK_HANDLE_NOTE = "已收到照片，请输入处置说明："
ASK_REASON = "请输入申请上报上级的理由："
DONE = "已办理：案件 {number} 当前状态「{state}」。"
RATED = "感谢评价！"
UNKNOWN = "没有听懂。" + "\n" + HELP


def error_text(error: DomainError) -> str:
    """The same domain code HTTP renders, as chat text (Chinese)."""
    return "⚠️ " + translate(error.code, ZH, error.data)


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def location_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton("📍 发送当前位置", request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def choices(items: list[tuple[int, str]], verb: str) -> InlineKeyboardMarkup:
    rows = [
        [(name, f"{verb}:{ident}") for ident, name in items[i : i + 2]]
        for i in range(0, len(items), 2)
    ]
    return keyboard([*rows, [("取消", "cancel")]])


def confirm_keyboard() -> InlineKeyboardMarkup:
    return keyboard([[("✅ 确认上报", "submit"), ("取消", "cancel")]])


def notice_keyboard(notice: Notice) -> InlineKeyboardMarkup | None:
    """Buttons fitting the notification: work buttons for the assignee, stars for a reporter."""
    case = notice.case_id
    if case is None:
        return None
    if notice.kind == "case.new" and notice.recipient_kind == "unit":
        return keyboard([[("立案并派遣本单位", f"dispatch:{case}")]])
    if notice.kind == "case.dispatched":
        return keyboard(
            [
                [
                    ("接单", f"start:{case}"),
                    ("处置完成", f"handle:{case}"),
                    ("申请上报", f"escalate:{case}"),
                ]
            ]
        )
    if notice.kind == "case.closed" and notice.recipient_kind == "resident":
        return keyboard([[(f"{n}⭐", f"rate:{case}:{n}") for n in range(1, 6)]])
    return None


def notice_text(notice: Notice) -> str:
    head = f"【案件 {notice.number}】" if notice.number else ""
    return f"{head}{notice.text}"
