"""A synthetic registry to try the desk on: ``yibao demo --persons N [--seed S]``.

Households with GB/T 4761 relations (户主, 配偶, 子, 女, 父亲, 母亲, 孙子, 孙女),
Chinese names (``data/names/``), valid ID numbers carrying the jurisdiction's
region codes as they were in each birth year, special identities in realistic
shares (≈3 % 低保, ≈0.5 % 特困, ≈5 % 监测对象 and 脱贫人口, disability, 计生),
enrolments for the policy's benefit year and payments with receipt numbers for
most of them, and last year's payers as an imported payer list (``prior_enrolment`` rows
of one ``import_batch``, as ``yibao import enrolments`` loads them): ≈90 % of this year's
enrolled, ≈30 % of the active residents not enrolled this year (lapsed) and half of those
who died since, so that the progress report's formula targets (商南 附件2 (1)−(2)=(3),
(3)−(4)=(5)) and the 上年 columns have something to work from.

Rows are the same as the services would write (same tables, same columns) but go
in through bulk ``INSERT … executemany`` so 200,000 residents take seconds. On a SQLite
file the registry is built in a temporary file beside it and renamed into place when
finished (``build``): a killed build leaves no half registry. The same seed gives the
same people. Nobody here is real.

The contribution of a demo payment is the policy's standard minus the highest
subsidy the policy lists for any identity the person holds; conditions and
exclusions of the subsidy lines are not applied (the desk does that through
``yibao.rules`` for real payments). Last year's listed amount is this year's personal
share worked the same way (a synthetic figure: no policy of last year is consulted), paid
on a day of this year's centralized period one year earlier.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import itertools
import marshal
import multiprocessing
import os
import pickle
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from yibao import audit, regions, synthetic
from yibao.bulk import indexes_deferred, insert_rows
from yibao.identities import Identity
from yibao.idgen import codes_for_year, jurisdiction_spans, make_id_number
from yibao.models import (
    Channel,
    Enrolment,
    EnrolmentStatus,
    Household,
    ImportBatch,
    Payment,
    PaymentStatus,
    Person,
    PersonIdentity,
    PersonStatus,
    PriorEnrolment,
    ReceiptSequence,
    to_storage,
)
from yibao.timezone import LOCAL_TZ

MAX_PERSONS = 2_000_000
_CHUNK_PERSONS = 20_000  # residents generated and written at a time

# Household sizes and their shares.
_SIZES = ((1, 0.15), (2, 0.25), (3, 0.22), (4, 0.20), (5, 0.12), (6, 0.06))

# Household-level identities (the department recognises the family): share of households.
_HOUSEHOLD_IDENTITIES: tuple[tuple[Identity, str, float], ...] = (
    (Identity.MINIMUM_LIVING, "民政", 0.030),
    (Identity.MONITORED_UNSTABLE, "农业农村", 0.010),
    (Identity.MONITORED_MARGINAL, "农业农村", 0.010),
    (Identity.MONITORED_SUDDEN, "农业农村", 0.005),
    (Identity.STABLE_OUT_OF_POVERTY, "农业农村", 0.025),
)
# Person-level identities: (identity, department, share, min age, max age, grade range).
_PERSON_IDENTITIES: tuple[tuple[Identity, str, float, int, int, tuple[int, int] | None], ...] = (
    (Identity.EXTREME_POVERTY, "民政", 0.018, 60, 120, None),  # ≈0.5 % of everyone
    (Identity.ORPHAN, "民政", 0.002, 0, 17, None),
    (Identity.SEVERE_DISABILITY, "残联", 0.008, 0, 120, (1, 2)),
    (Identity.DISABILITY, "残联", 0.015, 0, 120, (3, 4)),
    (Identity.FAMILY_PLANNING_SPECIAL, "卫健", 0.002, 40, 120, None),
)
# The person-level identities a resident of each age can be drawn for (code, department,
# share, grade range), in the order above: one look-up instead of five range checks.
_OLDEST = 120
_PERSON_RULES_BY_AGE: tuple[tuple[tuple[str, str, float, tuple[int, int] | None], ...], ...] = tuple(
    tuple((code.value, department, share, grades)
          for code, department, share, low, high, grades in _PERSON_IDENTITIES if low <= age <= high)
    for age in range(_OLDEST + 1)
)  # fmt: skip
# Common village names (synthetic: not a list of the county's real villages).
_DEMO_VILLAGES = (
    "河口村", "王家庄村", "柳树沟村", "石门村", "白杨村", "新庄村", "东坡村", "张家湾村",
    "红星村", "桃园村", "松树岭村", "龙潭村", "马家坪村", "清泉村", "前进社区", "富民社区",
)


def _demo_village(town_index: int, household_seq: int) -> str:
    """One of the 8 demo villages of the town at ``town_index`` (by household sequence)."""
    return _DEMO_VILLAGES[(town_index * 3 + (household_seq // 11) % 8) % len(_DEMO_VILLAGES)]


_CHANNELS = ((Channel.CASH, 0.45), (Channel.BANK, 0.25), (Channel.ONLINE, 0.30))
_CHANNEL_VALUES = tuple(channel.value for channel, _ in _CHANNELS)
_CASH = Channel.CASH.value


_HOLDS_PEOPLE = ("登记库中已有 {} 人。演示数据只写入空登记库，以免与真实数据混在一起："
                 "请用 --db 指定一个新文件。")


class DemoError(ValueError):
    """The demo cannot be built as asked; ``message`` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class DemoSettings:
    policy_id: str
    region_code: str  # the jurisdiction (county or city)
    benefit_year: int
    standard_fen: int
    # identity code → subsidy fen, from the policy's subsidy lines
    subsidy_fen: dict[str, int] = field(default_factory=dict)
    centralized_start: date | None = None
    centralized_end: date | None = None
    benefit_start: date | None = None  # the file's periods.benefit (not always the calendar year)
    benefit_end: date | None = None

    @classmethod
    def from_policy(cls, policy: Any) -> DemoSettings:
        contribution = policy.contribution
        standard = int(contribution.standard_fen)
        subsidy: dict[str, int] = {}
        for line in getattr(contribution, "subsidies", ()) or ():
            kind = str(getattr(line.kind, "value", line.kind))
            if kind == "full":
                amount = standard
            elif kind == "fixed":
                amount = int(line.subsidy_fen or 0)
            elif kind == "percent" and hasattr(contribution, "subsidy_of"):
                amount = int(contribution.subsidy_of(line))  # rounded as the file says
            else:
                continue
            for identity in line.identities:
                code = str(getattr(identity, "value", identity))
                subsidy[code] = max(subsidy.get(code, 0), amount)
        centralized = getattr(contribution, "centralized", None)
        benefit = getattr(getattr(policy, "periods", None), "benefit", None)
        return cls(
            policy_id=policy.id,
            region_code=policy.region_code,
            benefit_year=int(policy.benefit_year),
            standard_fen=standard,
            subsidy_fen=subsidy,
            centralized_start=getattr(centralized, "start", None),
            centralized_end=getattr(centralized, "end", None),
            benefit_start=getattr(benefit, "start", None),
            benefit_end=getattr(benefit, "end", None),
        )


