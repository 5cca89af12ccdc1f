"""Tables and enums of consultations (议事协商) and owners' voting; nothing here but columns.

Rules live in ``rules.py`` (arithmetic), ``phases.py`` (phases) and ``services/``.

Storage choices worth knowing:

* Areas are integer hundredths of m² (``*_centi``), as in ``grid.tables.HouseUnit``: SQL sums
  stay exact on both engines.
* The roll is frozen when voting opens: :class:`RollEntry` (one ballot, one head, summed area)
  and :class:`RollVoter` (who may cast that entry's ballot: an owner, a resident or a
  household), so later changes to owners or residents never change a running vote.
* :class:`Ballot` is the *current* ballot, UNIQUE(matter, roll_entry) in the database (a
  hand-written migration). Every cast, change or paper entry is also a :class:`BallotEvent`,
  and every event is linked into the matter's hash chain by a :class:`ChainLink`. Events and
  links are append-only (database triggers refuse UPDATE and DELETE); :class:`ChainPending`
  is the small work queue of events cast but not yet linked.
* Attachment and scan photos are plain media ids (the media app is built beside this one);
  ``community.services.attachments`` is the one place that will link them.
"""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from community.phases import Phase, PhaseAction
from community.rules import Choice, VoterKind
from grid.tables import OrgUnit, StaffAccount


class ScopeKind(StrEnum):
    community = "community"
    micro_grid = "micro_grid"
    building = "building"  # a building (楼栋) inside a micro-grid, by its name
    house_units = "house_units"  # an explicit list of house units


class MatterKind(StrEnum):
    opinion_poll = "opinion_poll"  # 意见征集
    owners_decision = "owners_decision"  # 业主共同决定 (民法典第二百七十八条)
    committee_election = "committee_election"  # 选举业主委员会


class PollUnit(StrEnum):
    resident = "resident"
    household = "household"


class BallotChannel(StrEnum):
    online = "online"  # cast by the voter (mini-program, bot)
    paper = "paper"  # paper ballot entered by staff, with its scan
    proxy = "proxy"  # cast by a proxy, with the uploaded authorization


class CommentKind(StrEnum):
    comment = "comment"
    suggestion = "suggestion"


class AuthorKind(StrEnum):
    resident = "resident"
    staff = "staff"


