"""Laptop → hall: write what changed since the outreach bundle, merge it at the hall.

``export_sync`` (laptop): every row of every shared table whose content hash differs from the
one received in the outreach bundle (new rows, changed rows with the hash they had), signed
with the laptop's key. Bundles are cumulative: each holds everything since the outreach
bundle, so a lost file loses nothing.

``import_sync`` (hall), all or nothing in one transaction:

- refused before anything is written when truncated, altered, from another hall, from a
  device this hall did not issue, or older than one already imported from the same laptop;
- the same file imported again changes nothing (``sync_log``), and a row already applied
  with the same content is skipped (``sync_applied``), so overlapping bundles are safe;
- a person new on the laptop whose ID number (or birth certificate number) is already in the
  hall's registry is merged into the hall's person, and every row pointing at it follows;
  the same for an enrolment of the same person and year, a clerk of the same name, an active
  family binding of the same pair;
- a person-year paid on both sides keeps both payments (the incoming one with status
  ``conflict``, outside the one-paid-payment index) and opens a ``sync_conflict`` for a clerk
  to resolve by a refund or a correction;
- a row changed on both sides keeps the hall's version and opens a conflict;
- audit rows are inserted as they were written: clerk, device and time unchanged;
- the laptop's receipt numbers are checked for gaps against its receipt sequence.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from yibao.audit import Actor, record
from yibao.idnumbers import mask
from yibao.models import Device, to_storage
from yibao.outreach import rows as R
from yibao.outreach.bundle import Bundle, Manifest, device_key, read_bundle, write_bundle
from yibao.outreach.crash import crashpoint
from yibao.outreach.errors import OutreachError
from yibao.outreach.models import (
    PAYMENT_CONFLICT_STATUS,
    ConflictKind,
    ConflictStatus,
    HallIdentity,
    OutreachBaseline,
    OutreachDevice,
    OutreachOrigin,
    SyncApplied,
    SyncConflict,
    SyncLog,
)
from yibao.receipts import yuan
from yibao.timezone import to_local

BASE_RECORD = "_base"
NOT_SENT = frozenset({"device"})  # the hall wrote the laptop's device row itself
# Columns that point at another table without a foreign key.
_LOOSE_REFS: dict[str, dict[str, str]] = {
    "audit_log": {"clerk_id": "clerk", "person_id": "person"},
    "day_close": {"closed_by": "clerk", "reopened_by": "clerk"},
}
_ENROLMENT_PAID_FIELDS = (
    "status",
    "coverage_start",
    "coverage_end",
    "waiting_months",
    "subsidy_identity",
    "updated_at",
)
_LABELS = {
    "clerk": "经办人员",
    "household": "家庭户",
    "person": "参保人",
    "person_identity": "特殊身份",
    "import_batch": "身份名单批次",
    "enrolment": "参保登记",
    "family_binding": "家庭共济绑定",
    "payment": "缴费",
    "receipt_sequence": "收据号序列",
    "refund_request": "退费申请",
    "refund_transition": "退费流转",
    "audit_log": "操作日志",
    "day_close": "日结",
    "receipt_void": "作废收据",
}


def ordered_tables() -> list[sa.Table]:
    """Shared tables in insert order; the audit log last so every id it names is mapped."""
    tables = [t for t in R.sync_tables() if t.name not in NOT_SENT]
    return [t for t in tables if t.name != "audit_log"] + [
        t for t in tables if t.name == "audit_log"
    ]


# ---------------------------------------------------------------------------
# Laptop side
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncExportResult:
    path: Path
    manifest: Manifest
    counts: dict[str, int]


def export_sync(engine: Engine, *, to: Path | str, actor: Actor, now: datetime) -> SyncExportResult:
    target = Path(to)
    manifest: Manifest | None = None
    try:
        with Session(engine) as session, session.begin():
            origin = session.exec(select(OutreachOrigin)).first()
            if origin is None:
                raise OutreachError(
                    "本登记库不是外出登记设备（没有从外出登记数据包打开过），无需回传。"
                    "在大厅请使用 yibao sync import 导入外出设备的回传数据包。"
                )
            record(
                session,
                actor=actor,
                at=now,
                action="sync.export",
                entity="device",
                entity_id=origin.device_id,
                summary=f"导出回传数据包 {target.name}",
            )
            session.flush()
            conn = session.connection()
            base = {
                (b.table_name, b.row_id): b.row_hash for b in session.exec(select(OutreachBaseline))
            }
            records: list[dict[str, Any]] = []
            counts: Counter[str] = Counter()
            for table in ordered_tables():
                for row in R.fetch(conn, table):
                    key = R.row_key(table, row)
                    was = base.get((table.name, key))
                    if was == R.row_hash(row):
                        continue
                    records.append({"t": table.name, "r": row})
                    counts[table.name] += 1
                    if was is not None:
                        records.append({"t": BASE_RECORD, "r": {"table": table.name, "id": key, "hash": was}})
            manifest = write_bundle(
                target,
                kind="sync",
                hall_id=origin.hall_id,
                source_device_id=origin.device_id,
                target_device_id=origin.hall_device_id,
                key=bytes.fromhex(origin.key_hex),
                records=records,
                created_at=now,
                extra={"town": origin.town, "village": origin.village},
            )
    except BaseException:
        if manifest is not None:  # written, but the laptop did not commit: no stray file
            target.unlink(missing_ok=True)
        raise
    assert manifest is not None
    return SyncExportResult(path=target, manifest=manifest, counts=dict(counts))


# ---------------------------------------------------------------------------
# Hall side
# ---------------------------------------------------------------------------


@dataclass
class SyncReport:
    bundle_name: str
    source_device_id: str
    source_prefix: str
    bundle_created_at: datetime
    already_imported: bool = False
    sync_log_id: str | None = None
    added: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    tally: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    receipts: int = 0
    cash_fen: int = 0
    voided: int = 0
    receipt_last: int = 0  # the laptop's receipt sequence
    receipt_gaps: int = 0

    def count(self, what: str) -> int:
        return sum(c[what] for c in self.tally.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "merged": self.merged,
            "updated": self.updated,
            "flagged": self.flagged,
            "tally": {k: dict(v) for k, v in self.tally.items()},
            "receipts": self.receipts,
            "cash_fen": self.cash_fen,
            "voided": self.voided,
            "receipt_last": self.receipt_last,
            "receipt_gaps": self.receipt_gaps,
        }

    def render(self) -> str:
        head = (
            f"回传数据包：{self.bundle_name}（外出设备 {self.source_prefix}，"
            f"导出时间 {to_local(self.bundle_created_at):%Y-%m-%d %H:%M}）"
        )
        if self.already_imported:
            return head + "\n该数据包此前已导入，本次没有任何改动。\n"
        lines = [head]
        lines.append(
            f"新增 {self.count('added')} 条，合并 {self.count('merged')} 条，"
            f"更新 {self.count('updated')} 条，未变 {self.count('unchanged')} 条，"
            f"待处理 {len(self.flagged)} 项。"
        )
        lines.append(
            f"外出设备收据：{self.receipts} 张（其中作废 {self.voided} 张），"
            f"现金合计 {yuan(self.cash_fen)} 元。"
        )
        if self.receipt_last and not self.receipt_gaps:
            lines.append(
                f"收据号 {self.source_prefix}-{1:08d} 至 {self.source_prefix}-{self.receipt_last:08d} 全部到齐。"
            )
        for title, items in (
            ("新增", self.added),
            ("合并", self.merged),
            ("更新", self.updated),
            ("待处理（请经办人员核处）", self.flagged),
        ):
            if items:
                lines.append(f"【{title}】")
                lines.extend(f"  {item}" for item in items)
        return "\n".join(lines) + "\n"


def _person_label(row: dict[str, Any]) -> str:
    number = row.get("id_number")
    ident = mask(number) if number else (row.get("birth_cert_no") and "出生证明") or "无证件号"
    return f"{row.get('name', '')}（{ident}）"


@dataclass
class _Prev:
    target_id: str
    row_hash: str
    local_hash: str | None


class _Importer:
    def __init__(self, session: Session, bundle: Bundle, report: SyncReport) -> None:
        self.session = session
        self.conn = session.connection()
        self.bundle = bundle
        self.src = bundle.manifest.source_device_id
        self.report = report
        self.prev: dict[tuple[str, str], _Prev] = {
            (a.table_name, a.row_id): _Prev(a.target_id, a.row_hash, a.local_hash)
            for a in session.exec(select(SyncApplied).where(SyncApplied.source_device_id == self.src))
        }
        self.idmap: dict[tuple[str, str], str] = {k: p.target_id for k, p in self.prev.items()}
        self.base: dict[tuple[str, str], str] = {
            (b["table"], b["id"]): b["hash"] for b in bundle.rows(BASE_RECORD)
        }
        self.applied: dict[tuple[str, str], tuple[str, str, str | None]] = {}
        self.conflicts: list[dict[str, Any]] = []
        self.persons: dict[str, dict[str, Any]] = {r["id"]: r for r in bundle.rows("person")}
        self.skip_households: set[str] = set()

    # -- helpers ----------------------------------------------------------
    def one(self, table: sa.Table, key: str) -> dict[str, Any] | None:
        rows = R.fetch(self.conn, table, R.key_clause(table, key))
        return rows[0] if rows else None

    def remap(self, table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
        out = dict(row)
        refs = {fk.parent.name: fk.column.table.name for fk in table.foreign_keys}
        refs |= _LOOSE_REFS.get(table.name, {})
        for column, ref in refs.items():
            if out.get(column) is not None:
                out[column] = self.idmap.get((ref, out[column]), out[column])
        if table.name == "audit_log" and out.get("entity") and out.get("entity_id"):
            out["entity_id"] = self.idmap.get((out["entity"], out["entity_id"]), out["entity_id"])
        return out

    def tally(self, table: sa.Table, what: str) -> None:
        self.report.tally[table.name][what] += 1

    def done(self, table: sa.Table, key: str, target: str, incoming_hash: str, local: dict[str, Any] | None) -> None:
        self.idmap[(table.name, key)] = target
        self.applied[(table.name, key)] = (
            target,
            incoming_hash,
            R.row_hash(local) if local is not None else None,
        )

    def insert(self, table: sa.Table, row: dict[str, Any]) -> None:
        R.insert_rows(self.conn, table, [row])

    def update(self, table: sa.Table, key: str, row: dict[str, Any], columns: tuple[str, ...] | None = None) -> None:
        pk = {c.name for c in table.primary_key.columns}
        values = R.decode_row(table, row)
        values = {k: v for k, v in values.items() if k not in pk and (columns is None or k in columns)}
        self.conn.execute(sa.update(table).where(R.key_clause(table, key)).values(**values))

    def flag(self, kind: ConflictKind, table: sa.Table, summary: str, **fields: Any) -> None:
        self.conflicts.append({"kind": kind.value, "table_name": table.name, "summary": summary, **fields})
        self.report.flagged.append(f"{kind.label}：{summary}")
        self.tally(table, "flagged")

    def describe(self, table: sa.Table, row: dict[str, Any]) -> str:
        label = _LABELS.get(table.name, table.name)
        if table.name == "person":
            return f"{label} {_person_label(row)}"
        person = self.person_row(row.get("person_id"))
        who = f" {_person_label(person)}" if person else ""
        if table.name == "payment":
            return f"{label}{who} {row['benefit_year']}年度 收据 {row['receipt_no']} {yuan(row['amount_fen'])} 元"
        if table.name == "enrolment":
            return f"{label}{who} {row['benefit_year']}年度"
        if table.name == "clerk":
            return f"{label} {row['name']}"
        return f"{label}{who}"

    def person_row(self, person_id: Any) -> dict[str, Any] | None:
        if not person_id:
            return None
        here = self.one(R.table("person"), str(person_id))
        return here or self.persons.get(str(person_id))

    # -- pre-pass: who is already here -------------------------------------
    def match_persons(self) -> None:
        person = R.table("person")
        for key, row in self.persons.items():
            if ("person", key) in self.idmap or self.one(person, key) is not None:
                continue
            hits: set[str] = set()
            for column in ("id_number", "birth_cert_no"):
                if row.get(column):
                    hits |= set(self.conn.scalars(sa.select(person.c.id).where(person.c[column] == row[column])))
            if len(hits) > 1:
                raise OutreachError(
                    f"外出设备登记的 {_person_label(row)} 与大厅登记库中多个人的证件号相符，无法判断应合并到谁。"
                    "未导入任何内容，请先在大厅核实这几条记录。"
                )
            if hits:
                self.idmap[("person", key)] = hits.pop()
        household = R.table("household")
        referenced = {
            r.get("household_id")
            for k, r in self.persons.items()
            if self.idmap.get(("person", k), k) == k
        }
        for row in self.bundle.rows("household"):
            key = row["id"]
            if key in referenced or ("household", key) in self.idmap:
                continue
            if self.one(household, key) is None:
                self.skip_households.add(key)

    # -- the tables --------------------------------------------------------
    def run(self) -> None:
        self.match_persons()
        tables = ordered_tables()
        for table in tables:
            rows = self.bundle.rows(table.name)
            deferred: list[dict[str, Any]] = []
            for row in rows:
                key = R.row_key(table, row)
                incoming = R.row_hash(row)
                prev = self.prev.get((table.name, key))
                if prev is not None and prev.row_hash == incoming:
                    self.tally(table, "unchanged")
                    continue
                handler = getattr(self, f"on_{table.name}", self.on_row)
                out = handler(table, key, row, incoming, prev)
                if out is not None:
                    deferred.append(out)
            if deferred:  # tables that point at themselves: all rows first, then the links
                R.insert_rows(self.conn, table, deferred)
            if table.name == "payment":
                crashpoint("sync.import")  # tests: a power cut with the money half-written

    def on_row(
        self, table: sa.Table, key: str, row: dict[str, Any], incoming: str, prev: _Prev | None,
        *, quiet_both: bool = False,
    ) -> dict[str, Any] | None:
        new = self.remap(table, row)
        target = self.idmap.get((table.name, key), key)
        existing = self.one(table, target)
        if existing is None:
            self.tally(table, "added")
            self.report.added.append(self.describe(table, new))
            self.done(table, key, target, incoming, new)
            if R.self_refs(table):
                return new
            self.insert(table, new)
            return None
        mine = R.row_hash(existing)
        if mine == R.row_hash(new):
            self.tally(table, "unchanged")
            self.done(table, key, target, incoming, new)
        elif mine == self.base.get((table.name, key)) or (prev is not None and mine == prev.local_hash):
            self.update(table, target, new)
            self.tally(table, "updated")
            self.report.updated.append(self.describe(table, new))
            self.done(table, key, target, incoming, new)
        elif not quiet_both:
            self.flag(
                ConflictKind.BOTH_MODIFIED,
                table,
                f"{self.describe(table, new)} 在大厅和外出设备上都被修改过，已保留大厅的版本，请核对外出设备上的改动。",
                row_id=target,
                other_id=target,
                person_id=new.get("person_id") if table.name != "person" else target,
            )
            self.done(table, key, target, incoming, existing)
        else:
            self.tally(table, "unchanged")
            self.done(table, key, target, incoming, existing)
        return None

    def on_person(self, table: sa.Table, key: str, row: dict[str, Any], incoming: str, prev: _Prev | None) -> dict[str, Any] | None:
        target = self.idmap.get(("person", key), key)
        if target == key:
            return self.on_row(table, key, row, incoming, prev)
        hall = self.one(table, target) or {}
        self.tally(table, "merged")
        self.report.merged.append(
            f"参保人 {_person_label(row)}：外出设备与大厅都做了登记，已按证件号合并为一人（保留大厅的记录）"
        )
        if hall and (hall.get("name") != row.get("name") or hall.get("birth_date") != row.get("birth_date")):
            self.flag(
                ConflictKind.BOTH_MODIFIED,
                table,
                f"证件号相同的参保人姓名或出生日期不一致：大厅 {_person_label(hall)}，外出设备 {_person_label(row)}，请核实。",
                row_id=target,
                other_id=target,
                person_id=target,
            )
        self.done(table, key, target, incoming, None)
        return None

    def on_household(self, table: sa.Table, key: str, row: dict[str, Any], incoming: str, prev: _Prev | None) -> dict[str, Any] | None:
        if key in self.skip_households:
            self.tally(table, "merged")
            self.done(table, key, key, incoming, None)
            return None
        return self.on_row(table, key, row, incoming, prev)

    def on_clerk(self, table: sa.Table, key: str, row: dict[str, Any], incoming: str, prev: _Prev | None) -> dict[str, Any] | None:
        if ("clerk", key) not in self.idmap and self.one(table, key) is None:
            same = self.conn.scalar(sa.select(table.c.id).where(table.c.name == row["name"]))
            if same is not None:
                self.tally(table, "merged")
                self.report.merged.append(f"经办人员 {row['name']}：大厅已有同名经办人员，合并为一人")
                self.done(table, key, same, incoming, None)
                return None
        return self.on_row(table, key, row, incoming, prev)

    def on_family_binding(self, table: sa.Table, key: str, row: dict[str, Any], incoming: str, prev: _Prev | None) -> dict[str, Any] | None:
        new = self.remap(table, row)
        if ("family_binding", key) not in self.idmap and self.one(table, key) is None and new["status"] == "active":
            same = self.conn.scalar(
                sa.select(table.c.id).where(
                    table.c.payer_person_id == new["payer_person_id"],
                    table.c.relative_person_id == new["relative_person_id"],
                    table.c.status == "active",
                )
            )
            if same is not None:
                self.tally(table, "merged")
                self.report.merged.append("家庭共济绑定：大厅已有同一对人员的有效绑定，合并为一条")
                self.done(table, key, same, incoming, None)
                return None
        return self.on_row(table, key, row, incoming, prev)

    def on_enrolment(self, table: sa.Table, key: str, row: dict[str, Any], incoming: str, prev: _Prev | None) -> dict[str, Any] | None:
        new = self.remap(table, row)
        target = self.idmap.get(("enrolment", key), key)
        hall = self.one(table, target)
        if hall is None:
            same = self.conn.scalar(
                sa.select(table.c.id).where(
                    table.c.person_id == new["person_id"], table.c.benefit_year == new["benefit_year"]
                )
            )
            if same is None:
                return self.on_row(table, key, row, incoming, prev)
            self.idmap[("enrolment", key)] = same
            hall = self.one(table, same)
            assert hall is not None
            if hall["status"] == "registered" and new["status"] == "paid":
                self.update(table, same, new, _ENROLMENT_PAID_FIELDS)
                self.tally(table, "updated")
                self.report.updated.append(f"{self.describe(table, new)}：外出设备已缴费，大厅登记改为已缴费")
            else:
                self.tally(table, "merged")
                self.report.merged.append(f"{self.describe(table, new)}：两边都有参保登记，合并为一条")
            self.done(table, key, same, incoming, None)
            return None
        both_paid = hall["status"] == "paid" and new["status"] == "paid"
        if hall["status"] == "registered" and new["status"] == "paid" and R.row_hash(hall) not in {
            self.base.get(("enrolment", key)), prev.local_hash if prev else None
        }:
            # Changed at the hall too, but the money was taken on the laptop: the enrolment must
            # say paid; the rest of the hall's changes stay, and a clerk looks at it.
            self.update(table, target, new, _ENROLMENT_PAID_FIELDS)
            self.tally(table, "updated")
            self.flag(
                ConflictKind.BOTH_MODIFIED,
                table,
                f"{self.describe(table, new)} 在大厅被修改过，外出设备又收了费：已改为已缴费，其余以大厅为准，请核对。",
                row_id=target,
                other_id=target,
                person_id=new["person_id"],
                benefit_year=new["benefit_year"],
            )
            self.done(table, key, target, incoming, None)
            return None
        # Paid on both sides: the payment conflict says it; no second flag for the enrolment.
        return self.on_row(table, key, row, incoming, prev, quiet_both=both_paid)

    def on_payment(self, table: sa.Table, key: str, row: dict[str, Any], incoming: str, prev: _Prev | None) -> dict[str, Any] | None:
        new = self.remap(table, row)
        hall = self.one(table, self.idmap.get(("payment", key), key))
        if hall is not None:
            if hall["status"] == PAYMENT_CONFLICT_STATUS and row["status"] == "paid":
                row = {**row, "status": PAYMENT_CONFLICT_STATUS}  # still waiting for a clerk
            return self.on_row(table, key, row, incoming, prev)
        if new["status"] != "paid":
            return self.on_row(table, key, row, incoming, prev)
        other = self.conn.execute(
            sa.select(table.c.id, table.c.receipt_no, table.c.amount_fen).where(
                table.c.person_id == new["person_id"],
                table.c.benefit_year == new["benefit_year"],
                table.c.status == "paid",
            )
        ).first()
        if other is None:
            return self.on_row(table, key, row, incoming, prev)
        new["status"] = PAYMENT_CONFLICT_STATUS
        self.insert(table, new)
        self.tally(table, "added")
        self.report.added.append(f"{self.describe(table, new)}（重复缴费，待处理）")
        self.flag(
            ConflictKind.DUPLICATE_PAYMENT,
            table,
            f"{self.describe(table, new)} 与大厅收据 {other.receipt_no}（{yuan(other.amount_fen)} 元）"
            "为同一人同一年度重复缴费。两笔都已保留，请办理退费或更正其中一笔。",
            row_id=key,
            other_id=other.id,
            person_id=new["person_id"],
            benefit_year=new["benefit_year"],
        )
        self.done(table, key, key, incoming, new)
        return None

    def on_audit_log(self, table: sa.Table, key: str, row: dict[str, Any], incoming: str, prev: _Prev | None) -> dict[str, Any] | None:
        if self.one(table, key) is not None:  # append-only: never rewritten
            self.tally(table, "unchanged")
            self.done(table, key, key, incoming, None)
            return None
        new = self.remap(table, row)
        self.insert(table, new)
        self.tally(table, "added")
        self.done(table, key, key, incoming, new)
        return None

    def on_receipt_sequence(self, table: sa.Table, key: str, row: dict[str, Any], incoming: str, prev: _Prev | None) -> dict[str, Any] | None:
        hall = self.one(table, key)
        if hall is None:
            self.insert(table, row)
            self.tally(table, "added")
        elif row["last_value"] > hall["last_value"]:
            self.update(table, key, row)
            self.tally(table, "updated")
        else:
            self.tally(table, "unchanged")
        self.done(table, key, key, incoming, None)
        return None

    # -- after the rows ------------------------------------------------------
    def check_receipts(self, prefix: str) -> None:
        payment, sequence = R.table("payment"), R.table("receipt_sequence")
        last = self.conn.scalar(sa.select(sequence.c.last_value).where(sequence.c.device_id == self.src)) or 0
        rows = self.conn.execute(
            sa.select(payment.c.receipt_no, payment.c.status, payment.c.channel, payment.c.amount_fen).where(
                payment.c.device_id == self.src
            )
        ).all()
        numbers: set[int] = set()
        for row in rows:
            head, _, tail = row.receipt_no.rpartition("-")
            if head == prefix and tail.isdigit():
                numbers.add(int(tail))
            if row.status == "voided":
                self.report.voided += 1
            elif row.channel == "cash":
                self.report.cash_fen += row.amount_fen
        self.report.receipts = len(rows)
        self.report.receipt_last = last
        missing = sorted(set(range(1, last + 1)) - numbers)
        self.report.receipt_gaps = len(missing)
        if not missing:
            return
        shown = "、".join(f"{prefix}-{n:08d}" for n in missing[:20]) + ("……" if len(missing) > 20 else "")
        summary = f"外出设备 {prefix} 已开出 {last} 张收据，缺少 {len(missing)} 张：{shown}。请向外出组核实这些收据的去向。"
        conflict = SyncConflict.__table__  # type: ignore[attr-defined]
        already = self.conn.scalar(
            sa.select(sa.func.count()).select_from(conflict).where(
                conflict.c.kind == ConflictKind.RECEIPT_GAP.value,
                conflict.c.status == ConflictStatus.OPEN.value,
                conflict.c.summary == summary,
            )
        )
        if not already:
            self.flag(ConflictKind.RECEIPT_GAP, payment, summary)


def _hall_key_for(session: Session, name: str) -> Any:
    def key_for(manifest: Manifest) -> bytes:
        hall = session.exec(select(HallIdentity)).first()
        if hall is None or hall.id != manifest.hall_id:
            raise OutreachError(
                f"{name} 不是本大厅发出的外出设备制作的（属于其他经办大厅的登记库），未导入任何内容。"
            )
        issued = session.get(OutreachDevice, manifest.source_device_id)
        if issued is None:
            raise OutreachError(
                f"{name} 来自本大厅未发放的设备，未导入任何内容。请确认这台电脑是用本大厅导出的外出登记数据包打开的。"
            )
        return device_key(bytes.fromhex(hall.key_hex), manifest.source_device_id)

    return key_for


def import_sync(engine: Engine, path: Path | str, *, actor: Actor, now: datetime) -> SyncReport:
    """Merge a laptop's sync bundle into this (hall) registry, all or nothing."""
    name = Path(path).name
    with Session(engine) as session, session.begin():
        bundle = read_bundle(path, kind="sync", key_for=_hall_key_for(session, name))
        m = bundle.manifest
        device = session.get(Device, m.source_device_id)
        report = SyncReport(
            bundle_name=name,
            source_device_id=m.source_device_id,
            source_prefix=device.prefix if device else "?",
            bundle_created_at=m.created_at,
        )
        done = session.exec(select(SyncLog).where(SyncLog.bundle_sha256 == bundle.sha256)).first()
        if done is not None:
            report.already_imported = True
            report.sync_log_id = done.id
            return report
        latest = session.exec(
            select(SyncLog.bundle_created_at)
            .where(SyncLog.source_device_id == m.source_device_id)
            .order_by(SyncLog.bundle_created_at.desc())  # type: ignore[attr-defined]
        ).first()
        if latest is not None and to_storage(m.created_at) < to_storage(latest):
            raise OutreachError(
                f"{name} 早于已导入的该设备回传数据包（{to_local(latest):%Y-%m-%d %H:%M}），"
                "它的内容已包含在后来的数据包中，未导入任何内容。"
            )
        log = SyncLog(
            bundle_sha256=bundle.sha256,
            source_device_id=m.source_device_id,
            bundle_created_at=to_storage(m.created_at),
            imported_at=to_storage(now),
            clerk_id=actor.clerk_id,
            device_id=actor.device_id,
        )
        session.add(log)
        try:
            session.flush()
        except sa.exc.IntegrityError as exc:  # another desk imported it a moment ago
            raise OutreachError(f"{name} 刚刚已由其他窗口导入，本次未导入任何内容。") from exc
        report.sync_log_id = log.id
        importer = _Importer(session, bundle, report)
        try:
            importer.run()
            importer.check_receipts(report.source_prefix)
            _write_bookkeeping(session, importer, log, actor, now)
        except sa.exc.IntegrityError as exc:  # never print the statement: it may hold ID numbers
            raise OutreachError(
                f"{name} 中有与大厅登记库相抵触的数据（{_constraint(exc)}），未导入任何内容。"
                "请把该文件和导入时间报给管理员核查。"
            ) from exc
        issued = session.get(OutreachDevice, m.source_device_id)
        if issued is not None:
            issued.last_sync_at = to_storage(now)
        log.added = report.count("added")
        log.merged = report.count("merged")
        log.updated = report.count("updated")
        log.unchanged = report.count("unchanged")
        log.flagged = len(report.flagged)
        log.report = report.as_json()
        record(
            session,
            actor=actor,
            at=now,
            action="sync.import",
            entity="sync_log",
            entity_id=log.id,
            summary=(
                f"导入外出设备 {report.source_prefix} 的回传数据包 {name}：新增 {log.added}，合并 {log.merged}，"
                f"更新 {log.updated}，待处理 {log.flagged}"
            ),
            after={"bundle_sha256": bundle.sha256, "added": log.added, "merged": log.merged,
                   "updated": log.updated, "flagged": log.flagged},
        )
    return report