@dataclass(slots=True)
class DemoReport:
    persons: int = 0
    households: int = 0
    identities: int = 0
    enrolments: int = 0
    payments: int = 0
    prior: int = 0  # rows of last year's imported payer list
    seconds: float = 0.0

    def summary_lines(self) -> list[str]:
        return [
            f"人员 {self.persons} 人，{self.households} 户",
            f"特殊身份 {self.identities} 条",
            f"参保登记 {self.enrolments} 条，缴费 {self.payments} 笔（均有收据号）",
            f"上年度参保缴费名单（导入）{self.prior} 人",
            f"用时 {self.seconds:.1f} 秒",
        ]


def _current_counties(region_code: str) -> list[str]:
    codes = sorted({s.code for s in jurisdiction_spans(region_code) if s.end is None})
    if region_code.endswith("00"):
        codes = [c for c in codes if c[:4] == region_code[:4]] or codes
    return codes or [region_code]


# Columns of the rows the builder makes, in the order it makes them. The columns every
# row of a table shares (the device, the moment, the policy, NULLs …) are not in the rows:
# ``_Builder.shared`` gives their values once per table and ``_insert`` writes them as
# constants of the INSERT (a fifth less work for SQLite than binding them row by row).
# ``_check_columns`` refuses a table with a column the builder does not fill.
_HOUSEHOLD_COLUMNS = ("id", "number", "hukou_region", "address", "town", "village")
_PERSON_COLUMNS = (
    "id", "id_number", "id_tail", "name", "name_initials", "sex", "birth_date", "birth_region",
    "phone", "household_id", "relation_to_head", "hukou_region", "address", "town", "village",
    "employee_insured", "disability_grade", "status", "died_on",
)  # fmt: skip
_P_ID, _P_HUKOU, _P_EMPLOYEE, _P_GRADE, _P_STATUS = 0, 11, 15, 16, 17  # positions in a person row
_IDENTITY_COLUMNS = ("id", "person_id", "code", "department", "recognised_on", "valid_from",
                     "disability_grade")  # fmt: skip
_ENROLMENT_COLUMNS = (
    "id", "person_id", "insured_region", "status", "registered_on", "coverage_start",
    "coverage_end", "waiting_months", "subsidy_identity",
)  # fmt: skip
_PAYMENT_COLUMNS = (
    "id", "person_id", "enrolment_id", "receipt_no", "channel", "subsidy_fen", "personal_fen",
    "amount_fen", "received_fen", "change_fen", "subsidy_identity", "paid_at", "paid_on",
)  # fmt: skip
_PRIOR_COLUMNS = ("id", "person_id", "paid_on", "amount_fen", "source_row")


class _Values:
    """Dates, timestamps and flags as the registry stores them.

    On SQLite, the text (or integer) each column type's own bind processor makes, worked
    out once per distinct value, so the rows go to the driver as they are; elsewhere the
    Python values themselves (the driver converts them)."""

    def __init__(self, dialect: Any) -> None:
        self.native = dialect.name != "sqlite"
        self._day = Person.__table__.c.birth_date.type._cached_bind_processor(dialect)  # type: ignore[attr-defined]
        self._moment = Payment.__table__.c.paid_at.type._cached_bind_processor(dialect)  # type: ignore[attr-defined]
        flag = Person.__table__.c.employee_insured.type._cached_bind_processor(dialect)  # type: ignore[attr-defined]
        self.true = True if self.native or flag is None else flag(True)
        self.false = False if self.native or flag is None else flag(False)
        self.days: dict[date, Any] = {}

    def day(self, value: date) -> Any:
        text = self.days.get(value)
        if text is None:
            text = self.days[value] = value if self.native or self._day is None else self._day(value)
        return text

    def moment(self, value: datetime) -> Any:
        return value if self.native or self._moment is None else self._moment(value)


def _v7_prefix(ms: int) -> str:
    """The first 15 characters of a version 7 UUID: 48 bits of milliseconds, the version."""
    return f"{ms >> 16:08x}-{ms & 0xFFFF:04x}-7"


