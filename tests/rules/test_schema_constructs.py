"""The schema constructs real later notices need: validation in Chinese, citation, and the
constants that moved from code into the policy files (age of majority, 大病 cap share)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.rules._cases import person, sections
from yibao.policy import PolicyError, load_policy
from yibao.policy.contribution import Rounding
from yibao.resources import policies_dir
from yibao.rules.coverage import coverage
from yibao.rules.decision import Clause
from yibao.rules.eligibility import check_enrolment
from yibao.rules.facts import PersonFacts

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "policies"
ELSEWHERE = "110101"


def _variant(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    return str(err.value)


# --------------------------------------------------------------------------- citation


def test_notice_without_number_is_cited_by_issuer_title_and_date() -> None:
    policy = load_policy(FIXTURES / "fixture-2026.toml")
    assert policy.document.number is None
    clause = policy.clause(policy.contribution.standard)
    assert clause.cite() == (
        "测试县医疗保障局、国家税务总局测试县税务局"
        "《关于做好2026年度城乡居民基本医疗保险参保缴费工作的通告》（2025-09-15） 二(一)"
    )


def test_notice_with_number_is_cited_by_number() -> None:
    policy = load_policy(FIXTURES / "fixturealt-2026.toml")
    assert policy.clause(policy.contribution.standard).cite() == "测医保发〔2025〕9号 二(一)"


def test_silent_and_unavailable_are_cited_differently() -> None:
    silent = Clause(document="甲文件", section=None, quote="文件未提及")
    missing = Clause(
        document="甲文件", section="附件2", quote="附件2原文未能取得", unavailable=True
    )
    assert silent.cite() == "甲文件（文件未作规定）"
    assert missing.cite() == "甲文件 附件2（该部分原文未能取得）"


def test_silent_and_unavailable_together_is_refused(tmp_path: Path) -> None:
    path = _variant(
        tmp_path,
        FIXTURES / "fixture-2026.toml",
        "unavailable = true\n",
        "unavailable = true\nsilent = true\n",
    )
    assert "unavailable" in _error(path)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        # a printed amount that is not the stated percentage as rounded
        ("subsidy_fen = 34700", "subsidy_fen = 34650", "34700"),
        # full cost without its figure
        ("full_cost_fen = 110000\n", "", "full_cost_fen"),
        # a percentage subsidy with no rounding rule
        (
            '[contribution.rounding]\nunit = "yuan"',
            '[contribution.rounding_gone]\nunit = "yuan"',
            "rounding",
        ),
        # a group starting on a fixed day without the day
        ("benefit_start = 2025-09-01\n", "", "benefit_start"),
        # newborn window given twice
        ("months = 12\n", "months = 12\ndays = 90\n", "newborn.window"),
        # waiting in days and months at once
        ("waiting_days = 90\n", "waiting_days = 90\nwaiting_months = 3\n", "waiting_days"),
    ],
)
def test_bad_new_constructs_are_named(tmp_path: Path, old: str, new: str, words: str) -> None:
    message = _error(_variant(tmp_path, FIXTURES / "fixture-2026.toml", old, new))
    assert "fixture-2026.toml" in message and words in message


def test_fixed_cut_off_needs_its_date(tmp_path: Path) -> None:
    path = _variant(tmp_path, FIXTURES / "fixturealt-2026.toml", "cutoff_date = 2025-11-30\n", "")
    assert "cutoff_date" in _error(path)


@pytest.mark.parametrize(
    ("unit", "mode", "fen"),
    [
        # 385 元 × 75% = 288.75 元 = 28875 分
        ("fen", "half_up", 28875),
        ("jiao", "half_up", 28880),  # 288.8 元
        ("jiao", "down", 28870),  # 288.7 元
        ("yuan", "half_up", 28900),  # 289 元
        ("yuan", "down", 28800),  # 288 元
        ("yuan", "up", 28900),
    ],
)
def test_rounding_rules(unit: str, mode: str, fen: int) -> None:
    rule = Rounding(unit=unit, mode=mode, clause="四", text="取整")  # type: ignore[arg-type]
    assert rule.apply(38500 * 75, 100)[0] == fen


# --------------------------------------------------------------------------- constants as data


def test_every_policy_states_the_age_of_majority() -> None:
    for path in sorted(policies_dir().glob("*.toml")):
        rule = load_policy(path).enrolment.age_of_majority
        assert rule.years >= 1 and "民法典" in rule.basis, path.name


def test_age_of_majority_is_read_from_the_file(tmp_path: Path) -> None:
    # 商南 一(一): 外地户籍中小学生 may enrol where they live (minors only). A 17-year-old with a
    # hukou elsewhere is a minor under 18 (the file's 民法典 reading) and matches 一(一); with the
    # age of majority written as 16 in a variant, 一(一) no longer applies to them.
    on = date(2024, 10, 8)
    facts = person(born=date(2007, 3, 1), hukou_region=ELSEWHERE)
    assert "一(一)" in sections(check_enrolment(load_policy("shangnan-2025"), facts, on))
    variant = _variant(
        tmp_path,
        policies_dir() / "shangnan-2025.toml",
        "age_of_majority = { years = 18",
        "age_of_majority = { years = 16",
    )
    assert "一(一)" not in sections(check_enrolment(load_policy(variant), facts, on))


def test_illness_cap_share_comes_from_the_file(tmp_path: Path) -> None:
    # 商南 四(二)4(7) "累计提高总额不超过…封顶线的20%": a person with 6 continuous years gets a
    # raise, so the limit sentence is shown with the file's percentage.
    facts = PersonFacts(birth_date=date(1980, 1, 1), resident_insurance_years_continuous=6)
    d = coverage(load_policy("shangnan-2025"), facts, date(2024, 12, 1))
    assert any("封顶线的20%" in r.text for r in d.reasons)
    variant = _variant(
        tmp_path, policies_dir() / "shangnan-2025.toml", "limit_percent = 20", "limit_percent = 15"
    )
    d = coverage(load_policy(variant), facts, date(2024, 12, 1))
    assert any("封顶线的15%" in r.text for r in d.reasons)


def test_refund_clause_unavailable_is_not_silent(tmp_path: Path) -> None:
    from yibao.rules.refunds import refund_intake

    path = _variant(
        tmp_path,
        FIXTURES / "fixture-2026.toml",
        '[refunds.accepted]\nclause = "六"\n',
        '[refunds.accepted]\nclause = "六"\nunavailable = true\n',
    )
    d = refund_intake(load_policy(path), "duplicate", date(2025, 10, 1), date(2025, 12, 1))
    assert d.needs_confirmation
    assert any(r.clause.unavailable and r.clause.section == "六" for r in d.reasons)
    assert all(r.clause.section is not None for r in d.reasons)  # not cited as silent
    assert any("原文未能取得" in r.text for r in d.reasons)


def test_a_decision_resting_on_unavailable_text_never_approves() -> None:
    from yibao.rules.decision import Decision, Outcome, Reason

    missing = Clause(document="甲文件", section="附件2", unavailable=True)
    d = Decision(
        rule="x", outcome=Outcome.ALLOWED, reasons=(Reason(text="见附件2", clause=missing),)
    )
    assert d.outcome is Outcome.CONFIRM
    refused = Decision(
        rule="x", outcome=Outcome.REFUSED, reasons=(Reason(text="见附件2", clause=missing),)
    )
    assert refused.outcome is Outcome.REFUSED


def test_cli_policy_show_prints_the_new_constructs(capsys: pytest.CaptureFixture[str]) -> None:
    from yibao.cli.main import main

    assert main(["policy", "show", str(FIXTURES / "fixture-2026.toml")]) == 0
    out = capsys.readouterr().out
    assert "（无文号）" in out
    assert "按90%资助" in out and "347.00" in out  # 385 × 90% = 346.5 → 347 (元以下四舍五入)
    assert "1100.00" in out
    assert "附件2（原文未能取得）" in out
    assert "集中缴费期后：2026-01-01 至 2026-06-30，待遇等待期 90天" in out


def test_period_after_centralized_without_waiting(tmp_path: Path) -> None:
    # The same period with no waiting written (waiting_months defaults to 0): the window says
    # there is none, and coverage starts on the payment day (no waiting to count).
    from yibao.rules.windows import payment_window

    path = _variant(tmp_path, FIXTURES / "fixture-2026.toml", "waiting_days = 90\n", "")
    policy = load_policy(path)
    facts = PersonFacts(birth_date=date(1980, 5, 1), hukou_region="110105")
    w = payment_window(policy, facts, date(2026, 3, 15))
    assert w.can_pay and w.period_name == "集中缴费期后"
    assert any("文件未设待遇等待期" in r.text for r in w.reasons)
    d = coverage(policy, facts, date(2026, 3, 15))
    assert (d.start, d.waiting_days, d.waiting_months) == (date(2026, 3, 15), 0, 0)
