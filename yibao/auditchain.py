"""The audit log as hash chains: one chain per device, so rows merged from a laptop keep theirs.

Each ``audit_log`` row carries ``seq`` (1, 2, 3 … within its ``device_id``), ``prev_hash``
(the ``row_hash`` of the device's previous row; 64 zeros for the first) and ``row_hash``
(SHA-256 over the row's content and ``prev_hash``, see ``row_digest``). Changing a row
breaks its own hash; deleting, inserting or re-ordering rows breaks the link to the
next one; so does dropping the append-only trigger and editing. ``verify`` walks every
chain and names the first broken link of each, in Chinese.

The chain is filled in by a ``before_flush`` listener on every ORM session (``install``,
done when ``yibao.audit`` is imported), so any code that adds an ``AuditLog`` chains it;
a row that already has a ``row_hash`` (copied from a laptop's bundle) keeps it.

What a chain cannot show by itself: rows cut off at its end. ``verify`` prints each
chain's head (last ``seq`` and the start of its hash) so a day-close sheet or an
auditor's note can record it and a later check compare.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

GENESIS = "0" * 64
VERSION = "yibao-audit-v1"
_CONTENT = (
    "id",
    "seq",
    "device_id",
    "at",
    "clerk_id",
    "clerk_name",
    "action",
    "outcome",
    "entity",
    "entity_id",
    "person_id",
    "summary",
    "before",
    "after",
)


def _moment(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):  # a driver that hands back text: parse, then normalise
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def row_digest(row: Mapping[str, Any], prev_hash: str) -> str:
    """SHA-256 (hex) of one audit row's content and the hash of the row before it."""
    content: dict[str, Any] = {k: row.get(k) for k in _CONTENT}
    content["at"] = _moment(content["at"])
    return _digest(content, prev_hash)


def _digest(content: dict[str, Any], prev_hash: str) -> str:
    """``row_digest`` of ``content`` whose ``at`` is already normalised (``_moment``)."""
    content["prev_hash"] = prev_hash
    content["v"] = VERSION
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


# What ``row_digest`` hashes: ``json.dumps(…, sort_keys=True, ensure_ascii=False,
# separators=(",", ":"), default=str)``, with the encoder made once.
canonical_json = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
).encode
_encode_text = json.encoder.encode_basestring  # the encoder's own, for one string


def _value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return _encode_text(value)
    return canonical_json(value)


# ``_CONTENT`` plus prev_hash and v, in sorted order: the digest text is assembled from
# each value's canonical JSON (before and after encoded once, and kept for storage).
_SORTED = tuple(sorted((*_CONTENT, "prev_hash", "v")))
assert _SORTED == (
    "action", "after", "at", "before", "clerk_id", "clerk_name", "device_id", "entity",
    "entity_id", "id", "outcome", "person_id", "prev_hash", "seq", "summary", "v",
)


# --- writing: chain every new row at flush ---------------------------------------------


def _head(connection: sa.Connection, device_id: str) -> tuple[int, str]:
    from yibao.models import AuditLog

    table = AuditLog.__table__  # type: ignore[attr-defined]
    if connection.dialect.name == "postgresql":
        # Two sessions of one device append one after the other (no UPDATE right needed).
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"audit:{device_id}"}
        )
    last = connection.execute(
        sa.select(table.c.seq, table.c.row_hash)
        .where(table.c.device_id == device_id, table.c.seq.is_not(None))
        .order_by(table.c.seq.desc())
        .limit(1)
    ).first()
    if last is None:
        return 0, GENESIS
    return int(last.seq), str(last.row_hash or GENESIS)


def chain_rows(connection: sa.Connection, rows: Iterable[Any]) -> None:
    """Give each new ``AuditLog`` in ``rows`` (in order) its ``seq``, ``prev_hash``, ``row_hash``."""
    heads: dict[str, tuple[int, str]] = {}
    for row in rows:
        if row.row_hash:
            continue
        if row.device_id not in heads:
            heads[row.device_id] = _head(connection, row.device_id)
        seq, prev = heads[row.device_id]
        row.seq = seq + 1
        row.prev_hash = prev
        if row.id is None:
            from yibao.models import new_ordered_id

            row.id = new_ordered_id()
        row.row_hash = row_digest(
            {k: getattr(row, k) for k in _CONTENT}, prev
        )
        heads[row.device_id] = (row.seq, row.row_hash)