class _Builder:
    """Generates the rows, a household at a time, into lists of rows (lists in the column
    order above, values as stored: see ``_Values``).

    Written for speed (a 1.6 M registry is millions of rows): random draws are
    ``random()`` scaled by hand (``randint`` / ``choice`` cost ten times more), and
    everything that repeats (towns, codes per birth year, payment moments, initials of a
    name, dates as text) is worked out once. A person's age and identity codes ride along
    in ``facts`` (the same positions as ``persons``) and are not written.

    Keys are UUIDs of the version 7 layout in creation order (as ``models.new_ordered_id``
    makes them for audit rows): the build's moment, a serial, the random stream's bits.
    Every table's rows then go in key order, so each key index and each reference check
    touches the last pages of its index instead of a random page of it; with random keys
    SQLite spent about 40 % more on the same inserts.
    """

    def __init__(
        self,
        settings: DemoSettings,
        rng: random.Random,
        *,
        today: date,
        device_id: str,
        device_prefix: str,
        now: datetime,
        taken: set[str],
        receipt_start: int,
        values: _Values,
        prior_rng: random.Random | None = None,
    ) -> None:
        self.s = settings
        self.rng = rng
        self.random = rng.random
        self.bits = rng.getrandbits
        self.v = values
        self.today = today
        self.today_ordinal = today.toordinal()
        self.device_id = device_id
        self.prefix = device_prefix
        self.stamp = values.moment(now)
        self.id_ms = int(now.timestamp() * 1000) & (2**48 - 1)
        self.serial = 0
        self.id_prefix = _v7_prefix(self.id_ms)
        self.taken = taken
        self.receipt_no = receipt_start
        self.counties = _current_counties(settings.region_code)
        self.towns = {county: regions.towns_of(county) for county in self.counties}
        names = synthetic.name_tables()
        self.surnames, self.surname_weights = names.surnames, names.surname_cumweights
        self.male, self.female = names.male, names.female
        self.codes: dict[int, tuple[str, ...]] = {}  # birth year → region codes then
        self.initials: dict[str, str] = {}  # full name → initials
        self.moments: dict[tuple[date, int, int], Any] = {}  # local paid time → stored UTC
        self.size_weights = tuple(itertools.accumulate(w for _, w in _SIZES))
        self.channel_weights = tuple(itertools.accumulate(w for _, w in _CHANNELS))
        start, end = settings.centralized_start, settings.centralized_end
        self.pay_days: tuple[date, ...] = ()
        if start is not None and end is not None and start <= today:
            last = min(end, today)
            self.pay_days = tuple(start + timedelta(days=d) for d in range((last - start).days + 1))
        self.pay_texts = tuple(map(values.day, self.pay_days))
        self.households: list[list[Any]] = []
        self.persons: list[list[Any]] = []
        self.facts: list[list[Any]] = []  # [age, identity codes or None] of each person row
        self.identities: list[list[Any]] = []
        self.enrolments: list[list[Any]] = []
        self.payments: list[list[Any]] = []
        # Last year's list draws from its own stream: the same seed gives the same people,
        # enrolments and payments as before the list was added.
        prior_rng = prior_rng or random.Random(0)
        self.prior_random, self.prior_bits = prior_rng.random, prior_rng.getrandbits
        self.prior: list[list[Any]] = []
        self.prior_batch_id = self._uuid(self.prior_bits)
        self.prior_row = 1  # the list's header is its row 1
        first = settings.centralized_start or date(settings.benefit_year - 1, 9, 1)
        days = (settings.centralized_end - first).days + 1 if settings.centralized_end else 120
        self.prior_days: tuple[Any, ...] = tuple(
            values.day(first - timedelta(days=365) + timedelta(days=d)) for d in range(max(days, 1))
        )
        self.household_seq = 0
        self.place: tuple[str | None, str | None] = (None, None)
        year = settings.benefit_year
        # registered without paying: at the period's start (not after today)
        self.unpaid_registered = values.day(min(settings.centralized_start or date(year - 1, 9, 1), today))
        self.benefit_start = values.day(settings.benefit_start) if settings.benefit_start else None
        self.benefit_end = values.day(settings.benefit_end) if settings.benefit_end else None
        subsidy = settings.subsidy_fen
        self.subsidy_of = lambda code: subsidy.get(code, 0)

    def shared(self, clerk_id: str | None) -> dict[str, dict[str, Any]]:
        """The values every row of a table shares, by table (see ``_insert``); the clerk the
        payments are taken by is the writer's (it may be made after the rows' generation
        started: ``_build_in``)."""
        stamp = self.stamp
        made = {"device_id": self.device_id, "created_at": stamp, "updated_at": stamp}
        noted = {**made, "note": "演示数据"}
        year, policy_id = self.s.benefit_year, self.s.policy_id
        return {
            "household": made,
            "person": {**noted, "birth_cert_no": None, "ethnicity": "汉族", "guardian_person_id": None,
                       "residence_permit_region": None, "school_region": None,
                       "other_scheme_exit_on": None},
            "person_identity": {**noted, "department_code": None, "valid_to": None,
                                "import_batch_id": None, "revoked_at": None},
            "enrolment": {**noted, "benefit_year": year, "category": "general",
                          "policy_id": policy_id},
            "payment": {**made, "benefit_year": year, "standard_fen": self.s.standard_fen,
                        "extras_fen": 0, "extras": None, "payer_person_id": None,
                        "family_binding_id": None, "policy_id": policy_id,
                        "status": _PAID, "clerk_id": clerk_id},
            "prior_enrolment": {**made, "benefit_year": year - 1, "category": None,
                                "import_batch_id": self.prior_batch_id},
        }  # fmt: skip

    # --- draws -----------------------------------------------------------------
    def _uuid(self, bits: Any = None) -> str:
        """The next key: version 7 layout, the build's moment and a serial (so keys sort
        in creation order), then 62 bits of ``bits`` (a ``getrandbits``; default the main
        stream's, drawn 128 at a time as the version 4 keys were: the same seed still gives
        the same people)."""
        self.serial += 1
        serial = self.serial
        low = serial & 0xFFF
        if not low:  # the next millisecond
            self.id_prefix = _v7_prefix(self.id_ms + (serial >> 12))
        tail = (bits or self.bits)(128) & 0x3FFF_FFFF_FFFF_FFFF
        return f"{self.id_prefix}{low:03x}-{0x8000 | tail >> 48:04x}-{tail & 0xFFFF_FFFF_FFFF:012x}"

    def _surname(self) -> str:
        weights = self.surname_weights
        return self.surnames[bisect.bisect_right(weights, self.random() * weights[-1])]

    def _birth(self, age: int) -> date:
        """Born ``age`` years ago (give or take the days of that year)."""
        return date.fromordinal(self.today_ordinal - age * 365 - int(self.random() * 365))

    def _id_number(self, birth: date, male: bool) -> str:
        """A valid ID number (by construction: region code of the birth year, date, sequence
        with the sex, GB 11643 check character) not given to anyone else in the build."""
        codes = self.codes.get(birth.year)
        if codes is None:
            codes = self.codes[birth.year] = codes_for_year(self.s.region_code, birth.year)
        r = self.random
        for _ in range(50):
            number = make_id_number(
                codes[int(r() * len(codes))], birth, int(r() * 500) * 2 + (1 if male else 0)
            )
            if number not in self.taken:
                self.taken.add(number)
                return number
        raise DemoError("生成演示身份证号时重复过多：请减少人数。")

    # --- rows ------------------------------------------------------------------
    def person(
        self,
        household_id: str,
        relation: str,
        surname: str,
        male: bool,
        birth: date,
        hukou: str,
        address: str,
    ) -> list[Any]:
        r = self.random
        pool = self.male if male else self.female
        size = len(pool)
        if r() < 0.25:
            given = pool[int(r() * size)]
        else:
            given = pool[int(r() * size)] + pool[int(r() * size)]
        name = surname + given
        initials = self.initials.get(name)
        if initials is None:
            initials = self.initials[name] = synthetic.composed_initials(surname, given)
        number = self._id_number(birth, male)
        today = self.today
        age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
        dead = r() < 0.003 and age >= 60
        phone = f"1{'3578'[int(r() * 4)]}{int(r() * 1e9):09d}" if r() < 0.6 else None
        row = [
            self._uuid(), number, number[-6:], name, initials, "1" if male else "2",
            self.v.days.get(birth) or self.v.day(birth), number[:6], phone, household_id,
            relation, hukou, address, self.place[0], self.place[1],
            self.v.true if r() < 0.04 and 18 <= age < 60 else self.v.false, None,
            _DEAD if dead else _ACTIVE,
            self.v.day(date.fromordinal(self.today_ordinal - 1 - int(r() * 300))) if dead else None,
        ]  # fmt: skip
        self.persons.append(row)
        self.facts.append([age, None])
        return row

    def identity(self, person: list[Any], facts: list[Any], code: str, department: str) -> None:
        r = self.random
        start = self.v.day(date(self.s.benefit_year - 1 - int(r() * 6), 1 + int(r() * 12), 1))
        self.identities.append([self._uuid(), person[_P_ID], code, department, start, start, person[_P_GRADE]])
        if facts[1] is None:
            facts[1] = []
        facts[1].append(code)

    # --- households --------------------------------------------------------------
    def household(self) -> None:
        r = self.random
        size = _SIZES[bisect.bisect_left(self.size_weights, r() * self.size_weights[-1])][0]
        self.household_seq += 1
        seq = self.household_seq
        hukou = self.counties[int(r() * len(self.counties))]
        household_id = self._uuid()
        # The town comes from the documents' town list (so `outreach export --town 富水镇` finds
        # demo residents); by sequence, not at random.
        towns = self.towns[hukou]
        town = towns[seq % len(towns)].name if towns else ""
        # Village by sequence too: a town has 8 of the demo village names.
        village = _demo_village(seq % len(towns) if towns else 0, seq)
        address = f"{town}{village}{1 + int(r() * 40)}组{1 + int(r() * 120)}号"
        self.place = (town or None, village if town else None)
        self.households.append([household_id, f"{hukou}{seq:06d}", hukou, address, *self.place])
        head_male = r() < 0.75
        head_age = 24 + int(r() * 62) if size > 1 else 20 + int(r() * 73)
        surname = self._surname()
        first = len(self.persons)
        person, birth = self.person, self._birth

        person(household_id, "02", surname, head_male, birth(head_age), hukou, address)
        slots = _SLOTS if size >= 2 else _SLOTS[1:]
        for slot in slots:
            if len(self.persons) - first >= size:
                break
            if slot == "spouse":
                age = max(18, head_age - 5 + int(r() * 11))
                person(household_id, "10", self._surname(), not head_male, birth(age), hukou, address)
            elif slot == "child" and head_age >= 22:
                age = max(0, head_age - 22 - int(r() * 14))
                male = r() < 0.52
                person(household_id, "20" if male else "30", surname, male, birth(age), hukou, address)
            elif slot == "parent" and head_age <= 70:
                age = min(99, head_age + 22 + int(r() * 11))
                male = r() < 0.45
                family = surname if male else self._surname()
                person(household_id, "51" if male else "52", family, male, birth(age), hukou, address)
            elif slot == "grandchild" and head_age >= 50:
                age = max(0, head_age - 45 - int(r() * 16))
                male = r() < 0.52
                person(household_id, "41" if male else "42", surname, male, birth(age), hukou, address)
        self._identities_for(first)

    def _identities_for(self, first: int) -> None:
        """Identities of the household whose members are the person rows from ``first``."""
        r = self.random
        members = self.persons[first:]
        facts = self.facts[first:]
        point = r()
        for code, department, share in _HOUSEHOLD_IDENTITIES:
            if point < share:
                for member, fact in zip(members, facts, strict=True):
                    if member[_P_STATUS] == _ACTIVE:
                        self.identity(member, fact, code.value, department)
                break
            point -= share
        for member, fact in zip(members, facts, strict=True):
            for code, department, share, grades in _PERSON_RULES_BY_AGE[fact[0]] if fact[0] <= _OLDEST else ():
                if r() < share:
                    if grades is not None:
                        member[_P_GRADE] = grades[0] + int(r() * (grades[1] - grades[0] + 1))
                    self.identity(member, fact, code, department)

    # --- enrolment and payment ---------------------------------------------------
    def enrol(self, person: list[Any], codes: list[str] | None) -> bool:
        """Maybe an enrolment (and a payment) for ``person``; whether it was enrolled."""
        if person[_P_STATUS] != _ACTIVE or person[_P_EMPLOYEE] == self.v.true:
            return False
        r = self.random
        if r() >= 0.80:
            return False
        paid_on: date | None = None
        if self.pay_days and r() < 0.88:
            day = int(r() * len(self.pay_days))
            paid_on, registered_on = self.pay_days[day], self.pay_texts[day]
        else:
            registered_on = self.unpaid_registered
        best: str | None = None
        subsidy = 0
        if codes:
            best = max(codes, key=self.subsidy_of)
            subsidy = self.subsidy_of(best)
        enrolment_id = self._uuid()
        person_id = person[_P_ID]
        self.enrolments.append(
            [enrolment_id, person_id, person[_P_HUKOU], _PAID_ENROLMENT if paid_on else _REGISTERED,
             registered_on, self.benefit_start if paid_on else None,  # the file's period
             self.benefit_end if paid_on else None, 0 if paid_on else None,
             best if subsidy else None]  # fmt: skip
        )
        if paid_on is None:
            return True
        personal = self.s.standard_fen - subsidy
        channel = _CHANNEL_VALUES[bisect.bisect_left(self.channel_weights, r() * self.channel_weights[-1])]
        received = change = None
        if channel == _CASH:
            received = -(-personal // 5000) * 5000 if personal else 0  # rounded up to 50 yuan
            change = received - personal
        key = (paid_on, 8 + int(r() * 9), int(r() * 60))
        paid_at = self.moments.get(key)
        if paid_at is None:
            local = datetime(paid_on.year, paid_on.month, paid_on.day, key[1], key[2], tzinfo=LOCAL_TZ)
            paid_at = self.moments[key] = self.v.moment(to_storage(local))
        self.receipt_no += 1
        self.payments.append(
            [self._uuid(), person_id, enrolment_id,
             f"{self.prefix}-{self.receipt_no:08d}",  # format_receipt_no
             channel, subsidy, personal, personal, received, change, best if subsidy else None,
             paid_at, registered_on]  # fmt: skip
        )
        return True

    def paid_last_year(self, person: list[Any], codes: list[str] | None, *, enrolled: bool) -> None:
        """Maybe a row of last year's payer list: ≈90 % of this year's enrolled, ≈30 % of the
        active not enrolled (lapsed), half of the dead; never one now in 职工医保."""
        if person[_P_EMPLOYEE] == self.v.true:
            return
        share = 0.5 if person[_P_STATUS] != _ACTIVE else (0.9 if enrolled else 0.3)
        r = self.prior_random
        if r() >= share:
            return
        subsidy = max(map(self.subsidy_of, codes)) if codes else 0
        self.prior_row += 1
        self.prior.append(
            [self._uuid(self.prior_bits), person[_P_ID],
             self.prior_days[int(r() * len(self.prior_days))], self.s.standard_fen - subsidy,
             self.prior_row]  # fmt: skip
        )


_SLOTS = ("spouse", "child", "child", "parent", "grandchild", "child")
_ACTIVE = PersonStatus.ACTIVE.value
_DEAD = PersonStatus.DEAD.value
_PAID = PaymentStatus.PAID.value
_PAID_ENROLMENT = EnrolmentStatus.PAID.value
_REGISTERED = EnrolmentStatus.REGISTERED.value


_TABLES = ("household", "person", "person_identity", "enrolment", "payment", "prior_enrolment")
_WRITES: tuple[tuple[type[SQLModel], str, tuple[str, ...]], ...] = (
    (Household, "households", _HOUSEHOLD_COLUMNS),
    (Person, "persons", _PERSON_COLUMNS),
    (PersonIdentity, "identities", _IDENTITY_COLUMNS),
    (Enrolment, "enrolments", _ENROLMENT_COLUMNS),
    (Payment, "payments", _PAYMENT_COLUMNS),
    (PriorEnrolment, "prior", _PRIOR_COLUMNS),
)


def _check_columns(shared: dict[str, dict[str, Any]]) -> None:
    """Every column of each table is one the builder fills, once (a new column must be
    given a demo value here, not left to chance)."""
    for model, _key, columns in _WRITES:
        names = {c.name for c in model.__table__.columns}  # type: ignore[attr-defined]
        given = [*columns, *shared[model.__tablename__]]  # type: ignore[attr-defined]
        if names != set(given) or len(given) != len(set(given)):
            raise AssertionError(f"demo columns of {model.__tablename__} differ from the table's")


def _constant(value: Any) -> str:
    """``value`` as an SQL constant (the builder's own shared values: text, integers, NULL)."""
    if value is None:
        return "NULL"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and "\0" not in value:
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"not a demo constant: {value!r}")


