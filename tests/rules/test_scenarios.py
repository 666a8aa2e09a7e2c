"""Every scenario file in tests/scenarios runs through the checker (docs/scenarios.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from yibao.cli.main import main
from yibao.resources import policies_dir
from yibao.scenarios import ScenarioError, load_cases, run_case, run_paths, scenario_files

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
FILES = scenario_files([SCENARIOS])
CASES = [case for path in FILES for case in load_cases(path)]


def test_every_scenario_names_a_policy_that_loads() -> None:
    # Each case's policy (an id in policies/ or a test-only file) loads; the ids are read from
    # the scenario files, never listed here, so adding a policy file breaks nothing.
    from yibao.scenarios import _policy

    named = {case.policy: case for case in CASES}
    for case in named.values():
        assert _policy(case).benefit_year >= 2000
    in_policies = {p.stem for p in policies_dir().glob("*.toml")}
    assert in_policies & set(named), "policies/ 中的文件没有任何场景案例"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.path.stem}:{c.name}" for c in CASES])
def test_scenario(case) -> None:  # type: ignore[no-untyped-def]
    result = run_case(case)
    assert result.passed, "\n".join(result.lines())


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
policy: shangnan-2025
rule: coverage
cases:
  - name: 补缴期
    paid_on: 2025-01-31
    facts: {birth_date: 1980-01-01}
    expect: {start: 2025-05-01, clause: 四(一)}
"""


def test_cli_reports_failures_and_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = GOOD.replace("2025-05-01", "2025-05-02")
    path = _write(tmp_path, GOOD + bad.split("cases:\n")[1].replace("补缴期", "错的"))
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "1 passed, 1 failed"
    assert out[0] == f"{path}: 错的 — start: 期望 2025-05-02，实际 2025-05-01"


def test_cli_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(_write(tmp_path, GOOD))]) == 0
    assert capsys.readouterr().out.strip() == "1 passed, 0 failed"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("policy: shangnan-2025\ncases:\n  - name: a\n   rule: x\n", "YAML"),
        (GOOD.replace("rule: coverage", "rule: nope"), "未知的规则"),
        (GOOD.replace("birth_date: 1980-01-01", "birth_date: 1980-01-01, colour: red"), "colour"),
        (GOOD.replace("paid_on", "on"), "paid_on"),
        (GOOD.replace("    expect: {start: 2025-05-01, clause: 四(一)}\n", ""), "expect"),
        (GOOD.replace("policy: shangnan-2025", "policy: nowhere-2020"), "nowhere-2020"),
    ],
)
def test_malformed_files_exit_2_naming_file_and_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, words: str
) -> None:
    path = _write(tmp_path, text)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and words in err


def test_raises_expectation(tmp_path: Path) -> None:
    text = (
        GOOD.replace("rule: coverage", "rule: newborn")
        .replace(
            "facts: {birth_date: 1980-01-01}",
            "facts: {birth_date: 2025-01-02, category: newborn}\n    args: {year_choice: 2030}",
        )
        .replace(
            "expect: {start: 2025-05-01, clause: 四(一)}", "expect: {raises: 可选择的缴费年度}"
        )
    )
    assert all(r.passed for r in run_paths([_write(tmp_path, text)]))


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="不存在"):
        scenario_files([tmp_path / "nope.yaml"])
