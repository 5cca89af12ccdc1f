"""Tables of the chat channels: who a chat is, what they are in the middle of, what was sent.

* A :class:`ChannelLink` ties one chat identity (a Telegram chat id, a WeChat openid) to one
  account (a staff member or a resident); it is made only by redeeming a :class:`LinkCode`
  that the account holder got while signed in, so knowing someone's chat id links nothing.
* A :class:`Conversation` holds the step and the collected answers of a multi-step flow
  (a report being assembled): a restart or a second app process continues where the person is.
* A :class:`ChannelDelivery` records each notification sent (or given up on) per chat, so the
  outbox's at-least-once retries never send twice and a dead chat stops being retried.
* A :class:`SeenRequest` remembers, for the freshness window, each signed WeChat request's
  (timestamp, nonce) and each message's MsgId with the reply given, across app processes:
  a replay is refused and WeChat's retry of a slow message gets the same reply.
"""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import JSON, BigInt, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class BotChannel(StrEnum):
    telegram = "telegram"
    wechat = "wechat"


class AccountKind(StrEnum):
    staff = "staff"
    resident = "resident"


class DeliveryStatus(StrEnum):
    sent = "sent"
    retrying = "retrying"
    failed = "failed"  # permanent: not offered again


class LinkCode(Table, tablename="bot_link_code"):
    code_hash = Varchar(length=64, unique=True)
    account_kind = Varchar(length=16, choices=AccountKind)
    account_id = BigInt()
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class ChannelLink(Table, tablename="bot_channel_link"):
    channel = Varchar(length=16, choices=BotChannel)
    external_id = Varchar(length=64)
    account_kind = Varchar(length=16, choices=AccountKind)
    account_id = BigInt(index=True)
    linked_at = Timestamptz(default=TimestamptzNow())


class Conversation(Table, tablename="bot_conversation"):
    channel = Varchar(length=16, choices=BotChannel)
    external_id = Varchar(length=64)
    flow = Varchar(length=32)
    step = Varchar(length=32)
    data = JSON(default={})
    updated_at = Timestamptz(default=TimestamptzNow())


class ChannelDelivery(Table, tablename="bot_delivery"):
    outbox_id = BigInt()
    channel = Varchar(length=16, choices=BotChannel)
    external_id = Varchar(length=64)
    status = Varchar(length=16, choices=DeliveryStatus)
    attempts = Integer(default=0)
    last_error = Text(default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class SeenKind(StrEnum):
    nonce = "nonce"  # a signed request's (timestamp, nonce)
    message = "message"  # a message's (openid, MsgId)


class SeenRequest(Table, tablename="bot_seen_request"):
    kind = Varchar(length=16, choices=SeenKind)
    #: sha256 of the kind and the identifying parts: fixed length whatever the sender sent.
    key_hash = Varchar(length=64, unique=True)
    #: The signed timestamp (nonce) or the arrival (message); purged once outside the window.
    at = Timestamptz(index=True)
    #: The passive reply's text given to a message ('' while the first delivery is handled).
    reply = Text(default="")