def _insert(
    session: Session, model: type[SQLModel], columns: tuple[str, ...], shared: dict[str, Any],
    rows: list[list[Any]],
) -> None:  # fmt: skip
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # The values are already as stored (``_Values``): straight to the driver, in the
        # session's transaction, the shared ones as constants of the statement.
        names = ", ".join(f'"{c}"' for c in (*columns, *shared))
        values = ", ".join(["?"] * len(columns) + [_constant(v) for v in shared.values()])
        sql = f'INSERT INTO "{model.__tablename__}" ({names}) VALUES ({values})'  # type: ignore[attr-defined]
        connection.connection.driver_connection.executemany(sql, rows)  # type: ignore[union-attr]
        return
    insert_rows(session, model, [{**shared, **dict(zip(columns, row, strict=True))} for row in rows])


def _chunks(builder: _Builder, persons: int) -> Iterator[tuple[list[list[Any]], ...]]:
    """Generate ``persons`` residents, a chunk of households at a time (memory follows the
    chunk, not the registry): each chunk's rows per table, in the order of ``_WRITES``."""
    made = 0
    while made < persons:
        target = min(persons - made, _CHUNK_PERSONS)
        while len(builder.persons) < target:
            builder.household()
        # the last household may overshoot: trim its extra members (never its head)
        extra = len(builder.persons) - target
        if extra and made + len(builder.persons) > persons:
            dropped = {p[_P_ID] for p in builder.persons[-extra:]}
            del builder.persons[-extra:], builder.facts[-extra:]
            builder.identities = [i for i in builder.identities if i[1] not in dropped]
        enrol, paid_last_year = builder.enrol, builder.paid_last_year
        for person, (_age, codes) in zip(builder.persons, builder.facts, strict=True):
            paid_last_year(person, codes, enrolled=enrol(person, codes))
        builder.facts.clear()
        made += len(builder.persons)
        chunk = tuple(getattr(builder, key) for _model, key, _columns in _WRITES)
        for _model, key, _columns in _WRITES:
            setattr(builder, key, [])  # the chunk's lists are the caller's from here on
        yield chunk


