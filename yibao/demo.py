"""A synthetic registry to try the desk on: ``yibao demo --persons N [--seed S]``.

Households with GB/T 4761 relations (户主, 配偶, 子, 女, 父亲, 母亲, 孙子, 孙女),
Chinese names (``data/names/``), valid ID numbers carrying the jurisdiction's
region codes as they were in each birth year, special identities in realistic
shares (≈3 % 低保, ≈0.5 % 特困, ≈5 % 监测对象 and 脱贫人口, disability, 计生),
enrolments for the policy's benefit year and payments with receipt numbers for
most of them.

Rows are the same as the services would write (same tables, same columns) but go
in through bulk ``INSERT … executemany`` so 10,000 residents take seconds. The
same seed gives the same people. Nobody here is real.

The contribution of a demo payment is the policy's standard minus the highest
subsidy the policy lists for any identity the person holds; conditions and
exclusions of the subsidy lines are not applied (the desk does that through
``yibao.rules`` for real payments).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from yibao import audit, regions, synthetic
from yibao.bulk import insert_rows
from yibao.identities import Identity
from yibao.idgen import jurisdiction_spans
from yibao.models import (
    Channel,
    Enrolment,
    EnrolmentStatus,
    Household,
    Payment,
    PaymentStatus,
    Person,
    PersonIdentity,
    PersonStatus,
    ReceiptSequence,
    to_storage,
)
from yibao.receipts import format_receipt_no
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
    seconds: float = 0.0

    def summary_lines(self) -> list[str]:
        return [
            f"人员 {self.persons} 人，{self.households} 户",
            f"特殊身份 {self.identities} 条",
            f"参保登记 {self.enrolments} 条，缴费 {self.payments} 笔（均有收据号）",
            f"用时 {self.seconds:.1f} 秒",
        ]


def _pick(rng: random.Random, table: tuple[tuple[Any, float], ...]) -> Any:
    point = rng.random() * sum(w for _, w in table)
    for value, weight in table:
        point -= weight
        if point <= 0:
            return value
    return table[-1][0]


def _uuid(rng: random.Random) -> str:
    """A version-4 UUID from ``rng`` (the same string ``uuid.UUID(int=…, version=4)`` gives,
    without building the object: the demo makes several per resident)."""
    value = (rng.getrandbits(128) & _UUID_CLEAR) | _UUID_SET
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


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
    ) -> None:
        self.s = settings
        self.rng = rng
        self.today = today
        self.device_id = device_id
        self.prefix = device_prefix
        self.clerk_id = clerk_id
        self.now = now
        self.taken = taken
        self.receipt_no = receipt_start
        self.counties = _current_counties(settings.region_code)
        self.households: list[dict[str, Any]] = []
        self.persons: list[dict[str, Any]] = []
        self.identities: list[dict[str, Any]] = []
        self.enrolments: list[dict[str, Any]] = []
        self.payments: list[dict[str, Any]] = []
        self.household_seq = 0
        self.place: tuple[str | None, str | None] = (None, None)

    # --- rows ------------------------------------------------------------------
    def _stamp(self) -> dict[str, Any]:
        return {"device_id": self.device_id, "created_at": self.now, "updated_at": self.now}

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
        rng = self.rng
        given = synthetic.random_given(rng, male=male)
        name = surname + given
        number = synthetic.unique_id_number(
            rng, self.s.region_code, birth, male=male, taken=self.taken
        )
        dead = rng.random() < 0.003 and _age(birth, self.today) >= 60
        row = {
            "id": _uuid(rng),
            "id_number": number,
            "id_tail": number[-6:],
            "birth_cert_no": None,
            "name": name,
            "name_initials": synthetic.composed_initials(surname, given),
            "sex": "1" if male else "2",
            "birth_date": birth,
            "birth_region": number[:6],
            "ethnicity": "汉族",
            "phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
            if rng.random() < 0.6
            else None,
            "household_id": household_id,
            "relation_to_head": relation,
            "guardian_person_id": None,
            "hukou_region": hukou,
            "residence_permit_region": None,
            "school_region": None,
            "address": address,
            "town": self.place[0],
            "village": self.place[1],
            "employee_insured": rng.random() < 0.04 and 18 <= _age(birth, self.today) < 60,
            "other_scheme_exit_on": None,
            "disability_grade": None,
            "status": PersonStatus.DEAD.value if dead else PersonStatus.ACTIVE.value,
            "died_on": self.today - timedelta(days=rng.randint(1, 300)) if dead else None,
            "note": "演示数据",
            **self._stamp(),
        }
        self.persons.append(row)
        return row

    def identity(self, person: dict[str, Any], code: Identity, department: str) -> None:
        rng = self.rng
        start = date(self.s.benefit_year - rng.randint(1, 6), rng.randint(1, 12), 1)
        self.identities.append(
            {
                "id": _uuid(rng),
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
                **self._stamp(),
            }
        )
        person.setdefault("_identities", []).append(code.value)

    # --- households --------------------------------------------------------------
    def household(self) -> list[dict[str, Any]]:
        rng = self.rng
        size = _pick(rng, _SIZES)
        self.household_seq += 1
        hukou = rng.choice(self.counties)
        household_id = _uuid(rng)
        # The town comes from the documents' town list (so `outreach export --town 富水镇` finds
        # demo residents); by sequence, not by rng, so a seed gives the same people as before.
        towns = regions.towns_of(hukou)
        town = towns[self.household_seq % len(towns)].name if towns else ""
        # Village by sequence too (not rng): a town has 8 of the demo village names.
        village = _demo_village(self.household_seq % len(towns) if towns else 0, self.household_seq)
        address = f"{town}{village}{rng.randint(1, 40)}组{rng.randint(1, 120)}号"
        self.place = (town or None, village if town else None)
        self.households.append(
            {
                "id": household_id,
                "number": f"{hukou}{self.household_seq:06d}",
                "hukou_region": hukou,
                "address": address,
                "town": self.place[0],
                "village": self.place[1],
                **self._stamp(),
            }
        )
        head_male = rng.random() < 0.75
        head_age = rng.randint(24, 85) if size > 1 else rng.randint(20, 92)
        surname = synthetic.random_surname(rng)
        head_birth = synthetic.birth_date_for_age(rng, self.today, head_age, head_age)

        def add(relation: str, male: bool, birth: date, family_name: str) -> dict[str, Any]:
            return self.person(
                household_id=household_id,
                relation=relation,
                surname=family_name,
                male=male,
                birth=birth,
                hukou=hukou,
                address=address,
            )

        members = [add("02", head_male, head_birth, surname)]
        slots: list[str] = []
        if size >= 2:
            slots.append("spouse")
        slots += ["child", "child", "parent", "grandchild", "child"]
        for slot in slots:
            if len(members) >= size:
                break
            if slot == "spouse":
                age = max(18, head_age + rng.randint(-5, 5))
                birth = synthetic.birth_date_for_age(rng, self.today, age, age)
                members.append(add("10", not head_male, birth, synthetic.random_surname(rng)))
            elif slot == "child" and head_age >= 22:
                age = max(0, head_age - rng.randint(22, 35))
                male = rng.random() < 0.52
                birth = synthetic.birth_date_for_age(rng, self.today, age, age)
                members.append(add("20" if male else "30", male, birth, surname))
            elif slot == "parent" and head_age <= 70:
                age = min(99, head_age + rng.randint(22, 32))
                male = rng.random() < 0.45
                birth = synthetic.birth_date_for_age(rng, self.today, age, age)
                members.append(
                    add(
                        "51" if male else "52",
                        male,
                        birth,
                        surname if male else synthetic.random_surname(rng),
                    )
                )
            elif slot == "grandchild" and head_age >= 50:
                age = max(0, head_age - rng.randint(45, 60))
                male = rng.random() < 0.52
                birth = synthetic.birth_date_for_age(rng, self.today, age, age)
                members.append(add("41" if male else "42", male, birth, surname))
        self._identities_for(members)
        return members

    def _identities_for(self, members: list[dict[str, Any]]) -> None:
        rng = self.rng
        point = rng.random()
        for code, department, share in _HOUSEHOLD_IDENTITIES:
            if point < share:
                for member in members:
                    if member["status"] == PersonStatus.ACTIVE.value:
                        self.identity(member, code, department)
                break
            point -= share
        for member in members:
            age = _age(member["birth_date"], self.today)
            for code, department, share, low, high, grades in _PERSON_IDENTITIES:
                if low <= age <= high and rng.random() < share:
                    if grades is not None:
                        member["disability_grade"] = rng.randint(*grades)
                    self.identity(member, code, department)

    # --- enrolment and payment ---------------------------------------------------
    def enrol(self, person: dict[str, Any]) -> None:
        rng = self.rng
        if person["status"] != PersonStatus.ACTIVE.value or person["employee_insured"]:
            return
        if rng.random() >= 0.80:
            return
        year = self.s.benefit_year
        start, end = self.s.centralized_start, self.s.centralized_end
        paid_on: date | None = None
        if start is not None and end is not None and start <= self.today and rng.random() < 0.88:
            last = min(end, self.today)
            paid_on = start + timedelta(days=rng.randint(0, (last - start).days))
        registered_on = paid_on or (start or date(year - 1, 9, 1))
        if registered_on > self.today:
            registered_on = self.today
        codes = person.get("_identities", [])
        best = max(codes, key=lambda c: self.s.subsidy_fen.get(c, 0), default=None)
        subsidy = self.s.subsidy_fen.get(best, 0) if best else 0
        enrolment_id = _uuid(rng)
        self.enrolments.append(
            {
                "id": enrolment_id,
                "person_id": person["id"],
                "benefit_year": year,
                "category": "general",
                "insured_region": person["hukou_region"],
                "policy_id": self.s.policy_id,
                "status": (EnrolmentStatus.PAID if paid_on else EnrolmentStatus.REGISTERED).value,
                "registered_on": registered_on,
                "coverage_start": self.s.benefit_start if paid_on else None,  # the file's period
                "coverage_end": self.s.benefit_end if paid_on else None,
                "waiting_months": 0 if paid_on else None,
                "subsidy_identity": best if subsidy else None,
                "note": "演示数据",
                **self._stamp(),
            }
        )
        if paid_on is None:
            return
        personal = self.s.standard_fen - subsidy
        channel = _pick(rng, _CHANNELS)
        received = change = None
        if channel is Channel.CASH:
            received = -(-personal // 5000) * 5000 if personal else 0  # rounded up to 50 yuan
            change = received - personal
        local = datetime(
            paid_on.year,
            paid_on.month,
            paid_on.day,
            rng.randint(8, 16),
            rng.randint(0, 59),
            tzinfo=LOCAL_TZ,
        )
        self.receipt_no += 1
        self.payments.append(
            {
                "id": _uuid(rng),
                "person_id": person["id"],
                "enrolment_id": enrolment_id,
                "benefit_year": year,
                "receipt_no": format_receipt_no(self.prefix, self.receipt_no),
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
                "paid_at": to_storage(local),
                "paid_on": paid_on,
                "status": PaymentStatus.PAID.value,
                "clerk_id": self.clerk_id,
                **self._stamp(),
            }
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
    )
    if session.get_bind().dialect.name == "sqlite":
        # The indexes of a large registry (random UUID keys) outgrow SQLite's default 2 MB
        # page cache; for this connection only.
        session.execute(sa.text("PRAGMA cache_size = -262144"))
    written = {"persons": 0, "households": 0, "identities": 0, "enrolments": 0, "payments": 0}
    # Written a chunk of households at a time, so memory follows the chunk, not the registry.
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
            builder.enrol(person)
        for person in builder.persons:
            person.pop("_identities", None)
        for model, key in (
            (Household, "households"),
            (Person, "persons"),
            (PersonIdentity, "identities"),
            (Enrolment, "enrolments"),
            (Payment, "payments"),
        ):
            rows = getattr(builder, key)
            insert_rows(session, model, rows)
            written[key] += len(rows)
            rows.clear()
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
