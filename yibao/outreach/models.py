"""Tables of offline outreach, sync, cash day-close and voided receipts.

They live on the same ``SQLModel.metadata`` as ``yibao.models`` (imported first for the
naming convention). Migration: ``yibao/migrations/versions/0100_outreach.py``.

Hall side: ``hall_identity`` (the hall's secret signing key, one row), ``outreach_device``
(laptops issued), ``sync_log`` (bundles imported), ``sync_applied`` (which incoming row became
which local row, with its content hash: re-importing changes nothing), ``sync_conflict``
(what a clerk must resolve).
Laptop side: ``outreach_origin`` (where this laptop came from and its signing key, one row),
``outreach_baseline`` (hash of every row received in the outreach bundle, to find what changed).
Both: ``day_close`` (日结), ``receipt_void`` (作废收据 with its reason). These two travel in
sync bundles like the core tables.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import yibao.models  # noqa: F401  (naming convention first)
from yibao.models import PaymentStatus, new_id, utcnow


class DayCloseStatus(StrEnum):
    CLOSED = "closed"  # 已日结
    REOPENED = "reopened"  # 已由审核人员重新开启

    @property
    def label(self) -> str:
        return {"closed": "已日结", "reopened": "已重新开启"}[self.value]


class ConflictKind(StrEnum):
    DUPLICATE_PAYMENT = "duplicate_payment"  # 同一人同一年度在两边都缴了费
    BOTH_MODIFIED = "both_modified"  # 同一条记录在两边都被修改
    RECEIPT_GAP = "receipt_gap"  # 外出设备的收据号不连续

    @property
    def label(self) -> str:
        return {
            "duplicate_payment": "重复缴费",
            "both_modified": "两边都有修改",
            "receipt_gap": "收据号缺号",
        }[self.value]


class ConflictStatus(StrEnum):
    OPEN = "open"  # 待处理
    RESOLVED = "resolved"  # 已处理


# Status given to the second payment of a person-year found at sync: kept with its receipt and
# its fen, outside the one-paid-payment-per-year index, until a clerk refunds or corrects it.
PAYMENT_CONFLICT_STATUS = PaymentStatus.CONFLICT.value  # "conflict", 重复缴费待处理


class HallIdentity(SQLModel, table=True):
    """This registry as a hall that issues outreach devices. Its key never leaves it."""

    __tablename__ = "hall_identity"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)  # the hall id
    key_hex: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class OutreachDevice(SQLModel, table=True):
    """A laptop this hall set up for outreach (its ``device`` row is created at export)."""

    __tablename__ = "outreach_device"

    device_id: str = Field(primary_key=True, foreign_key="device.id", max_length=36)
    hall_id: str = Field(foreign_key="hall_identity.id", max_length=36)
    town: str = Field(max_length=50)
    village: str | None = Field(default=None, max_length=50)
    policy_id: str = Field(max_length=40)
    bundle_sha256: str | None = Field(default=None, max_length=64)
    issued_at: datetime
    issued_by: str | None = Field(default=None, max_length=36)  # clerk id
    last_sync_at: datetime | None = None
    # The one-time enrolment code given to the team in person; cleared once the laptop's
    # public key is pinned at its first sync (``yibao.outreach.enrol``).
    enrol_code: str | None = Field(default=None, max_length=20)
    public_key_hex: str | None = Field(default=None, max_length=64)  # the laptop's Ed25519 key
    key_pinned_at: datetime | None = None


class OutreachOrigin(SQLModel, table=True):
    """On a laptop: the bundle it was opened from and the key it signs sync bundles with
    (``key_hex``: the laptop's Ed25519 private key, made here at ``outreach open``; it never
    leaves this registry)."""

    __tablename__ = "outreach_origin"

    device_id: str = Field(primary_key=True, max_length=36)  # this laptop
    hall_id: str = Field(max_length=36)
    hall_device_id: str = Field(max_length=36)
    key_hex: str = Field(max_length=64)
    enrol_tag: str | None = Field(default=None, max_length=64)  # HMAC(enrolment code, public key)
    hall_public_key: str | None = Field(default=None, max_length=64)
    town: str = Field(max_length=50)
    village: str | None = Field(default=None, max_length=50)
    policy_id: str = Field(max_length=40)
    bundle_sha256: str = Field(max_length=64)
    bundle_created_at: datetime
    opened_at: datetime


class OutreachBaseline(SQLModel, table=True):
    """On a laptop: content hash of each row as received; a different hash means changed."""

    __tablename__ = "outreach_baseline"

    table_name: str = Field(primary_key=True, max_length=40)
    row_id: str = Field(primary_key=True, max_length=80)
    row_hash: str = Field(max_length=64)


class SyncLog(SQLModel, table=True):
    """One sync bundle imported at the hall (a bundle is imported once: ``bundle_sha256``)."""

    __tablename__ = "sync_log"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    bundle_sha256: str = Field(max_length=64, unique=True)
    source_device_id: str = Field(max_length=36)
    bundle_created_at: datetime
    imported_at: datetime
    clerk_id: str | None = Field(default=None, max_length=36)
    added: int = 0
    merged: int = 0
    updated: int = 0
    unchanged: int = 0
    flagged: int = 0
    report: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
    device_id: str = Field(max_length=36)


class SyncApplied(SQLModel, table=True):
    """An incoming row, the local row it became (same id, or the one it merged into), its hash."""

    __tablename__ = "sync_applied"

    source_device_id: str = Field(primary_key=True, max_length=36)
    table_name: str = Field(primary_key=True, max_length=40)
    row_id: str = Field(primary_key=True, max_length=80)
    target_id: str = Field(max_length=80)
    row_hash: str = Field(max_length=64)  # of the row as it came in
    local_hash: str | None = Field(default=None, max_length=64)  # of the row as written here
    sync_log_id: str = Field(foreign_key="sync_log.id", max_length=36)


class SyncConflict(SQLModel, table=True):
    """Something a sync could not settle alone; it stays open until a clerk resolves it."""

    __tablename__ = "sync_conflict"
    __table_args__ = (sa.Index("ix_sync_conflict_status", "status"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    sync_log_id: str = Field(foreign_key="sync_log.id", max_length=36)
    kind: str = Field(max_length=30)  # ConflictKind
    table_name: str = Field(max_length=40)
    row_id: str | None = Field(default=None, max_length=80)  # the incoming row (as stored here)
    other_id: str | None = Field(default=None, max_length=80)  # the hall's row it clashes with
    person_id: str | None = Field(default=None, max_length=36)
    benefit_year: int | None = None
    summary: str = ""  # Chinese, ID numbers masked
    status: str = Field(default=ConflictStatus.OPEN.value, max_length=20)
    resolution: str | None = None
    resolved_by: str | None = Field(default=None, max_length=36)
    resolved_at: datetime | None = None
    device_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)


class DayClose(SQLModel, table=True):
    """日结: one clerk's cash on one device for one local day."""

    __tablename__ = "day_close"
    __table_args__ = (
        sa.UniqueConstraint("clerk_id", "day", "device_id", name="uq_day_close_clerk_day_device"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    clerk_id: str = Field(foreign_key="clerk.id", max_length=36)
    day: date
    status: str = Field(default=DayCloseStatus.CLOSED.value, max_length=20)
    receipt_count: int = 0  # cash receipts still valid
    total_fen: int = 0  # cash to pay in
    voided_count: int = 0
    voided_fen: int = 0
    closed_at: datetime
    closed_by: str = Field(max_length=36)  # clerk id
    reopened_at: datetime | None = None
    reopened_by: str | None = Field(default=None, max_length=36)  # supervisor clerk id
    reopen_reason: str | None = None
    device_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ReceiptVoid(SQLModel, table=True):
    """A receipt voided the day it was issued (作废), with the reason and who did it."""

    __tablename__ = "receipt_void"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    payment_id: str = Field(foreign_key="payment.id", unique=True, max_length=36)
    receipt_no: str = Field(max_length=30)
    reason: str = Field(max_length=200)
    voided_at: datetime
    clerk_id: str = Field(foreign_key="clerk.id", max_length=36)
    device_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)


class ChangeStatus(StrEnum):
    OPEN = "open"  # 待审核
    ACCEPTED = "accepted"  # 已采纳
    REJECTED = "rejected"  # 已驳回

    @property
    def label(self) -> str:
        return {"open": "待审核", "accepted": "已采纳", "rejected": "已驳回"}[self.value]


class ChangeRequest(SQLModel, table=True):
    """A change to a hall row proposed by an outreach laptop (corrected name, new address,
    new household). Nothing changes until a 审核 accepts it; accepting checks that the hall's
    row still holds the values the laptop saw."""

    __tablename__ = "change_request"
    __table_args__ = (sa.Index("ix_change_request_status", "status"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    sync_log_id: str | None = Field(default=None, foreign_key="sync_log.id", max_length=36)
    source_device_id: str = Field(max_length=36)
    table_name: str = Field(max_length=40)  # person / household
    row_id: str = Field(max_length=80)  # the hall's row
    person_id: str | None = Field(default=None, max_length=36)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    summary: str = ""  # Chinese, ID numbers masked
    proposed_by: str | None = Field(default=None, max_length=50)  # laptop clerk name
    status: str = Field(default=ChangeStatus.OPEN.value, max_length=20)
    decided_by: str | None = Field(default=None, max_length=36)
    decided_at: datetime | None = None
    decision_note: str | None = None
    device_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)


# Tables that never travel in a sync bundle (bookkeeping of the sync itself, keys).
LOCAL_ONLY_TABLES = frozenset(
    {
        "hall_identity",
        "outreach_device",
        "outreach_origin",
        "outreach_baseline",
        "sync_log",
        "sync_applied",
        "sync_conflict",
        "change_request",
        "alembic_version",
        "registry_setting",  # which policy this registry serves (yibao.config)
        "outreach_chase",  # the laptop's to-chase list, from the outreach bundle
        # The progress report's kept counts (yibao.reports.tally): derived from each
        # registry's own rows, so each keeps its own (a laptop's were refused at the hall).
        "progress_person",
        "progress_tally",
        "progress_group_tally",
        "progress_dirty",
        "progress_year",
    }
)


class OutreachChase(SQLModel, table=True):
    """Laptop side: the village's to-chase list (待缴名单) as the hall made it at export —
    who had not paid the benefit year, with last year's status and identities. Whether a
    person has paid since is read from the laptop's payments, not stored here.
    Migration: ``0500_places``."""

    __tablename__ = "outreach_chase"

    person_id: str = Field(primary_key=True, max_length=36)
    benefit_year: int = Field(primary_key=True)
    town: str | None = Field(default=None, max_length=50)
    village: str | None = Field(default=None, max_length=50)
    name: str = Field(max_length=50)
    id_masked: str = Field(max_length=20)
    last_year_status: str = Field(max_length=20)  # paid / refunded / not_paid
    identities: list[Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON, nullable=True))
    listed_at: datetime
