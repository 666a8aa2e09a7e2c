"""Department lists of special identities: checks, idempotence, ending, xlsx and GBK."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from tests.signin import cli, signed_in
from yibao.audit import Actor
from yibao.config import ensure_device
from yibao.db import open_registry
from yibao.identities import Identity
from yibao.idgen import make_id_number
from yibao.imports.errors import ImportFileError
from yibao.imports.identities import import_identities
from yibao.models import AuditLog, ImportBatch, Person, PersonIdentity
from yibao.pinyin import initials

NOW = datetime(2024, 9, 10, 2, 0, tzinfo=UTC)
LATER = datetime(2024, 10, 10, 2, 0, tzinfo=UTC)

A = make_id_number("612524", date(1950, 1, 2), 11)
B = make_id_number("612524", date(1960, 3, 4), 22)
C = make_id_number("612524", date(1970, 5, 6), 33)
NEW = make_id_number("612524", date(1980, 7, 8), 45)  # not in the registry
BAD = A[:-1] + ("0" if A[-1] != "0" else "1")  # wrong check digit


@pytest.fixture
def registry(registry_url: str):
    engine = open_registry(registry_url)
    device = ensure_device(engine, now=NOW)
    clerk = signed_in(engine, device, "导入员", now=NOW)
    actor = Actor(device_id=device.id, clerk_id=clerk.id, clerk_name=clerk.name)
    with Session(engine) as s:
        for number, name in ((A, "张三"), (B, "李四"), (C, "王五")):
            s.add(
                Person(
                    id_number=number,
                    id_tail=number[-6:],
                    name=name,
                    name_initials=initials(name),
                    birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                    device_id=device.id,
                )
            )
        s.commit()
    yield engine, actor
    engine.dispose()


def _run(engine, actor, path: Path, *, dept: str = "民政", batch: str = "2024-09", now=NOW, **kw):
    with Session(engine) as s:
        report = import_identities(
            s, path, department=dept, batch=batch, actor=actor, now=now, **kw
        )
        s.commit()
        return report


def _counts(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            t.__tablename__: s.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (Person, PersonIdentity, AuditLog, ImportBatch)
        }


def _csv(tmp_path: Path, lines: list[str], name: str = "list.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def test_bad_rows_are_reported_with_row_numbers(registry, tmp_path: Path) -> None:
    engine, actor = registry
    path = _csv(
        tmp_path,
        [
            "某县民政局 2024年9月 低保名单",  # title line above the header
            "序号,姓名,身份证号码,身份类别,认定日期",
            f"1,张三,{A},低保对象,2024-08-01",  # row 3: good
            f"2,李四,{BAD},低保对象,2024-08-01",  # row 4: check digit
            f"3,李五,{B},低保对象,2024-08-01",  # row 5: name differs from registry
            f"4,王五,{C},贫困户,2024-08-01",  # row 6: unknown identity
            f"5,王五,{C},特困人员,2024-13-01",  # row 7: bad date
            f"6,张三,{A},低保,2024-08-01",  # row 8: duplicate of row 3
            f"7,王五,{C},重度残疾人,",  # row 9: not a 民政 identity
            f"8,,{C},特困人员,",  # row 10: no name
            f"9,赵六,{NEW},特困人员,2024/8/15",  # row 11: good, new person
        ],
    )
    report = _run(engine, actor, path)
    reasons = {p.row: p.reason for p in report.problems}
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9, 10]
    assert "校验码" in reasons[4]
    assert "不一致" in reasons[5] and "李四" in reasons[5]
    assert "贫困户" in reasons[6] and "无法识别" in reasons[6]
    assert "2024-13-01" in reasons[7]
    assert "与第 3 行重复" in reasons[8]
    assert "不由民政认定" in reasons[9]
    assert "缺少姓名" in reasons[10]
    assert all(A not in r and B not in r for r in reasons.values())  # masked in messages
    assert (report.rows_read, report.imported, report.refused) == (9, 2, 7)
    assert report.persons_created == 1
    with Session(engine) as s:
        created = s.exec(select(Person).where(Person.id_number == NEW)).one()
        assert created.name == "赵六" and created.birth_date == date(1980, 7, 8)
        assert created.name_initials == "zl" and "民政" in (created.note or "")
        identity = s.exec(
            select(PersonIdentity).where(PersonIdentity.person_id == created.id)
        ).one()
        assert identity.code == Identity.EXTREME_POVERTY.value
        assert identity.recognised_on == date(2024, 8, 15)
        actions = [a for (a,) in s.execute(sa.select(AuditLog.action))]
        assert actions.count("identity.import") == 2 and actions.count("person.import") == 1
        assert actions.count("import.identities") == 1
        for after in s.execute(sa.select(AuditLog.after)).scalars():
            assert NEW not in str(after) and A not in str(after)


def test_same_file_twice_changes_nothing(registry, tmp_path: Path) -> None:
    engine, actor = registry
    path = _csv(
        tmp_path,
        [
            "姓名,身份证号,身份类别",
            f"张三,{A},低保对象",
            f"李四,{B},低保对象",
            f"赵六,{NEW},特困人员",
        ],
    )
    first = _run(engine, actor, path)
    assert (first.imported, first.unchanged, first.persons_created) == (3, 0, 1)
    before = _counts(engine)
    second = _run(engine, actor, path)
    assert (second.imported, second.unchanged, second.ended, second.refused) == (0, 3, 0, 0)
    assert second.batch_id is None and not second.changed
    assert _counts(engine) == before


def test_same_file_twice_with_an_end_date_changes_nothing(registry, tmp_path: Path) -> None:
    """A row whose identity has already ended (结束日期 given) is on file after the first
    import: the second import of the same file adds no second identity for it."""
    engine, actor = registry
    path = _csv(
        tmp_path,
        [
            "姓名,身份证号,身份类别,认定日期,开始日期,结束日期",
            f"张三,{A},低保对象,2023-05-10,2023-06-01,2024-06-30",
            f"李四,{B},低保对象,2023-05-10,2023-06-01,",
        ],
    )
    first = _run(engine, actor, path)
    assert (first.imported, first.unchanged) == (2, 0)
    before = _counts(engine)
    second = _run(engine, actor, path)
    assert (second.imported, second.unchanged, second.ended, second.refused) == (0, 2, 0, 0)
    assert second.batch_id is None and not second.changed
    assert _counts(engine) == before
    with Session(engine) as s:
        codes = s.execute(sa.select(PersonIdentity.code).join(Person).where(Person.id_number == A)).scalars().all()
    assert len(codes) == 1  # one 低保 identity, not two


def test_missing_from_later_list_is_ended_not_deleted(registry, tmp_path: Path) -> None:
    engine, actor = registry
    september = _csv(
        tmp_path,
        [
            "姓名,身份证号,身份类别",
            f"张三,{A},低保对象",
            f"李四,{B},低保对象",
            f"王五,{C},特困人员",
        ],
        "sep.csv",
    )
    _run(engine, actor, september)
    october = _csv(tmp_path, ["姓名,身份证号,身份类别", f"张三,{A},低保对象"], "oct.csv")
    report = _run(engine, actor, october, batch="2024-10", now=LATER)
    assert (report.unchanged, report.ended, report.imported) == (1, 1, 0)
    with Session(engine) as s:
        rows = {
            (number, code): valid_to
            for number, code, valid_to in s.execute(
                sa.select(Person.id_number, PersonIdentity.code, PersonIdentity.valid_to).join(
                    Person, Person.id == PersonIdentity.person_id
                )
            )
        }
    assert rows[(B, "minimum_living")] == date(2024, 9, 30)  # ended, still there
    assert rows[(A, "minimum_living")] is None
    assert rows[(C, "extreme_poverty")] is None  # another type: not in the October list's types
    # back on a later list: a new period begins
    november = _csv(
        tmp_path, ["姓名,身份证号,身份类别", f"张三,{A},低保对象", f"李四,{B},低保"], "nov.csv"
    )
    report = _run(engine, actor, november, batch="2024-11", now=LATER)
    assert (report.imported, report.unchanged) == (1, 1)
    # an older list after a newer one is refused as a whole
    with pytest.raises(ImportFileError, match="更早"):
        _run(engine, actor, september, batch="2024-09", now=LATER)


def test_xlsx_with_title_row_and_excel_dates(registry, tmp_path: Path) -> None:
    from openpyxl import Workbook

    engine, actor = registry
    book = Workbook()
    sheet = book.active
    sheet.append(["残联 2024年9月 重度残疾人名单"])
    sheet.append(["姓名", "公民身份号码", "人员类别", "残疾等级", "认定日期"])
    sheet.append(["张三", A, "重度残疾人", "一级", datetime(2024, 8, 1)])
    sheet.append(["李四", B, "残疾人", 3, date(2024, 8, 2)])
    sheet.append(["王五", "611023", "残疾人", 9, "昨天"])
    sheet.append(["赵六", float(NEW[:-1] + "0"), "残疾人", 4, None])
    path = tmp_path / "残联.xlsx"
    book.save(path)
    report = _run(engine, actor, path, dept="残联")
    assert report.imported == 2
    assert [p.row for p in report.problems] == [5, 6]
    reason = report.problems[0].reason
    assert "18位" in reason and "残疾等级" in reason and "昨天" in reason
    assert "存成了数字" in report.problems[1].reason
    with Session(engine) as s:
        grades = dict(
            s.execute(sa.select(PersonIdentity.code, PersonIdentity.disability_grade)).all()
        )
    assert grades == {"severe_disability": 1, "disability": 3}


def test_gbk_csv_and_department_codes(registry, tmp_path: Path) -> None:
    engine, actor = registry
    path = _csv(
        tmp_path,
        ["姓名,身份证号码,身份代码", f"张三,{A},2303", f"李四,{B},2305", f"王五,{C},9999"],
        "gbk.csv",
        encoding="gbk",
    )
    codes = {"2303": Identity.MINIMUM_LIVING, "2305": Identity.LOW_INCOME}
    report = _run(engine, actor, path, department_codes=codes)
    assert report.encoding == "gb18030"
    assert report.imported == 2 and [p.row for p in report.problems] == [4]
    assert "9999" in report.problems[0].reason
    with Session(engine) as s:
        stored = set(s.execute(sa.select(PersonIdentity.code, PersonIdentity.department_code)))
    assert stored == {("minimum_living", "2303"), ("low_income", "2305")}


def test_whole_list_identity_and_dry_run(registry, tmp_path: Path) -> None:
    engine, actor = registry
    path = _csv(tmp_path, ["姓名,身份证号", f"张三,{A}", f"李四,{B}"])
    before = _counts(engine)
    report = _run(
        engine, actor, path, dept="农业农村", default_identity="边缘易致贫户", dry_run=True
    )
    assert report.imported == 2 and report.batch_id is None
    assert _counts(engine) == before
    with pytest.raises(ImportFileError, match="身份证号"):
        _run(engine, actor, _csv(tmp_path, ["名字,号码", "张三,1"], "nohead.csv"), dept="民政")
    with pytest.raises(ImportFileError, match="部门"):
        _run(engine, actor, path, dept="公安")
    with pytest.raises(ImportFileError, match="批次"):
        _run(engine, actor, path, batch="2024年9月")
    with pytest.raises(ImportFileError, match="找不到文件"):
        _run(engine, actor, tmp_path / "none.csv")


def _clerk_at(url: str) -> None:
    """The clerk the commands below sign in as (created by a 管理 in real use)."""
    engine = open_registry(url)
    signed_in(engine, ensure_device(engine, now=NOW), "导入员", now=NOW)
    engine.dispose()


def test_cli_reports_rows_and_exits_non_zero(
    registry_url: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    _clerk_at(registry_url)

    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    path = _csv(
        tmp_path, ["姓名,身份证号,身份类别", f"赵六,{NEW},低保对象", f"张三,{BAD},低保对象"]
    )
    status = cli(
        monkeypatch,
        *[
            "--db",
            registry_url,
            "--clerk",
            "导入员",
            "import",
            "identities",
            str(path),
            "--dept",
            "民政",
            "--batch",
            "2024-09",
        ]
    )
    out, err = capsys.readouterr()
    assert status == 3
    assert "第 3 行" in err and "校验码" in err
    assert "新增身份 1 条" in out and "拒收 1 行" in out
    status = cli(
        monkeypatch,
        *[
            "--db",
            registry_url,
            "--clerk",
            "导入员",
            "import",
            "identities",
            str(tmp_path / "x.csv"),
            "--dept",
            "民政",
            "--batch",
            "2024-09",
        ]
    )
    out, err = capsys.readouterr()
    assert status != 0 and "找不到文件" in err and "Traceback" not in err


def test_counter_entries_are_confirmed_not_ended_by_a_first_list(registry, tmp_path: Path) -> None:
    engine, actor = registry
    with Session(engine) as s:
        person = s.exec(select(Person).where(Person.id_number == B)).one()
        s.add(
            PersonIdentity(
                person_id=person.id,
                code="minimum_living",
                department="民政",
                device_id=actor.device_id,
            )
        )
        s.commit()
    only_a = _csv(tmp_path, ["姓名,身份证号,身份类别", f"张三,{A},低保对象"], "a.csv")
    assert _run(engine, actor, only_a).ended == 0  # never on a list: left to the clerk
    both = _csv(
        tmp_path, ["姓名,身份证号,身份类别", f"张三,{A},低保对象", f"李四,{B},低保对象"], "ab.csv"
    )
    report = _run(engine, actor, both, batch="2024-10", now=LATER)
    assert (report.confirmed, report.unchanged, report.imported) == (1, 1, 0)
    assert _run(engine, actor, both, batch="2024-10", now=LATER).changed is False
    report = _run(engine, actor, only_a, batch="2024-11", now=LATER)
    assert report.ended == 1


def test_through_the_services_container(services, tmp_path: Path) -> None:
    from yibao.imports.service import ImportService

    path = _csv(tmp_path, ["姓名,身份证号,身份类别", f"赵六,{NEW},低保对象"])
    report = ImportService(services).identities(path, department="民政", batch="2024-09")
    assert (report.imported, report.persons_created) == (1, 1)
    again = ImportService(services).identities(path, department="民政", batch="2024-09")
    assert again.unchanged == 1 and not again.changed


def test_refused_row_of_a_listed_person_does_not_end_their_identity(
    registry, tmp_path: Path
) -> None:
    """A typo in a person's row is reported; their identity is kept, not ended as "dropped"."""
    engine, actor = registry
    september = _csv(
        tmp_path,
        [
            "姓名,身份证号,身份类别,认定日期",
            f"张三,{A},低保对象,2024-08-01",
            f"李四,{B},低保对象,2024-08-01",
            f"王五,{C},低保对象,2024-08-01",
        ],
        "sep.csv",
    )
    _run(engine, actor, september)
    october = _csv(
        tmp_path,
        [
            "姓名,身份证号,身份类别,认定日期",
            f"张三,{A},低保对象,2024-08-01",
            f"李四,{B},低保对象,2024-13-01",  # row 3: bad date, still on the list
            f"王小五,{C},低保,2024-08-01",  # row 4: name differs from the registry
        ],
        "oct.csv",
    )
    report = _run(engine, actor, october, batch="2024-10", now=LATER)
    assert [p.row for p in report.problems] == [3, 4]
    assert (report.ended, report.held) == (0, 2)
    assert any("保留身份 2 条" in line for line in report.summary_lines())
    with Session(engine) as s:
        ends = dict(
            s.execute(
                sa.select(Person.id_number, PersonIdentity.valid_to).join(
                    Person, Person.id == PersonIdentity.person_id
                )
            ).all()
        )
    assert ends == {A: None, B: None, C: None}
    # the corrected list a month later: still nobody dropped; one really missing is ended
    november = _csv(
        tmp_path,
        ["姓名,身份证号,身份类别", f"张三,{A},低保对象", f"李四,{B},低保对象"],
        "nov.csv",
    )
    report = _run(engine, actor, november, batch="2024-11", now=LATER)
    assert (report.ended, report.held, report.unchanged) == (1, 0, 2)
    with Session(engine) as s:
        ended = s.execute(
            sa.select(Person.id_number, PersonIdentity.valid_to)
            .join(Person, Person.id == PersonIdentity.person_id)
            .where(PersonIdentity.valid_to.is_not(None))  # type: ignore[union-attr]
        ).all()
    assert ended == [(C, date(2024, 10, 31))]


