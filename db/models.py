"""Tables of Chung Tay (SQLModel on SQLAlchemy 2).

Design notes (why it looks like this):
- The administrative tree is data: `unit.parent_id` plus a materialised `path` ("/1/4/17/") so that
  "this unit and everything under it" is one indexed prefix match on both SQLite and PostgreSQL.
- The catalogue (categories, organisations, beneficiary classes, funding sources) is data loaded from
  `db/seed/catalogue.toml`, so a province can add a category without a code change.
- Support actions never change in place: a correction inserts a new version that `supersedes_id` the
  old one and marks the old one superseded; voiding marks it void. Totals count `status == "current"`.
- Money is integer đồng (BigInteger); quantities are Decimal (Numeric), never float.
- Times are stored in UTC (timezone-aware columns); display converts to the configured zone.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, LargeBinary, Numeric, UniqueConstraint, text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.sql.expression import false, true
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Aware UTC now: the only clock value we ever store.

    Only the default of the rows' own bookkeeping stamps (created_at, updated_at, at, set_at: when the
    row was written). The moments the bot reasons about (deadlines, claims, voids, invite expiry, the
    time printed in a file) come from `Runtime.clock`, passed into the services, so tests can move them.
    """
    return datetime.now(UTC)


class Role(enum.StrEnum):
    """What a user may do. Access always follows the unit tree (a unit and what is under it)."""

    REPORTER = "reporter"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class ActionStatus(enum.StrEnum):
    CURRENT = "current"
    SUPERSEDED = "superseded"
    VOID = "void"


def _enum_column(enum_type: type[enum.StrEnum]) -> Any:
    """Store a StrEnum as its plain value in a VARCHAR and read it back as the enum."""
    return SAEnum(enum_type, native_enum=False, length=16, create_constraint=False,
                  values_callable=lambda members: [m.value for m in members])


class Unit(SQLModel, table=True):
    """A node of the administrative tree: province, district, commune, village, or anything else."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    path: str = Field(default="", max_length=1000, index=True)
    depth: int = Field(default=0)
    # A unit merged into another (bot/domain/units/merges.py) stays for history, switched off:
    # lists, pickers and expected reporters leave it out. `merged_on` is the merge's effective date.
    active: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    merged_into_id: int | None = Field(default=None)
    merged_on: date | None = Field(default=None)


class Organisation(SQLModel, table=True):
    """An organisation that gives support (UBND xã, MTTQ, Hội LHPN, NHCSXH, donors…)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name_vi: str = Field(max_length=200)
    short_vi: str = Field(max_length=100)
    name_en: str = Field(max_length=200)
    short_en: str = Field(max_length=100)
    sort: int = Field(default=0)
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = Field(default=True)


class Category(SQLModel, table=True):
    """A kind of support; `spec` keeps the catalogue entry (measures, fields, units) as loaded."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name_vi: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    sort: int = Field(default=0)
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    spec: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    active: bool = Field(default=True)


class CodedListEntry(SQLModel):
    """The shape shared by the catalogue's plain coded lists (beneficiary classes, funding sources)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name_vi: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    sort: int = Field(default=0)
    keywords: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)


class BeneficiaryClass(CodedListEntry, table=True):
    """Who received support: hộ nghèo, cận nghèo, mới thoát nghèo…"""

    __tablename__ = "beneficiary_class"


class FundingSource(CodedListEntry, table=True):
    """Where the money came from: state budget levels, funds, donors, loans…"""

    __tablename__ = "funding_source"


