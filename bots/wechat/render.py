"""Chinese-first texts of the WeChat Official Account (plain text: WeChat has no buttons in
passive replies, so choices are numbered) and the template message of a notification."""

from __future__ import annotations

from typing import Any

from backend.errors import DomainError
from backend.i18n import ZH, translate
from bots.delivery import Notice

HELP = "可用指令：\n绑定 绑定码 — 绑定账号\n上报 — 上报事件\n我的案件\n查询 编号 — 查看案件\n取消 — 取消当前操作"
LINKED = "绑定成功：{name}。\n" + HELP
ASK_PHOTOS = "请发送现场照片（可多张），然后发送位置。随时回复「取消」。"
PHOTO_RECEIVED = "照片已收到，正在保存。继续发送照片，或发送位置。"
PICK = "请回复序号选择{what}：\n{lines}"
ASK_DESCRIPTION = "请用一句话描述问题："
CONFIRM = "请确认上报：\n类别：{category}\n照片：{photos} 张\n描述：{description}\n回复「确认」提交，「取消」放弃。"
REPORTED = "上报成功，案件编号 {number}。回复「查询 {id}」查看进展。"
CANCELLED = "已取消。"
NO_CASES = "暂无案件。"
UNKNOWN = "没有听懂。\n" + HELP


def error_text(error: DomainError) -> str:
    return "⚠️ " + translate(error.code, ZH, error.data)


def numbered(items: list[tuple[int, str]], what: str) -> str:
    return PICK.format(
        what=what, lines="\n".join(f"{i}. {name}" for i, (_, name) in enumerate(items, 1))
    )


def template_data(notice: Notice) -> dict[str, Any]:
    """The template's fields: first (title), keyword1 (case number), remark (the text)."""
    return {
        "first": {"value": "案件通知"},
        "keyword1": {"value": notice.number or "-"},
        "keyword2": {"value": notice.text},
        "remark": {"value": "回复「查询 %s」查看详情" % (notice.case_id or "")},
    }
