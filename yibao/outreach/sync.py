"""Laptop → hall: write what changed since the outreach bundle, merge it at the hall.

``export_sync`` (laptop): every row of every shared table whose content hash differs from the
one received in the outreach bundle (new rows, changed rows with the hash they had), signed
with the laptop's own Ed25519 key and encrypted with a passphrase. Bundles are cumulative:
each holds everything since the outreach bundle, so a lost file loses nothing.

``import_sync`` (hall), all or nothing in one transaction. The laptop *adds* the rows it made
and *proposes* changes to rows it received; it never updates a hall row:

- refused before anything is written when damaged, altered, encrypted with another
  passphrase, from another hall, from a device this hall did not issue, signed with a key the
  hall did not pin for that device, or older than one already imported from the same laptop;
- rows the laptop made (``device_id`` = the laptop) in the tables it may add to — persons,
  households, enrolments, bindings, payments, refund intakes, voided receipts, day-closes,
  audit rows — are inserted, after checks (a payment needs its receipt number under the
  laptop's prefix, consistent amounts and its audit row; a refund arrives only as an intake);
- a changed person or household the hall holds becomes a ``change_request`` that a 审核
  accepts or rejects (``yibao.outreach.change_requests``); nothing else the hall holds is ever
  changed by a bundle: payments, refunds, clerks, roles, devices, receipt sequences, identities
  and policies are refused, each listed in the report with the reason;
- the one effect the hall derives itself: an enrolment it holds as registered becomes paid
  when a payment the laptop took for it is added (and back when the laptop voided it);
- a person new on the laptop whose ID number (or birth certificate number) is already in the
  hall's registry is merged into the hall's person; the same for an enrolment of the same
  person and year and an active family binding of the same pair; a clerk the hall does not
  know is recorded as an inactive 经办 with no rights;
- a person-year paid on both sides keeps both payments (the incoming one with status
  ``conflict``) and opens a ``sync_conflict``;
- the same file imported again changes nothing (``sync_log``); a row already applied with the
  same content is skipped (``sync_applied``);
- the laptop's receipt numbers are checked for gaps.

The work is set-based: one existence query per table and chunk, bulk inserts.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from yibao.audit import Actor, record
from yibao.bulk import insert_table_rows, update_table_rows
from yibao.db import write_engine
from yibao.idnumbers import mask
from yibao.models import Device, to_storage
from yibao.outreach import enrol
from yibao.outreach import rows as R
from yibao.outreach.bundle import Bundle, Manifest, public_key_hex, read_bundle, write_bundle
from yibao.outreach.crash import crashpoint
from yibao.outreach.errors import OutreachError
from yibao.outreach.models import (
    PAYMENT_CONFLICT_STATUS,
    ChangeRequest,
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
_CHUNK = 500
# Tables a laptop may add its own rows to (in insert order; the audit log last).
APPEND_TABLES = (
    "household",
    "person",
    "enrolment",
    "family_binding",
    "payment",
    "refund_request",
    "refund_transition",
    "receipt_void",
    "day_close",
    "audit_log",
)
# Fields of a hall row a laptop may propose to change (change request); others are refused.
PROPOSABLE: dict[str, tuple[str, ...]] = {
    "person": ("name", "phone", "address", "household_id", "relation_to_head", "ethnicity"),
    "household": ("address", "number", "hukou_region"),
}
_IGNORED_IN_DIFF = frozenset({"updated_at", "name_initials", "created_at"})
# Columns that point at another table without a foreign key.
_LOOSE_REFS: dict[str, dict[str, str]] = {
    "audit_log": {"clerk_id": "clerk", "person_id": "person"},
    "day_close": {"closed_by": "clerk", "reopened_by": "clerk"},
}


@functools.cache
def _refs(table: sa.Table) -> tuple[tuple[str, str], ...]:
    """(column, table it names) for each reference of ``table`` (foreign keys and the loose
    ones above), worked out once per table rather than once per incoming row."""
    refs = {fk.parent.name: fk.column.table.name for fk in table.foreign_keys}
    refs |= _LOOSE_REFS.get(table.name, {})
    return tuple(refs.items())


_LABELS = {
    "clerk": "经办人员",
    "device": "设备",
    "household": "家庭户",
    "person": "参保人",
    "person_identity": "特殊身份",
    "import_batch": "导入名单批次",
    "prior_enrolment": "以往年度参保缴费名单",
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
_FIELD_LABELS = {
    "name": "姓名",
    "phone": "电话",
    "address": "地址",
    "household_id": "家庭户",
    "relation_to_head": "与户主关系",
    "ethnicity": "民族",
    "number": "户号",
    "hukou_region": "户籍地",
    "insured_region": "参保地",
    "note": "备注",
    "category": "参保类别",
    "registered_on": "登记日期",
    "policy_id": "政策文件",
}


def label(table: str) -> str:
    return _LABELS.get(table, table)


def field_label(name: str) -> str:
    return _FIELD_LABELS.get(name, name)


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


def export_sync(
    engine: Engine, *, to: Path | str, actor: Actor, now: datetime, passphrase: str
) -> SyncExportResult:
    target = Path(to)
    manifest: Manifest | None = None
    try:
        with Session(write_engine(engine)) as session, session.begin():
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
                private_key=origin.key_hex,
                passphrase=passphrase,
                records=records,
                created_at=now,
                extra={
                    "town": origin.town,
                    "village": origin.village,
                    "public_key": public_key_hex(origin.key_hex),
                    "enrol_tag": origin.enrol_tag,
                },
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
    key_pinned: bool = False
    added: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    proposed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    tally: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    receipts: int = 0
    cash_fen: int = 0
    voided: int = 0
    receipt_last: int = 0  # the highest receipt number of the laptop seen here
    receipt_gaps: int = 0

    def count(self, what: str) -> int:
        return sum(c[what] for c in self.tally.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "merged": self.merged,
            "updated": self.updated,
            "proposed": self.proposed,
            "refused": self.refused,
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
        if self.key_pinned:
            lines.append("首次回传：已凭设备登记码核验并登记这台外出设备的公钥，以后的回传包都须由它签名。")
        lines.append(
            f"新增 {self.count('added')} 条，合并 {self.count('merged')} 条，"
            f"更新 {self.count('updated')} 条，未变 {self.count('unchanged')} 条，"
            f"提议修改 {len(self.proposed)} 项（待审核），拒收 {len(self.refused)} 条，"
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
            ("更新（由外出缴费带来）", self.updated),
            ("提议修改（须审核人员采纳或驳回：yibao changes list）", self.proposed),
            ("拒收（未写入大厅登记库）", self.refused),
            ("待处理（请经办人员核处）", self.flagged),
        ):
            if items:
                lines.append(f"【{title}】")
                lines.extend(f"  {item}" for item in items)
        return "\n".join(lines) + "\n"


def _person_label(row: dict[str, Any] | None) -> str:
    if not row:
        return ""
    number = row.get("id_number")
    ident = mask(number) if number else (row.get("birth_cert_no") and "出生证明") or "无证件号"
    return f"{row.get('name', '')}（{ident}）"


def _chunks(items: Iterable[Any]) -> Iterable[list[Any]]:
    seq = sorted(set(items), key=str)
    for i in range(0, len(seq), _CHUNK):
        yield seq[i : i + _CHUNK]


class _Importer:
    """One bundle into the hall: every row is added, merged, proposed, skipped or refused."""

    def __init__(self, session: Session, bundle: Bundle, report: SyncReport, *, prefix: str) -> None:
        self.session = session
        self.conn = session.connection()
        self.bundle = bundle
        self.src = bundle.manifest.source_device_id
        self.prefix = prefix
        self.report = report
        self.prev: dict[tuple[str, str], tuple[str, str]] = {
            (a.table_name, a.row_id): (a.target_id, a.row_hash)
            for a in session.exec(select(SyncApplied).where(SyncApplied.source_device_id == self.src))
        }
        self.idmap: dict[tuple[str, str], str] = {k: v[0] for k, v in self.prev.items()}
        self.base: dict[tuple[str, str], str] = {
            (str(b.get("table")), str(b.get("id"))): str(b.get("hash")) for b in bundle.rows(BASE_RECORD)
        }
        self.applied: dict[tuple[str, str], tuple[str, str, str | None]] = {}
        self.conflicts: list[dict[str, Any]] = []
        self.changes: list[dict[str, Any]] = []
        self.refused_keys: set[tuple[str, str]] = set()
        self.added: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # table → id → row
        self.incoming: dict[str, dict[str, dict[str, Any]]] = {
            t: {R.row_key(R.table(t), r): r for r in bundle.rows(t)}
            for t in {rec["t"] for rec in bundle.records}
            if t in R.metadata_tables()
        }
        audit_rows = self.incoming.get("audit_log", {}).values()
        self.audited = {(r.get("entity"), r.get("entity_id")) for r in audit_rows}
        self.laptop_clerk = next(
            (r.get("clerk_name") for r in audit_rows if r.get("clerk_name")), None
        )
        self.pending_paid: dict[str, dict[str, Any]] = {}  # hall enrolment → the laptop's row
        self.voided_now: set[str] = set()
        self.skip_households: set[str] = set()
        # Read once per chunk instead of once per row (the hall's rows these checks look at do
        # not change while their table is processed, except a payment voided: dropped below).
        self.hall_persons: dict[str, dict[str, Any] | None] = {}
        self.same_enrolment: dict[tuple[Any, Any], str] = {}  # (person, year) → hall enrolment
        self.paid_here: dict[tuple[Any, Any], tuple[str, str, int]] = {}  # → (id, receipt, fen)

    # -- helpers ----------------------------------------------------------
    def existing(self, table: sa.Table, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Rows of ``table`` the hall holds, by key: one query per chunk."""
        pk = list(table.primary_key.columns)
        out: dict[str, dict[str, Any]] = {}
        for part in _chunks(keys):
            if len(pk) == 1:
                where = pk[0].in_(part)
            else:
                where = sa.tuple_(*pk).in_([tuple(k.split("|")) for k in part])
            for row in R.fetch(self.conn, table, where):
                out[R.row_key(table, row)] = row
        return out

    def remap(self, table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
        out = dict(row)
        for column, ref in _refs(table):
            if out.get(column) is not None:
                out[column] = self.idmap.get((ref, out[column]), out[column])
        if table.name == "audit_log" and out.get("entity") and out.get("entity_id"):
            out["entity_id"] = self.idmap.get((out["entity"], out["entity_id"]), out["entity_id"])
        return out

    def depends_on_refused(self, table: sa.Table, row: dict[str, Any]) -> str | None:
        for fk in table.foreign_keys:
            value = row.get(fk.parent.name)
            if value is not None and (fk.column.table.name, str(value)) in self.refused_keys:
                return label(fk.column.table.name)
        return None

    def tally(self, table: sa.Table, what: str) -> None:
        self.report.tally[table.name][what] += 1

    def done(self, table: sa.Table, key: str, target: str, incoming_hash: str) -> None:
        self.idmap[(table.name, key)] = target
        self.applied[(table.name, key)] = (target, incoming_hash, None)

    def refuse(self, table: sa.Table, key: str, row: dict[str, Any], reason: str) -> None:
        self.refused_keys.add((table.name, key))
        self.tally(table, "refused")
        self.report.refused.append(f"{self.describe(table, row)}：{reason}")

    def flag(self, kind: ConflictKind, table: sa.Table, summary: str, **fields: Any) -> None:
        self.conflicts.append({"kind": kind.value, "table_name": table.name, "summary": summary, **fields})
        self.report.flagged.append(f"{kind.label}：{summary}")
        self.tally(table, "flagged")

    def person_row(self, person_id: Any) -> dict[str, Any] | None:
        if not person_id:
            return None
        pid = str(person_id)
        pid = self.idmap.get(("person", pid), pid)
        if pid in self.added["person"]:
            return self.added["person"][pid]
        if pid not in self.hall_persons:
            self.hall_persons[pid] = self.existing(R.table("person"), [pid]).get(pid)
        return self.hall_persons[pid] or self.incoming.get("person", {}).get(pid)

    def prefetch(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        """What the per-row checks of ``table`` read from the hall, one query per chunk: the
        persons the rows name, and for enrolments and payments the hall's rows of the same
        person and year."""
        people = {
            self.idmap.get(("person", str(r["person_id"])), str(r["person_id"]))
            for r in rows if r.get("person_id")
        }
        wanted = people - set(self.hall_persons) - set(self.added["person"])
        found = self.existing(R.table("person"), wanted)
        self.hall_persons |= {pid: found.get(pid) for pid in wanted}
        if table.name not in ("enrolment", "payment") or not people:
            return
        for part in _chunks(people):
            if table.name == "enrolment":
                for eid, pid, year in self.conn.execute(
                    sa.select(table.c.id, table.c.person_id, table.c.benefit_year).where(table.c.person_id.in_(part))
                ):
                    self.same_enrolment.setdefault((pid, year), eid)
            else:
                for pay in self.conn.execute(
                    sa.select(table.c.id, table.c.receipt_no, table.c.amount_fen, table.c.person_id,
                              table.c.benefit_year).where(table.c.person_id.in_(part), table.c.status == "paid")
                ):
                    self.paid_here.setdefault((pay.person_id, pay.benefit_year), (pay.id, pay.receipt_no, pay.amount_fen))

    def describe(self, table: sa.Table, row: dict[str, Any]) -> str:
        name = label(table.name)
        if table.name == "person":
            return f"{name} {_person_label(row)}"
        if table.name == "clerk":
            return f"{name} {row.get('name', '')}"
        if table.name == "payment":
            who = _person_label(self.person_row(row.get("person_id")))
            return (
                f"{name} {who} {row.get('benefit_year')}年度 收据 {row.get('receipt_no')} "
                f"{yuan(int(row.get('amount_fen') or 0))} 元"
            )
        if table.name == "refund_request":
            who = _person_label(self.person_row(row.get("person_id")))
            return f"{name} {who} {yuan(int(row.get('amount_fen') or 0))} 元"
        if table.name == "enrolment":
            return f"{name} {_person_label(self.person_row(row.get('person_id')))} {row.get('benefit_year')}年度"
        if table.name in ("audit_log",):
            return f"{name}「{row.get('summary', '')}」"
        who = _person_label(self.person_row(row.get("person_id")))
        return f"{name}{(' ' + who) if who else ''}"

    # -- the run -------------------------------------------------------------
    def run(self) -> None:
        self.map_clerks()
        self.match_persons()
        for table in ordered_tables():
            if table.name == "clerk":
                continue
            rows = [r for r in self.bundle.rows(table.name)]
            if not rows:
                continue
            fresh: list[tuple[str, dict[str, Any], str]] = []
            for row in rows:
                key = R.row_key(table, row)
                incoming = R.row_hash(row)
                prev = self.prev.get((table.name, key))
                if prev is not None and prev[1] == incoming:
                    self.tally(table, "unchanged")
                    continue
                fresh.append((key, row, incoming))
            if not fresh:
                continue
            if table.name not in APPEND_TABLES:
                self.refuse_table(table, fresh)
                continue
            here = self.existing(table, [self.idmap.get((table.name, k), k) for k, _, _ in fresh])
            self.prefetch(table, [self.remap(table, row) for _, row, _ in fresh])
            new_rows: list[dict[str, Any]] = []
            for key, row, incoming in fresh:
                target = self.idmap.get((table.name, key), key)
                hall = here.get(target)
                if table.name == "household" and key in self.skip_households:
                    self.tally(table, "merged")  # only its merged members pointed at it
                    self.done(table, key, key, incoming)
                    continue
                if table.name == "person" and target != key:
                    self.merged_person(key, target, row, hall or {}, incoming)
                    continue
                if hall is None:
                    out = self.on_new(table, key, row, incoming)
                    if out is not None:
                        new_rows.append(out)
                else:
                    self.on_existing(table, key, target, row, hall, incoming)
            if new_rows:
                R.insert_rows(self.conn, table, new_rows)
                for r in new_rows:
                    self.added[table.name][R.row_key(table, r)] = r
            if table.name == "payment":
                crashpoint("sync.import")  # tests: a power cut with the money half-written
        self.after_payments()

    def refuse_table(self, table: sa.Table, fresh: list[tuple[str, dict[str, Any], str]]) -> None:
        reasons = {
            "receipt_sequence": "收据号序列只由本机开票推进，回传包不能改动",
            "person_identity": "特殊身份以部门名单为准，外出设备不能新增或改动",
            "import_batch": "导入名单批次只在大厅导入",
            "prior_enrolment": "以往年度参保缴费名单只在大厅导入",
        }
        why = reasons.get(table.name, f"{label(table.name)}不接受回传包改动")
        if table.name == "receipt_sequence":
            for key, row, _ in fresh:  # the laptop's claim is only used to look for gaps
                if key == self.src:
                    self.report.receipt_last = max(self.report.receipt_last, int(row.get("last_value") or 0))
        for key, row, _ in fresh:
            if table.name == "receipt_sequence" and key == self.src:
                continue  # its own counter: information, not a change
            self.refuse(table, key, row, why)

    # -- clerks: never added with rights, never changed ---------------------------
    def map_clerks(self) -> None:
        table = R.table("clerk")
        rows = {R.row_key(table, r): r for r in self.bundle.rows("clerk")}
        if not rows:
            return
        here = self.existing(table, rows)
        names = {r.get("name") for k, r in rows.items() if k not in here}
        by_name: dict[str, str] = {}
        for part in _chunks(n for n in names if n):
            by_name |= {
                name: cid for cid, name in self.conn.execute(
                    sa.select(table.c.id, table.c.name).where(table.c.name.in_(part))
                )
            }
        unknown: list[dict[str, Any]] = []
        for key, row in rows.items():
            if key in here:
                ours = here[key].get("device_id") == self.src and not here[key].get("active")
                if _clerk_changed(here[key], row) and not ours:
                    # Listed, but the clerk still names who did the work: rows pointing at it stay.
                    self.tally(table, "refused")
                    self.report.refused.append(
                        f"{self.describe(table, row)}：经办人员的姓名、角色和状态只能在大厅由管理员修改，"
                        "回传包的改动未采用"
                    )
                else:
                    self.tally(table, "unchanged")
                self.idmap[("clerk", key)] = key
            elif row.get("name") in by_name:
                self.idmap[("clerk", key)] = by_name[str(row["name"])]
                self.tally(table, "merged")
                self.report.merged.append(f"经办人员 {row['name']}：大厅已有同名经办人员，按其记录")
            else:
                unknown.append(row)
                self.idmap[("clerk", key)] = key
        if unknown:
            cols = {c.name for c in table.columns}
            inactive = []
            for row in unknown:
                keep = {k: row[k] for k in ("id", "name", "device_id", "created_at", "updated_at") if k in row}
                keep |= {"role": "clerk", "active": False, "device_id": self.src}
                inactive.append({k: v for k, v in keep.items() if k in cols})
                self.tally(table, "added")
                self.report.added.append(
                    f"经办人员 {row.get('name')}：外出设备上新建，仅作记录（经办人员、停用），未授予任何权限"
                )
            R.insert_rows(self.conn, table, inactive)

    # -- persons: merge by ID number, one query per chunk ------------------------
    def match_persons(self) -> None:
        """Persons new on the laptop whose ID number the hall knows become the hall's person;
        a household only such persons pointed at is not added (it would stay empty)."""
        person = R.table("person")
        rows = self.incoming.get("person", {})
        here = self.existing(person, rows)
        fresh = {k: r for k, r in rows.items() if k not in here and ("person", k) not in self.idmap}
        for column in ("id_number", "birth_cert_no"):
            wanted = {str(r[column]): k for k, r in fresh.items() if r.get(column)}
            for part in _chunks(wanted):
                for pid, value in self.conn.execute(
                    sa.select(person.c.id, person.c[column]).where(person.c[column].in_(part))
                ):
                    key = wanted[value]
                    if self.idmap.get(("person", key), key) == key:
                        self.idmap[("person", key)] = pid
        used = {
            r.get("household_id") for k, r in rows.items() if self.idmap.get(("person", k), k) == k
        }
        households = self.incoming.get("household", {})
        candidates = [k for k in households if k not in used and ("household", k) not in self.idmap]
        known = self.existing(R.table("household"), candidates)
        self.skip_households = {k for k in candidates if k not in known}

    def merged_person(self, key: str, target: str, row: dict[str, Any], hall: dict[str, Any], incoming: str) -> None:
        table = R.table("person")
        self.tally(table, "merged")
        self.report.merged.append(
            f"参保人 {_person_label(row)}：外出设备与大厅都做了登记，已按证件号合并为一人（保留大厅的记录）"
        )
        if hall and hall.get("birth_date") != row.get("birth_date"):
            self.flag(
                ConflictKind.BOTH_MODIFIED,
                table,
                f"证件号相同的参保人出生日期不一致：大厅 {_person_label(hall)}，外出设备 {_person_label(row)}，请核实。",
                row_id=target, other_id=target, person_id=target,
            )
        if hall and hall.get("name") != row.get("name"):
            self.propose_changes(table, target, {"name": [hall.get("name"), row.get("name")]}, hall, False)
        self.done(table, key, target, incoming)

    # -- a row the hall does not hold -----------------------------------------------
    def on_new(self, table: sa.Table, key: str, row: dict[str, Any], incoming: str) -> dict[str, Any] | None:
        if row.get("device_id") != self.src:
            self.refuse(table, key, row, "大厅没有这条记录，它也不是这台外出设备新建的（来源设备不符）")
            return None
        new = self.remap(table, row)
        parent = self.depends_on_refused(table, new)
        if parent:
            self.refuse(table, key, row, f"它所属的{parent}已被拒收")
            return None
        check = getattr(self, f"check_{table.name}", None)
        why = check(key, new) if check else None
        if why:
            self.refuse(table, key, row, why)
            return None
        merge = getattr(self, f"merge_{table.name}", None)
        if merge is not None:
            target = merge(key, new)
            if target is not None:
                self.done(table, key, target, incoming)
                return None
        if table.name == "payment":
            new = self.maybe_duplicate(key, new)
        self.tally(table, "added")
        if table.name != "audit_log":
            self.report.added.append(self.describe(table, new))
        self.done(table, key, key, incoming)
        return new

    def check_payment(self, key: str, row: dict[str, Any]) -> str | None:
        head, _, tail = str(row.get("receipt_no") or "").rpartition("-")
        if head != self.prefix or not (tail.isdigit() and len(tail) == 8):
            return f"收据号不是这台外出设备（前缀 {self.prefix}）开出的"
        if row.get("status") not in ("paid", "voided"):
            return "外出设备只能回传有效或当日作废的缴费，退费须在大厅办理"
        try:
            standard, subsidy, personal = int(row["standard_fen"]), int(row["subsidy_fen"]), int(row["personal_fen"])
            extras, amount = int(row["extras_fen"]), int(row["amount_fen"])
        except (KeyError, TypeError, ValueError):
            return "金额不完整"
        if min(standard, subsidy, personal, extras, amount) < 0 or personal != standard - subsidy or amount != personal + extras:
            return "金额前后不符（个人缴费应为标准减资助，实缴应为个人缴费加附加险）"
        if ("payment", key) not in self.audited:
            return "没有对应的操作日志，无法核实是谁在何时收的款"
        return None

    def check_refund_request(self, key: str, row: dict[str, Any]) -> str | None:
        if row.get("state") != "received":
            return "外出设备只能受理退费申请，审核、批准和退款只在大厅办理"
        return None

    def check_refund_transition(self, key: str, row: dict[str, Any]) -> str | None:
        if row.get("from_state") is not None or row.get("to_state") != "received":
            return "外出设备只能受理退费申请，审核、批准和退款只在大厅办理"
        return None

    def check_receipt_void(self, key: str, row: dict[str, Any]) -> str | None:
        pid = str(row.get("payment_id"))
        pay = self.added["payment"].get(pid) or self.existing(R.table("payment"), [pid]).get(pid)
        if pay is None or pay.get("device_id") != self.src:
            return "只能作废这台外出设备自己开出的收据"
        return None

    def check_audit_log(self, key: str, row: dict[str, Any]) -> str | None:
        return None

    def merge_enrolment(self, key: str, new: dict[str, Any]) -> str | None:
        table = R.table("enrolment")
        same = self.same_enrolment.get((new["person_id"], new["benefit_year"]))
        if same is None:
            return None
        self.tally(table, "merged")
        self.report.merged.append(f"{self.describe(table, new)}：两边都有参保登记，合并为一条")
        self.pending_paid[same] = new
        return str(same)

    def merge_person(self, key: str, new: dict[str, Any]) -> str | None:
        return None  # merged by ID number before (match_persons)

    def merge_family_binding(self, key: str, new: dict[str, Any]) -> str | None:
        table = R.table("family_binding")
        if new.get("status") != "active":
            return None
        same = self.conn.scalar(
            sa.select(table.c.id).where(
                table.c.payer_person_id == new["payer_person_id"],
                table.c.relative_person_id == new["relative_person_id"],
                table.c.status == "active",
            )
        )
        if same is None:
            return None
        self.tally(table, "merged")
        self.report.merged.append("家庭共济绑定：大厅已有同一对人员的有效绑定，合并为一条")
        return str(same)

    def maybe_duplicate(self, key: str, new: dict[str, Any]) -> dict[str, Any]:
        if new.get("status") != "paid":
            return new
        table = R.table("payment")
        other = self.paid_here.get((new["person_id"], new["benefit_year"]))
        if other is None:
            return new
        other_id, receipt_no, amount_fen = other
        new = {**new, "status": PAYMENT_CONFLICT_STATUS}
        self.flag(
            ConflictKind.DUPLICATE_PAYMENT,
            table,
            f"{self.describe(table, new)} 与大厅收据 {receipt_no}（{yuan(amount_fen)} 元）"
            "为同一人同一年度重复缴费。两笔都已保留，请办理退费或更正其中一笔。",
            row_id=key,
            other_id=other_id,
            person_id=new["person_id"],
            benefit_year=new["benefit_year"],
        )
        return new

    # -- a row the hall holds -----------------------------------------------------
    def on_existing(
        self, table: sa.Table, key: str, target: str, row: dict[str, Any], hall: dict[str, Any], incoming: str
    ) -> None:
        new = self.remap(table, row)
        if R.row_hash(hall) == R.row_hash(new) or table.name == "audit_log" and hall:
            self.tally(table, "unchanged")  # the audit log is append-only: never rewritten
            self.done(table, key, target, incoming)
            return
        if table.name in PROPOSABLE:
            self.propose(table, key, target, new, hall, incoming)
            return
        if table.name == "enrolment" and target != key:
            self.done(table, key, target, incoming)  # merged earlier; its paid state follows payments
            self.tally(table, "unchanged")
            return
        if table.name == "enrolment":
            # The hall's registration stands; its paid state follows the payments that come
            # with the bundle (``after_payments``). Anything else the laptop changed in it (the
            # 参保地 its F2 wrote, a note) is listed as not taken: refusing the row would have
            # refused with it the cash the laptop took against it.
            self.pending_paid[target] = new
            self.done(table, key, target, incoming)
            self.tally(table, "unchanged")
            if other := self._beyond_paid_change(hall, new):
                names = "、".join(field_label(f) for f in other)
                self.report.refused.append(
                    f"{self.describe(table, hall)}：外出设备改动的 {names} 未采用（以大厅为准）；"
                    "缴费照常入账"
                )
            return
        if table.name == "payment" and self._own_void(hall, new, key):
            self.conn.execute(
                sa.update(table).where(table.c.id == target).values(
                    status="voided", updated_at=R.decode_row(table, new).get("updated_at")
                )
            )
            self.voided_now.add(target)
            self.paid_here = {k: v for k, v in self.paid_here.items() if v[0] != target}
            self.tally(table, "updated")
            self.report.updated.append(f"{self.describe(table, new)}：外出设备当日作废（有作废记录）")
            self.done(table, key, target, incoming)
            return
        if table.name == "day_close" and hall.get("device_id") == self.src and ("day_close", key) in self.prev:
            values = {k: v for k, v in R.decode_row(table, new).items() if k != "id"}
            self.conn.execute(sa.update(table).where(table.c.id == target).values(**values))
            self.tally(table, "updated")
            self.done(table, key, target, incoming)
            return
        self.refuse(table, key, row, "大厅已有这条记录，回传包不能改动它（以大厅为准）")

    @staticmethod
    def _beyond_paid_change(hall: dict[str, Any], new: dict[str, Any]) -> list[str]:
        """The columns of a hall enrolment the laptop changed other than its paid state."""
        allowed = {"status", "coverage_start", "coverage_end", "waiting_months", "subsidy_identity", "updated_at"}
        return sorted(k for k in hall if hall.get(k) != new.get(k) and k not in allowed)

    def _own_void(self, hall: dict[str, Any], new: dict[str, Any], key: str) -> bool:
        diff = {k for k in hall if hall.get(k) != new.get(k)} - {"updated_at"}
        voids = self.incoming.get("receipt_void", {}).values()
        return (
            diff == {"status"}
            and hall.get("device_id") == self.src
            and hall.get("status") == "paid"
            and new.get("status") == "voided"
            and any(v.get("payment_id") == key for v in voids)
        )

    def propose(
        self, table: sa.Table, key: str, target: str, new: dict[str, Any], hall: dict[str, Any], incoming: str
    ) -> None:
        allowed = PROPOSABLE[table.name]
        diff = {k for k in new if k in hall and hall.get(k) != new.get(k)} - _IGNORED_IN_DIFF
        other = sorted(diff - set(allowed))
        if other:
            names = "、".join(field_label(f) for f in other)
            self.tally(table, "refused")
            self.report.refused.append(
                f"{self.describe(table, hall)}：外出设备不能修改 {names}（须在大厅凭证件办理），未采用"
            )
        changes = {f: [hall.get(f), new.get(f)] for f in allowed if f in diff}
        if changes:
            hall_changed = R.row_hash(hall) != self.base.get((table.name, key))
            self.propose_changes(table, target, changes, hall, hall_changed)
        self.done(table, key, target, incoming)

    def propose_changes(
        self, table: sa.Table, target: str, changes: dict[str, list[Any]], hall: dict[str, Any], hall_changed: bool
    ) -> None:
        person_id = target if table.name == "person" else None
        what = "；".join(f"{field_label(f)}：{self.shown(f, a)} → {self.shown(f, b)}" for f, (a, b) in changes.items())
        note = "（大厅在导出后也改动过这条记录，请对照核实）" if hall_changed else ""
        subject = _person_label(hall) if table.name == "person" else f"{hall.get('number') or hall.get('address') or ''}"
        summary = f"{subject}：{what}{note}"
        self.changes.append(
            {"table_name": table.name, "row_id": target, "person_id": person_id, "changes": changes,
             "summary": summary, "proposed_by": self.laptop_clerk}
        )
        self.report.proposed.append(f"{label(table.name)} {summary}")
        self.tally(table, "proposed")

    def shown(self, field_name: str, value: Any) -> str:
        """A proposed value as the report and the reviewer read it: a household by its
        户号 (or address), a relation by its name, never a row id or a code."""
        if value is None or value == "":
            return "（空）"
        if field_name == "relation_to_head":
            from yibao import relations

            return relations.label(str(value))
        if field_name != "household_id":
            return str(value)
        key = self.idmap.get(("household", str(value)), str(value))
        home = (
            self.added["household"].get(key)
            or self.existing(R.table("household"), [key]).get(key)
            or self.incoming.get("household", {}).get(key)
        )
        if not home:
            return "大厅登记库中没有的家庭户"
        if home.get("number"):
            return f"户号 {home['number']}"
        return f"未填户号的家庭户（{home.get('address') or '地址未填'}）"

    # -- what the hall derives itself: enrolments follow the payments added --------------
    def after_payments(self) -> None:
        enrolment, payment = R.table("enrolment"), R.table("payment")
        added_paid = {
            str(p["enrolment_id"]): p for p in self.added["payment"].values() if p.get("status") == "paid"
        }
        targets = set(added_paid) | set(self.pending_paid)
        if self.voided_now:
            targets |= self._enrolments_of(self.voided_now)
        if not targets:
            return
        here = self.existing(enrolment, targets)
        # Enrolments with a paid payment, one query per chunk (ix_payment_enrolment_id).
        paid_for: set[str] = set()
        for part in _chunks(here):
            paid_for |= {
                str(e) for e in self.conn.scalars(
                    sa.select(payment.c.enrolment_id).where(
                        payment.c.enrolment_id.in_(part), payment.c.status == "paid"
                    )
                )
            }
        updates: list[dict[str, Any]] = []  # one executemany per set of columns, at the end
        for eid, hall in here.items():
            still_paid = eid in paid_for
            if hall["status"] == "registered" and still_paid:
                sent = self.pending_paid.get(eid) or {}
                values: dict[str, Any] = {"status": "paid"}
                for col in ("coverage_start", "coverage_end", "waiting_months", "subsidy_identity", "updated_at"):
                    if col in sent:
                        values[col] = sent[col]
                updates.append({"id": eid, **R.decode_row(enrolment, values)})
                self.tally(enrolment, "updated")
                self.report.updated.append(
                    f"{self.describe(enrolment, hall)}：外出设备收了费，参保登记改为已缴费"
                )
            elif hall["status"] == "paid" and not still_paid and hall.get("device_id") == self.src:
                updates.append({
                    "id": eid, "status": "registered", "coverage_start": None, "coverage_end": None,
                    "waiting_months": None,
                })
                self.tally(enrolment, "updated")
                self.report.updated.append(f"{self.describe(enrolment, hall)}：外出收据当日作废，改回已登记未缴费")
            elif (
                eid in self.pending_paid
                and self.pending_paid[eid].get("status") != hall["status"]
                and eid not in added_paid
            ):
                self.tally(enrolment, "refused")
                self.report.refused.append(
                    f"{self.describe(enrolment, hall)}：回传包把状态改为“{self.pending_paid[eid].get('status')}”，"
                    "但没有相应的缴费，未采用"
                )
        update_table_rows(self.conn, enrolment, updates)

    def _enrolments_of(self, payment_ids: set[str]) -> set[str]:
        payment = R.table("payment")
        return {
            str(e) for e in self.conn.scalars(
                sa.select(payment.c.enrolment_id).where(payment.c.id.in_(sorted(payment_ids)))
            )
        }

    # -- after the rows ------------------------------------------------------
    def check_receipts(self) -> None:
        prefix = self.prefix
        payment = R.table("payment")
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
        last = max([self.report.receipt_last, *numbers]) if numbers or self.report.receipt_last else 0
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


# What an administrator sets on a clerk. The rest of the row is the laptop's own sign-in
# bookkeeping (failures counted, waits, when the row was touched): it changes whenever a
# clerk signs in on the laptop, and is no change proposed to the hall.
_CLERK_SET_BY_ADMIN = ("name", "role", "active", "device_id", "password_hash", "password_set_at")


def _clerk_changed(hall: dict[str, Any], laptop: dict[str, Any]) -> bool:
    return any(hall.get(f) != laptop.get(f) for f in _CLERK_SET_BY_ADMIN)


def _hall_key_for(session: Session, name: str, pinned: dict[str, bool]) -> Any:
    def key_for(manifest: Manifest) -> str:
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
        offered = str(manifest.extra.get("public_key") or "")
        if issued.public_key_hex:
            if offered and offered != issued.public_key_hex:
                raise OutreachError(
                    f"{name} 由另一把密钥签名，与大厅为这台外出设备登记的公钥不符，未导入任何内容。"
                    "请交由管理员核查来源（外出电脑是否被换过或数据包是否伪造）。"
                )
            return issued.public_key_hex
        # First sync: the public key must come with the tag only the enrolment code makes.
        if not issued.enrol_code or len(offered) != 64:
            raise OutreachError(f"{name} 无法核验来源：大厅没有这台外出设备的公钥或登记码。未导入任何内容。")
        if not enrol.tag_matches(issued.enrol_code, manifest.source_device_id, offered,
                                 str(manifest.extra.get("enrol_tag") or "")):
            raise OutreachError(
                f"{name} 的设备登记码核验未通过：外出电脑打开数据包时输入的登记码与大厅发放的不符，"
                "或数据包不是那台电脑制作的。未导入任何内容，请交由管理员核查。"
            )
        pinned["key"] = True
        return offered

    return key_for


def import_sync(
    engine: Engine, path: Path | str, *, actor: Actor, now: datetime, passphrase: str
) -> SyncReport:
    """Merge a laptop's sync bundle into this (hall) registry, all or nothing."""
    name = Path(path).name
    pinned: dict[str, bool] = {}
    with Session(write_engine(engine)) as session, session.begin():
        bundle = read_bundle(path, kind="sync", passphrase=passphrase, key_for=_hall_key_for(session, name, pinned))
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
        issued = session.get(OutreachDevice, m.source_device_id)
        assert issued is not None  # key_for refused an unknown device
        if pinned.get("key"):
            issued.public_key_hex = str(m.extra["public_key"])
            issued.enrol_code = None  # one-time: spent
            issued.key_pinned_at = to_storage(now)
            report.key_pinned = True
            record(
                session, actor=actor, at=now, action="outreach.device.pin", entity="device",
                entity_id=m.source_device_id,
                summary=f"凭设备登记码登记外出设备 {report.source_prefix} 的公钥（首次回传）",
                after={"public_key": issued.public_key_hex},
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
        importer = _Importer(session, bundle, report, prefix=report.source_prefix)
        try:
            importer.run()
            importer.check_receipts()
            _write_bookkeeping(session, importer, log, actor, now)
        except sa.exc.IntegrityError as exc:  # never print the statement: it may hold ID numbers
            raise OutreachError(
                f"{name} 中有与大厅登记库相抵触的数据（{_constraint(exc)}），未导入任何内容。"
                "请把该文件和导入时间报给管理员核查。"
            ) from exc
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
                f"更新 {log.updated}，提议修改 {len(report.proposed)}，拒收 {len(report.refused)}，"
                f"待处理 {log.flagged}"
            ),
            after={"bundle_sha256": bundle.sha256, "added": log.added, "merged": log.merged,
                   "updated": log.updated, "proposed": len(report.proposed),
                   "refused": len(report.refused), "flagged": log.flagged},
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
        insert_table_rows(
            conn,
            applied,
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
    for c in importer.changes:
        session.add(ChangeRequest(sync_log_id=log.id, source_device_id=importer.src, device_id=actor.device_id,
                                  created_at=to_storage(now), **c))
    session.flush()
    if importer.changes:
        record(
            session, actor=actor, at=now, action="change_request.receive", entity="sync_log",
            entity_id=log.id, summary=f"收到外出设备提议的修改 {len(importer.changes)} 项，待审核人员采纳或驳回",
        )


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
    with Session(write_engine(engine), expire_on_commit=False) as session, session.begin():
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
