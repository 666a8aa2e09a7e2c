"""Loading the four policy files, and refusing bad ones with a Chinese message naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from yibao.policy import Policy, PolicyError, list_policies, load_policy
from yibao.resources import policies_dir

# Every file in policies/: adding a notice adds coverage and breaks nothing.
IDS = sorted(p.stem for p in policies_dir().glob("*.toml"))

# From the documents (and GB/T 2260 for the codes).
EXPECTED = {
    "shangnan-2025": ("商南县", "611023", 2025, "商南政办发〔2024〕57号", 40000),
    "meishan-2024": ("眉山市", "511400", 2024, "眉医保办发〔2023〕18号", 38000),
    "jincheng-2024": ("晋城市", "140500", 2024, "晋市医保发〔2023〕10号", 38000),
    "shanyin-2025": ("山阴县", "140621", 2025, "山政办发〔2024〕25号", 40000),
}


@pytest.mark.parametrize("policy_id", sorted(EXPECTED))
def test_each_policy_loads_with_document_facts(policy_id: str) -> None:
    policy = load_policy(policy_id)
    jurisdiction, region, year, number, standard = EXPECTED[policy_id]
    assert isinstance(policy, Policy)
    assert policy.id == policy_id
    assert (policy.jurisdiction, policy.region_code, policy.benefit_year) == (
        jurisdiction,
        region,
        year,
    )
    assert policy.document.number == number
    assert policy.contribution.standard_fen == standard


def test_list_policies_returns_every_file_sorted() -> None:
    assert [p.id for p in list_policies()] == IDS
    assert set(EXPECTED) <= set(IDS)


def test_load_by_path_and_cache() -> None:
    path = policies_dir() / "shanyin-2025.toml"
    assert load_policy(path) is load_policy("shanyin-2025")


def test_unknown_id_lists_available_ids() -> None:
    with pytest.raises(PolicyError) as err:
        load_policy("xian-2030")
    message = str(err.value)
    assert "xian-2030" in message
    for policy_id in IDS:
        assert policy_id in message


@pytest.mark.parametrize("policy_id", IDS)
def test_every_rule_entry_has_clause_or_is_marked_silent(policy_id: str) -> None:
    policy = load_policy(policy_id)
    refs = [
        policy.contribution.standard,
        policy.contribution.stacking,
        *policy.contribution.subsidies,
        policy.enrolment.scope,
        *policy.enrolment.places,
        policy.family_aid.permitted,
        policy.refunds.accepted,
        *policy.refunds.reasons,
    ]
    for ref in refs:
        assert ref.text
        assert ref.silent or ref.clause


def test_centralized_period_matches_r2_periods_section() -> None:
    # [contribution.centralized] repeats the dates of [periods.centralized]; they must agree.
    for policy in list_policies():
        periods = getattr(policy, "periods", None)
        central = getattr(periods, "centralized", None)
        if central is None:
            pytest.skip("[periods] not filled in yet")
        assert (policy.contribution.centralized.start, policy.contribution.centralized.end) == (
            central.start,
            central.end,
        ), policy.id


# --------------------------------------------------------------------------- bad files


def _broken(tmp_path: Path, old: str, new: str, source: str = "shanyin-2025") -> Path:
    text = (policies_dir() / f"{source}.toml").read_text(encoding="utf-8")
    assert old in text, f"fixture text not found: {old!r}"
    path = tmp_path / f"{source}.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _error(path: Path) -> PolicyError:
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    return err.value


def test_missing_field_names_file_and_field(tmp_path: Path) -> None:
    path = _broken(tmp_path, "standard_fen = 40000\n", "")
    err = _error(path)
    assert "shanyin-2025.toml" in str(err)
    assert "contribution.standard_fen" in str(err)
    assert "缺少必填字段" in str(err)


def test_wrong_type_money_as_text(tmp_path: Path) -> None:
    path = _broken(tmp_path, "standard_fen = 40000", 'standard_fen = "400"')
    err = _error(path)
    assert "contribution.standard_fen" in str(err)
    assert "整数" in str(err)


def test_money_as_float_is_refused(tmp_path: Path) -> None:
    path = _broken(tmp_path, "subsidy_fen = 32000", "subsidy_fen = 320.0")
    assert "contribution.subsidies[4].subsidy_fen" in str(_error(path))


def test_unknown_identity_code(tmp_path: Path) -> None:
    path = _broken(tmp_path, 'identities = ["minimum_living"]', 'identities = ["dibao"]')
    err = _error(path)
    assert "contribution.subsidies[4].identities[0]" in str(err)
    assert "dibao" in str(err)
    assert "身份代码" in str(err)


def test_period_end_before_start(tmp_path: Path) -> None:
    path = _broken(
        tmp_path, 'end = 2025-02-25\nclause = "三(一)"', 'end = 2024-08-01\nclause = "三(一)"'
    )
    err = _error(path)
    assert "contribution.centralized" in str(err)
    assert "晚于截止日" in str(err)


def test_printed_figures_must_agree(tmp_path: Path) -> None:
    # 山阴 四2: 低保 personal 80 + subsidy 320 = 400; a typo in one of them is caught.
    path = _broken(tmp_path, "personal_fen = 8000", "personal_fen = 9000")
    err = _error(path)
    assert "contribution" in str(err)
    assert "≠" in str(err)


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    path = _broken(tmp_path, "closed_list = true", "closed_list = true\nclosedlist = true")
    err = _error(path)
    assert "refunds.closedlist" in str(err)
    assert "不认识的字段" in str(err)


def test_clause_required_unless_silent(tmp_path: Path) -> None:
    path = _broken(
        tmp_path,
        'clause = "四5"\ntext = "稳定脱贫人口',
        'text = "稳定脱贫人口',
    )
    err = _error(path)
    assert "contribution.subsidies[7]" in str(err)
    assert "clause" in str(err)


def test_toml_syntax_error(tmp_path: Path) -> None:
    path = _broken(tmp_path, "standard_fen = 40000", "standard_fen = = 40000")
    err = _error(path)
    assert "shanyin-2025.toml" in str(err)
    assert "TOML" in str(err)


# --------------------------------------------------------------------------- yibao policy


def test_cli_policy_show_prints_amounts_in_yuan(capsys: pytest.CaptureFixture[str]) -> None:
    from yibao.cli.main import main

    assert main(["policy", "show", "shangnan-2025"]) == 0
    out = capsys.readouterr().out
    assert "商南政办发〔2024〕57号" in out
    assert "160.00" in out  # 低保: 400 − 240
    assert "陕卫人口发〔2023〕36号" in out
    assert "原缴费地医保经办机构" in out


def test_cli_policy_list(capsys: pytest.CaptureFixture[str]) -> None:
    from yibao.cli.main import main

    assert main(["policy", "list"]) == 0
    out = capsys.readouterr().out
    for policy_id in IDS:
        assert policy_id in out


def test_cli_unknown_policy_lists_ids(capsys: pytest.CaptureFixture[str]) -> None:
    from yibao.cli.main import main

    assert main(["policy", "show", "xian-2030"]) == 1
    err = capsys.readouterr().err
    assert "xian-2030" in err and "shanyin-2025" in err


def test_centralized_dates_must_match_periods_section(tmp_path: Path) -> None:
    # [contribution.centralized] end moved one day: the two sections disagree.
    path = _broken(
        tmp_path, 'end = 2025-02-25\nclause = "三(一)"', 'end = 2025-02-24\nclause = "三(一)"'
    )
    err = _error(path)
    assert "contribution.centralized" in str(err)
    assert "periods.centralized" in str(err)


def test_same_identity_twice_without_condition(tmp_path: Path) -> None:
    # 山阴 四3 given a second, conflicting unconditional line for 返贫致贫人口.
    path = _broken(
        tmp_path,
        'identities = ["returned_to_poverty"]',
        'identities = ["returned_to_poverty", "minimum_living"]',
    )
    err = _error(path)
    assert "minimum_living" in str(err)
    assert "subsidies[4]" in str(err)
