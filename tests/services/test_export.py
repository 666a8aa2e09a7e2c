"""Export of a benefit year's enrolments and payments to CSV."""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from tests.signin import cli, signed_in
from yibao.audit import Actor
from yibao.config import ensure_device
from yibao.db import open_registry
from yibao.demo import DemoSettings, build_demo
from yibao.export import HEADER, ExportError, export_year, yuan_text
from yibao.models import AuditLog, Payment

NOW = datetime(2024, 11, 20, 2, 0, tzinfo=UTC)
SETTINGS = DemoSettings(
    policy_id="shangnan-2025",
    region_code="611023",
    benefit_year=2025,
    standard_fen=40000,
    subsidy_fen={"minimum_living": 24000},
    centralized_start=date(2024, 9, 1),
    centralized_end=date(2024, 12, 20),
    benefit_start=date(2025, 1, 1),  # the file's periods.benefit
    benefit_end=date(2025, 12, 31),
)
CLEAR_ID = re.compile(r"\d{17}[\dX]")


@pytest.fixture
def registry(registry_url: str):
    engine = open_registry(registry_url)
    device = ensure_device(engine, now=NOW)
    clerk = signed_in(engine, device, "统计员", now=NOW)
    actor = Actor(device_id=device.id, clerk_id=clerk.id, clerk_name=clerk.name)
    with Session(engine) as s:
        build_demo(
            s,
            persons=400,
            settings=SETTINGS,
            seed=2,
            actor=actor,
            device_prefix=device.prefix,
            now=NOW,
        )
        s.commit()
    yield engine, actor
    engine.dispose()


def _export(engine, actor, path: Path, **kw):
    with Session(engine) as s:
        report = export_year(s, year=2025, to=path, actor=actor, now=NOW, **kw)
        s.commit()
        return report


def _audit_actions(engine) -> list[str]:
    with Session(engine) as s:
        return list(s.execute(sa.select(AuditLog.action)).scalars())


def test_masked_export_opens_in_excel_and_adds_up(registry, tmp_path: Path) -> None:
    engine, actor = registry
    path = tmp_path / "参保缴费2025.csv"
    report = _export(engine, actor, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    text = raw.decode("utf-8-sig")
    assert not CLEAR_ID.search(text)
    rows = list(csv.DictReader(text.splitlines()))
    assert tuple(rows[0]) == HEADER and len(rows) == report.rows
    with Session(engine) as s:
        total = s.execute(
            sa.select(sa.func.sum(Payment.amount_fen)).where(Payment.status == "paid")
        ).scalar_one()
    paid = [r for r in rows if r["收据号"]]
    assert len(paid) == report.payments
    assert sum(int(r["实缴金额_分"]) for r in paid) == total == report.amount_fen
    for r in paid:
        assert r["实缴金额_元"] == yuan_text(int(r["实缴金额_分"]))
        assert int(r["个人缴费_分"]) == int(r["筹资标准_分"]) - int(r["资助_分"])
        assert re.fullmatch(r"\d{6}\*{8}[\dX]{4}", r["身份证号"])
    unpaid = [r for r in rows if not r["收据号"]]
    assert unpaid and all(
        r["参保状态"] == "已登记未缴费" and r["实缴金额_分"] == "" for r in unpaid
    )
    assert _audit_actions(engine).count("export.masked") == 1
    assert not list(tmp_path.glob(".yibao-export-*"))  # no temporary file left


def test_full_id_export_is_audited(registry, tmp_path: Path) -> None:
    engine, actor = registry
    path = tmp_path / "full.csv"
    report = _export(engine, actor, path, full_id=True)
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert all(CLEAR_ID.fullmatch(r["身份证号"].lstrip("\t")) for r in rows)
    assert _audit_actions(engine).count("export.full_id") == 1
    with Session(engine) as s:
        entry = s.execute(
            sa.select(AuditLog).where(AuditLog.action == "export.full_id")
        ).scalar_one()
    assert entry.clerk_name == "统计员" and entry.after["rows"] == report.rows
    assert not CLEAR_ID.search(entry.summary + str(entry.after))


def test_bad_targets_are_refused_in_chinese(registry, tmp_path: Path) -> None:
    engine, actor = registry
    with pytest.raises(ExportError, match="不存在"):
        _export(engine, actor, tmp_path / "nowhere" / "x.csv")
    with pytest.raises(ExportError, match=r"\.csv"):
        _export(engine, actor, tmp_path / "x.xlsx")
    with Session(engine) as s, pytest.raises(ExportError, match="年份"):
        export_year(s, year=25, to=tmp_path / "x.csv", actor=actor, now=NOW)


def test_cli_export(registry_url: str, registry, tmp_path: Path, capsys, monkeypatch) -> None:
    from yibao.cli.main import main

    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("YIBAO_CLERK", raising=False)
    target = tmp_path / "out.csv"
    assert (
        cli(
            monkeypatch,
            *[
                "--db",
                registry_url,
                "--clerk",
                "统计员",
                "export",
                "--year",
                "2025",
                "--to",
                str(target),
            ]
        )
        == 0
    )
    out, _err = capsys.readouterr()
    assert "已导出" in out and target.exists()
    status = main(["--db", registry_url, "export", "--year", "2025", "--to", str(target)])
    _out, err = capsys.readouterr()
    assert status != 0 and "经办人员" in err and "Traceback" not in err