def _same_list_three_ways(tmp_path: Path) -> list[Path]:
    from openpyxl import Workbook

    header = ["序号", "姓名", "身份证号码", "身份类别", "认定日期"]
    rows = [
        [1, "张三", A, "低保对象", "2024-08-01"],
        [2, "李四", B, "特困人员", "2024-08-02"],
        [3, "赵六", NEW, "低保对象", "2024-08-03"],
        [4, "王五", BAD, "低保对象", "2024-08-01"],  # refused: check digit
    ]
    lines = [",".join(str(v) for v in r) for r in [header, *rows]]
    utf8 = _csv(tmp_path, ["县民政局 低保特困名单", *lines], "list-utf8.csv")
    gbk = _csv(tmp_path, ["县民政局 低保特困名单", *lines], "list-gbk.csv", encoding="gbk")
    book = Workbook()
    sheet = book.active
    sheet.append(["县民政局 低保特困名单"])
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    xlsx = tmp_path / "list.xlsx"
    book.save(xlsx)
    return [gbk, xlsx, utf8]


@pytest.mark.parametrize("first", [0, 1, 2], ids=["gbk", "xlsx", "utf8"])
def test_same_list_as_gbk_csv_xlsx_or_utf8_is_one_import(
    registry, tmp_path: Path, first: int
) -> None:
    """The same list in any of the three formats stores the same rows, and only once."""
    engine, actor = registry
    files = _same_list_three_ways(tmp_path)
    report = _run(engine, actor, files[first])
    assert (report.imported, report.persons_created, report.refused) == (3, 1, 1)
    assert [p.row for p in report.problems] == [6]
    after_first = _counts(engine)
    assert after_first["import_batch"] == 1
    with Session(engine) as s:
        stored = set(
            s.execute(
                sa.select(Person.id_number, PersonIdentity.code, PersonIdentity.recognised_on).join(
                    Person, Person.id == PersonIdentity.person_id
                )
            ).all()
        )
    assert stored == {
        (A, "minimum_living", date(2024, 8, 1)),
        (B, "extreme_poverty", date(2024, 8, 2)),
        (NEW, "minimum_living", date(2024, 8, 3)),
    }
    for path in files:  # every format again, the first one included
        again = _run(engine, actor, path)
        assert (again.imported, again.unchanged, again.ended) == (0, 3, 0)
        assert _counts(engine) == after_first


