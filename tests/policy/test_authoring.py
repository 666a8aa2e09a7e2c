"""Next year's file: ``policy new`` / ``check`` / ``confirm`` / ``diff``, over every bundled file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.notice import fill_notice
from yibao.cli.main import main
from yibao.policy import list_policies, load_policy
from yibao.policy.authoring import confirm, diff, make_draft, pending, shift_date
from yibao.policy.loader import load_policy_text
from yibao.resources import policies_dir

ALL = [p.id for p in list_policies()]  # every file in policies/, never a hand-kept list


def _fill_document(path: Path, *, number: str, day: str) -> None:
    """What the office does by hand from the new notice: its number and date."""
    text = path.read_text(encoding="utf-8")
    path.write_text(fill_notice(text, number=number, day=day), encoding="utf-8")


@pytest.mark.parametrize("policy_id", ALL)
def test_a_draft_keeps_every_figure_and_sentence_unconfirmed(policy_id: str, tmp_path: Path) -> None:
    source = load_policy(policy_id)
    year = source.benefit_year + 1
    target = tmp_path / f"{source.key}-{year}.toml"
    target.write_text(make_draft(policies_dir() / f"{policy_id}.toml", year=year), encoding="utf-8")
    draft = load_policy(target)
    assert draft.is_draft and draft.benefit_year == year and draft.id == f"{source.key}-{year}"
    assert draft.document.number == "" and draft.document.date == "" and draft.document.title == ""
    # Every figure is last year's: the same standard, the same subsidies (never invented).
    assert draft.contribution.standard_fen == source.contribution.standard_fen
    assert draft.contribution.subsidies == tuple(
        s.model_copy(update={"confirmed": False}) for s in source.contribution.subsidies
    )
    # Every entry kept, each unconfirmed, with its sentence unchanged.
    before = dict(source.entries())
    after = dict(draft.entries())
    assert before.keys() == after.keys()
    assert all(not ref.confirmed for ref in after.values())
    assert all(after[k].text == before[k].text for k in before)
    # Dates move by one whole year.
    assert draft.periods.benefit.start == shift_date(source.periods.benefit.start, 1)
    assert draft.periods.centralized.end == shift_date(source.periods.centralized.end, 1)
    # pending: every entry, plus the document's number, date and title.
    assert len(pending(draft)) == len(after) + 3


def test_shangnan_2027_dates_and_leap_day() -> None:
    text = make_draft(policies_dir() / "shangnan-2025.toml", year=2027)
    assert "start = 2026-09-01" in text and "end = 2026-12-20" in text  # 2024-09-01/12-20 + 2 years
    assert shift_date(date(2024, 2, 29), 1) == date(2025, 2, 28)  # 眉山's 2024-02-29 has no twin


@pytest.mark.parametrize("policy_id", ["shangnan-2025", "shanyin-2025"])
def test_a_draft_keeps_the_date_a_rule_began(policy_id: str) -> None:
    """商南 四(二)2(1) and 山阴's newborn rule say "2025年1月1日起…": a 2027 notice does not
    restate it, so the 2027 draft still starts the rule on 2025-01-01 (moving it to 2027-01-01
    would send every baby born in 2026 to 需人工核实)."""
    source = load_policy(policies_dir() / f"{policy_id}.toml")
    assert source.newborn is not None and source.newborn.effective is not None
    draft = load_policy_text(make_draft(policies_dir() / f"{policy_id}.toml", year=2027), "d.toml")
    assert draft.newborn is not None and draft.newborn.effective is not None
    assert draft.newborn.effective.start == source.newborn.effective.start == date(2025, 1, 1)


def test_check_lists_every_unconfirmed_entry_and_fails_until_confirmed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "shangnan-2027.toml"
    assert main(["policy", "new", "shangnan", "--year", "2027", "--from", "shangnan-2025", "--to", str(target)]) == 0
    capsys.readouterr()
    assert main(["policy", "check", str(target)]) == 1
    out = capsys.readouterr().out.splitlines()
    entries = len(list(load_policy(target).entries()))
    listed = [line for line in out if line.startswith("未确认")]
    assert len(listed) == entries + 3 and all("未确认" in line for line in listed)
    # Confirming one entry leaves the rest.
    assert main(["policy", "confirm", str(target), "contribution.standard"]) == 1
    assert load_policy(target).contribution.standard.confirmed
    # The office fills the notice's number and date, then confirms the rest: the test's act.
    _fill_document(target, number="商南政办发〔2026〕1号", day="2026-09-20")
    assert main(["policy", "confirm", str(target), "--all"]) == 0
    capsys.readouterr()
    assert main(["policy", "check", str(target)]) == 0
    assert "未确认" not in capsys.readouterr().out
    assert load_policy(target).status == "confirmed"


def test_entries_confirmed_before_the_notice_is_filled_in_need_one_more_confirm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found on a walk: ``confirm --all`` first, then the 文号/日期/标题 typed in. ``check``
    passed but the file stayed a draft, ``activate`` said "再 yibao policy confirm", and
    ``confirm FILE`` refused ("请写出要确认的条目") — no way on without knowing to repeat --all."""
    target = tmp_path / "shangnan-2027.toml"
    assert main(["policy", "new", "shangnan", "--year", "2027", "--from", "shangnan-2025", "--to", str(target)]) == 0
    assert main(["policy", "confirm", str(target), "--all"]) == 1  # 文号, 日期, 标题 still empty
    _fill_document(target, number="商南政办发〔2026〕1号", day="2026-09-20")
    capsys.readouterr()
    assert main(["policy", "check", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"yibao policy confirm {target} 把状态改为已确认" in out
    assert load_policy(target).status == "draft"
    assert main(["policy", "confirm", str(target)]) == 0
    assert "状态改为已确认" in capsys.readouterr().out
    assert load_policy(target).status == "confirmed"


def test_confirm_without_entries_still_refuses_while_entries_are_unconfirmed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "shangnan-2027.toml"
    target.write_text(make_draft(policies_dir() / "shangnan-2025.toml", year=2027), encoding="utf-8")
    before = target.read_text(encoding="utf-8")
    assert main(["policy", "confirm", str(target)]) == 2
    assert "请写出要确认的条目" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == before


def test_new_refuses_another_jurisdictions_file_and_an_existing_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "x.toml"
    assert main(["policy", "new", "shangnan", "--year", "2027", "--from", "meishan-2024", "--to", str(target)]) == 1
    assert "眉山市" in capsys.readouterr().err and not target.exists()
    target.write_text("keep", encoding="utf-8")
    assert main(["policy", "new", "shangnan", "--year", "2027", "--from", "shangnan-2025", "--to", str(target)]) == 1
    assert "已存在" in capsys.readouterr().err and target.read_text(encoding="utf-8") == "keep"


def test_confirm_names_an_unknown_entry(tmp_path: Path) -> None:
    target = tmp_path / "shangnan-2027.toml"
    target.write_text(make_draft(policies_dir() / "shangnan-2025.toml", year=2027), encoding="utf-8")
    from yibao.policy import PolicyError

    with pytest.raises(PolicyError, match="没有条目“contribution.nothing”"):
        confirm(target, ["contribution.nothing"])


def test_a_confirmed_file_with_unconfirmed_entries_does_not_load(tmp_path: Path) -> None:
    from yibao.policy import PolicyError

    target = tmp_path / "shangnan-2027.toml"
    text = make_draft(policies_dir() / "shangnan-2025.toml", year=2027).replace(
        'status = "draft"', 'status = "confirmed"'
    )
    target.write_text(text.replace('date = ""', 'date = "2026-09-20"', 1), encoding="utf-8")
    with pytest.raises(PolicyError, match="条未确认"):
        load_policy(target)


def test_diff_names_a_changed_figure_date_clause_and_identity(tmp_path: Path) -> None:
    a = policies_dir() / "shangnan-2025.toml"
    b = tmp_path / "shangnan-2027.toml"
    text = make_draft(a, year=2027)
    # Edits as an office would type them from a new notice (test data, not a real notice):
    # the standard 400 → 420 元, 重度残疾人 joins the 低保 group, a clause renumbered,
    # the 独生子女 entry dropped.
    text = text.replace("standard_fen = 40000", "standard_fen = 42000", 1)
    text = text.replace('identities = ["minimum_living"]', 'identities = ["minimum_living", "severe_disability"]', 1)
    start = text.index('[[contribution.subsidies]]\nidentities = ["only_child_family"]')
    end = text.index("\n[periods]\n") + 1
    text = text[:start] + text[end:]
    text = text.replace('clause = "五(三)"', 'clause = "五(四)"', 1)
    b.write_text(text, encoding="utf-8")
    lines = diff(a, b)
    assert "［金额］contribution.standard_fen：400.00 元 → 420.00 元" in lines
    assert "［日期］periods.benefit.start：2025-01-01 → 2027-01-01" in lines
    assert any(line.startswith("［条款］enrolment.duplicate_priority.clause：“五(三)” → “五(四)”") for line in lines)
    assert "［身份］contribution.subsidies[label=低保对象].identities：增加 重度残疾人（severe_disability）" in lines
    assert "［条目］删去条目 contribution.subsidies[label=农村独生子女（双女）父母及十八岁以下子女]" in lines
    assert diff(a, a) == []


def test_the_new_notices_date_may_be_typed_as_a_toml_date() -> None:
    """An office filling in a draft writes ``date = 2026-09-20`` as TOML does (no quotes); the
    citation reads the same as the quoted form."""
    import datetime as dt

    from yibao.policy.base import Document

    typed = Document(number=None, issuer="商南县人民政府办公室", date=dt.date(2026, 9, 20), title="通知")
    quoted = Document(number=None, issuer="商南县人民政府办公室", date="2026-09-20", title="通知")
    assert typed.date == "2026-09-20" and typed.citation == quoted.citation
