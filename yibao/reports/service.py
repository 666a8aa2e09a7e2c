"""Writing report files, with the audit row every export of personal data gets.

``write_ledgers`` enforces who may ask for full ID numbers: only a 审核人员 (role
``supervisor``); anyone else is refused before anything is written. Each file written is
recorded in the audit log (who, when, which file, how many people, masked or full).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from yibao.audit import Actor, record
from yibao.models import AuditOutcome, Clerk, Role
from yibao.reports.base import Scope, gc_paused
from yibao.reports.ledger_book import write_ledger_book
from yibao.reports.ledgers import LEDGERS, SUBSIDY
from yibao.reports.sheet import Sheet
from yibao.reports.weekly import weekly, weekly_sheets
from yibao.reports.workbook import write_workbook


class ReportRefused(PermissionError):
    """Not allowed to write this report as asked; ``message`` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Written:
    path: Path
    rows: dict[str, int]  # per sheet, its rows (the sheets themselves are not kept: a
    # county's ledgers hold a million rows)
    pdf: Path | None = None

    def counts(self) -> dict[str, int]:
        return dict(self.rows)


def _rows(sheets: list[Sheet]) -> dict[str, int]:
    return {s.name: len(s.rows) for s in sheets}


def _check_xlsx(path: Path) -> None:
    if path.suffix.lower() != ".xlsx":
        raise ReportRefused(f"文件名 {path.name} 不是 .xlsx。请用 --to 文件名.xlsx 指定 Excel 文件。")


def write_ledgers(
    engine: Engine, scope: Scope, *, to: Path | str, actor: Actor, now: datetime, full_ids: bool = False
) -> Written:
    path = Path(to)
    _check_xlsx(path)
    with Session(engine) as session:
        if full_ids:
            clerk = session.get(Clerk, actor.clerk_id) if actor.clerk_id else None
            if clerk is None or clerk.role != Role.SUPERVISOR.value:
                record(
                    session, actor=actor, at=now, action="report.ledgers.full_id",
                    entity="person", entity_id=None, outcome=AuditOutcome.REFUSED,
                    summary="不予办理：非审核人员要求导出完整身份证号的台账",
                )
                session.commit()
                raise ReportRefused(
                    "只有审核人员可以导出完整身份证号的台账。请由审核人员登录后办理，或不加 --full-id 导出遮蔽号码的台账。"
                )
        # The check's read ended: the workbook reads its own snapshot, in two processes
        # where it can (``yibao.reports.ledger_book``), with no connection held here.
        session.rollback()
        with gc_paused():  # the rows made, written and dropped inside
            rows = write_ledger_book(engine, scope, path, full_ids=full_ids)
        counts = {name: n for name, n in rows.items() if name in (*LEDGERS, SUBSIDY)}
        record(
            session,
            actor=actor,
            at=now,
            action="report.ledgers.full_id" if full_ids else "report.ledgers",
            entity="person",
            entity_id=None,
            summary=(
                f"导出台账 {path.name}（{scope.year}年度，截至{scope.as_of.isoformat()}，"
                + ("完整身份证号" if full_ids else "身份证号已遮蔽")
                + "）："
                + "，".join(f"{k} {v} 人" for k, v in counts.items())
            ),
            after={"file": path.name, "as_of": scope.as_of.isoformat(), "town": scope.town,
                   "full_id": full_ids, "counts": counts},
        )
        session.commit()
    return Written(path=path, rows=rows)


def write_weekly(
    engine: Engine, scope: Scope, *, to: Path | str, actor: Actor, now: datetime, pdf: bool = True
) -> Written:
    path = Path(to)
    _check_xlsx(path)
    sheets = weekly_sheets(weekly(engine, scope))
    write_workbook(path, sheets)
    pdf_path = None
    if pdf:
        from yibao.printing.pdf import write_pdf

        pdf_path = write_pdf(path.with_suffix(".pdf"), sheets)
    with Session(engine) as session:
        record(
            session,
            actor=actor,
            at=now,
            action="report.weekly",
            entity="payment",
            entity_id=None,
            summary=f"生成周报 {path.name}（截至{scope.as_of.isoformat()}）",
            after={"file": path.name, "pdf": pdf_path.name if pdf_path else None,
                   "week_ending": scope.as_of.isoformat()},
        )
        session.commit()
    return Written(path=path, rows=_rows(sheets), pdf=pdf_path)


@dataclass(frozen=True)
class Tallied:
    years: list[int]
    persons: int


def rebuild_tally(
    engine: Engine, *, actor: Actor, now: datetime, years: list[int] | None = None
) -> Tallied:
    """Build the progress counts (``yibao.reports.tally``) for ``years`` (default: every
    year with payments, enrolments or an imported payer list, and the next), in one
    transaction with its audit row."""
    from yibao.db import write_engine
    from yibao.reports import tally

    with Session(write_engine(engine)) as session:
        conn = session.connection()
        chosen = sorted(set(years)) if years else tally.years_to_build(conn)
        if not chosen:
            raise ReportRefused(
                "登记库中还没有任何缴费、参保登记或导入的缴费名单，无需建立进度统计。"
            )
        persons = tally.rebuild(conn, chosen, now=now)
        record(
            session,
            actor=actor,
            at=now,
            action="report.tally",
            entity="person",
            entity_id=None,
            summary=f"重建征缴进度统计（{'、'.join(str(y) for y in chosen)}年度，{persons} 人）",
            after={"years": chosen, "persons": persons},
        )
        session.commit()
    return Tallied(years=chosen, persons=persons)