def _parallel_possible() -> bool:
    """Whether a second process can generate while this one writes: a fork (the producer
    starts with the builder as it is, nothing to re-import or pickle) and a second core."""
    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return cores >= 2


class _Rows:
    """The build's chunks of rows (``_chunks``), generated here or, ``parallel``, by a
    producer process forked with the builder while this one writes the chunks before.

    The producer runs the same generator over the same builder (one random stream, used
    in the same order), so a seed gives the same registry either way; it only moves the
    generation to the other core. Chunks come through a pipe (``_ROWS``), a few ahead at
    most (memory still follows the chunk). A failure of the producer is raised here (its
    own exception, e.g. a ``DemoError``); leaving the block, or a failed write, stops it.
    ``receipt_no`` is the last receipt number the rows used, once they are all read.
    """

    def __init__(self, builder: _Builder, persons: int, *, parallel: bool) -> None:
        self.builder = builder
        self.persons = persons
        self.parallel = parallel
        self.receipt_no = builder.receipt_no
        self._process: Any = None
        self._receiver: Any = None

    def __enter__(self) -> _Rows:
        if self.parallel:
            context = multiprocessing.get_context("fork")
            self._receiver, sender = context.Pipe(duplex=False)
            self._process = context.Process(
                target=_produce, args=(self.builder, self.persons, sender), daemon=True,
                name="yibao-demo-rows",
            )  # fmt: skip
            self._process.start()
            sender.close()  # the producer's end: a dead producer then reads as end of file
        return self

    def __exit__(self, *_exc: object) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        self._receiver.close()
        if process.is_alive():
            process.terminate()
        process.join()

    def __iter__(self) -> Iterator[tuple[list[list[Any]], ...]]:
        if not self.parallel:
            yield from _chunks(self.builder, self.persons)
            self.receipt_no = self.builder.receipt_no
            return
        receive = self._receiver.recv_bytes
        while True:
            try:
                message = receive()
            except EOFError:
                raise DemoError("生成演示数据的进程意外退出，什么也没有写入。请重试。") from None
            kind, body = message[:1], memoryview(message)[1:]
            if kind == _ROWS:
                yield marshal.loads(body)
            elif kind == _PICKLED_ROWS:
                yield pickle.loads(body)
            elif kind == _DONE:
                self.receipt_no = marshal.loads(body)
                return
            else:
                raise pickle.loads(body)