class Matter(Table, tablename="community_matter"):
    title = Varchar(length=200)
    kind = Varchar(length=24, choices=MatterKind)
    phase = Varchar(length=20, choices=Phase, default=Phase.draft, index=True)
    # scope: the unit the matter belongs to, narrowed to a building or a list of house units
    scope_kind = Varchar(length=16, choices=ScopeKind)
    unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict)
    unit_prefix = Varchar(length=18, index=True)
    building = Varchar(length=32, default="")
    house_unit_ids = JSON(default=[])
    # kind details
    poll_unit = Varchar(length=16, choices=PollUnit, null=True, default=None)
    art278_item = SmallInt(null=True, default=None)
    seats = SmallInt(null=True, default=None)
    allow_change = Boolean(default=False)
    # text
    version = Integer(default=1)
    # times
    notice_days = Integer(default=7)
    voting_opens_at = Timestamptz(null=True, default=None)
    voting_closes_at = Timestamptz(null=True, default=None)
    closing_notice_at = Timestamptz(null=True, default=None)
    # roll (frozen when voting opens)
    roll_frozen_at = Timestamptz(null=True, default=None)
    roll_count = Integer(default=0)
    roll_area_centi = BigInt(default=0)
    # result
    result = JSON(null=True, default=None)
    passed = Boolean(null=True, default=None)
    chain_length = Integer(default=0)
    chain_head = Varchar(length=64, default="")
    created_by = ForeignKey(StaffAccount, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class MatterVersion(Table, tablename="community_matter_version"):
    """Every text the matter ever had; the matter's ``version`` names the current one."""

    matter = ForeignKey(Matter, on_delete=OnDelete.cascade)
    number = Integer()
    title = Varchar(length=200)
    body = Text()
    change_note = Text(default="")
    attachment_ids = JSON(default=[])
    author = ForeignKey(StaffAccount, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class PhaseEvent(Table, tablename="community_phase_event"):
    """One row per move: who, when, from → to, why."""

    matter = ForeignKey(Matter, on_delete=OnDelete.cascade)
    action = Varchar(length=20, choices=PhaseAction)
    from_phase = Varchar(length=20, choices=Phase, null=True, default=None)
    to_phase = Varchar(length=20, choices=Phase)
    actor_kind = Varchar(length=16)
    actor_id = Varchar(length=64)
    actor_name = Varchar(length=100, default="")
    reason = Text(default="")
    at = Timestamptz(default=TimestamptzNow())


class Candidate(Table, tablename="community_candidate"):
    matter = ForeignKey(Matter, on_delete=OnDelete.cascade)
    name = Varchar(length=100)
    intro = Text(default="")
    position = Integer(default=0)


class RollEntry(Table, tablename="community_roll_entry"):
    """One voter of the frozen roll: one ballot, one head, the summed weight of its units."""

    matter = ForeignKey(Matter, on_delete=OnDelete.cascade)
    voter_key = Varchar(length=200)
    headcount_key = Varchar(length=200)
    kind = Varchar(length=16, choices=VoterKind)
    weight_centi = BigInt(default=0)
    house_unit_ids = JSON(default=[])
    owner_ids = JSON(default=[])
    label = Varchar(length=100, default="")  # masked, as the public roll shows it
    unit_prefix = Varchar(length=18)


class RollVoter(Table, tablename="community_roll_voter"):
    """Who may cast a roll entry's ballot: ``voter_kind`` owner / resident / household."""

    matter = ForeignKey(Matter, on_delete=OnDelete.cascade)
    roll_entry = ForeignKey(RollEntry, on_delete=OnDelete.cascade)
    voter_kind = Varchar(length=16)
    voter_id = BigInt()


class Ballot(Table, tablename="community_ballot"):
    """The current ballot of a roll entry (UNIQUE(matter, roll_entry))."""

    matter = ForeignKey(Matter, on_delete=OnDelete.restrict)
    roll_entry = ForeignKey(RollEntry, on_delete=OnDelete.restrict)
    choice = Varchar(length=16, choices=Choice, null=True, default=None)
    approvals = JSON(default=[])
    channel = Varchar(length=16, choices=BallotChannel, default=BallotChannel.online)
    changes = Integer(default=0)
    receipt = Varchar(length=32)
    cast_at = Timestamptz(default=TimestamptzNow())


class BallotEvent(Table, tablename="community_ballot_event"):
    """Every cast, change and paper/proxy entry, as it happened (append-only)."""

    matter = ForeignKey(Matter, on_delete=OnDelete.restrict)
    roll_entry = ForeignKey(RollEntry, on_delete=OnDelete.restrict)
    ballot_no = Integer(default=1)  # 1 for the first ballot of the entry, 2 for a change, …
    choice = Varchar(length=16, choices=Choice, null=True, default=None)
    approvals = JSON(default=[])
    channel = Varchar(length=16, choices=BallotChannel, default=BallotChannel.online)
    cast_by_kind = Varchar(length=16)
    cast_by_id = BigInt()
    entered_by = ForeignKey(StaffAccount, null=True, default=None, on_delete=OnDelete.restrict)
    scan_photo_id = BigInt(null=True, default=None)
    proxy_photo_id = BigInt(null=True, default=None)
    nonce = Varchar(length=32)
    receipt = Varchar(length=32)
    at = Timestamptz(default=TimestamptzNow())


class ChainLink(Table, tablename="community_chain_link"):
    """Entry ``seq`` of a matter's chain: hash = SHA-256(prev_hash ‖ canonical event)."""

    matter = ForeignKey(Matter, on_delete=OnDelete.restrict)
    seq = Integer()
    event = ForeignKey(BallotEvent, on_delete=OnDelete.restrict)
    prev_hash = Varchar(length=64)
    entry_hash = Varchar(length=64)


class ChainPending(Table, tablename="community_chain_pending"):
    """Events cast but not yet linked (a work queue, emptied by the sealer)."""

    matter = ForeignKey(Matter, on_delete=OnDelete.cascade)
    event = ForeignKey(BallotEvent, on_delete=OnDelete.cascade)


class Comment(Table, tablename="community_comment"):
    matter = ForeignKey(Matter, on_delete=OnDelete.cascade)
    parent = ForeignKey("self", null=True, default=None, on_delete=OnDelete.cascade)
    kind = Varchar(length=16, choices=CommentKind, default=CommentKind.comment)
    version = Integer(default=1)  # the text version it speaks to
    body = Text()
    author_kind = Varchar(length=16, choices=AuthorKind)
    author_id = BigInt()
    author_name = Varchar(length=100, default="")
    official = Boolean(default=False)  # a staff reply on behalf of the organizer
    likes = Integer(default=0)
    hidden = Boolean(default=False)
    hidden_reason = Text(default="")
    hidden_by = ForeignKey(StaffAccount, null=True, default=None, on_delete=OnDelete.restrict)
    hidden_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class CommentLike(Table, tablename="community_comment_like"):
    """UNIQUE(comment, liker_kind, liker_id): a like counts once."""

    comment = ForeignKey(Comment, on_delete=OnDelete.cascade)
    liker_kind = Varchar(length=16, choices=AuthorKind)
    liker_id = BigInt()
    created_at = Timestamptz(default=TimestamptzNow())