def test_cli_interrupted_import_writes_nothing(
    registry_url: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    """The good rows go in one transaction: stopped half-way, no row of the list is stored."""
    from yibao import audit

    _clerk_at(registry_url)
    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    engine = open_registry(registry_url)
    before = _counts(engine)
    real_record = audit.record_many
    calls = {"n": 0}

    def record_then_stop(*args, **kwargs):  # type: ignore[no-untyped-def]
        # the rows' persons, identities and audit rows are written; the batch's own
        # audit row comes next: stopped there
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_record(*args, **kwargs)

    monkeypatch.setattr(audit, "record_many", record_then_stop)
    path = _csv(
        tmp_path,
        ["姓名,身份证号,身份类别", f"赵六,{NEW},低保对象", f"某某,{A},低保对象", f"钱七,{C},低保"],
    )
    argv = ["--db", registry_url, "--clerk", "导入员", "import", "identities", str(path)]
    status = cli(monkeypatch, *argv, "--dept", "民政", "--batch", "2024-09")
    assert status == 130 and "没有写入" in capsys.readouterr().err
    after = _counts(engine)
    engine.dispose()
    # the clerk row written by --clerk is outside the import; the list itself left nothing
    assert {k: after[k] for k in ("person", "person_identity", "import_batch")} == {
        k: before[k] for k in ("person", "person_identity", "import_batch")
    }


def _many(count: int, *, start: int = 1) -> list[str]:
    """``count`` good rows for new persons (valid numbers born 1950–1959)."""
    out = []
    for i in range(start, start + count):
        number = make_id_number("612524", date(1950 + i % 10, 1 + i % 12, 1 + i % 28), 100 + i)
        out.append(f"某{i:04d},{number},低保对象")
    return out


def test_chunks_give_the_same_result_as_one_pass(registry, tmp_path: Path) -> None:
    """Checks that span chunks (duplicates, names differing between rows, ending) still hold."""
    engine, actor = registry
    first = _csv(tmp_path, ["姓名,身份证号,身份类别", f"张三,{A},低保对象", f"李四,{B},低保对象"], "first.csv")
    _run(engine, actor, first, batch="2024-08")
    lines = [
        "姓名,身份证号,身份类别",
        f"张三,{A},低保对象",  # row 2: unchanged
        *_many(3),  # rows 3-5: new persons
        f"张三,{A},低保对象",  # row 6: duplicate of row 2, in another chunk
        f"赵六,{NEW},低保对象",  # row 7: new
        f"钱七,{NEW},特困人员",  # row 8: same number as row 7, other name: refused
    ]
    path = _csv(tmp_path, lines, "later.csv")
    with Session(engine) as s:
        report = import_identities(
            s, path, department="民政", batch="2024-09", actor=actor, now=NOW, chunk_size=2
        )
        s.commit()
    assert [p.row for p in report.problems] == [6, 8]
    assert "与第 2 行重复" in report.problems[0].reason
    assert "与第 7 行同一身份证号的姓名“赵六”不一致" in report.problems[1].reason
    # 李四 (B) is no longer listed: ended; 张三 unchanged; four new persons and identities
    assert (report.unchanged, report.imported, report.persons_created, report.ended) == (1, 4, 4, 1)
    assert report.rows_read == 7
    with Session(engine) as s:
        ended = s.exec(select(PersonIdentity).where(PersonIdentity.valid_to.is_not(None))).all()
        assert [i.valid_to for i in ended] == [date(2024, 8, 31)]
        actions = [a.action for a in s.exec(select(AuditLog).order_by(AuditLog.id)).all()]
    # A and B are in the registry already: 2 identities first, then 4 persons and 4 identities
    assert actions.count("person.import") == 4 and actions.count("identity.import") == 2 + 4
    assert actions.count("identity.end") == 1 and actions[-1] == "import.identities"


def test_a_bad_row_in_the_last_chunk_rolls_back_the_first(
    registry_url: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    """The first chunks are written before the last is read; a row that breaks the file
    there (a cell longer than any CSV field may be) leaves nothing of them behind."""
    from yibao.imports import identities

    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(identities, "CHUNK_ROWS", 3)
    engine = open_registry(registry_url)
    signed_in(engine, ensure_device(engine, now=NOW), "导入员", now=NOW)
    before = _counts(engine)
    broken = f"坏行,{NEW},\"{'低' * 200_000}\""  # over csv's 131,072-character field limit
    path = _csv(tmp_path, ["姓名,身份证号,身份类别", *_many(7), broken])
    argv = ["--db", registry_url, "--clerk", "导入员", "import", "identities", str(path)]
    status = cli(monkeypatch, *argv, "--dept", "民政", "--batch", "2024-09")
    err = capsys.readouterr().err
    assert status == 1 and "第 9 行" in err and "没有写入" in err and "Traceback" not in err
    after = _counts(engine)
    engine.dispose()
    assert {k: after[k] for k in ("person", "person_identity", "import_batch")} == {
        k: before[k] for k in ("person", "person_identity", "import_batch")
    }


def test_an_xlsx_damaged_inside_its_sheet_is_refused_in_chinese_and_writes_nothing(registry, tmp_path: Path) -> None:
    """Issue 11: a sheet whose XML breaks off half way gave 内部错误（ParseError）; the rows
    before the damage must not be imported either (one list, one operation)."""
    import zipfile

    from openpyxl import Workbook

    engine, actor = registry
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "公民身份号码", "人员类别"])
    for _ in range(200):
        sheet.append(["张三", A, "低保对象"])
    good = tmp_path / "good.xlsx"
    book.save(good)
    damaged = tmp_path / "民政.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(damaged, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # the sheet breaks off after about 100 rows
            out.writestr(item, data)
    with pytest.raises(ImportFileError, match="已损坏：读到第 .* 行后无法继续读取，未导入任何内容") as caught:
        _run(engine, actor, damaged)
    assert "ParseError" not in caught.value.message and "内部错误" not in caught.value.message
    with Session(engine) as s:
        assert s.exec(select(PersonIdentity)).all() == []
        assert s.exec(select(ImportBatch)).all() == []