# What a message from the producer holds (its first byte): rows as ``marshal`` makes them
# (text, integers and NULLs, as the rows hold on SQLite: a third faster than pickle both
# ways), rows pickled (dates and times, as they are for PostgreSQL), the last receipt
# number, a pickled exception.
_ROWS, _PICKLED_ROWS, _DONE, _FAILED = b"r", b"p", b"d", b"e"


def _produce(builder: _Builder, persons: int, sender: Any) -> None:
    """The producer process (``_Rows``): the chunks pickled into ``sender``; a sending thread
    lets the next chunk be generated while one is still going down the pipe."""
    import queue
    import signal
    import threading

    # Ctrl-C reaches the whole process group: the writer stops this process (``_Rows``);
    # here it would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # as in the writer: nothing the builder makes is cyclic
    outbox: queue.Queue[bytes | None] = queue.Queue(maxsize=2)

    def send() -> None:
        try:
            while (data := outbox.get()) is not None:
                sender.send_bytes(data)
        except OSError:  # the writer is gone (killed): so is its build, end at once
            os._exit(1)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    protocol = pickle.HIGHEST_PROTOCOL
    try:
        for chunk in _chunks(builder, persons):
            if builder.v.native:
                outbox.put(_PICKLED_ROWS + pickle.dumps(chunk, protocol))
            else:
                outbox.put(_ROWS + marshal.dumps(chunk))
        outbox.put(_DONE + marshal.dumps(builder.receipt_no))
    except Exception as exc:  # the writer raises it (with its own message)
        try:
            message = pickle.dumps(exc, protocol)
        except Exception:  # not picklable: its text
            message = pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"), protocol)
        outbox.put(_FAILED + message)
    outbox.put(None)
    thread.join()


def _write(session: Session, shared: dict[str, dict[str, Any]], rows: _Rows) -> dict[str, int]:
    """Write the chunks of ``rows``; the count of rows written per table."""
    _check_columns(shared)
    written = dict.fromkeys(("persons", "households", "identities", "enrolments", "payments", "prior"), 0)
    for chunk in rows:
        for (model, key, columns), table_rows in zip(_WRITES, chunk, strict=True):
            _insert(session, model, columns, shared[model.__tablename__], table_rows)  # type: ignore[attr-defined]
            written[key] += len(table_rows)
    return written


def _local_today(now: datetime) -> date:
    aware = now if now.tzinfo else now.replace(tzinfo=UTC)
    return aware.astimezone(LOCAL_TZ).date()


def _new_builder(
    session: Session, settings: DemoSettings, seed: int, *, device_id: str, device_prefix: str,
    now: datetime, today: date,
) -> _Builder:  # fmt: skip
    sequence = session.get(ReceiptSequence, device_id)
    return _Builder(
        settings,
        random.Random(seed),
        today=today,
        device_id=device_id,
        device_prefix=device_prefix,
        now=to_storage(now),
        taken=set(),
        receipt_start=sequence.last_value if sequence else 0,
        values=_Values(session.get_bind().dialect),
        prior_rng=random.Random(f"prior-list-{seed}"),
    )


