"""The registry's tables (SQLModel). Storage only: no business rule lives here.

Conventions (see docs/architecture.md):

- Primary keys are UUIDs in string form (``new_id()``), so rows made on different
  devices (offline outreach) merge without collisions.
- Every row made locally carries ``device_id`` (the installation that wrote it),
  ``created_at`` and ``updated_at`` (aware UTC ``datetime``, stored as UTC on every
  backend by sqlmodel's ``UTCDateTime``; shown in local time).
- Money is integer fen; names end in ``_fen``. Dates are ``datetime.date``.
- Codes are stored as short English strings (the enums below) so the schema does
  not need a migration when a label changes. Region codes are GB/T 2260 (6 digits),
  relations are GB/T 4761 codes (2 digits, see ``yibao.relations``), sex is GB/T
  2261.1 (``"1"`` 男, ``"2"`` 女).
- This module is stable: columns are added in new Alembic revisions, never renamed.

Other packages add their own tables to the same ``SQLModel.metadata`` (e.g.
``yibao/outreach/models.py``); import ``yibao.models`` first so the naming
convention below is in place.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# Constraint names are stable across SQLite (batch mode) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def new_id() -> str:
    """A fresh primary key (UUID4, string form: what ``str(uuid.uuid4())`` gives, without
    the object; bulk writes make one per row)."""
    return _uuid_text((int.from_bytes(os.urandom(16)) & _V4_CLEAR) | _V4_SET)


def _uuid_text(value: int) -> str:
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


# RFC 4122: variant bits 10, version 0100 (as uuid.UUID(version=4) sets them).
_V4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64)) & ((1 << 128) - 1)
_V4_SET = (0x8000 << 48) | (4 << 76)


_ORDER_LOCK = threading.Lock()
_ORDER_STATE = [0, 0]  # last millisecond, counter within it


def new_ordered_id() -> str:
    """A UUID (version 7 layout) that sorts in creation order within this process.

    Used for audit rows, so entries written in the same clock tick (a fixed test clock,
    or two rows of one operation) still list in the order they were written.
    """
    with _ORDER_LOCK:
        ms = time.time_ns() // 1_000_000
        last_ms, counter = _ORDER_STATE
        if ms <= last_ms:
            ms, counter = last_ms, counter + 1
            if counter > 0xFFF:
                ms, counter = ms + 1, 0
        else:
            counter = 0
        _ORDER_STATE[:] = [ms, counter]
    value = (ms & (2**48 - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62
    value |= secrets.randbits(62)
    return _uuid_text(value)


def new_ordered_ids(count: int) -> list[str]:
    """``count`` ids as ``new_ordered_id`` makes them one after the other (in creation
    order), the clock read and the lock taken once: a bulk write makes one per row."""
    if count <= 0:
        return []
    with _ORDER_LOCK:
        ms = time.time_ns() // 1_000_000
        last_ms, counter = _ORDER_STATE
        if ms <= last_ms:
            ms, counter = last_ms, counter + 1
        else:
            counter = 0
        stamps: list[tuple[int, int]] = []
        for _ in range(count):
            if counter > 0xFFF:
                ms, counter = ms + 1, 0
            stamps.append((ms, counter))
            counter += 1
        _ORDER_STATE[:] = list(stamps[-1])
    # The random bits for all of them in one read of the system's generator, not a call
    # (and a system call) per id; each id's text assembled from its parts (the same text
    # ``_uuid_text`` gives for the 128-bit value: time, version 7, counter, variant 10, 62
    # random bits), the time's hex once per millisecond.
    noise = os.urandom(8 * count)
    low, variant = (1 << 62) - 1, 0b10 << 62
    out: list[str] = []
    hexed: dict[int, str] = {}
    for i, (ms, counter) in enumerate(stamps):
        head = hexed.get(ms)
        if head is None:
            text = f"{ms & (2**48 - 1):012x}"
            head = hexed[ms] = f"{text[:8]}-{text[8:]}-7"
        tail = f"{int.from_bytes(noise[8 * i : 8 * i + 8]) & low | variant:016x}"
        out.append(f"{head}{counter:03x}-{tail[:4]}-{tail[4:]}")
    return out


def utcnow() -> datetime:
    """Now, as an aware UTC datetime (what the registry stores)."""
    return datetime.now(UTC)


def to_storage(moment: datetime) -> datetime:
    """Any datetime as aware UTC for storage; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# ---------------------------------------------------------------------------