def chain_dicts(
    connection: sa.Connection, rows: Sequence[dict[str, Any]]
) -> list[tuple[str | None, str | None]]:
    """``chain_rows`` for row dicts about to be written in bulk (``audit.record_many``).

    Each row (in order) gets its ``seq``, ``prev_hash`` and ``row_hash`` after the device's
    head as it stands in ``connection``'s transaction; the caller flushes the ORM session
    first, so audit objects still pending there take their places before these. Returns,
    per row, the canonical JSON of its ``before`` and ``after`` (None for None): valid
    JSON of the same values, which a SQLite writer can store as it is. A row that already
    has a ``row_hash`` keeps it. The digest equals ``row_digest`` of the row (a test
    checks it): the same text, assembled from its parts rather than encoded whole.
    """
    heads: dict[str, tuple[int, str]] = {}
    # a bulk write repeats the stamp, the clerk, the device and a few actions: encoded once
    shared: dict[tuple[Any, ...], tuple[str, ...]] = {}
    texts: list[tuple[str | None, str | None]] = []
    version = _value(VERSION)
    encode = _encode_text
    for row in rows:
        before, after = row.get("before"), row.get("after")
        # ``SnapshotText``: encoded by its maker already (inline: this runs once a row)
        before_text = (
            None if before is None
            else str(before) if type(before) is SnapshotText else canonical_json(before)
        )  # fmt: skip
        after_text = (
            None if after is None
            else str(after) if type(after) is SnapshotText else canonical_json(after)
        )  # fmt: skip
        texts.append((before_text, after_text))
        if row.get("row_hash"):
            continue
        device = row["device_id"]
        if device not in heads:
            heads[device] = _head(connection, device)
        seq, prev = heads[device]
        seq += 1
        key = (
            row.get("action"), row.get("at"), row.get("clerk_id"), row.get("clerk_name"),
            device, row.get("entity"), row.get("outcome"),
        )
        fixed = shared.get(key)
        if fixed is None:
            fixed = shared[key] = tuple(
                _value(_moment(value) if index == 1 else value) for index, value in enumerate(key)
            )
        action, at, clerk_id, clerk_name, device_text, entity, outcome = fixed
        entity_id, row_id, person_id = row.get("entity_id"), row.get("id"), row.get("person_id")
        summary = row.get("summary")
        # one f-string (the values' canonical JSON in sorted key order); text values, the
        # common case, go straight to the encoder's own string escaping
        text = (
            f'{{"action":{action},"after":{after_text or "null"},"at":{at},'
            f'"before":{before_text or "null"},"clerk_id":{clerk_id},'
            f'"clerk_name":{clerk_name},"device_id":{device_text},"entity":{entity},'
            f'"entity_id":{encode(entity_id) if type(entity_id) is str else _value(entity_id)},'
            f'"id":{encode(row_id) if type(row_id) is str else _value(row_id)},'
            f'"outcome":{outcome},'
            f'"person_id":{encode(person_id) if type(person_id) is str else _value(person_id)},'
            f'"prev_hash":{encode(prev)},"seq":{seq},'
            f'"summary":{encode(summary) if type(summary) is str else _value(summary)},'
            f'"v":{version}}}'
        )
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        row["seq"], row["prev_hash"], row["row_hash"] = seq, prev, digest
        heads[device] = (seq, digest)
    return texts


class SnapshotText(str):
    """A snapshot already encoded: the canonical JSON (``canonical_json``) of what
    ``audit.snapshot`` gives for the row. ``audit.record_many`` hashes and stores the text as
    it is on SQLite (elsewhere it is decoded for the JSON column). For a bulk writer that
    fills a row shape it knows into a template: encoding a dict per row costs more than the
    insert. Whoever makes one owns its exactness (a test compares it with ``snapshot``)."""


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    from yibao.models import AuditLog

    new = [obj for obj in session.new if isinstance(obj, AuditLog) and not obj.row_hash]
    if not new:
        return
    new.sort(key=lambda r: str(r.id or ""))  # ids are time-ordered (``new_ordered_id``)
    chain_rows(session.connection(), new)


