"""Progress, ledger and weekly figures on the hand-worked registry of tests/reports/registry.py.

Every expected value is worked out from the table in that module's docstring; the arithmetic
is in the comments.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from yibao.places import UNKNOWN_TOWN
from yibao.policy import load_policy
from yibao.reports import ledgers as L
from yibao.reports.base import Scope
from yibao.reports.progress import progress
from yibao.reports.weekly import weekly
from yibao.targets import load_targets

SHANGNAN = load_policy("shangnan-2025")
END = date(2024, 12, 20)  # last day of the centralized period


def _names(lines: list[L.LedgerLine]) -> set[str]:
    return {line.name for line in lines}


def test_progress_at_end_of_centralized_period(engine: sa.Engine, people: dict[str, str]) -> None:
    report = progress(engine, Scope(SHANGNAN, END))
    # Paid as of 12-20: A (10-10), C (11-20), H (11-28), N (10-20), O (12-16) = 5.
    # F paid 10-08 but was refunded 11-27; E pays only on 2025-02-10 (make-up).
    assert report.total.paid == 5
    # A week before (12-13): A, C, H, N = 4 → change +1 (O).
    assert report.total.paid_week_ago == 4
    assert report.total.change == 1
    towns = {t.town: t for t in report.towns}
    # 富水镇: A, C, N (H lives in 城关街道办 by her own field, though her household says 富水镇).
    assert (towns["富水镇"].paid, towns["富水镇"].change) == (3, 0)
    # 城关街道办: H, O; a week before only H.
    assert (towns["城关街道办"].paid, towns["城关街道办"].change) == (2, 1)


def test_town_targets_are_annex_2(engine: sa.Engine, people: dict[str, str]) -> None:
    report = progress(engine, Scope(SHANGNAN, END))
    annex = {t.area: t.target for t in load_targets("shangnan-2024")}
    towns = {t.town: t for t in report.towns if t.town != UNKNOWN_TOWN}
    # Every town of 附件2 is listed with 附件2's (5), even those with nobody on this registry.
    assert {name: row.target for name, row in towns.items()} == annex
    assert towns["富水镇"].target == 18898 and towns["城关街道办"].target == 49222
    assert all("附件2" in row.target_source for row in towns.values())
    # County total = 附件2 总计 194268; rate 5 / 194268.
    assert report.total.target == 194268
    assert report.total.rate == 5 / 194268


def test_village_targets_follow_the_annex_formula(engine: sa.Engine, people: dict[str, str]) -> None:
    report = progress(engine, Scope(SHANGNAN, END))
    village = {(v.town, v.village): v for v in report.villages}
    hekou = village[("富水镇", "河口村")]
    # 河口村 2024: (1) paid A, B, G, L = 4 (L refunded); (2) refunded L = 1; (3) = 3;
    # (4) G moved out = 1; (5) = 3 − 1 = 2.
    f = hekou.formula
    assert (f.paid_last, f.refunded_last, f.after_refund, f.gone, f.target) == (4, 1, 3, 1, 2)
    assert hekou.target == 2 and "公式" in hekou.target_source
    # Unknown town: K (imported enrolment 2024 paid) → target 1, paid 0.
    unknown = next(t for t in report.towns if t.town == UNKNOWN_TOWN)
    assert (unknown.target, unknown.paid) == (1, 0)


def test_formula_target_where_the_document_gives_none(engine: sa.Engine, people: dict[str, str]) -> None:
    shanyin = load_policy("shanyin-2025")  # benefit year 2025 too; no targets table
    report = progress(engine, Scope(shanyin, END))
    # Whole registry: (1) A, B, F, G, L + K (imported) = 6; (2) L = 1; (3) = 5; (4) G = 1; (5) = 4.
    assert report.total.target == 4
    assert "公式" in report.total.target_source


def test_make_up_and_refund_move_the_figures(engine: sa.Engine, people: dict[str, str]) -> None:
    # As of 11-26 F's refund is not yet paid out: A, C, F, N = 4.
    assert progress(engine, Scope(SHANGNAN, date(2024, 11, 26))).total.paid == 4
    # As of 2025-02-28 E has paid in the make-up period: A, C, E, H, N, O = 6.
    assert progress(engine, Scope(SHANGNAN, date(2025, 2, 28))).total.paid == 6


def test_special_groups_by_identity(engine: sa.Engine, people: dict[str, str]) -> None:
    report = progress(engine, Scope(SHANGNAN, END))
    groups = {g.identity: (g.paid, g.holders) for g in report.groups}
    # C holds two identities and counts under each; D unpaid, N paid 特困; M 稳定脱贫 unpaid.
    assert groups == {
        "minimum_living": (1, 1),
        "monitored_unstable": (1, 1),
        "extreme_poverty": (1, 2),
        "stable_out_of_poverty": (0, 1),
    }
    # By person, once: C, D, M, N hold some identity; C and N paid.
    assert (report.special_paid, report.special_holders) == (2, 4)


def test_town_filter(engine: sa.Engine, people: dict[str, str]) -> None:
    report = progress(engine, Scope(SHANGNAN, END, town="城关街道办"))
    assert [t.town for t in report.towns] == ["城关街道办"]
    assert report.total.paid == 2  # H, O


def test_a_town_filter_totals_that_town(engine: sa.Engine, people: dict[str, str]) -> None:
    """With --town the total describes the town: its target is 附件2's for that town, not
    the sum of its villages' formula targets (a walk printed 商南县合计 with 240 against the
    town's 19,165)."""
    report = progress(engine, Scope(SHANGNAN, END, town="富水镇"))
    # 附件2: 富水镇 (5) = 18898; paid A, C, N = 3 → rate 3 / 18898.
    assert report.total.target == 18898
    assert "附件2" in report.total.target_source
    assert report.total.rate == 3 / 18898
    assert [(c.target, c.paid) for c in report.counties] == [(18898, 3)]


