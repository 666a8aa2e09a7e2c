"""Benefit years at the counter: a registry at 2026-12-01 with only the 2025 file, the
2027 draft made, refused for money, confirmed, activated by a supervisor and then paid;
and two years open at once (眉山, October)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.ids import id_number
from tests.notice import fill_notice
from tests.services.helpers import audit_actions, counts, rows
from yibao.config import ensure_clerk
from yibao.models import AuditLog, Enrolment, Payment, Person, PolicyFile, Role
from yibao.policy import load_policy
from yibao.policy.authoring import confirm, make_draft
from yibao.resources import policies_dir
from yibao.rules.years import Purpose
from yibao.services import Services
from yibao.services.errors import InvalidInput, NotPermitted, Refused


def _draft(tmp_path: Path, policy_id: str, year: int) -> Path:
    key = policy_id.rsplit("-", 1)[0]
    target = tmp_path / f"{key}-{year}.toml"
    target.write_text(make_draft(policies_dir() / f"{policy_id}.toml", year=year), encoding="utf-8")
    return target


def _confirm_all(target: Path, *, number: str, day: str) -> None:
    """The office's act, done here by the test: the notice's number and date typed in, every
    entry confirmed (the figures stay last year's: this test does not invent new ones)."""
    text = target.read_text(encoding="utf-8")
    text = fill_notice(text, number=number, day=day)
    target.write_text(text, encoding="utf-8")
    result = confirm(target, everything=True)
    target.write_text(result.text, encoding="utf-8")
    assert result.status == "confirmed"


def _register(services, seq: int = 11):  # type: ignore[no-untyped-def]
    return services.enrolment.register_person(
        name="张三", id_number=id_number(date(1980, 5, 6), seq=seq), hukou_region="611023"
    )


def test_activate_counts_what_is_left_as_confirm_does(services, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A walk: `policy confirm --all` said “还有 3 项未确认” (发文日期, 标题, 文号 still empty:
    # --all confirms the entries, not the notice's own fields), then `policy activate` said
    # “2 条未确认”: it left the 文号 out of its count. Both now name the same three.
    from yibao.policy.authoring import pending

    clock.set_local(2026, 12, 1)
    target = _draft(tmp_path, "jincheng-2024", 2027)
    result = confirm(target, everything=True)
    target.write_text(result.text, encoding="utf-8")
    assert [p.path for p in result.remaining] == ["document.date", "document.title", "document.number"]
    supervisor = ensure_clerk(services.engine, name="李主任", device=services.device, role=Role.SUPERVISOR, now=clock())
    boss = Services(services.engine, load_policy("jincheng-2024"), supervisor, services.device, clock)
    with pytest.raises(InvalidInput) as refused:
        boss.years.activate(target)
    message = str(refused.value)
    assert f"{len(pending(load_policy(target)))} 项未确认" in message and "3 项未确认" in message
    assert "document.number" in message
    assert rows(services.engine, PolicyFile) == []


def test_refused_registration_for_a_closed_year_writes_nothing(services, clock) -> None:  # type: ignore[no-untyped-def]
    # 2026-12-01, only 商南 2025 (benefit period 2025-01-01 to 2025-12-31, 四(一)): that year
    # no longer collects, so F2's 登记 is refused and no person or enrolment is left behind.
    clock.set_local(2026, 12, 1)
    before = counts(services.engine, Person, Enrolment, Payment)
    with pytest.raises(Refused, match="2025年度"):
        _register(services)
    assert counts(services.engine, Person, Enrolment, Payment) == before
    assert ("enrolment.register", "refused") in audit_actions(services.engine)


def test_at_2026_12_01_the_registry_says_which_year_is_missing(services, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2026, 12, 1)
    coverage = services.years.settle()
    assert coverage.blocked and coverage.missing == (2026, 2027)
    message = coverage.message()
    assert "商南县" in message and "2026、2027 年度" in message
    assert "yibao policy new shangnan --year 2027 --from shangnan-2025 --to shangnan-2027.toml" in message


def test_the_2027_year_from_draft_to_payment(services, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2026, 12, 1)
    target = _draft(tmp_path, "shangnan-2025", 2027)
    draft = load_policy(target)
    # The draft quotes but never takes money, and registering for it writes nothing.
    desk = Services(services.engine, draft, services.clerk, services.device, clock)
    coverage = desk.years.settle()
    assert coverage.collecting == 2027 and coverage.draft and desk.policy.is_draft
    with pytest.raises(Refused, match="草稿·未确认"):
        _register(desk)
    assert counts(services.engine, Person, Enrolment) == {"person": 0, "enrolment": 0}
    # A draft cannot be activated; a clerk cannot activate at all.
    supervisor = ensure_clerk(services.engine, name="李主任", device=services.device, role=Role.SUPERVISOR, now=clock())
    boss = Services(services.engine, load_policy("shangnan-2025"), supervisor, services.device, clock)
    with pytest.raises(InvalidInput, match="仍是草稿"):
        boss.years.activate(target)
    _confirm_all(target, number="商南政办发〔2026〕1号", day="2026-09-20")
    with pytest.raises(NotPermitted, match="审核人员"):
        services.years.activate(target)
    assert rows(services.engine, PolicyFile) == []
    view = boss.years.activate(target)
    assert view.changed and view.policy_id == "shangnan-2027"
    assert boss.years.activate(target).changed is False  # the same text again writes nothing
    (stored,) = rows(services.engine, PolicyFile)
    assert stored.benefit_year == 2027 and stored.activated_by == supervisor.id
    assert len(rows(services.engine, AuditLog, action="policy.activate")) == 1
    # The registry still opens with its 2025 setting and now collects for 2027.
    desk = Services(services.engine, load_policy("shangnan-2025"), services.clerk, services.device, clock)
    coverage = desk.years.settle()
    assert coverage.collecting == 2027 and not coverage.draft and coverage.missing == (2026,)
    done = _register(desk)
    assert done.enrolment.benefit_year == 2027
    receipt = desk.enrolment.enrol_and_pay(done.person.id, channel="cash", received_fen=50000)
    # 一(三) of the 2025 file, carried into 2027 unchanged: 每人每年400元 = 40000 fen.
    assert receipt.payment.amount_fen == 40000
    assert receipt.enrolment.benefit_year == 2027
    (payment,) = rows(services.engine, Payment)
    assert payment.benefit_year == 2027


@pytest.mark.parametrize("policy_id", ["meishan-2024"])
def test_two_years_open_at_once(services, clock, tmp_path: Path, policy_id: str) -> None:  # type: ignore[no-untyped-def]
    # 眉山 2024: centralized 2023-09-01 to 2024-02-29, benefit 2024-01-01 to 2024-12-31
    # (二(二)1); 2025 (the 2024 figures carried over, confirmed by this test): centralized
    # 2024-09-01 to 2025-02-28. On 2024-10-15 both collect; 2025's centralized period runs.
    clock.set_local(2024, 10, 15)
    target = _draft(tmp_path, policy_id, 2025)
    _confirm_all(target, number="眉医保办发〔2024〕1号", day="2024-08-20")
    supervisor = ensure_clerk(services.engine, name="李主任", device=services.device, role=Role.SUPERVISOR, now=clock())
    Services(services.engine, load_policy(policy_id), supervisor, services.device, clock).years.activate(target)
    desk = Services(services.engine, load_policy(policy_id), services.clerk, services.device, clock)
    desk.years.settle()
    years = desk.years.open(Purpose.PAYMENT)
    assert [(y.benefit_year, y.centralized, y.default) for y in years] == [
        (2025, True, True),
        (2024, False, False),
    ]
    assert desk.benefit_year == 2025  # the default: the year whose centralized period runs
    # A refund follows the year of its payment, whatever year the desk collects for.
    assert desk.years.policy_for(2024).id == "meishan-2024"
    assert desk.years.policy_for(2025).id == "meishan-2025"
    # The clerk chooses 2024 for a released prisoner (any-time category for the current year).
    assert desk.years.choose(2024).benefit_year == 2024 and desk.policy.benefit_year == 2024
    with pytest.raises(InvalidInput, match="2023年度今天不能办理"):
        desk.years.choose(2023)
    # A baby born 2024-11-20: the birth year or the next.
    born = [y.benefit_year for y in desk.years.open(Purpose.NEWBORN, birth=date(2024, 11, 20))]
    assert born == [2025, 2024]
    # Born 2023-12-30: the birth year 2023 no longer collects, 2025 is not the next year: 2024 only.
    assert [y.benefit_year for y in desk.years.open(Purpose.NEWBORN, birth=date(2023, 12, 30))] == [2024]