def build_demo(
    session: Session,
    *,
    persons: int,
    settings: DemoSettings,
    seed: int,
    actor: audit.Actor,
    device_prefix: str,
    now: datetime,
    today: date | None = None,
    parallel: bool | None = None,
    rows: _Rows | None = None,
) -> DemoReport:
    """Fill an empty registry with ``persons`` synthetic residents (the caller commits).

    ``parallel``: the rows generated by a second process while this one writes (``_Rows``;
    by default when there is a second core and more than one chunk). ``rows``: chunks
    already being generated for these arguments (``_build_in``).

    Raises ``DemoError`` when the registry already holds people or ``persons`` is out
    of range: demo data never mixes with a real registry.
    """
    if persons < 1 or persons > MAX_PERSONS:
        raise DemoError(f"人数应在 1 到 {MAX_PERSONS:,} 之间。")
    existing = session.execute(sa.select(sa.func.count()).select_from(Person)).scalar_one()
    if existing:
        raise DemoError(_HOLDS_PEOPLE.format(existing))
    from yibao.reports.base import gc_paused

    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        # Nothing the build makes is cyclic: the collector would only walk the growing
        # ID-number set and the chunks again and again (≈40 % of the generation's time).
        stack.enter_context(gc_paused())
        if rows is None:
            builder = _new_builder(session, settings, seed, device_id=actor.device_id,
                                   device_prefix=device_prefix, now=now,
                                   today=today or _local_today(now))  # fmt: skip
            if parallel is None:
                parallel = persons > _CHUNK_PERSONS and _parallel_possible()
            rows = stack.enter_context(_Rows(builder, persons, parallel=parallel))
        report = _fill(session, rows, settings=settings, seed=seed, actor=actor, now=now)
    report.seconds = time.perf_counter() - started
    return report


def _fill(
    session: Session, rows: _Rows, *, settings: DemoSettings, seed: int, actor: audit.Actor,
    now: datetime,
) -> DemoReport:  # fmt: skip
    builder = rows.builder
    moment = to_storage(now)
    if session.get_bind().dialect.name == "sqlite":
        # The indexes of a large registry (random UUID keys) outgrow SQLite's default 2 MB
        # page cache; for this connection only.
        session.execute(sa.text("PRAGMA cache_size = -262144"))
    from yibao.reports import tally

    # The registry is empty: its indexes are built once at the end, and the progress counts
    # from the finished registry (if any year of them is built), not resident by resident.
    last_year = settings.benefit_year - 1
    batch = ImportBatch(
        id=builder.prior_batch_id, kind="enrolments",
        source_name=f"{last_year}年度参保缴费名单（演示）.csv", clerk_id=actor.clerk_id,
        note=f"演示数据：{last_year}年度缴费人员，如同 yibao import enrolments --year {last_year} 导入",
        device_id=actor.device_id, created_at=moment, updated_at=moment,
    )  # fmt: skip
    session.add(batch)
    session.flush()
    with indexes_deferred(session, _TABLES), tally.paused(session.connection(), now=moment):
        written = _write(session, builder.shared(actor.clerk_id), rows)
    batch.row_count = batch.accepted_count = written["prior"]
    session.add(batch)
    sequence = session.get(ReceiptSequence, actor.device_id)
    if sequence is None:
        session.add(ReceiptSequence(device_id=actor.device_id, last_value=rows.receipt_no))
    else:
        sequence.last_value = rows.receipt_no
        session.add(sequence)
    report = DemoReport(**written)
    audit.record(
        session,
        actor=actor,
        at=now,
        action="demo.create",
        entity="person",
        entity_id=None,
        summary=f"生成演示登记库（政策 {settings.policy_id}，种子 {seed}）："
        + "；".join(report.summary_lines()[:3]),
        after={
            "policy_id": settings.policy_id,
            "seed": seed,
            "persons": report.persons,
            "households": report.households,
            "identities": report.identities,
            "enrolments": report.enrolments,
            "payments": report.payments,
            "prior": report.prior,
        },
    )
    return report


DEMO_CLERK = "演示经办员"
DEMO_DEVICE = "演示窗口"
# The demo's clerks, one per role, with the PINs the desk's sign-in screen shows. They
# exist only in a demo registry (made by ``build`` on a registry with no clerk).
DEMO_CLERKS: tuple[tuple[str, str, str], ...] = (
    (DEMO_CLERK, "clerk", "246801"),
    ("演示审核员", "supervisor", "357902"),
    ("演示管理员", "admin", "468013"),
)


def demo_clerk_lines() -> list[tuple[str, str, str]]:
    """(name, role label, PIN) of each demo clerk, for the sign-in screen and ``yibao demo``."""
    from yibao.models import Role

    return [(name, Role(role).label, pin) for name, role, pin in DEMO_CLERKS]


def demo_clerks(engine: Any, device: Any, now: datetime) -> Any:
    """Create the demo clerks (``DEMO_CLERKS``) on a registry that has no clerk yet; returns
    the 经办's ``ClerkInfo``. Refused on a registry with clerks: sign in there instead."""
    from sqlmodel import select

    from yibao.auth import hash_password, info_of
    from yibao.db import write_engine
    from yibao.models import Clerk, Role

    with Session(write_engine(engine), expire_on_commit=False) as session:
        if session.exec(select(Clerk.id)).first() is not None:
            raise DemoError("此登记库已有经办人员，演示经办人员只建在新的演示库中。请用 --clerk 登录后再生成。")
        rows = []
        for name, role, pin in DEMO_CLERKS:
            row = Clerk(
                name=name, role=role, device_id=device.id, password_hash=hash_password(pin),
                password_set_at=now, created_at=now, updated_at=now,
            )
            session.add(row)
            session.flush()
            audit.record(
                session,
                actor=audit.Actor(device_id=device.id),
                at=now,
                action="clerk.add",
                entity="clerk",
                entity_id=row.id,
                summary=f"新增演示经办人员 {name}（{Role(role).label}）",
                after={"name": name, "role": role, "active": True},
            )
            rows.append(row)
        session.commit()
        return info_of(rows[0])