# Code lists
# ---------------------------------------------------------------------------


class Role(StrEnum):
    CLERK = "clerk"  # 经办人员
    SUPERVISOR = "supervisor"  # 审核人员（审批退费、重开日结、作废他人收据……）
    ADMIN = "admin"  # 管理人员（管理经办人员账号）

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def short(self) -> str:
        """The one-word name a clerk types: 经办 / 审核 / 管理."""
        return self.label[:2]


ROLE_LABELS: dict[Role, str] = {
    Role.CLERK: "经办人员",
    Role.SUPERVISOR: "审核人员",
    Role.ADMIN: "管理人员",
}


class Sex(StrEnum):
    MALE = "1"  # GB/T 2261.1
    FEMALE = "2"

    @property
    def label(self) -> str:
        return {"1": "男", "2": "女"}[self.value]


class PersonStatus(StrEnum):
    ACTIVE = "active"  # 正常
    DEAD = "dead"  # 死亡
    MOVED_OUT = "moved_out"  # 迁出


class EnrolmentStatus(StrEnum):
    REGISTERED = "registered"  # 已登记，未缴费
    PAID = "paid"  # 已缴费（参保有效）
    REFUNDED = "refunded"  # 已退费
    CANCELLED = "cancelled"  # 已注销


class Channel(StrEnum):
    CASH = "cash"
    BANK = "bank"
    ONLINE = "online"
    FAMILY_ACCOUNT = "family_account"

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]


CHANNEL_LABELS: dict[Channel, str] = {
    Channel.CASH: "现金",
    Channel.BANK: "银行代收",
    Channel.ONLINE: "线上缴费",
    Channel.FAMILY_ACCOUNT: "职工医保个人账户家庭共济",
}


class PaymentStatus(StrEnum):
    PAID = "paid"  # 有效
    REFUNDED = "refunded"  # 已退费
    VOIDED = "voided"  # 作废（当日冲正，见 outreach）
    # 重复缴费待处理: the second payment of a person-year found by sync import (outreach).
    # It keeps its receipt and its fen, outside the one-paid-payment index, until a clerk
    # refunds it (refund intake, reason duplicate) or corrects it.
    CONFLICT = "conflict"

    @property
    def label(self) -> str:
        return PAYMENT_STATUS_LABELS[self]


PAYMENT_STATUS_LABELS: dict[PaymentStatus, str] = {
    PaymentStatus.PAID: "有效",
    PaymentStatus.REFUNDED: "已退费",
    PaymentStatus.VOIDED: "作废",
    PaymentStatus.CONFLICT: "重复缴费待处理",
}


def channel_label_of(channel: str, amount_fen: int, subsidy_fen: int = 0) -> str:
    """How a payment's channel is shown (list, case view, receipt, day sheet): a payment of
    0.00 元 took no money, whatever channel it is stored with — 全额资助, or free by the
    policy (a newborn in 山阴)."""
    if amount_fen == 0:
        return "免缴（全额资助）" if subsidy_fen else "免缴"
    try:
        return CHANNEL_LABELS[Channel(channel)]
    except ValueError:
        return channel


def payment_status_label(status: str) -> str:
    """The Chinese label of a stored payment status (the raw value if unknown)."""
    try:
        return PaymentStatus(status).label
    except ValueError:
        return status


class BindingStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class AuditOutcome(StrEnum):
    DONE = "done"  # 已办理
    REFUSED = "refused"  # 不予办理（记录被拒绝的尝试）


# ---------------------------------------------------------------------------
# Shared columns
# ---------------------------------------------------------------------------


def _json() -> Any:
    return sa.Column(sa.JSON, nullable=True)


# ---------------------------------------------------------------------------
# Installation and people behind the counter
# ---------------------------------------------------------------------------


