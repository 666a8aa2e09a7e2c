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
in through bulk ``INSERT … executemany`` so 10,000 residents take seconds. The
same seed gives the same people. Nobody here is real.

The contribution of a demo payment is the policy's standard minus the highest
subsidy the policy lists for any identity the person holds; conditions and
exclusions of the subsidy lines are not applied (the desk does that through
``yibao.rules`` for real payments). Last year's listed amount is this year's personal
share worked the same way (a synthetic figure: no policy of last year is consulted), paid
on a day of this year's centralized period one year earlier.
"""

from __future__ import annotations

import bisect
import itertools
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

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
# Common village names (synthetic: not a list of the county's real villages).
_DEMO_VILLAGES = (
    "河口村", "王家庄村", "柳树沟村", "石门村", "白杨村", "新庄村", "东坡村", "张家湾村",
    "红星村", "桃园村", "松树岭村", "龙潭村", "马家坪村", "清泉村", "前进社区", "富民社区",
)


def _demo_village(town_index: int, household_seq: int) -> str:
    """One of the 8 demo villages of the town at ``town_index`` (by household sequence)."""
    return _DEMO_VILLAGES[(town_index * 3 + (household_seq // 11) % 8) % len(_DEMO_VILLAGES)]


_CHANNELS = ((Channel.CASH, 0.45), (Channel.BANK, 0.25), (Channel.ONLINE, 0.30))


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


# RFC 4122 version 4: the variant bits 10 and version 0100 (as uuid.UUID(version=4) sets them).
_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64)) & ((1 << 128) - 1)
_UUID_SET = (0x8000 << 48) | (4 << 76)


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _current_counties(region_code: str) -> list[str]:
    codes = sorted({s.code for s in jurisdiction_spans(region_code) if s.end is None})
    if region_code.endswith("00"):
        codes = [c for c in codes if c[:4] == region_code[:4]] or codes
    return codes or [region_code]


class _Builder:
    """Generates the rows, a household at a time, into lists of row dicts.

    Written for speed (a 1.6 M registry is millions of rows): random draws are
    ``random()`` scaled by hand (``randint`` / ``choice`` cost ten times more), and
    everything that repeats (towns, codes per birth year, payment moments, initials of a
    name) is worked out once. Private keys (``_age``, ``_identities``) ride along in the
    person dicts and are left out of the insert.
    """

    def __init__(
        self,
        settings: DemoSettings,
        rng: random.Random,
        *,
        today: date,
        device_id: str,
        device_prefix: str,
        clerk_id: str | None,
        now: datetime,
        taken: set[str],
        receipt_start: int,
        prior_rng: random.Random | None = None,
    ) -> None:
        self.s = settings
        self.rng = rng
        self.random = rng.random
        self.bits = rng.getrandbits
        self.today = today
        self.today_ordinal = today.toordinal()
        self.device_id = device_id
        self.prefix = device_prefix
        self.clerk_id = clerk_id
        self.now = now
        self.taken = taken
        self.receipt_no = receipt_start
        self.counties = _current_counties(settings.region_code)
        self.towns = {county: regions.towns_of(county) for county in self.counties}
        names = synthetic.name_tables()
        self.surnames, self.surname_weights = names.surnames, names.surname_cumweights
        self.male, self.female = names.male, names.female
        self.codes: dict[int, tuple[str, ...]] = {}  # birth year → region codes then
        self.initials: dict[str, str] = {}  # full name → initials
        self.moments: dict[tuple[date, int, int], datetime] = {}  # local paid time → UTC
        self.size_weights = tuple(itertools.accumulate(w for _, w in _SIZES))
        self.channel_weights = tuple(itertools.accumulate(w for _, w in _CHANNELS))
        start, end = settings.centralized_start, settings.centralized_end
        self.pay_days: tuple[date, ...] = ()
        if start is not None and end is not None and start <= today:
            last = min(end, today)
            self.pay_days = tuple(start + timedelta(days=d) for d in range((last - start).days + 1))
        self.households: list[dict[str, Any]] = []
        self.persons: list[dict[str, Any]] = []
        self.identities: list[dict[str, Any]] = []
        self.enrolments: list[dict[str, Any]] = []
        self.payments: list[dict[str, Any]] = []
        # Last year's list draws from its own stream: the same seed gives the same people,
        # enrolments and payments as before the list was added.
        prior_rng = prior_rng or random.Random(0)
        self.prior_random, self.prior_bits = prior_rng.random, prior_rng.getrandbits
        self.prior: list[dict[str, Any]] = []
        self.prior_batch_id = self._uuid(self.prior_bits)
        self.prior_row = 1  # the list's header is its row 1
        first = settings.centralized_start or date(settings.benefit_year - 1, 9, 1)
        days = (settings.centralized_end - first).days + 1 if settings.centralized_end else 120
        self.prior_days: tuple[date, ...] = tuple(
            first - timedelta(days=365) + timedelta(days=d) for d in range(max(days, 1))
        )
        self.household_seq = 0
        self.place: tuple[str | None, str | None] = (None, None)

    # --- draws -----------------------------------------------------------------
    def _uuid(self, bits: Any = None) -> str:
        """A version-4 UUID (the same string ``uuid.UUID(int=…, version=4)`` gives), from
        ``bits`` (a ``getrandbits``; default the main stream's)."""
        text = f"{((bits or self.bits)(128) & _UUID_CLEAR) | _UUID_SET:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

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
        *,
        household_id: str,
        relation: str,
        surname: str,
        male: bool,
        birth: date,
        hukou: str,
        address: str,
    ) -> dict[str, Any]:
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
        age = _age(birth, self.today)
        dead = r() < 0.003 and age >= 60
        phone = f"1{'3578'[int(r() * 4)]}{int(r() * 1e9):09d}" if r() < 0.6 else None
        row = {
            "id": self._uuid(),
            "id_number": number,
            "id_tail": number[-6:],
            "birth_cert_no": None,
            "name": name,
            "name_initials": initials,
            "sex": "1" if male else "2",
            "birth_date": birth,
            "birth_region": number[:6],
            "ethnicity": "汉族",
            "phone": phone,
            "household_id": household_id,
            "relation_to_head": relation,
            "guardian_person_id": None,
            "hukou_region": hukou,
            "residence_permit_region": None,
            "school_region": None,
            "address": address,
            "town": self.place[0],
            "village": self.place[1],
            "employee_insured": r() < 0.04 and 18 <= age < 60,
            "other_scheme_exit_on": None,
            "disability_grade": None,
            "status": _DEAD if dead else _ACTIVE,
            "died_on": date.fromordinal(self.today_ordinal - 1 - int(r() * 300)) if dead else None,
            "note": "演示数据",
            "device_id": self.device_id,
            "created_at": self.now,
            "updated_at": self.now,
            "_age": age,
            "_identities": None,
        }
        self.persons.append(row)
        return row

    def identity(self, person: dict[str, Any], code: Identity, department: str) -> None:
        r = self.random
        start = date(self.s.benefit_year - 1 - int(r() * 6), 1 + int(r() * 12), 1)
        self.identities.append(
            {
                "id": self._uuid(),
                "person_id": person["id"],
                "code": code.value,
                "department": department,
                "department_code": None,
                "recognised_on": start,
                "valid_from": start,
                "valid_to": None,
                "disability_grade": person["disability_grade"],
                "import_batch_id": None,
                "revoked_at": None,
                "note": "演示数据",
                "device_id": self.device_id,
                "created_at": self.now,
                "updated_at": self.now,
            }
        )
        if person["_identities"] is None:
            person["_identities"] = []
        person["_identities"].append(code.value)

    # --- households --------------------------------------------------------------
    def household(self) -> list[dict[str, Any]]:
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
        self.households.append(
            {
                "id": household_id,
                "number": f"{hukou}{seq:06d}",
                "hukou_region": hukou,
                "address": address,
                "town": self.place[0],
                "village": self.place[1],
                "device_id": self.device_id,
                "created_at": self.now,
                "updated_at": self.now,
            }
        )
        head_male = r() < 0.75
        head_age = 24 + int(r() * 62) if size > 1 else 20 + int(r() * 73)
        surname = self._surname()

        def add(relation: str, male: bool, age: int, family_name: str) -> dict[str, Any]:
            return self.person(
                household_id=household_id,
                relation=relation,
                surname=family_name,
                male=male,
                birth=self._birth(age),
                hukou=hukou,
                address=address,
            )

        members = [add("02", head_male, head_age, surname)]
        slots = _SLOTS if size >= 2 else _SLOTS[1:]
        for slot in slots:
            if len(members) >= size:
                break
            if slot == "spouse":
                age = max(18, head_age - 5 + int(r() * 11))
                members.append(add("10", not head_male, age, self._surname()))
            elif slot == "child" and head_age >= 22:
                age = max(0, head_age - 22 - int(r() * 14))
                male = r() < 0.52
                members.append(add("20" if male else "30", male, age, surname))
            elif slot == "parent" and head_age <= 70:
                age = min(99, head_age + 22 + int(r() * 11))
                male = r() < 0.45
                members.append(
                    add("51" if male else "52", male, age, surname if male else self._surname())
                )
            elif slot == "grandchild" and head_age >= 50:
                age = max(0, head_age - 45 - int(r() * 16))
                male = r() < 0.52
                members.append(add("41" if male else "42", male, age, surname))
        self._identities_for(members)
        return members

    def _identities_for(self, members: list[dict[str, Any]]) -> None:
        r = self.random
        point = r()
        for code, department, share in _HOUSEHOLD_IDENTITIES:
            if point < share:
                for member in members:
                    if member["status"] == _ACTIVE:
                        self.identity(member, code, department)
                break
            point -= share
        for member in members:
            age = member["_age"]
            for code, department, share, low, high, grades in _PERSON_IDENTITIES:
                if low <= age <= high and r() < share:
                    if grades is not None:
                        member["disability_grade"] = grades[0] + int(r() * (grades[1] - grades[0] + 1))
                    self.identity(member, code, department)

    # --- enrolment and payment ---------------------------------------------------
    def enrol(self, person: dict[str, Any]) -> None:
        r = self.random
        if person["status"] != _ACTIVE or person["employee_insured"]:
            return
        if r() >= 0.80:
            return
        year = self.s.benefit_year
        paid_on: date | None = None
        if self.pay_days and r() < 0.88:
            paid_on = self.pay_days[int(r() * len(self.pay_days))]
        registered_on = paid_on or (self.s.centralized_start or date(year - 1, 9, 1))
        if registered_on > self.today:
            registered_on = self.today
        best: str | None = None
        subsidy = 0
        codes = person["_identities"]
        if codes:
            best = max(codes, key=lambda c: self.s.subsidy_fen.get(c, 0))
            subsidy = self.s.subsidy_fen.get(best, 0)
        enrolment_id = self._uuid()
        self.enrolments.append(
            {
                "id": enrolment_id,
                "person_id": person["id"],
                "benefit_year": year,
                "category": "general",
                "insured_region": person["hukou_region"],
                "policy_id": self.s.policy_id,
                "status": _PAID_ENROLMENT if paid_on else _REGISTERED,
                "registered_on": registered_on,
                "coverage_start": self.s.benefit_start if paid_on else None,  # the file's period
                "coverage_end": self.s.benefit_end if paid_on else None,
                "waiting_months": 0 if paid_on else None,
                "subsidy_identity": best if subsidy else None,
                "note": "演示数据",
                "device_id": self.device_id,
                "created_at": self.now,
                "updated_at": self.now,
            }
        )
        if paid_on is None:
            return
        personal = self.s.standard_fen - subsidy
        channel = _CHANNELS[bisect.bisect_left(self.channel_weights, r() * self.channel_weights[-1])][0]
        received = change = None
        if channel is Channel.CASH:
            received = -(-personal // 5000) * 5000 if personal else 0  # rounded up to 50 yuan
            change = received - personal
        key = (paid_on, 8 + int(r() * 9), int(r() * 60))
        paid_at = self.moments.get(key)
        if paid_at is None:
            local = datetime(paid_on.year, paid_on.month, paid_on.day, key[1], key[2], tzinfo=LOCAL_TZ)
            paid_at = self.moments[key] = to_storage(local)
        self.receipt_no += 1
        self.payments.append(
            {
                "id": self._uuid(),
                "person_id": person["id"],
                "enrolment_id": enrolment_id,
                "benefit_year": year,
                "receipt_no": f"{self.prefix}-{self.receipt_no:08d}",  # format_receipt_no
                "channel": channel.value,
                "standard_fen": self.s.standard_fen,
                "subsidy_fen": subsidy,
                "personal_fen": personal,
                "extras_fen": 0,
                "extras": None,
                "amount_fen": personal,
                "received_fen": received,
                "change_fen": change,
                "payer_person_id": None,
                "family_binding_id": None,
                "subsidy_identity": best if subsidy else None,
                "policy_id": self.s.policy_id,
                "paid_at": paid_at,
                "paid_on": paid_on,
                "status": _PAID,
                "clerk_id": self.clerk_id,
                "device_id": self.device_id,
                "created_at": self.now,
                "updated_at": self.now,
            }
        )


    def paid_last_year(self, person: dict[str, Any], *, enrolled: bool) -> None:
        """Maybe a row of last year's payer list: ≈90 % of this year's enrolled, ≈30 % of the
        active not enrolled (lapsed), half of the dead; never one now in 职工医保."""
        if person["employee_insured"]:
            return
        share = 0.5 if person["status"] != _ACTIVE else (0.9 if enrolled else 0.3)
        r = self.prior_random
        if r() >= share:
            return
        codes = person["_identities"]
        subsidy = max((self.s.subsidy_fen.get(c, 0) for c in codes), default=0) if codes else 0
        self.prior_row += 1
        self.prior.append(
            {
                "id": self._uuid(self.prior_bits),
                "person_id": person["id"],
                "benefit_year": self.s.benefit_year - 1,
                "category": None,
                "paid_on": self.prior_days[int(r() * len(self.prior_days))],
                "amount_fen": self.s.standard_fen - subsidy,
                "import_batch_id": self.prior_batch_id,
                "source_row": self.prior_row,
                "device_id": self.device_id,
                "created_at": self.now,
                "updated_at": self.now,
            }
        )


_SLOTS = ("spouse", "child", "child", "parent", "grandchild", "child")
_ACTIVE = PersonStatus.ACTIVE.value
_DEAD = PersonStatus.DEAD.value
_PAID = PaymentStatus.PAID.value
_PAID_ENROLMENT = EnrolmentStatus.PAID.value
_REGISTERED = EnrolmentStatus.REGISTERED.value


_TABLES = ("household", "person", "person_identity", "enrolment", "payment", "prior_enrolment")


def _write(session: Session, builder: _Builder, persons: int) -> dict[str, int]:
    """Generate and write ``persons`` residents, a chunk of households at a time (memory
    follows the chunk, not the registry); the count of rows written per table."""
    written = {"persons": 0, "households": 0, "identities": 0, "enrolments": 0, "payments": 0,
               "prior": 0}  # fmt: skip
    while written["persons"] < persons:
        target = min(persons - written["persons"], _CHUNK_PERSONS)
        while len(builder.persons) < target:
            builder.household()
        # the last household may overshoot: trim its extra members (never its head)
        extra = len(builder.persons) - target
        if extra and written["persons"] + len(builder.persons) > persons:
            dropped = {p["id"] for p in builder.persons[-extra:]}
            builder.persons = builder.persons[:-extra]
            builder.identities = [i for i in builder.identities if i["person_id"] not in dropped]
        for person in builder.persons:
            enrolled = len(builder.enrolments)
            builder.enrol(person)
            builder.paid_last_year(person, enrolled=len(builder.enrolments) > enrolled)
            del person["_age"], person["_identities"]
        for model, key in (
            (Household, "households"),
            (Person, "persons"),
            (PersonIdentity, "identities"),
            (Enrolment, "enrolments"),
            (Payment, "payments"),
            (PriorEnrolment, "prior"),
        ):
            rows = getattr(builder, key)
            insert_rows(session, model, rows)
            written[key] += len(rows)
            rows.clear()
    return written


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
) -> DemoReport:
    """Fill an empty registry with ``persons`` synthetic residents (the caller commits).

    Raises ``DemoError`` when the registry already holds people or ``persons`` is out
    of range: demo data never mixes with a real registry.
    """
    if persons < 1 or persons > MAX_PERSONS:
        raise DemoError(f"人数应在 1 到 {MAX_PERSONS:,} 之间。")
    existing = session.execute(sa.select(sa.func.count()).select_from(Person)).scalar_one()
    if existing:
        raise DemoError(
            f"登记库中已有 {existing} 人。演示数据只写入空登记库，以免与真实数据混在一起："
            "请用 --db 指定一个新文件。"
        )
    started = time.perf_counter()
    moment = to_storage(now)
    if today is None:
        aware = now if now.tzinfo else now.replace(tzinfo=UTC)
        today = aware.astimezone(LOCAL_TZ).date()
    sequence = session.get(ReceiptSequence, actor.device_id)
    builder = _Builder(
        settings,
        random.Random(seed),
        today=today,
        device_id=actor.device_id,
        device_prefix=device_prefix,
        clerk_id=actor.clerk_id,
        now=moment,
        taken=set(),
        receipt_start=sequence.last_value if sequence else 0,
        prior_rng=random.Random(f"prior-list-{seed}"),
    )
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
        written = _write(session, builder, persons)
    batch.row_count = batch.accepted_count = written["prior"]
    session.add(batch)
    if sequence is None:
        session.add(ReceiptSequence(device_id=actor.device_id, last_value=builder.receipt_no))
    else:
        sequence.last_value = builder.receipt_no
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
    report.seconds = time.perf_counter() - started
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
    """
    from yibao.config import ensure_device
    from yibao.db import open_registry
    from yibao.models import utcnow
    from yibao.policy import load_policy

    moment = now or utcnow()
    policy = load_policy(policy_id)
    engine = open_registry(url)
    try:
        device = ensure_device(engine, name=device_name, now=moment)
        if clerk is None:
            clerk = demo_clerks(engine, device, moment)
        actor = audit.Actor(device_id=device.id, clerk_id=clerk.id, clerk_name=clerk.name)
        with Session(engine) as session:
            report = build_demo(
                session,
                persons=persons,
                settings=DemoSettings.from_policy(policy),
                seed=seed,
                actor=actor,
                device_prefix=device.prefix,
                now=moment,
            )
            session.commit()
        return report
    finally:
        engine.dispose()
