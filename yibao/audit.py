"""The append-only audit log: who, when, what, before, after.

Services call ``record`` inside the same session (transaction) as the change, so the
audit row and the change are committed or rolled back together. ``snapshot`` turns a
row into JSON with ID numbers masked: the log never holds an ID number in clear.
Refused attempts are recorded too (``outcome="refused"``), in their own transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection
from sqlmodel import Session, SQLModel, col, select

from yibao.auditchain import SnapshotText
from yibao.idnumbers import mask, mask_birth_cert
from yibao.models import AuditLog, AuditOutcome, new_ordered_ids, to_storage

# Columns that hold ID numbers, and how each is masked in the log.
_MASKED: dict[str, Any] = {
    "id_number": mask,
    "birth_cert_no": mask_birth_cert,
}
_DROPPED = {"id_tail"}
_ID_LIKE = re.compile(
    r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])"
)  # the tail adds nothing to a masked number


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: the clerk (may be None for system actions) and the device."""

    device_id: str
    clerk_id: str | None = None
    clerk_name: str | None = None


_SCALARS = frozenset({int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """JSON-ready value; nested mappings have their ID-number keys masked too."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is str:
        # Belt and braces: an ID number under any other key is masked as well. A UUID
        # (dashes at 8, 13, 18, 23: digit runs of 12 at most) cannot hold one.
        if len(value) >= 15 and not _uuid_shaped(value) and _ID_LIKE.search(value):
            return _ID_LIKE.sub(lambda m: mask(m.group(0)), value)
        return value
    if kind is date:
        return _date_text(value)
    if kind is datetime:
        return _moment_text(value)
    if isinstance(value, datetime):
        return to_storage(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return _masked_mapping(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, SQLModel):
        return _masked_mapping(value.model_dump())
    if isinstance(value, str) and _ID_LIKE.search(value):
        # Belt and braces: an ID number under any other key is masked as well.
        return _ID_LIKE.sub(lambda m: mask(m.group(0)), value)
    return value


def plain(value: Any) -> Any:
    """``value`` as a snapshot holds it (dates as text, ID numbers in text masked)."""
    return _plain(value)


def _uuid_shaped(value: str) -> bool:
    return len(value) == 36 and value[8] == value[13] == value[18] == value[23] == "-"


# A bulk snapshot repeats the same stamps and dates on every row.
@lru_cache(maxsize=8192)
def _date_text(value: date) -> str:
    return value.isoformat()


@lru_cache(maxsize=8192)
def _moment_text(value: datetime) -> str:
    return to_storage(value).isoformat()


def _masked_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        key = str(key)
        if key in _DROPPED:
            continue
        kind = type(value)
        # The common kinds first, without a call (a bulk write snapshots every row it adds).
        if kind is str:
            if key in _MASKED and value:
                out[key] = _MASKED[key](value)
            elif len(value) < 15 or _uuid_shaped(value):
                out[key] = value
            else:
                out[key] = _plain(value)
        elif kind in _SCALARS:
            out[key] = value
        elif key in _MASKED and isinstance(value, str) and value:
            out[key] = _MASKED[key](value)
        else:
            out[key] = _plain(value)
    return out


class Snapshot(dict[str, Any]):
    """A mapping that is a snapshot already (JSON-ready, ID numbers masked, as ``snapshot``
    returns it): ``record_many`` stores it as it is. For a bulk writer that builds the
    snapshot of a row it knows the shape of, instead of walking every value again."""


def snapshot(
    row: SQLModel | Mapping[str, Any] | None, *, fields: tuple[str, ...] | None = None
) -> dict[str, Any] | None:
    """A JSON-ready copy of ``row`` (or a mapping) with ID numbers masked, at any depth."""
    if row is None:
        return None
    data = dict(row) if isinstance(row, Mapping) else row.model_dump()
    if fields is not None:
        data = {k: v for k, v in data.items() if k in fields}
    return _masked_mapping(data)


def diff(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys that changed, as (before, after)."""
    before = before or {}
    after = after or {}
    keys = [k for k in {*before, *after} if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def record(
    session: Session,
    *,
    actor: Actor,
    at: datetime,
    action: str,
    entity: str,
    entity_id: str | None,
    summary: str,
    person_id: str | None = None,
    before: Mapping[str, Any] | SQLModel | None = None,
    after: Mapping[str, Any] | SQLModel | None = None,
    outcome: AuditOutcome = AuditOutcome.DONE,
) -> AuditLog:
    """Add one audit row to ``session`` (the caller commits with the change)."""
    row = AuditLog(
        at=to_storage(at),
        clerk_id=actor.clerk_id,
        clerk_name=actor.clerk_name,
        device_id=actor.device_id,
        action=action,
        outcome=outcome.value,
        entity=entity,
        entity_id=entity_id,
        person_id=person_id,
        summary=summary,
        before=snapshot(before) if before is not None else None,
        after=snapshot(after) if after is not None else None,
    )
    session.add(row)
    return row


def record_many(
    session: Session,
    *,
    actor: Actor,
    at: datetime,
    entries: Sequence[Mapping[str, Any]],
) -> int:
    """Add many audit rows in one ``INSERT … executemany`` (the caller commits with the change).

    Each entry has the keyword arguments of ``record`` (``action``, ``entity``,
    ``entity_id``, ``summary``, optional ``person_id``, ``before``, ``after``,
    ``outcome``); ``before`` / ``after`` are mappings (row dicts, not ORM objects) and
    are snapshot here, ID numbers masked, unless they are a ``Snapshot`` already.
    Rows keep the order of ``entries``.
    The rows join the device's hash chain (``auditchain.chain_dicts``) like rows added
    to the session one by one. Returns the number of rows written.
    """
    if not entries:
        return 0
    from yibao.auditchain import chain_dicts

    session.flush()  # audit objects pending in the session take their chain places first
    moment = to_storage(at)
    rows = []
    for entry, row_id in zip(entries, new_ordered_ids(len(entries)), strict=True):
        before = entry.get("before")
        after = entry.get("after")
        outcome = entry.get("outcome", AuditOutcome.DONE)
        rows.append(
            {
                "id": row_id,
                "at": moment,
                "clerk_id": actor.clerk_id,
                "clerk_name": actor.clerk_name,
                "device_id": actor.device_id,
                "action": entry["action"],
                "outcome": getattr(outcome, "value", outcome),
                "entity": entry["entity"],
                "entity_id": entry.get("entity_id"),
                "person_id": entry.get("person_id"),
                "summary": entry.get("summary", ""),
                "before": _snapshot_of(before),
                "after": _snapshot_of(after),
            }
        )
    connection = session.connection()
    texts = chain_dicts(connection, rows)
    if connection.dialect.name == "sqlite":
        _insert_sqlite(connection, rows, texts)
    else:
        import json

        from yibao.bulk import insert_rows

        for row in rows:  # the JSON column takes values, not text
            for name in ("before", "after"):
                if type(row[name]) is SnapshotText:
                    row[name] = json.loads(row[name])
        insert_rows(session, AuditLog, rows)
    return len(rows)


def _snapshot_of(value: Any) -> Any:
    if value is None or type(value) is Snapshot or type(value) is SnapshotText:
        return value
    return snapshot(value)


def _insert_sqlite(
    connection: Connection,
    rows: Sequence[Mapping[str, Any]],
    texts: Sequence[tuple[str | None, str | None]],
) -> None:
    """Audit rows on the driver's ``executemany``, ``before`` / ``after`` stored as the
    JSON text the chain hashed (``chain_dicts``: the same values, encoded once, not twice)."""
    table = AuditLog.__table__  # type: ignore[attr-defined]
    names = [c.name for c in table.columns]
    columns = list(zip(*map(itemgetter(*names), rows), strict=True))
    json_columns = {names.index("before"): 0, names.index("after"): 1}
    for index, column in enumerate(table.columns):
        if index in json_columns:
            which = json_columns[index]
            columns[index] = tuple(t[which] for t in texts)
            continue
        process = column.type._cached_bind_processor(connection.dialect)
        if process is not None:  # the stamp: the same on every row, converted once
            done = {value: process(value) for value in set(columns[index]) if value is not None}
            columns[index] = tuple(map(done.get, columns[index]))
    quoted = ", ".join(f'"{name}"' for name in names)
    marks = ", ".join("?" for _ in names)
    connection.exec_driver_sql(
        f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})', list(zip(*columns, strict=True))
    )


def history(
    session: Session,
    *,
    person_id: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    limit: int = 200,
) -> list[AuditLog]:
    """The latest ``limit`` audit rows, listed oldest first, filtered by person and/or entity."""
    stmt = select(AuditLog)
    if person_id is not None:
        stmt = stmt.where(AuditLog.person_id == person_id)
    if entity is not None:
        stmt = stmt.where(AuditLog.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    stmt = stmt.order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc()).limit(limit)
    return list(reversed(session.exec(stmt).all()))
