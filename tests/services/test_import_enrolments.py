"""``import enrolments``: a previous year's payer list — bad rows, idempotence, rollback, formats."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from tests.ids import id_number, with_wrong_check_digit
from tests.services.helpers import counts
from yibao.imports.errors import ImportFileError
from yibao.models import AuditLog, ImportBatch, Person, PriorEnrolment

A = id_number(date(1950, 1, 2), 11)
B = id_number(date(1960, 3, 4), 22)
C = id_number(date(1970, 5, 6), 33)
NEW = id_number(date(1980, 7, 8), 45)  # not in the registry
BAD = with_wrong_check_digit(A)
TABLES = (Person, PriorEnrolment, ImportBatch, AuditLog)
HEADER = "身份证号码,姓名,年度,参保类别,缴费日期,缴费金额"


@pytest.fixture
def people(services):  # type: ignore[no-untyped-def]
    for number, name in ((A, "张三"), (B, "李四"), (C, "王五")):
        services.persons.register(name=name, id_number=number, hukou_region="611023")
    return services


def _csv(tmp_path: Path, lines: list[str], name: str = "2024.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _stored(engine: sa.Engine) -> set[tuple[str | None, int, date, int, str | None]]:
    with Session(engine) as s:
        return set(
            s.execute(
                sa.select(
                    Person.id_number,
                    PriorEnrolment.benefit_year,
                    PriorEnrolment.paid_on,
                    PriorEnrolment.amount_fen,
                    PriorEnrolment.category,
                ).join(Person, Person.id == PriorEnrolment.person_id)
            ).all()
        )


def test_bad_rows_name_row_and_column_and_nothing_is_written(people, tmp_path: Path) -> None:
    services = people
    before = counts(services.engine, *TABLES)
    path = _csv(
        tmp_path,
        [
            "商南县 2024年度城乡居民医保参保缴费明细",  # title line above the header
            HEADER,
            f"{A},张三,2024,普通居民,2023-10-15,380.00",  # row 3: good
            f"{BAD},张三,2024,普通居民,2023-10-15,380",  # row 4: check digit
            f"{B},李小四,2024,普通居民,2023-10-15,380",  # row 5: name differs from registry
            f"{C},王五,2023,普通居民,2023-10-15,380",  # row 6: another year
            f"{NEW},赵六,2024,普通居民,2023-13-01,380",  # row 7: bad date
            f"{NEW},赵六,2024,普通居民,2023-10-16,三百八",  # row 8: amount not a number
            f"{NEW},赵六,2024,普通居民,2023-10-16,-380",  # row 9: negative
            f"{A},张三,2024,普通居民,2023-10-20,380",  # row 10: same person as row 3
            f"{C},,2024,普通居民,2023-10-15,380",  # row 11: no name
            f"{C},王五,2024,普通居民,2023-10-15,380.123",  # row 12: three decimals
            f"{C},王五,2024,普通居民,2025-01-01,380",  # row 13: after today (2024-10-15)
        ],
    )
    report = services.imports.enrolments(path, year=2024)
    got = {(p.row, p.column) for p in report.problems}
    assert got == {
        (4, "id_number"),
        (5, "name"),
        (6, "year"),
        (7, "paid_on"),
        (8, "amount"),
        (9, "amount"),
        (10, "id_number"),
        (11, "name"),
        (12, "amount"),
        (13, "paid_on"),
    }
    text = {p.row: str(p) for p in report.problems}
    assert text[4].startswith("第 4 行“身份证号码”列：") and "校验码" in text[4]
    assert "李小四" in text[5] and "张三" not in text[5] and "李四" in text[5]
    assert "2023" in text[6] and "--year 2023" in text[6]
    assert "2023-13-01" in text[7]
    assert "三百八" in text[8] and "负数" in text[9]
    assert "与第 3 行是同一人" in text[10]
    assert "晚于今天" in text[13]
    assert all(A not in t and B not in t and C not in t for t in text.values())  # masked
    assert report.imported == 0 or report.batch_id is None
    assert any("整份名单未导入" in line for line in report.summary_lines())
    assert counts(services.engine, *TABLES) == before  # row 3 was good, but nothing is kept


def test_same_list_twice_changes_nothing(people, tmp_path: Path) -> None:
    services = people
    path = _csv(
        tmp_path,
        [
            HEADER,
            f"{A},张三,2024,普通居民,2023-10-15,380.00",
            f"{B},李四,2024,低保对象,2023-11-02,140",
            f"{NEW},赵六,2024年度,普通居民,2023/12/1,380元",
        ],
    )
    first = services.imports.enrolments(path, year=2024)
    assert (first.imported, first.unchanged, first.persons_created, first.problems) == (3, 0, 1, [])
    assert first.batch_id is not None
    assert _stored(services.engine) == {
        (A, 2024, date(2023, 10, 15), 38000, "普通居民"),
        (B, 2024, date(2023, 11, 2), 14000, "低保对象"),
        (NEW, 2024, date(2023, 12, 1), 38000, "普通居民"),
    }
    with Session(services.engine) as s:
        created = s.exec(select(Person).where(Person.id_number == NEW)).one()
        assert created.name == "赵六" and created.birth_date == date(1980, 7, 8)
        assert created.name_initials == "zl" and "2024年度参保缴费名单" in (created.note or "")
        actions = [a for (a,) in s.execute(sa.select(AuditLog.action))]
        assert actions.count("enrolment.import") == 3 and actions.count("person.import") == 1
        assert actions.count("import.enrolments") == 1
        for after in s.execute(sa.select(AuditLog.after)).scalars():
            assert NEW not in str(after) and A not in str(after)
    after_first = counts(services.engine, *TABLES)
    second = services.imports.enrolments(path, year=2024)
    assert (second.imported, second.unchanged, second.persons_created) == (0, 3, 0)
    assert second.batch_id is None and not second.problems
    assert counts(services.engine, *TABLES) == after_first


def test_a_different_figure_for_a_stored_year_is_a_problem_not_an_overwrite(
    people, tmp_path: Path
) -> None:
    services = people
    services.imports.enrolments(
        _csv(tmp_path, [HEADER, f"{A},张三,2024,普通居民,2023-10-15,380"], "first.csv"), year=2024
    )
    stored = _stored(services.engine)
    report = services.imports.enrolments(
        _csv(tmp_path, [HEADER, f"{A},张三,2024,普通居民,2023-10-15,350"], "second.csv"), year=2024
    )
    (problem,) = report.problems
    assert problem.row == 2 and problem.column is None
    assert "first.csv 第 2 行" in problem.reason and "380.00" in problem.reason
    assert _stored(services.engine) == stored


@pytest.mark.parametrize("bad_row_at", [6, 2], ids=["last-chunk", "first-chunk"])
def test_a_bad_row_in_any_chunk_rolls_back_every_chunk(
    people, tmp_path: Path, bad_row_at: int
) -> None:
    """Chunks of 2 rows: rows 2–3, 4–5, 6. One bad row and none of the good chunks stays."""
    services = people
    before = counts(services.engine, *TABLES)
    rows = [
        f"{A},张三,2023,普通居民,2022-10-15,350",
        f"{B},李四,2023,普通居民,2022-10-15,350",
        f"{C},王五,2023,普通居民,2022-10-15,350",
        f"{NEW},赵六,2023,普通居民,2022-10-15,350",
        f"{id_number(date(1990, 1, 1), 51)},钱七,2023,普通居民,2022-10-15,350",
    ]
    index = bad_row_at - 2
    rows[index] = rows[index].replace("2022-10-15", "2022-02-30")
    seen: list[tuple[int, int]] = []
    report = services.imports.enrolments(
        _csv(tmp_path, [HEADER, *rows]),
        year=2023,
        chunk_size=2,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert [(p.row, p.column) for p in report.problems] == [(bad_row_at, "paid_on")]
    assert seen == [(2, 5), (4, 5), (5, 5)]  # every chunk was read and checked
    assert counts(services.engine, *TABLES) == before
    assert _stored(services.engine) == set()


def test_a_long_list_with_a_bad_last_row_leaves_nothing(services, tmp_path: Path) -> None:
    """1,201 rows in default chunks of 500: the bad row is alone in the third chunk."""
    lines = [HEADER]
    for n in range(1200):
        number = id_number(date(1960 + n % 40, 1 + n % 12, 1 + n % 28), 100 + n)
        lines.append(f"{number},人{n:04d},2024,普通居民,2023-10-15,380")
    lines.append(f"{BAD},张三,2024,普通居民,2023-10-15,380")
    before = counts(services.engine, *TABLES)
    report = services.imports.enrolments(_csv(tmp_path, lines), year=2024)
    assert [(p.row, p.column) for p in report.problems] == [(1202, "id_number")]
    assert counts(services.engine, *TABLES) == before
    # the same list without the bad row goes in whole, 1,200 persons and records
    report = services.imports.enrolments(_csv(tmp_path, lines[:-1], "good.csv"), year=2024)
    assert (report.imported, report.persons_created) == (1200, 1200)
    assert counts(services.engine, PriorEnrolment)["prior_enrolment"] == 1200


def _same_list_three_ways(tmp_path: Path) -> list[Path]:
    from openpyxl import Workbook

    header = [
        "序号",
        "缴费人姓名",
        "证件号码",
        "费款所属年度",
        "人员类别",
        "缴款日期",
        "实缴金额（元）",
    ]
    data = [
        [1, "张三", A, 2024, "普通居民", "2023-10-15", "380.00"],
        [2, "李四", B, 2024, "低保对象", "2023-11-02", "140"],
        [3, "赵六", NEW, 2024, "普通居民", "2023-12-01", "380"],
    ]
    lines = [",".join(str(v) for v in r) for r in [header, *data]]
    utf8 = _csv(tmp_path, ["税务部门导出 2024年度", *lines], "list-utf8.csv")
    gbk = _csv(tmp_path, ["税务部门导出 2024年度", *lines], "list-gbk.csv", encoding="gbk")
    book = Workbook()
    sheet = book.active
    sheet.append(["税务部门导出 2024年度"])
    sheet.append(header)
    for r in data:
        # Excel keeps dates as dates and amounts as numbers.
        y, m, d = (int(x) for x in str(r[5]).split("-"))
        sheet.append([*r[:5], date(y, m, d), float(r[6])])
    xlsx = tmp_path / "list.xlsx"
    book.save(xlsx)
    return [gbk, xlsx, utf8]


@pytest.mark.parametrize("first", [0, 1, 2], ids=["gbk", "xlsx", "utf8"])
def test_same_list_as_gbk_csv_xlsx_or_utf8_is_one_import(
    people, tmp_path: Path, first: int
) -> None:
    services = people
    files = _same_list_three_ways(tmp_path)
    report = services.imports.enrolments(files[first], year=2024)
    assert report.encoding == ("gb18030", "xlsx", "utf-8")[first]
    assert (report.imported, report.persons_created, report.problems) == (3, 1, [])
    stored = _stored(services.engine)
    assert stored == {
        (A, 2024, date(2023, 10, 15), 38000, "普通居民"),
        (B, 2024, date(2023, 11, 2), 14000, "低保对象"),
        (NEW, 2024, date(2023, 12, 1), 38000, "普通居民"),
    }
    after = counts(services.engine, *TABLES)
    for path in files:
        again = services.imports.enrolments(path, year=2024)
        assert (again.imported, again.unchanged) == (0, 3)
        assert counts(services.engine, *TABLES) == after


def test_whole_file_refusals(people, tmp_path: Path) -> None:
    services = people
    path = _csv(tmp_path, [HEADER, f"{A},张三,2025,普通居民,2024-10-15,400"])
    with pytest.raises(ImportFileError, match="正在办理 2025 年度"):
        services.imports.enrolments(path, year=2025)  # the year this registry collects
    with pytest.raises(ImportFileError, match="表头"):
        services.imports.enrolments(_csv(tmp_path, ["名字,号码", "张三,1"], "x.csv"), year=2024)
    with pytest.raises(ImportFileError, match="找不到文件"):
        services.imports.enrolments(tmp_path / "none.csv", year=2024)
    report = services.imports.enrolments(
        _csv(tmp_path, ["身份证号码,姓名,缴费日期,缴费金额", f"{A},张三,2023-10-15,380"], "d.csv"),
        year=2024,
        dry_run=True,
    )
    assert report.imported == 1 and report.batch_id is None
    assert _stored(services.engine) == set()


def test_cli_lists_problems_and_an_interrupted_import_writes_nothing(
    registry_url: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    from yibao import audit
    from yibao.cli.main import main

    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    from tests.signin import feed_password, signed_in
    from yibao.config import ensure_device
    from yibao.db import open_registry

    engine = open_registry(registry_url)
    signed_in(engine, ensure_device(engine), "导入员")
    engine.dispose()
    feed_password(monkeypatch, times=200)
    argv = ["--password-stdin", "--db", registry_url, "--clerk", "导入员", "--policy", "shangnan-2025", "import"]
    bad = _csv(
        tmp_path,
        [HEADER, f"{NEW},赵六,2024,普通居民,2023-10-15,380", f"{BAD},张三,2024,,2023-10-15,380"],
    )
    assert main([*argv, "enrolments", str(bad), "--year", "2024"]) == 3
    out, err = capsys.readouterr()
    assert "第 3 行“身份证号码”列" in err and "整份名单未导入" in err + out
    assert main([*argv, "enrolments", str(bad), "--year", "明年"]) == 1
    assert "四位年份" in capsys.readouterr().err

    good = _csv(tmp_path, [HEADER, f"{NEW},赵六,2024,普通居民,2023-10-15,380"], "good.csv")
    real_record = audit.record

    def stop(*args, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("action") == "import.enrolments":
            raise KeyboardInterrupt  # the clerk presses Ctrl-C at the very end
        return real_record(*args, **kwargs)

    monkeypatch.setattr(audit, "record", stop)
    assert main([*argv, "enrolments", str(good), "--year", "2024"]) == 130
    assert "没有写入" in capsys.readouterr().err
    monkeypatch.setattr(audit, "record", real_record)
    from yibao.db import open_registry

    engine = open_registry(registry_url)
    try:
        assert counts(engine, PriorEnrolment, ImportBatch) == {
            "prior_enrolment": 0,
            "import_batch": 0,
        }
        assert main([*argv, "enrolments", str(good), "--year", "2024"]) == 0
        out = capsys.readouterr().out
        assert "导入完成" in out and "新增2024年度参保缴费记录 1 条" in out
        assert main([*argv, "enrolments", str(good), "--year", "2024"]) == 0
        assert "登记库没有变化" in capsys.readouterr().out
        assert counts(engine, PriorEnrolment)["prior_enrolment"] == 1
    finally:
        engine.dispose()


def test_the_shipped_samples_import_in_their_three_formats(services) -> None:  # type: ignore[no-untyped-def]
    """data/samples: 2022 as GBK CSV, 2023 as .xlsx, 2024 as UTF-8 CSV (fictitious numbers)."""
    samples = Path(__file__).resolve().parents[2] / "data" / "samples"
    files = {
        2022: "enrolments-2022-gbk.csv",
        2023: "enrolments-2023.xlsx",
        2024: "enrolments-2024.csv",
    }
    for year, name in files.items():
        report = services.imports.enrolments(samples / name, year=year)
        assert report.problems == [], [str(p) for p in report.problems]
    assert counts(services.engine, PriorEnrolment)["prior_enrolment"] == 5 + 5 + 4
    by_name = {p.name: p for p in services.lookup.search("李秀英") + services.lookup.search("刘强")}
    li = services.history.known(by_name["李秀英"].person_id)
    assert (li.last_paid_year, li.lapsed_years, li.repaid_years) == (2022, 2, 0)
    liu = services.history.known(by_name["刘强"].person_id)
    # 2023's contribution paid on 2024-03-05, after 2023: a repair, not a year insured
    assert (liu.paid_years, liu.lapsed_years, liu.repaid_years) == ((2022,), 2, 1)