class Device(SQLModel, table=True):
    """An installation of yibao. Its ``prefix`` starts every receipt number it issues."""

    __tablename__ = "device"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    prefix: str = Field(max_length=8, unique=True)
    name: str = Field(default="", max_length=100)  # e.g. 商南县城关街道办窗口1
    is_local: bool = Field(default=False)  # the installation this registry file belongs to
    created_at: datetime = Field(default_factory=utcnow)


class RegistrySetting(SQLModel, table=True):
    """What this registry serves, one row per ``key`` (``policy``: the policy id or file
    the desk opens it with). Local to the registry: never sent in a sync bundle. Written
    through ``yibao.config.set_registry_policy`` (audited)."""

    __tablename__ = "registry_setting"

    key: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=500)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str | None = Field(default=None, max_length=36)  # clerk id
    device_id: str = Field(max_length=36)


class PolicyFile(SQLModel, table=True):
    """A policy file a supervisor activated in this registry (``yibao policy activate``): its
    whole TOML text, so the registry serves the jurisdiction's years without the file on disk,
    and outreach bundles carry it to laptops. The latest activation of a ``policy_id`` wins;
    the loader validates the text again each time it reads it."""

    __tablename__ = "policy_file"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    policy_id: str = Field(index=True, max_length=40)  # shangnan-2027
    jurisdiction_key: str = Field(max_length=30)  # shangnan
    benefit_year: int
    sha256: str = Field(max_length=64)
    content: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    activated_at: datetime = Field(default_factory=utcnow)
    activated_by: str = Field(foreign_key="clerk.id", max_length=36)
    device_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ReceiptSequence(SQLModel, table=True):
    """Last receipt number issued per device. Only ever goes up: numbers are never reused."""

    __tablename__ = "receipt_sequence"

    device_id: str = Field(foreign_key="device.id", primary_key=True, max_length=36)
    last_value: int = Field(default=0)


class Clerk(SQLModel, table=True):
    __tablename__ = "clerk"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=50, unique=True)
    role: str = Field(default=Role.CLERK.value, max_length=20)  # Role
    active: bool = Field(default=True)
    device_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Sign-in (``yibao.auth``): an argon2 hash, never the password; failures counted.
    password_hash: str | None = Field(default=None, max_length=200)
    password_set_at: datetime | None = None
    failed_signins: int = Field(default=0)
    signin_blocked_until: datetime | None = None  # aware UTC; the next attempt waits till then


class ImportBatch(SQLModel, table=True):
    """One department list imported (identities). Rows it created point back to it."""

    __tablename__ = "import_batch"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    kind: str = Field(default="identities", max_length=30)
    source_name: str = Field(default="", max_length=255)  # file name as given
    source_sha256: str | None = Field(default=None, max_length=64)
    department: str | None = Field(default=None, max_length=100)  # 民政 / 农业农村 / 残联 ...
    department_code: str | None = Field(default=None, max_length=20)
    recognised_on: date | None = None
    row_count: int = Field(default=0)
    accepted_count: int = Field(default=0)
    rejected_count: int = Field(default=0)
    clerk_id: str | None = Field(default=None, foreign_key="clerk.id", max_length=36)
    note: str | None = None
    device_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------------------
# Households and persons
# ---------------------------------------------------------------------------