def build(
    *,
    url: str,
    policy_id: str,
    persons: int = 3000,
    seed: int = 1,
    clerk: Any = None,
    device_name: str = DEMO_DEVICE,
    now: datetime | None = None,
) -> DemoReport:
    """Open (create) the registry at ``url`` and fill it with demo residents in one transaction.

    ``clerk`` is the signed-in clerk (``ClerkInfo``) the rows are written by; without one
    the registry must have no clerk yet and gets the demo clerks (``DEMO_CLERKS``).
    Used by ``yibao demo`` and by the desk's ``--demo``. Raises ``DemoError``,
    ``yibao.db.RegistryError`` or ``yibao.policy.PolicyError`` (Chinese messages).

    A plain SQLite file is built beside itself (``_build_beside``) and renamed into place
    when finished; PostgreSQL, an in-memory or an encrypted registry is filled where it is.
    """
    from yibao import cipher
    from yibao.db import _sqlite_file
    from yibao.models import utcnow
    from yibao.policy import load_policy

    moment = now or utcnow()
    policy = load_policy(policy_id)
    path = _sqlite_file(url)
    if path is None or cipher.is_encrypted(path):
        return _build_in(url, policy, persons, seed, clerk, device_name, moment, fast=False)
    return _build_beside(path, policy, persons, seed, clerk, device_name, moment)


def _build_beside(
    target: Path, policy: Any, persons: int, seed: int, clerk: Any, device_name: str, moment: datetime
) -> DemoReport:
    """Build into a temporary file beside ``target`` and rename it onto ``target`` at the end.

    Nobody uses a demo registry before it is finished, so the build needs no journal: a
    killed build leaves the temporary file (removed at the next start, see
    ``outreach.files.remove_leftovers``) and ``target`` as it was, never half a registry.
    An existing ``target`` (after ``yibao init``: its device and clerks) is copied first,
    under the registry's exclusive lock (no desk or command has it open meanwhile).
    """
    from yibao.db import RegistryError, open_registry, sqlite_url
    from yibao.outreach import lock
    from yibao.outreach.files import locked_tmp

    if target.exists() and target.stat().st_size:
        engine = open_registry(sqlite_url(target), create=False)  # checked and at head first
        try:
            with engine.connect() as connection:
                existing = connection.execute(sa.select(sa.func.count()).select_from(Person)).scalar_one()
        finally:
            engine.dispose()
        if existing:
            raise DemoError(_HOLDS_PEOPLE.format(existing))
    elif not target.parent.is_dir():
        raise RegistryError(f"登记库所在文件夹不存在：{target.parent}。请检查 --db 参数。")
    refusal = (f"登记库 {target.name} 正被窗口界面或其他命令使用，不能生成演示数据。"
               "请先关闭使用它的窗口界面或命令后再试；什么也没有改动。")  # fmt: skip
    try:
        held = lock.exclusive(target, refusal=refusal)
        held.__enter__()
    except lock.RegistryBusy as exc:
        raise DemoError(exc.message) from None
    with contextlib.ExitStack() as stack:
        stack.push(held)
        work = stack.enter_context(locked_tmp(target, "demo"))
        if target.exists() and target.stat().st_size:
            _copy_registry(target, work)
        report = _build_in(sqlite_url(work), policy, persons, seed, clerk, device_name, moment, fast=True)
        fd = os.open(work, os.O_RDONLY)
        try:
            os.fsync(fd)  # the build wrote without syncing: the file is whole before its name is
        finally:
            os.close(fd)
        for suffix in ("-wal", "-shm"):  # nothing of the old file may be read with the new one
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(work, target)
        _sync_folder(target.parent)
    return report


def _copy_registry(source: Path, work: Path) -> None:
    """``source`` (with whatever its WAL holds) into ``work``, its WAL checkpointed away."""
    import sqlite3

    src = sqlite3.connect(source)
    dst = sqlite3.connect(work)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    con = sqlite3.connect(source)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system syncs a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fast_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """A build file no one else opens: no journal and no syncing while it is written (it is
    renamed into place only when finished), a page cache large enough for a county's
    indexes, and the references not checked row by row (every row of the build refers to
    rows made before it in the same build; ``tests/services/test_demo.py`` runs
    ``PRAGMA foreign_key_check`` on a built registry)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute(f"PRAGMA cache_size=-{_BUILD_CACHE_KIB}")
    finally:
        cursor.close()


_BUILD_CACHE_KIB = 262_144  # 256 MiB


def _build_in(
    url: str, policy: Any, persons: int, seed: int, clerk: Any, device_name: str,
    moment: datetime, *, fast: bool,
) -> DemoReport:  # fmt: skip
    from yibao.config import ensure_device
    from yibao.db import open_registry
    from yibao.reports.base import gc_paused

    engine = open_registry(url)
    try:
        if fast:
            # Migrated (if new) with the registry's own settings; every connection from
            # here on is the build's (see ``_fast_pragmas``).
            engine.dispose()
            sa.event.listen(engine, "connect", _fast_pragmas)
        device = ensure_device(engine, name=device_name, now=moment)
        settings = DemoSettings.from_policy(policy)
        with contextlib.ExitStack() as stack:
            rows = None
            if persons > _CHUNK_PERSONS and _parallel_possible():
                # The producer starts before the demo clerks' passwords are hashed (argon2,
                # about 0.4 s): its first chunks are ready when the writing starts.
                stack.enter_context(gc_paused())
                with Session(engine) as session:
                    builder = _new_builder(session, settings, seed, device_id=device.id,
                                           device_prefix=device.prefix, now=moment,
                                           today=_local_today(moment))  # fmt: skip
                rows = stack.enter_context(_Rows(builder, persons, parallel=True))
            if clerk is None:
                clerk = demo_clerks(engine, device, moment)
            actor = audit.Actor(device_id=device.id, clerk_id=clerk.id, clerk_name=clerk.name)
            with Session(engine) as session:
                report = build_demo(
                    session,
                    persons=persons,
                    settings=settings,
                    seed=seed,
                    actor=actor,
                    device_prefix=device.prefix,
                    now=moment,
                    rows=rows,
                )
                session.commit()
        if fast:
            with engine.connect() as connection:
                # The registry's own journal from here on (WAL is kept in the file).
                connection.connection.driver_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
        return report
    finally:
        engine.dispose()