def _write_bookkeeping(session: Session, importer: _Importer, log: SyncLog, actor: Actor, now: datetime) -> None:
    conn = session.connection()
    applied = SyncApplied.__table__  # type: ignore[attr-defined]
    keys = list(importer.applied)
    for i in range(0, len(keys), 400):
        part = keys[i : i + 400]
        conn.execute(
            sa.delete(applied).where(
                applied.c.source_device_id == importer.src,
                sa.tuple_(applied.c.table_name, applied.c.row_id).in_(part),
            )
        )
    if keys:
        conn.execute(
            sa.insert(applied),
            [
                {
                    "source_device_id": importer.src,
                    "table_name": t,
                    "row_id": k,
                    "target_id": target,
                    "row_hash": h,
                    "local_hash": local,
                    "sync_log_id": log.id,
                }
                for (t, k), (target, h, local) in importer.applied.items()
            ],
        )
    for c in importer.conflicts:
        session.add(SyncConflict(sync_log_id=log.id, device_id=actor.device_id, created_at=to_storage(now), **c))
    session.flush()


def _constraint(exc: sa.exc.IntegrityError) -> str:
    """The name of the violated constraint or index, without any of the row's values."""
    text = str(exc.orig)
    for word in text.replace('"', " ").split():
        if word.startswith(("uq_", "pk_", "fk_", "ix_")) or "." in word and word.split(".")[0].isidentifier():
            return word.strip(",.:")
    return type(exc.orig).__name__