class User(SQLModel, table=True):
    """A person who talks to the bot. Registered only through an invite."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=BigInteger, unique=True, index=True)
    display_name: str = Field(max_length=200)
    locale: str = Field(default="vi", max_length=8)
    role: Role = Field(sa_type=_enum_column(Role))
    unit_id: int = Field(foreign_key="unit.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    # Why the user is inactive: "blocked" (Telegram answered 403; active again at their next /start) or
    # "removed" (a supervisor or operator ended their access; only a new invite brings them back).
    deactivated_reason: str | None = Field(default=None, max_length=16)
    deactivated_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    deactivated_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    last_seen_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)


class Invite(SQLModel, table=True):
    """A single-use registration link (`/start <token>`) with an expiry."""

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, unique=True, index=True)
    role: Role = Field(sa_type=_enum_column(Role))
    unit_id: int = Field(foreign_key="unit.id")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    used_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    revoked_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class SupportAction(SQLModel, table=True):
    """One support action as logged in the field (one version of it; see module notes)."""

    __tablename__ = "support_action"
    __table_args__ = (
        UniqueConstraint("source_update_id", name="uq_support_action_update"),
        UniqueConstraint("client_key", name="uq_support_action_client_key"),
        Index("ix_support_action_totals", "status", "unit_id", "category_id", "action_date"),
        Index("ix_support_action_org", "status", "organisation_id", "action_date"),
        # Unresolved double-count suspects of a subtree (digests, /status, /suspects). Partial: almost
        # every record has no duplicate_status, so the index holds only the few that have one, and
        # both planners use it for `duplicate_status = ?` (which implies IS NOT NULL).
        Index("ix_support_action_duplicates", "duplicate_status", "unit_id",
              sqlite_where=text("duplicate_status IS NOT NULL"), postgresql_where=text("duplicate_status IS NOT NULL")),
        # Records saved although their figures were far outside the usual (digest count; almost none are).
        Index("ix_support_action_unusual", "unit_id",
              sqlite_where=text("unusual_confirmed"), postgresql_where=text("unusual_confirmed")),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    organisation_id: int = Field(foreign_key="organisation.id")
    category_id: int = Field(foreign_key="category.id")
    action_date: date
    beneficiary_class_id: int | None = Field(default=None, foreign_key="beneficiary_class.id")
    funding_source_id: int | None = Field(default=None, foreign_key="funding_source.id")
    households: int | None = Field(default=None)
    persons: int | None = Field(default=None)
    quantity: Decimal | None = Field(default=None, sa_type=Numeric(18, 3))
    quantity_unit: str | None = Field(default=None, max_length=32)
    value_dong: int | None = Field(default=None, sa_type=BigInteger)
    subtype: str | None = Field(default=None, max_length=64)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    household_name: str | None = Field(default=None, max_length=200)
    household_village: str | None = Field(default=None, max_length=200)
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    # The household's name, the note, photo and location were erased (bot/domain/households/erasure.py).
    household_erased: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Saved although a ratio of its figures was far outside the usual: marked for the supervisor.
    unusual_confirmed: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # A figure was written as an approximation ("hơn 3 tỷ", "khoảng 200 hộ"): shown with ≈ wherever it is read.
    approximate: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    duplicate_of_id: int | None = Field(default=None, foreign_key="support_action.id")
    duplicate_status: str | None = Field(default=None, max_length=16)  # suspect | confirmed | distinct
    note: str | None = Field(default=None, max_length=1000)
    photo_file_id: str | None = Field(default=None, max_length=256)
    latitude: float | None = Field(default=None)
    longitude: float | None = Field(default=None)
    author_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    source_update_id: int | None = Field(default=None, sa_type=BigInteger)
    client_key: str | None = Field(default=None, max_length=64)
    status: ActionStatus = Field(default=ActionStatus.CURRENT,
                                 sa_type=_enum_column(ActionStatus))
    version: int = Field(default=1)
    supersedes_id: int | None = Field(default=None, foreign_key="support_action.id")
    voided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    voided_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    # The unit the record was logged under when a merge moved it to the unit that absorbed that one
    # (NULL: never moved). The drill-down names it; totals count the record where it is now.
    origin_unit_id: int | None = Field(default=None)


class AuditEntry(SQLModel, table=True):
    """Who did what and when. Details never hold household names (personal data)."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=64)
    entity_id: int | None = Field(default=None)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class BotState(SQLModel, table=True):
    """PTB persistence (bot/persistence.py): user/chat data and conversation states as JSON rows.

    `kind` is "user_data", "chat_data", "bot_data", "callback_data" or "conversation"; `name` is the
    conversation's name ("" for the other kinds); `key` is the JSON-encoded key ("123" for a user or
    chat id, "[123, 456]" for a conversation key). One row per (kind, name, key), upserted in place.
    """

    __tablename__ = "bot_state"
    __table_args__ = (UniqueConstraint("kind", "name", "key", name="uq_bot_state_kind_name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    name: str = Field(default="", max_length=100)
    key: str = Field(max_length=255)
    data: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Household(SQLModel, table=True):
    """A household of a commune's annual poverty review list (personal data: names stay inside the
    household's unit and the units above it; never logged).

    `head_folded` is the head's name without diacritics, lowercased, so "nguyen van a" finds
    "Nguyễn Văn A". `tags` holds list markers such as "unsafe_housing". `erased_at` is set when a
    supervisor erased the head's name and the notes (bot/domain/households/erasure.py): the household stays in
    the register without them, with its code and figures, and is shown as "details erased".
    """

    __table_args__ = (UniqueConstraint("unit_id", "code", name="uq_household_unit_code"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    code: str = Field(max_length=64)
    head_name: str = Field(max_length=200)
    head_folded: str = Field(max_length=200, index=True)
    village: str | None = Field(default=None, max_length=200)
    classification: str = Field(max_length=64)
    year: int
    members: int | None = Field(default=None)
    notes: str | None = Field(default=None, max_length=1000)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    erased_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)


class HouseholdUpload(SQLModel, table=True):
    """A checked review list waiting for the user's ✅ Import (or ❌): the rows live here, not in
    bot_state, because a large list is megabytes of JSON that persistence would rewrite on every update.
    The button carries only the id; uploads older than a day are deleted by an hourly job (bot/jobs.py)
    and refused at ✅ even before it runs."""

    __tablename__ = "household_upload"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    unit_id: int = Field(foreign_key="unit.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)
    mapping: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    rows: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class DigestSchedule(SQLModel, table=True):
    """When a supervising unit receives its scheduled digest: one row per unit.

    `weekday` is ISO (1 = Monday … 7 = Sunday, "Thứ 2" … "Chủ nhật"), `at_time` is local "HH:MM",
    `period_code` a code of bot.domain.periods.calendar ("m0" = this month so far). `last_sent_at` is claimed
    with a conditional UPDATE before sending, so a restart, a catch-up run or a second bot process
    never sends the same digest twice.

    `closing_digest_enabled`: whether the unit also gets the period-end digest the day after each of
    its reporting periods is due (at `at_time`). It is independent of the weekly digest (`enabled`), so a
    row may exist only to switch the period-end digest off; no row means "on at 07:30".
    """

    __tablename__ = "digest_schedule"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", unique=True)
    weekday: int = Field(default=1)
    at_time: str = Field(default="07:30", max_length=5)
    period_code: str = Field(default="m0", max_length=24)
    enabled: bool = Field(default=True)
    last_sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    closing_digest_enabled: bool = Field(default=True, sa_column_kwargs={"server_default": true()})


# Totals, digests and exports filter support actions by unit (IN the subtree) and date range, then sum a
# few columns (bot/domain/totals/aggregate.py). This index serves that as an index-only scan: the seek columns
# first (in the order of ix_support_action_totals, which the planners already pick for this query), then
# every column the aggregation reads. See BENCHMARKS.md for the figures.
Index("ix_support_action_unit_date_totals",
      *(SupportAction.__table__.c[name] for name in (  # type: ignore[attr-defined]
          "status", "unit_id", "category_id", "action_date", "organisation_id", "duplicate_status", "quantity_unit",
          "subtype", "households", "persons", "quantity", "value_dong")))


class ReportingPeriod(SQLModel, table=True):
    """A reporting period a supervising unit defines: which dates it covers, when it is due,
    and on which days before the due date the units that must report are reminded.

    `remind_days` are days before `due` (3 = three days before, 0 = on the due day). The units that
    must report are in `reporting_expected`. `closing_digest_sent_at` is claimed with a conditional
    UPDATE before the period-end digest goes out, so it goes out once whatever restarts or how many bot
    processes run (bot/domain/reports/digests.py, `claim_closing_digest`).
    """

    __tablename__ = "reporting_period"
    __table_args__ = (UniqueConstraint("unit_id", "name", name="uq_reporting_period_unit_name"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=16)  # month | quarter | half | year | custom
    start: date
    end: date
    due: date
    remind_days: list[int] = Field(default_factory=lambda: [3, 0], sa_column=Column(JSON, nullable=False))
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    closing_digest_sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)


class ReportingExpected(SQLModel, table=True):
    """A unit that must report for a period (the denominator of completeness)."""

    __tablename__ = "reporting_expected"
    __table_args__ = (UniqueConstraint("period_id", "unit_id", name="uq_reporting_expected"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="reporting_period.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")


class Submission(SQLModel, table=True):
    """One "chốt số liệu" of a unit for a period, with the figures as they were (frozen JSON).

    A reopen marks the newest version `reopened`; the officer's resubmission adds version + 1. The
    unique (period, unit, version) makes a double tap store one submission.
    """

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("period_id", "unit_id", "version", name="uq_submission_version"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="reporting_period.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    version: int = Field(default=1)
    status: str = Field(default="submitted", max_length=16)  # submitted | reopened
    submitted_by_id: int = Field(foreign_key="app_user.id")
    submitted_at: datetime = Field(sa_type=DateTime(timezone=True))
    late: bool = Field(default=False)
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reopened_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    reopened_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    reopen_reason: str | None = Field(default=None, max_length=500)


class ReportingTarget(SQLModel, table=True):
    """A target (chỉ tiêu) for a unit in a period: a category's measure, e.g. housing quantity 10 căn."""

    __tablename__ = "reporting_target"
    __table_args__ = (UniqueConstraint("period_id", "unit_id", "category_code", "measure",
                                       name="uq_reporting_target"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="reporting_period.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    category_code: str = Field(max_length=64)
    measure: str = Field(max_length=16)  # households | persons | quantity | value | records
    target: Decimal = Field(sa_type=Numeric(18, 3))
    set_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    set_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class OutboxMessage(SQLModel, table=True):
    """A message waiting to go out (bot/domain/outbox/queue.py, bot/outbox_sender.py).

    `key` is unique: enqueueing the same key again does nothing, so a planner that runs twice, a
    restart or a second process never sends a message twice. status: pending → sending (claimed by
    one sender until `claimed_until`) → sent | failed | blocked.

    `kind` is text, document or photo; a document or photo carries its bytes in `payload` (and its screen
    is the caption), dropped once the row is sent or given up. Rows of one chat go out in `id` order.

    `screen` is what the message shows, as plain JSON (bot/domain/outbox/stored.py), rendered when it is
    sent; `text` then holds its words without emphasis. Rows from before screens were stored have no
    screen: their `text` is rendered already (`parse_mode`) and `reply_markup` is Telegram keyboard JSON.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (UniqueConstraint("key", name="uq_outbox_message_key"),
                      Index("ix_outbox_message_due", "status", "next_attempt_at"),
                      Index("ix_outbox_message_chat", "chat_id", "status"))

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200)
    chat_id: int = Field(sa_type=BigInteger)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    purpose: str = Field(default="", max_length=32)
    text: str
    parse_mode: str | None = Field(default=None, max_length=16)
    reply_markup: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    screen: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    kind: str = Field(default="text", max_length=16)
    payload: bytes | None = Field(default=None, sa_type=LargeBinary, nullable=True)
    filename: str | None = Field(default=None, max_length=200)
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(sa_type=DateTime(timezone=True))
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class OutboxLease(SQLModel, table=True):
    """Who is the one sender on SQLite (no row locks there): a lease renewed while sending."""

    __tablename__ = "outbox_lease"

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
