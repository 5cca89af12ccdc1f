"""Tables and enums of the media domain: stored images, photos, and what they belong to.

Three tables, because three different things are deduplicated or shared:

* ``MediaImage`` is one normalized image in object storage (display + thumbnail), keyed by the
  SHA-256 of its display JPEG. Identical uploads share it, so its objects are written once.
  A row exists only after both objects were stored, and rows are never deleted, so a row never
  points at nothing.
* ``Photo`` is one person's upload of an image, with what was read from the original before
  its metadata was stripped (capture time, GPS). The same person uploading the same picture
  again gets the same photo back (unique uploader + image, see the raw migration).
* ``PhotoLink`` attaches a photo to its owner object (a case's report/result/verification, a
  consultation, a comment, a paper ballot scan). Who may see a photo follows who may see its
  owner, through the visibility registry in ``media.services.access``.
"""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    BigInt,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class SourceFormat(StrEnum):
    jpeg = "jpeg"
    png = "png"
    webp = "webp"
    heif = "heif"


class OwnerKind(StrEnum):
    case = "case"  # 事件
    consultation = "consultation"  # 议题
    comment = "comment"  # 议题讨论中的意见
    ballot = "ballot"  # 纸质选票扫描件


class Purpose(StrEnum):
    report = "report"  # 上报时的现场照片
    result = "result"  # 处置完成的结果照片
    verification = "verification"  # 核查照片
    attachment = "attachment"
    scan = "scan"


class MediaImage(Table, tablename="media_image"):
    sha256 = Varchar(length=64, unique=True)
    display_key = Varchar(length=200)
    thumb_key = Varchar(length=200)
    width = Integer()
    height = Integer()
    thumb_width = Integer()
    thumb_height = Integer()
    display_bytes = Integer()
    thumb_bytes = Integer()
    created_at = Timestamptz(default=TimestamptzNow())


class Photo(Table, tablename="media_photo"):
    image = ForeignKey(MediaImage, on_delete=OnDelete.restrict)
    uploader_kind = Varchar(length=16)  # grid.actors.ActorKind: staff, resident, system
    uploader_id = BigInt()
    unit_prefix = Varchar(length=18, default="", index=True)
    source_format = Varchar(length=8, choices=SourceFormat)
    source_bytes = Integer()
    source_width = Integer()
    source_height = Integer()
    taken_at = Timestamptz(null=True, default=None)
    gps_lon = DoublePrecision(null=True, default=None)
    gps_lat = DoublePrecision(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class PhotoLink(Table, tablename="media_photo_link"):
    photo = ForeignKey(Photo, on_delete=OnDelete.cascade)
    owner_kind = Varchar(length=32, choices=OwnerKind)
    owner_id = BigInt()
    purpose = Varchar(length=32, choices=Purpose)
    linked_by_kind = Varchar(length=16)
    linked_by_id = BigInt()
    created_at = Timestamptz(default=TimestamptzNow())