class Household(SQLModel, table=True):
    """A hukou household (户). The head is the member whose ``relation_to_head`` is ``"02"``."""

    __tablename__ = "household"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    number: str | None = Field(default=None, max_length=40, index=True)  # 户号 if known
    hukou_region: str | None = Field(default=None, max_length=12)  # GB/T 2260 (county or town)
    address: str | None = Field(default=None, max_length=200)
    # Where the household lives, as data (yibao.places); None where not known.
    town: str | None = Field(default=None, max_length=50)  # 乡镇/街道
    village: str | None = Field(default=None, max_length=50)  # 村/社区
    device_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Person(SQLModel, table=True):
    """A resident. ``id_number`` is the normalised 18-character 居民身份证号码 (upper-case X).

    A newborn may exist with only ``birth_cert_no`` (出生医学证明编号); the ID number is
    filled in later (linked) on the same row, so history stays with the person.
    """

    __tablename__ = "person"
    __table_args__ = (
        sa.Index("ix_person_name", "name", postgresql_ops={"name": "text_pattern_ops"}),
        sa.Index(
            "ix_person_name_initials",
            "name_initials",
            postgresql_ops={"name_initials": "text_pattern_ops"},
        ),
        sa.Index("ix_person_id_tail", "id_tail"),
        sa.Index("ix_person_household_id", "household_id"),
        sa.Index("ix_person_town_village", "town", "village"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    id_number: str | None = Field(default=None, max_length=18, unique=True)
    id_tail: str | None = Field(default=None, max_length=6)  # last 6 characters of id_number
    birth_cert_no: str | None = Field(default=None, max_length=20, unique=True)
    name: str = Field(max_length=50)
    name_initials: str = Field(default="", max_length=50)  # pypinyin first letters: 张三 → zs
    sex: str | None = Field(default=None, max_length=1)  # Sex
    birth_date: date
    birth_region: str | None = Field(default=None, max_length=6)  # from the ID number
    ethnicity: str | None = Field(default=None, max_length=20)
    phone: str | None = Field(default=None, max_length=20)

    household_id: str | None = Field(default=None, foreign_key="household.id", max_length=36)
    relation_to_head: str | None = Field(default=None, max_length=2)  # GB/T 4761
    guardian_person_id: str | None = Field(default=None, foreign_key="person.id", max_length=36)

    hukou_region: str | None = Field(default=None, max_length=12)  # 户籍地 GB/T 2260
    residence_permit_region: str | None = Field(default=None, max_length=12)  # 居住证发证地
    school_region: str | None = Field(default=None, max_length=12)  # 学籍地
    address: str | None = Field(default=None, max_length=200)
    # Where the person lives, as data (yibao.places); None where not known.
    town: str | None = Field(default=None, max_length=50)  # 乡镇/街道
    village: str | None = Field(default=None, max_length=50)  # 村/社区

    employee_insured: bool = Field(default=False)  # 正在参加职工医保
    other_scheme_exit_on: date | None = None  # 职工医保 / 现役 / 羁押 结束日期
    disability_grade: int | None = None  # 残疾等级 1–4
    status: str = Field(default=PersonStatus.ACTIVE.value, max_length=20)
    died_on: date | None = None
    note: str | None = None

    device_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PersonIdentity(SQLModel, table=True):
    """A special identity (特殊身份) as recognised by a department, with its validity."""

    __tablename__ = "person_identity"
    __table_args__ = (sa.Index("ix_person_identity_person_id", "person_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    person_id: str = Field(foreign_key="person.id", max_length=36)
    code: str = Field(max_length=40)  # yibao.identities.Identity
    department: str | None = Field(default=None, max_length=100)
    department_code: str | None = Field(default=None, max_length=20)
    recognised_on: date | None = None  # 认定日期
    valid_from: date | None = None
    valid_to: date | None = None
    disability_grade: int | None = None
    import_batch_id: str | None = Field(default=None, foreign_key="import_batch.id", max_length=36)
    revoked_at: datetime | None = None  # withdrawn by the registry (kept for history)
    note: str | None = None
    device_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------------------
# Enrolment and money
# ---------------------------------------------------------------------------


class Enrolment(SQLModel, table=True):
    """One person's enrolment for one benefit year (unique per person and year)."""

    __tablename__ = "enrolment"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "benefit_year", name="uq_enrolment_person_year"),
        # Reports: last year's enrolments taken in by ``import enrolments``.
        sa.Index("ix_enrolment_year_status", "benefit_year", "status", "person_id"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    person_id: str = Field(foreign_key="person.id", max_length=36)
    benefit_year: int
    category: str = Field(max_length=30)  # yibao.rules.facts.Category
    insured_region: str = Field(max_length=12)  # 参保地 GB/T 2260
    policy_id: str = Field(max_length=40)
    status: str = Field(default=EnrolmentStatus.REGISTERED.value, max_length=20)
    registered_on: date  # 参保登记日期
    coverage_start: date | None = None
    coverage_end: date | None = None
    waiting_months: int | None = None
    subsidy_identity: str | None = Field(default=None, max_length=40)
    note: str | None = None
    device_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class FamilyBinding(SQLModel, table=True):
    """家庭共济 binding: the payer (职工医保参保人) may pay for the relative."""

    __tablename__ = "family_binding"
    __table_args__ = (
        sa.Index(
            "uq_family_binding_active_pair",
            "payer_person_id",
            "relative_person_id",
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        ),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    payer_person_id: str = Field(foreign_key="person.id", max_length=36)
    relative_person_id: str = Field(foreign_key="person.id", max_length=36)
    relation: str = Field(
        max_length=30
    )  # yibao.rules.relations.Relation: relative as seen from the payer
    relation_code: str | None = Field(default=None, max_length=2)  # GB/T 4761, when recorded
    evidence: str = Field(max_length=200)  # 户口簿 / 结婚证 / 出生医学证明 …
    commitment_signed: bool = Field(default=False)  # 承诺书
    bound_on: date
    status: str = Field(default=BindingStatus.ACTIVE.value, max_length=20)
    revoked_on: date | None = None
    clerk_id: str | None = Field(default=None, foreign_key="clerk.id", max_length=36)
    device_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Payment(SQLModel, table=True):
    """Contribution paid for one person and one benefit year.

    At most one ``paid`` payment per person and year (partial unique index); a second
    one is refused and the clerk is sent to refund intake.
    """

    __tablename__ = "payment"
    __table_args__ = (
        sa.Index(
            "uq_payment_person_year_paid",
            "person_id",
            "benefit_year",
            unique=True,
            sqlite_where=sa.text("status = 'paid'"),
            postgresql_where=sa.text("status = 'paid'"),
        ),
        sa.Index("ix_payment_paid_on", "paid_on"),
        # Reports (yibao.reports): who paid a year by a day, without touching the rows.
        sa.Index("ix_payment_year_paid_on", "benefit_year", "paid_on", "status", "person_id"),
        sa.Index("ix_payment_person_year", "person_id", "benefit_year"),
        # An enrolment's payments (sync import, voids, the export): without it, a scan each.
        sa.Index("ix_payment_enrolment_id", "enrolment_id"),
        # The subsidy ledger: the year's subsidised payments only (a few in a hundred).
        sa.Index(
            "ix_payment_subsidised",
            "benefit_year",
            "paid_on",
            sqlite_where=sa.text("subsidy_fen > 0"),
            postgresql_where=sa.text("subsidy_fen > 0"),
        ),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    person_id: str = Field(foreign_key="person.id", max_length=36)
    enrolment_id: str = Field(foreign_key="enrolment.id", max_length=36)
    benefit_year: int
    receipt_no: str = Field(max_length=30, unique=True)
    channel: str = Field(max_length=20)  # Channel
    standard_fen: int  # 筹资标准（个人缴费部分的标准）
    subsidy_fen: int = 0  # 资助 / 代缴
    personal_fen: int  # = standard − subsidy
    extras_fen: int = 0  # e.g. 山阴 意外伤害保险
    extras: list[Any] | None = Field(default=None, sa_column=_json())  # [[code, label, fen], …]
    amount_fen: int  # total due and taken = personal + extras
    received_fen: int | None = None  # cash handed over
    change_fen: int | None = None  # 找零
    payer_person_id: str | None = Field(default=None, foreign_key="person.id", max_length=36)
    family_binding_id: str | None = Field(
        default=None, foreign_key="family_binding.id", max_length=36
    )
    subsidy_identity: str | None = Field(default=None, max_length=40)
    policy_id: str = Field(max_length=40)
    paid_at: datetime  # aware UTC
    paid_on: date  # local calendar day of payment (drives windows and coverage)
    status: str = Field(default=PaymentStatus.PAID.value, max_length=20)
    clerk_id: str | None = Field(default=None, foreign_key="clerk.id", max_length=36)
    device_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PriorEnrolment(SQLModel, table=True):
    """A year a person paid that this registry did not take: a row of an imported payer list.

    ``yibao import enrolments FILE --year Y`` loads a previous year's list as the platform or
    the tax bureau exports it (``yibao.imports.enrolments``). One row per person and year;
    the waiting-period facts (``yibao.services.history``) count these years beside the
    registry's own payments and name the list and row they came from.
    """

    __tablename__ = "prior_enrolment"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "benefit_year", name="uq_prior_enrolment_person_year"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    person_id: str = Field(foreign_key="person.id", max_length=36, index=True)
    benefit_year: int
    category: str | None = Field(default=None, max_length=60)  # 参保类别 as the list writes it
    paid_on: date  # 缴费日期
    amount_fen: int  # 缴费金额 (personal share paid)
    import_batch_id: str = Field(foreign_key="import_batch.id", max_length=36)
    source_row: int  # row number in the file
    device_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class RefundRequest(SQLModel, table=True):
    """退费申请: 受理 → 审核中 → 已批准/已驳回 → 已退费 (``yibao.services.refund_states``)."""

    __tablename__ = "refund_request"
    __table_args__ = (
        sa.Index("ix_refund_request_person_id", "person_id"),
        sa.Index("ix_refund_request_payment_id", "payment_id"),  # reports: refunded by a day
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    person_id: str = Field(foreign_key="person.id", max_length=36)
    payment_id: str = Field(foreign_key="payment.id", max_length=36)
    reason: str = Field(max_length=40)  # reason code understood by rules.refunds
    reason_note: str | None = None
    amount_fen: int
    state: str = Field(default="received", max_length=20)  # yibao.services.refund_states
    received_on: date  # 受理日期
    deadline: date | None = None  # per the policy (None: the document is silent)
    evidence: list[Any] | None = Field(default=None, sa_column=_json())  # Chinese strings
    approver: str | None = Field(default=None, max_length=100)  # who must approve, per policy
    decision_note: str | None = None
    applicant_name: str | None = Field(default=None, max_length=50)
    applicant_phone: str | None = Field(default=None, max_length=20)
    policy_id: str = Field(max_length=40)
    device_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class RefundTransition(SQLModel, table=True):
    """Every state change of a refund request, with who and when."""

    __tablename__ = "refund_transition"
    __table_args__ = (sa.Index("ix_refund_transition_refund_id", "refund_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    refund_id: str = Field(foreign_key="refund_request.id", max_length=36)
    from_state: str | None = Field(default=None, max_length=20)  # None for intake
    to_state: str = Field(max_length=20)
    clerk_id: str | None = Field(default=None, foreign_key="clerk.id", max_length=36)
    at: datetime
    note: str | None = None
    device_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)


class AuditLog(SQLModel, table=True):
    """Append-only record of every change (and every refused attempt).

    ``before`` / ``after`` are JSON snapshots with ID numbers masked. Rows are never
    updated or deleted (triggers in the migration enforce it).
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_entity", "entity", "entity_id"),
        sa.Index("ix_audit_log_person_id", "person_id"),
        sa.Index("ix_audit_log_at", "at"),
        sa.Index("uq_audit_log_device_seq", "device_id", "seq", unique=True),
    )

    id: str = Field(default_factory=new_ordered_id, primary_key=True, max_length=36)
    at: datetime  # aware UTC, from the injected clock
    clerk_id: str | None = Field(default=None, max_length=36)
    clerk_name: str | None = Field(default=None, max_length=50)
    device_id: str = Field(max_length=36)
    action: str = Field(max_length=60)  # e.g. person.register, payment.record
    outcome: str = Field(default=AuditOutcome.DONE.value, max_length=20)
    entity: str = Field(max_length=40)  # table name
    entity_id: str | None = Field(default=None, max_length=36)
    person_id: str | None = Field(default=None, max_length=36)  # whose case this belongs to
    summary: str = Field(default="")  # Chinese one-liner for the case history
    before: dict[str, Any] | None = Field(default=None, sa_column=_json())
    after: dict[str, Any] | None = Field(default=None, sa_column=_json())
    # The hash chain (``yibao.auditchain``): one chain per device, filled in at flush.
    seq: int | None = None  # 1, 2, 3 … within ``device_id``
    prev_hash: str | None = Field(default=None, max_length=64)
    row_hash: str | None = Field(default=None, max_length=64)


__all__ = [
    "AuditLog",
    "AuditOutcome",
    "BindingStatus",
    "CHANNEL_LABELS",
    "Channel",
    "Clerk",
    "Device",
    "Enrolment",
    "EnrolmentStatus",
    "FamilyBinding",
    "Household",
    "ImportBatch",
    "NAMING_CONVENTION",
    "Payment",
    "PAYMENT_STATUS_LABELS",
    "PaymentStatus",
    "Person",
    "PersonIdentity",
    "PersonStatus",
    "PriorEnrolment",
    "ReceiptSequence",
    "RegistrySetting",
    "ROLE_LABELS",
    "RefundRequest",
    "RefundTransition",
    "Role",
    "Sex",
    "new_id",
    "new_ordered_id",
    "new_ordered_ids",
    "payment_status_label",
    "PolicyFile",
    "to_storage",
    "utcnow",
]


# Every ORM session chains the audit rows it adds (``yibao.auditchain``).
from yibao import auditchain as _auditchain  # noqa: E402

_auditchain.install()


# ---------------------------------------------------------------------------
# The drive's counts, kept up to date (yibao.reports.tally)
# ---------------------------------------------------------------------------

# ``progress_tally.day`` of the counts that do not change with the as-of day.
ALWAYS = date(1, 1, 1)


class ProgressPerson(SQLModel, table=True):
    """One resident's share of the progress report's counts for one benefit year, as last
    added to ``progress_tally`` (so a change can take it out again). ``spans``: the days the
    resident counts as paid, ``start/end;…`` (end exclusive, empty: still paid)."""

    __tablename__ = "progress_person"

    person_id: str = Field(primary_key=True, max_length=36)
    benefit_year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    hukou6: str = Field(max_length=6)  # "" when unknown
    permit6: str = Field(max_length=6)
    fallback6: str = Field(max_length=6)
    town: str = Field(max_length=50)
    village: str = Field(max_length=50)
    registered: int = 0
    last: int = 0
    last_any: int = 0
    gone: int = 0
    spans: str = Field(default="", max_length=400)
    # The identities held, as JSON: [[code, holder spans, payer spans], …] (spans as above):
    # the days the resident counts among the code's holders (identity valid, and active or
    # paid) and among its paid holders.
    groups: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))


class ProgressTally(SQLModel, table=True):
    """Counts of residents by benefit year, place and day: ``paid`` is the change on ``day``
    in residents paid (+1 when one becomes paid, −1 when a refund is paid out), so paid as
    of D is the sum over ``day`` ≤ D; the other counts sit on ``day`` = 0001-01-01."""

    __tablename__ = "progress_tally"

    benefit_year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    hukou6: str = Field(primary_key=True, max_length=6)
    permit6: str = Field(primary_key=True, max_length=6)
    fallback6: str = Field(primary_key=True, max_length=6)
    town: str = Field(primary_key=True, max_length=50)
    village: str = Field(primary_key=True, max_length=50)
    day: date = Field(primary_key=True)
    persons: int = 0
    registered: int = 0
    last: int = 0
    last_any: int = 0
    gone: int = 0
    paid: int = 0


class ProgressGroupTally(SQLModel, table=True):
    """Holders of each identity, and the paid among them, by benefit year, town and day, as
    changes on ``day`` (like ``progress_tally.paid``); ``code`` ``*``: any identity, each
    resident once."""

    __tablename__ = "progress_group_tally"

    benefit_year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    town: str = Field(primary_key=True, max_length=50)
    code: str = Field(primary_key=True, max_length=40)
    day: date = Field(primary_key=True)
    holders: int = 0
    payers: int = 0


class ProgressDirty(SQLModel, table=True):
    """Residents whose counts may have changed (written by triggers on person, household,
    payment, enrolment and the refund tables); settled before the transaction commits."""

    __tablename__ = "progress_dirty"

    person_id: str = Field(primary_key=True, max_length=36)


class ProgressYear(SQLModel, table=True):
    """Benefit years ``progress_tally`` holds (built by ``yibao report tally``)."""

    __tablename__ = "progress_year"

    benefit_year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    built_at: datetime