# ---------------------------------------------------------------------------
# Conflicts
# ---------------------------------------------------------------------------


def open_conflicts(session: Session) -> list[SyncConflict]:
    return list(
        session.exec(
            select(SyncConflict)
            .where(SyncConflict.status == ConflictStatus.OPEN.value)
            .order_by(SyncConflict.created_at)  # type: ignore[arg-type]
        )
    )


def resolve_conflict(engine: Engine, conflict_id: str, *, how: str, note: str, actor: Actor, now: datetime) -> SyncConflict:
    """Close a conflict after the clerk has acted (退费 / 更正); the note says what was done."""
    how = how.strip()
    note = (note or "").strip()
    if how not in {"退费", "更正", "核实无误"}:
        raise OutreachError("处理方式只能是：退费、更正、核实无误。")
    if not note:
        raise OutreachError("请用 --note 写明处理情况（如退费申请受理号、更正了哪一笔）。")
    from yibao.auth import Attempt, require_role
    from yibao.config import ClerkInfo
    from yibao.models import Role

    clerk = ClerkInfo(id=actor.clerk_id, name=actor.clerk_name or "") if actor.clerk_id else None
    require_role(
        engine, clerk, Role.SUPERVISOR,
        attempt=Attempt("sync.conflict.resolve", "处理同步待办事项", "sync_conflict"),
        device_id=actor.device_id, now=now,
    )
    with Session(engine, expire_on_commit=False) as session, session.begin():
        rows = list(session.exec(select(SyncConflict).where(SyncConflict.id.startswith(conflict_id))))  # type: ignore[union-attr]
        if len(rows) != 1:
            raise OutreachError(f"找不到编号为 {conflict_id} 的待处理事项（或编号不唯一），请用 yibao sync conflicts 查看。")
        row = rows[0]
        if row.status != ConflictStatus.OPEN.value:
            raise OutreachError("该事项已处理过。")
        if how == "退费" and row.kind == ConflictKind.DUPLICATE_PAYMENT.value:
            refund = R.table("refund_request")
            filed = session.connection().scalar(
                sa.select(sa.func.count())
                .select_from(refund)
                .where(refund.c.payment_id.in_([row.row_id, row.other_id]))
            )
            if not filed:
                raise OutreachError("这两笔缴费都还没有退费申请。请先为其中一笔办理退费受理，再登记处理结果。")
        before = {"status": row.status}
        row.status = ConflictStatus.RESOLVED.value
        row.resolution = f"{how}：{note}"
        row.resolved_by = actor.clerk_id
        row.resolved_at = to_storage(now)
        record(
            session,
            actor=actor,
            at=now,
            action="sync.conflict.resolve",
            entity="sync_conflict",
            entity_id=row.id,
            person_id=row.person_id,
            summary=f"处理同步待办（{ConflictKind(row.kind).label}）：{how}，{note}",
            before=before,
            after={"status": row.status, "resolution": row.resolution},
        )
    return row
