"""The ledger workbook and the weekly report as files: read back, rendered, masked, audited."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from yibao.audit import Actor
from yibao.config import ensure_clerk, ensure_device
from yibao.models import AuditLog, Role
from yibao.policy import load_policy
from yibao.reports.base import Scope
from yibao.reports.service import ReportRefused, write_ledgers, write_weekly

SCOPE = Scope(load_policy("shangnan-2025"), date(2024, 12, 20))
NOW = datetime(2024, 12, 21, 2, tzinfo=UTC)


def _actor(engine: sa.Engine, role: Role = Role.CLERK) -> Actor:
    device = ensure_device(engine, name="测试窗口", now=NOW)
    clerk = ensure_clerk(engine, name="李审核" if role is Role.SUPERVISOR else "王芳",
                         device=device, role=role, now=NOW)
    return Actor(device_id=device.id, clerk_id=clerk.id, clerk_name=clerk.name)


def _sheet_rows(ws) -> list[tuple]:  # type: ignore[no-untyped-def]
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "序号") + 1
    return [r for r in rows[start:] if isinstance(r[0], int)]


def test_ledger_workbook_reads_back(engine: sa.Engine, people: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    write_ledgers(engine, SCOPE, to=path, actor=_actor(engine), now=NOW)
    assert os.stat(path).st_mode & 0o777 == 0o600
    book = load_workbook(path)
    assert book.sheetnames == ["户籍人口未参保", "常住人口未参保", "上年度参保本年度未参保",
                               "特殊身份群体未参保", "资助参保台账", "资助资金来源汇总"]
    ws = book["上年度参保本年度未参保"]
    header = " ".join(str(ws.cell(row=i, column=1).value) for i in range(1, 5))
    assert "商南政办发〔2024〕57号" in header and "商南县" in header
    assert "2025年" in header and "2024-12-20" in header
    rows = _sheet_rows(ws)
    assert sorted(r[3] for r in rows) == sorted(["李二", "孙六", "陈十一"])
    assert all("********" in r[4] for r in rows)  # masked: first 6, last 4
    totals = _sheet_rows(book["户籍人口未参保"])
    assert len(totals) == 7
    money = list(book["资助资金来源汇总"].iter_rows(values_only=True))
    total_row = next(r for r in money if r[0] == "合计")
    head = next(r for r in money if r[0] == "资助身份")
    assert head[3:7] == ("医疗救助基金（元）", "省财政（元）", "市财政（元）", "县区财政（元）")
    # 2 people, 240 + 400 = 640.00 元: 医疗救助 40 + 400 = 440, 省 45, 市 31, 县区 124.
    assert total_row[:7] == ("合计", 2, "640.00", "440.00", "45.00", "31.00", "124.00")
    with engine.connect() as conn:
        actions = conn.scalars(sa.select(AuditLog.action).where(AuditLog.action.like("report.%"))).all()
    assert actions == ["report.ledgers"]


def test_full_ids_only_for_a_supervisor(engine: sa.Engine, people: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    with pytest.raises(ReportRefused) as refused:
        write_ledgers(engine, SCOPE, to=path, actor=_actor(engine), now=NOW, full_ids=True)
    assert "审核人员" in refused.value.message and not path.exists()
    write_ledgers(engine, SCOPE, to=path, actor=_actor(engine, Role.SUPERVISOR), now=NOW, full_ids=True)
    rows = _sheet_rows(load_workbook(path)["常住人口未参保"])
    assert len(rows) == 1 and "*" not in rows[0][4] and len(rows[0][4]) == 18
    with engine.connect() as conn:
        outcomes = conn.execute(
            sa.select(AuditLog.action, AuditLog.outcome).where(AuditLog.action.like("report.%"))
            .order_by(AuditLog.id)
        ).all()
    assert [tuple(o) for o in outcomes] == [("report.ledgers.full_id", "refused"), ("report.ledgers.full_id", "done")]


def test_weekly_workbook_and_pdf(engine: sa.Engine, people: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "周报.xlsx"
    written = write_weekly(engine, Scope(SCOPE.policy, date(2024, 11, 29)), to=path,
                           actor=_actor(engine), now=NOW)
    rows = list(load_workbook(path)["征缴进度周报"].iter_rows(values_only=True))
    total = next(r for r in rows if r[0] == "商南县合计")
    # target 194268; this week 1 (H); to date 4; refunds in 1 (400.00), paid 1 (400.00).
    assert total[:4] == ("商南县合计", 194268, 1, 4)
    assert total[6:10] == (1, "400.00", 1, "400.00")
    assert written.pdf is not None and written.pdf.read_bytes()[:5] == b"%PDF-"
    assert os.stat(written.pdf).st_mode & 0o777 == 0o600
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed: PDF written but not rendered")
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(written.pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 2 and all(p.stat().st_size > 5000 for p in pages)