def test_the_four_ledgers(engine: sa.Engine, people: dict[str, str]) -> None:
    scope = Scope(SHANGNAN, END)
    # 户籍 商南, active, not 职工医保, not paid: B, D, E (pays later), F (refunded), K, L, M.
    # Not: A C H N O (paid), G (moved out), I (户籍 西安), J (职工医保).
    assert _names(L.ledger(engine, scope, L.HUKOU)) == {"李二", "赵四", "钱五", "孙六", "陈十一", "褚十二", "卫十三"}
    # 居住证 here, 户籍 elsewhere: I.
    assert _names(L.ledger(engine, scope, L.RESIDENT)) == {"郑九"}
    # Paid 2024: A, B, F, G, K (imported); minus A (paid 2025) and G (moved out) → B, F, K.
    assert _names(L.ledger(engine, scope, L.LAST_YEAR)) == {"李二", "孙六", "陈十一"}
    assert L.gone_since_last_year(engine, scope) == 1  # G
    # Holding a 商南-subsidised identity, not paid: D (特困). M's 稳定脱贫 has no subsidy in 商南.
    assert _names(L.ledger(engine, scope, L.SPECIAL)) == {"赵四"}


def test_subsidy_ledger_and_split_by_source(engine: sa.Engine, people: dict[str, str]) -> None:
    lines = {line.name: line for line in L.subsidy_ledger(engine, Scope(SHANGNAN, END))}
    assert set(lines) == {"王三", "蒋十四"}
    c = lines["王三"]
    # 二(三): 240 元 = 省45 + 市31 + 县区124 + 医疗救助40; 低保 also held, not added (就高不重复).
    assert c.identity == "monitored_unstable" and c.other_identities == ("minimum_living",)
    assert c.split == [("省财政", 4500), ("市财政", 3100), ("县区财政", 12400), ("医疗救助基金", 4000)]
    # 二(一): 特困 全额 400 元 from 医疗救助基金.
    assert lines["蒋十四"].split == [("医疗救助基金", 40000)]
    by_source, unsplit = L.totals_by_source(list(lines.values()))
    # 医疗救助 40 + 400 = 440 元.
    assert by_source == {"省财政": 4500, "市财政": 3100, "县区财政": 12400, "医疗救助基金": 44000}
    assert unsplit == 0


def test_silent_document_splits_nothing(engine: sa.Engine, people: dict[str, str]) -> None:
    shanyin = load_policy("shanyin-2025")  # no [[coverage.funding]]
    lines = L.subsidy_ledger(engine, Scope(shanyin, END))
    assert lines and all(line.split is None and "未规定" in line.split_note for line in lines)
    by_source, unsplit = L.totals_by_source(lines)
    assert by_source == {} and unsplit == 24000 + 40000


def test_weekly_figures(engine: sa.Engine, people: dict[str, str]) -> None:
    report = weekly(engine, Scope(SHANGNAN, date(2024, 11, 29)))  # week 11-23 … 11-29
    total = report.week_of(report.progress.total)
    # This week: H paid 11-28. To date: A, C, H, N (F refunded on 11-27) = 4.
    assert total.paid_week == 1 and report.progress.total.paid == 4
    # F's refund: received 11-25, paid out 11-27, 400 元.
    assert (total.refunds_in, total.refunds_in_fen, total.refunds_paid, total.refunds_paid_fen) == (1, 40000, 1, 40000)
    town = next(t for t in report.progress.towns if t.town == "城关街道办")
    assert report.week_of(town).paid_week == 1 and report.week_of(town).refunds_paid == 1
    fushui = next(t for t in report.progress.towns if t.town == "富水镇")
    assert report.week_of(fushui).paid_week == 0


def test_identities_read_at_once_as_by_person(
    engine: sa.Engine, people: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large ledger reads every identity valid on the day at once instead of by person
    (``_IDENTITIES_BY_ID``); the lines are the same either way."""
    scope = Scope(SHANGNAN, END)

    def every_list() -> list[list[object]]:
        return [*(list(L.ledger(engine, scope, w)) for w in L.LEDGERS), list(L.subsidy_ledger(engine, scope))]

    by_person = every_list()
    monkeypatch.setattr(L, "_IDENTITIES_BY_ID", 0)
    at_once = every_list()
    assert at_once == by_person
    # C holds 监测对象 and 低保; the payment applied 监测对象 (as in the test above).
    c = next(line for line in at_once[-1] if line.person_id == people["C"])  # type: ignore[attr-defined]
    assert c.other_identities == ("minimum_living",)  # type: ignore[attr-defined]
    # D 赵四 (特困, unpaid) is listed with it in 户籍人口未参保.
    d = next(line for line in at_once[0] if line.person_id == people["D"])  # type: ignore[attr-defined]
    assert d.identities == ("extreme_poverty",)  # type: ignore[attr-defined]
