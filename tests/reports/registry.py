"""A small registry whose report figures are worked out by hand (tests/reports).

Policy shangnan-2025: benefit year 2025 (last year 2024), standard 400 元 (40000 fen),
centralized period to 2024-12-20, make-up 2025-01-01 to 2025-03-31. Everyone's 户籍 is
商南 611023 unless said otherwise.

| who | town / village | 2024 (last year) | 2025 (this year) | other |
|---|---|---|---|---|
| A 张一 | 富水镇 河口村 | paid | paid 2024-10-10 | |
| B 李二 | 富水镇 河口村 | paid | — | paid last year only |
| C 王三 | 富水镇 石门村 | — | paid 2024-11-20, subsidy 240 元 as 脱贫不稳定户 | holds 低保 and 脱贫不稳定户 |
| D 赵四 | 富水镇 石门村 | — | — | 特困人员 |
| E 钱五 | 城关街道办 东坡村 | — | paid 2025-02-10 (make-up period) | |
| F 孙六 | 城关街道办 东坡村 | paid | paid 2024-10-08, refund received 2024-11-25, refunded 2024-11-27 | |
| G 周七 | 富水镇 河口村 | paid | — | moved out (迁出) |
| H 吴八 | person: 城关街道办 东坡村; household: 富水镇 河口村 | — | paid 2024-11-28 | moved town: own field wins |
| I 郑九 | 富水镇 河口村 | — | — | 户籍 西安 610102, 居住证 商南 611023 |
| J 冯十 | 富水镇 河口村 | — | — | in 职工医保 |
| K 陈十一 | unknown (address names no town) | enrolment paid (imported, no payment row) | — | |
| L 褚十二 | 富水镇 河口村 | paid then refunded | — | |
| M 卫十三 | 富水镇 石门村 | — | — | 稳定脱贫人口 (no subsidy in 商南) |
| N 蒋十四 | 富水镇 石门村 | — | paid 2024-10-20, full subsidy 400 元 as 特困人员 | |
| O 沈十五 | 城关街道办 东坡村 | — | paid 2024-12-16 | |

``import_last_year`` (used by the tests that ask for it) adds P 韩十六 in 富水镇 石门村, who
paid 2024 only according to an imported payer list (``import enrolments``), and loads that
list: P (paid 2023-10-12, 400 元) and B (2024's payment is also in the registry: counted once).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from yibao.idgen import make_id_number
from yibao.models import (
    Enrolment,
    Household,
    Payment,
    Person,
    PersonIdentity,
    RefundRequest,
    RefundTransition,
)

DEVICE = "test-device"
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 12, 21, tzinfo=UTC)

# cycled: many tests build this registry; the 15 numbers of one build never repeat
_seq = itertools.cycle(range(2, 999, 2))


def _number(region: str = "611023", born: date = date(1980, 5, 1)) -> str:
    return make_id_number(region, born, next(_seq))


class Builder:
    def __init__(self, session: Session) -> None:
        self.s = session
        self.ids: dict[str, str] = {}
        self.receipt = 0
        self.households: dict[tuple[str | None, str | None], str] = {}

    def household(self, town: str | None, village: str | None) -> str:
        key = (town, village)
        if key not in self.households:
            row = Household(hukou_region="611023", address=f"{town or ''}{village or ''}",
                            town=town, village=village, device_id=DEVICE)
            self.s.add(row)
            self.s.flush()
            self.households[key] = row.id
        return self.households[key]

    def person(self, key: str, name: str, town: str | None, village: str | None, **extra: object) -> str:
        hh_town, hh_village = extra.pop("household_place", (town, village))  # type: ignore[misc]
        region = str(extra.pop("number_region", "611023"))
        number = _number(region)
        row = Person(
            name=name,
            id_number=number,
            id_tail=number[-6:],
            birth_date=date(1980, 5, 1),
            sex="1",
            hukou_region=extra.pop("hukou_region", "611023"),  # type: ignore[arg-type]
            household_id=self.household(hh_town, hh_village),  # type: ignore[arg-type]
            town=town,
            village=village,
            address=f"{town or '商南县某地'}{village or ''}",
            device_id=DEVICE,
            **extra,  # type: ignore[arg-type]
        )
        self.s.add(row)
        self.s.flush()
        self.ids[key] = row.id
        return row.id

    def identity(self, key: str, code: str) -> None:
        self.s.add(PersonIdentity(person_id=self.ids[key], code=code, valid_from=date(2020, 1, 1),
                                  device_id=DEVICE))

    def pay(self, key: str, year: int, on: date, *, subsidy_fen: int = 0, identity: str | None = None,
            status: str = "paid") -> str:
        enrolment = Enrolment(person_id=self.ids[key], benefit_year=year, category="general",
                              insured_region="611023", policy_id="shangnan-2025",
                              status="paid" if status == "paid" else status, registered_on=on,
                              subsidy_identity=identity, device_id=DEVICE)
        self.s.add(enrolment)
        self.s.flush()
        self.receipt += 1
        payment = Payment(
            person_id=self.ids[key], enrolment_id=enrolment.id, benefit_year=year,
            receipt_no=f"T-{self.receipt:05d}", channel="cash", standard_fen=40000,
            subsidy_fen=subsidy_fen, personal_fen=40000 - subsidy_fen, amount_fen=40000 - subsidy_fen,
            subsidy_identity=identity, policy_id="shangnan-2025",
            paid_at=datetime(on.year, on.month, on.day, 10, tzinfo=SH).astimezone(UTC), paid_on=on,
            status=status, device_id=DEVICE,
        )
        self.s.add(payment)
        self.s.flush()
        return payment.id

    def refund(self, key: str, payment_id: str, received: date, refunded_at: datetime) -> None:
        request = RefundRequest(person_id=self.ids[key], payment_id=payment_id, reason="duplicate",
                                amount_fen=40000, state="refunded", received_on=received,
                                policy_id="shangnan-2025", device_id=DEVICE)
        self.s.add(request)
        self.s.flush()
        self.s.add(RefundTransition(refund_id=request.id, from_state="approved", to_state="refunded",
                                    at=refunded_at.astimezone(UTC), device_id=DEVICE))


def build(engine: sa.Engine) -> dict[str, str]:
    with Session(engine) as session:
        b = Builder(session)
        b.person("A", "张一", "富水镇", "河口村")
        b.pay("A", 2024, date(2023, 10, 9))
        b.pay("A", 2025, date(2024, 10, 10))
        b.person("B", "李二", "富水镇", "河口村")
        b.pay("B", 2024, date(2023, 11, 1))
        b.person("C", "王三", "富水镇", "石门村")
        b.identity("C", "minimum_living")
        b.identity("C", "monitored_unstable")
        b.pay("C", 2025, date(2024, 11, 20), subsidy_fen=24000, identity="monitored_unstable")
        b.person("D", "赵四", "富水镇", "石门村")
        b.identity("D", "extreme_poverty")
        b.person("E", "钱五", "城关街道办", "东坡村")
        b.pay("E", 2025, date(2025, 2, 10))
        b.person("F", "孙六", "城关街道办", "东坡村")
        b.pay("F", 2024, date(2023, 10, 1))
        paid = b.pay("F", 2025, date(2024, 10, 8), status="refunded")
        b.refund("F", paid, date(2024, 11, 25), datetime(2024, 11, 27, 10, tzinfo=SH))
        b.person("G", "周七", "富水镇", "河口村", status="moved_out")
        b.pay("G", 2024, date(2023, 10, 2))
        b.person("H", "吴八", "城关街道办", "东坡村", household_place=("富水镇", "河口村"))
        b.pay("H", 2025, date(2024, 11, 28))
        b.person("I", "郑九", "富水镇", "河口村", hukou_region="610102", number_region="610102",
                 residence_permit_region="611023")
        b.person("J", "冯十", "富水镇", "河口村", employee_insured=True)
        b.person("K", "陈十一", None, None)
        session.add(Enrolment(person_id=b.ids["K"], benefit_year=2024, category="general",
                              insured_region="611023", policy_id="shangnan-2025", status="paid",
                              registered_on=date(2023, 10, 5), device_id=DEVICE))
        b.person("L", "褚十二", "富水镇", "河口村")
        b.pay("L", 2024, date(2023, 10, 3), status="refunded")
        b.person("M", "卫十三", "富水镇", "石门村")
        b.identity("M", "stable_out_of_poverty")
        b.person("N", "蒋十四", "富水镇", "石门村")
        b.identity("N", "extreme_poverty")
        b.pay("N", 2025, date(2024, 10, 20), subsidy_fen=40000, identity="extreme_poverty")
        b.person("O", "沈十五", "城关街道办", "东坡村")
        b.pay("O", 2025, date(2024, 12, 16))
        session.commit()
        return b.ids


def import_last_year(engine: sa.Engine, folder: Path) -> str:
    """P 韩十六 (富水镇 石门村, nothing in the registry) and last year's imported payer list
    naming P and B; returns P's id. Through ``import_enrolments``, as ``yibao import
    enrolments FILE --year 2024`` loads it, in one transaction."""
    from yibao.audit import Actor
    from yibao.imports.enrolments import import_enrolments

    with Session(engine) as session:
        b = Builder(session)
        p_id = b.person("P", "韩十六", "富水镇", "石门村")
        numbers = dict(session.execute(sa.select(Person.name, Person.id_number)
                                       .where(Person.name.in_(("韩十六", "李二")))).all())  # type: ignore[attr-defined]
        path = folder / "2024年度参保缴费名单.csv"
        path.write_text(
            "身份证号码,姓名,缴费日期,缴费金额\n"
            f"{numbers['韩十六']},韩十六,2023-10-12,400.00\n"
            f"{numbers['李二']},李二,2023-11-01,400.00\n",
            encoding="utf-8",
        )
        report = import_enrolments(session, path, year=2024, actor=Actor(device_id=DEVICE),
                                   now=NOW, before_year=2025)
        assert not report.problems and report.imported == 2, report.problems
        session.commit()
    return p_id