_INSTALLED: list[bool] = []


def install() -> None:
    """Chain audit rows in every ORM session (idempotent)."""
    if not _INSTALLED:
        event.listen(Session, "before_flush", _before_flush)
        _INSTALLED.append(True)


# --- checking ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainReport:
    device_id: str
    device_label: str
    rows: int
    head_seq: int
    head_hash: str
    problem: str | None = None  # Chinese: the first broken link, None when whole

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(slots=True)
class VerifyReport:
    chains: list[ChainReport] = field(default_factory=list)
    unchained: int = 0  # rows with no seq (written by a yibao older than the chain)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.chains)

    def lines(self) -> list[str]:
        out: list[str] = []
        for c in self.chains:
            if c.ok:
                out.append(
                    f"设备 {c.device_label}：{c.rows} 条，链完整；链头第 {c.head_seq} 条，"
                    f"校验值 {c.head_hash[:16]}"
                )
            else:
                out.append(f"设备 {c.device_label}：{c.problem}")
        if self.unchained:
            out.append(f"另有 {self.unchained} 条记录没有校验值（未入链），无法核验。")
        if not self.chains:
            out.append("审计日志中还没有记录。")
        return out


def _describe(row: Any) -> str:
    at = _moment(row.at) or ""
    return f"第 {row.seq} 条（{at[:19].replace('T', ' ')} UTC，{row.action}，编号 {str(row.id)[:8]}）"


def _check_chain(rows: list[Any]) -> str | None:
    expected_seq, prev = 1, GENESIS
    for row in rows:
        if row.seq != expected_seq:
            if row.seq < expected_seq:
                return f"第 {row.seq} 条出现了两次：记录被复制或调换了顺序。"
            missing = (
                f"第 {expected_seq} 条" if row.seq == expected_seq + 1
                else f"第 {expected_seq}–{row.seq - 1} 条"
            )
            return f"链在{_describe(row)}之前断开：缺少{missing}，记录被删除了。"
        if row.prev_hash != prev:
            return (
                f"链在{_describe(row)}断开：它记下的上一条校验值与第 {expected_seq - 1} 条不符，"
                "其间的记录被删除、插入或调换了顺序。"
            )
        digest = row_digest(row._mapping, prev)
        if digest != row.row_hash:
            return f"链在{_describe(row)}断开：这条记录的内容与其校验值不符，记录被改动过。"
        prev, expected_seq = row.row_hash, expected_seq + 1
    return None


def verify(connection: sa.Connection) -> VerifyReport:
    """Walk every device's chain (rows ordered by ``seq``); report the first broken link."""
    from yibao.models import AuditLog, Device

    table = AuditLog.__table__  # type: ignore[attr-defined]
    devices = Device.__table__  # type: ignore[attr-defined]
    labels = {
        r.id: (f"{r.prefix}（{r.name}）" if r.name else r.prefix)
        for r in connection.execute(sa.select(devices.c.id, devices.c.prefix, devices.c.name))
    }
    report = VerifyReport()
    report.unchained = int(
        connection.scalar(sa.select(sa.func.count()).select_from(table).where(table.c.seq.is_(None)))
        or 0
    )
    ids = connection.scalars(
        sa.select(table.c.device_id).where(table.c.seq.is_not(None)).distinct()
    ).all()
    for device_id in sorted(ids, key=lambda d: labels.get(d, d)):
        rows = list(
            connection.execute(
                sa.select(table).where(table.c.device_id == device_id).where(table.c.seq.is_not(None))
                .order_by(table.c.seq, table.c.id)
            )
        )
        problem = _check_chain(rows)
        last = rows[-1]
        report.chains.append(
            ChainReport(
                device_id=device_id,
                device_label=labels.get(device_id, f"{device_id[:8]}（未登记的设备）"),
                rows=len(rows),
                head_seq=int(last.seq),
                head_hash=str(last.row_hash or ""),
                problem=problem,
            )
        )
    return report


__all__ = ["GENESIS", "ChainReport", "VerifyReport", "chain_dicts", "chain_rows", "install", "row_digest", "verify"]
