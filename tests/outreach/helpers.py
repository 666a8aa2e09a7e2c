"""Shared set-up of the outreach tests: a hall, persons, cash payments, a laptop.

Payments go through ``PaymentService.take`` (the one place money is written: enrolment,
payment, receipt number, audit rows) with a fixed quote, so these tests exercise storage and
sync without depending on the state of the policy rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from tests.registries import migrated_copy
from tests.signin import signed_in
from yibao.config import ensure_device
from yibao.db import open_registry
from yibao.idgen import codes_for_year, make_id_number
from yibao.models import Channel, Role
from yibao.outreach.dayclose import assert_day_open
from yibao.rules.facts import Category
from yibao.services import Services
from yibao.services.ruling import Amounts

POLICY = SimpleNamespace(
    id="shangnan-2025",
    jurisdiction="商南县",
    benefit_year=2025,
    document=SimpleNamespace(number="商南政办发〔2024〕57号", citation="商南政办发〔2024〕57号"),
)
POLICY_TOML = 'id = "shangnan-2025"\n# test stand-in for the policy text carried in bundles\n'
FEE_FEN = 40_000
PASSPHRASE = "富水镇-外出-2024"  # given to the team in person at export


class Clock:
    """A settable clock (aware UTC)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def local_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai


def services_for(url: str, clerk: str, clock: Clock, *, role: Role = Role.CLERK, engine: Any = None) -> Services:
    engine = engine or open_registry(url)
    device = ensure_device(engine, now=clock())
    info = signed_in(engine, device, clerk, role=role, now=clock())  # with tests.signin.PIN
    return Services(engine, POLICY, info, device, clock)


def id_number(seq: int, birth: date = date(1980, 1, 2)) -> str:
    return make_id_number(codes_for_year("611023", birth.year)[0], birth, seq)


def register(svc: Services, name: str, seq: int, address: str = "商南县富水镇东岭村") -> Any:
    return svc.persons.register(
        name=name, id_number=id_number(seq), hukou_region="611023", address=address
    )


def pay_cash(svc: Services, person_id: str, fen: int = FEE_FEN, *, received_fen: int | None = None) -> Any:
    """Take a cash payment for the benefit year, refusing a closed day as the desk must."""
    with svc.payments.operation(action="payment.record", entity="payment", person_id=person_id) as session:
        assert_day_open(session, svc.clerk, svc.today())
        person = svc.payments.person_or_404(session, person_id, for_update=True)
        return svc.payments.take(
            session,
            person,
            benefit_year=POLICY.benefit_year,
            category=Category.GENERAL,
            insured_region="611023",
            channel=Channel.CASH,
            received_fen=received_fen if received_fen is not None else fen,
            amounts=Amounts.fee(fen),
            coverage_start=date(2025, 1, 1),
            coverage_end=date(2025, 12, 31),
            waiting_months=0,
        )


@dataclass
class Trip:
    hall: Services
    laptop: Services
    bundle: Path
    prefix: str
    code: str = ""


def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "shangnan-2025.toml"
    path.write_text(POLICY_TOML, encoding="utf-8")
    return path


def export_and_open(hall: Services, laptop_url: str, tmp_path: Path, clock: Clock, *, town: str = "富水镇",
                    village: str | None = None, name: str = "fushui.yibao") -> Trip:
    from yibao.outreach.export import export_outreach, open_outreach, read_outreach_bundle

    bundle = tmp_path / name
    result = export_outreach(
        hall.engine, to=bundle, town=town, village=village, policy_id=POLICY.id,
        policy_path=policy_file(tmp_path), benefit_year=POLICY.benefit_year, actor=hall.actor,
        now=clock(), passphrase=PASSPHRASE,
    )
    laptop_file = Path(sa.make_url(laptop_url).database or "")
    if not laptop_file.exists():  # a new laptop registry: the migrated template's copy
        migrated_copy(laptop_file)
    engine = open_registry(laptop_url)
    open_outreach(engine, read_outreach_bundle(bundle, passphrase=PASSPHRASE), now=clock(),
                  enrol_code=result.enrol_code)
    laptop = services_for(laptop_url, "李外出", clock, engine=engine)
    assert laptop.device.id == result.device_id
    return Trip(hall=hall, laptop=laptop, bundle=bundle, prefix=result.prefix, code=result.enrol_code)


def count(engine: Any, table: str, **where: Any) -> int:
    import sqlalchemy as sa

    from yibao.outreach.rows import table as t

    tbl = t(table)
    stmt = sa.select(sa.func.count()).select_from(tbl)
    for column, value in where.items():
        stmt = stmt.where(tbl.c[column] == value)
    with Session(engine) as session:
        return int(session.execute(stmt).scalar_one())
