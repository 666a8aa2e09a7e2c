"""Changes an outreach laptop proposed to hall rows (OpenSPP's change-request pattern).

A sync bundle never changes a person or household the hall holds; what the team corrected
(a name, an address, a new household) arrives as a ``change_request``. A 审核 looks at each
one and accepts it (the hall row is changed, field by field, only if it still holds the
values the laptop saw) or rejects it with a reason. Both are audited; the request keeps who
decided, when, and why.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, select

from yibao.audit import snapshot
from yibao.models import Household, Person, Role
from yibao.outreach.models import ChangeRequest, ChangeStatus
from yibao.pinyin import initials
from yibao.services.base import ServiceBase
from yibao.services.errors import InvalidInput, NotFound

_FIELD_LABELS = {
    "name": "姓名",
    "phone": "电话",
    "address": "地址",
    "household_id": "家庭户",
    "relation_to_head": "与户主关系",
    "ethnicity": "民族",
    "number": "户号",
    "hukou_region": "户籍地",
}
_MODELS: dict[str, type[Person] | type[Household]] = {"person": Person, "household": Household}


class ChangeLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    field: str
    label: str
    before: str | None
    after: str | None


class ChangeRequestView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    table_name: str
    row_id: str
    person_id: str | None
    summary: str
    lines: tuple[ChangeLine, ...]
    proposed_by: str | None
    status: str
    status_label: str
    created_at: datetime
    decision_note: str | None = None


def _view(row: ChangeRequest) -> ChangeRequestView:
    lines = tuple(
        ChangeLine(
            field=name,
            label=_FIELD_LABELS.get(name, name),
            before=None if pair[0] is None else str(pair[0]),
            after=None if pair[1] is None else str(pair[1]),
        )
        for name, pair in (row.changes or {}).items()
    )
    return ChangeRequestView(
        id=row.id,
        table_name=row.table_name,
        row_id=row.row_id,
        person_id=row.person_id,
        summary=row.summary,
        lines=lines,
        proposed_by=row.proposed_by,
        status=row.status,
        status_label=ChangeStatus(row.status).label,
        created_at=row.created_at,
        decision_note=row.decision_note,
    )


class ChangeRequestService(ServiceBase):
    """``open()`` lists what waits; ``accept`` / ``reject`` decide one (审核 only)."""

    def open(self) -> list[ChangeRequestView]:
        with self.reading() as session:
            rows = session.exec(
                select(ChangeRequest)
                .where(ChangeRequest.status == ChangeStatus.OPEN.value)
                .order_by(col(ChangeRequest.created_at), col(ChangeRequest.id))
            ).all()
            return [_view(r) for r in rows]

    def accept(self, request_id: str, *, note: str | None = None) -> ChangeRequestView:
        """Apply the proposed values to the hall's row; refused if that row changed since."""
        self._require_reviewer("accept", "采纳外出设备提议的修改", request_id)
        with self.transaction() as session:
            row = self._open_one(session, request_id)
            model = _MODELS.get(row.table_name)
            target = session.get(model, row.row_id) if model else None
            if target is None:
                raise NotFound("提议修改的记录在大厅登记库中已不存在，只能驳回。")
            stale = [
                _FIELD_LABELS.get(name, name)
                for name, (before, _after) in row.changes.items()
                if _plain(getattr(target, name, None)) != _plain(before)
            ]
            if stale:
                raise InvalidInput(
                    f"大厅的记录在提议之后已改过（{'、'.join(stale)}），不能直接采纳。"
                    "请核实后驳回，并在大厅按正常手续修改。"
                )
            if "household_id" in row.changes:
                new_home = row.changes["household_id"][1]
                if new_home and session.get(Household, new_home) is None:
                    raise InvalidInput("提议的家庭户在大厅登记库中不存在（该户可能未随回传包导入），只能驳回。")
            before = snapshot(target, fields=tuple(row.changes))
            for name, (_before, after) in row.changes.items():
                setattr(target, name, after)
            if isinstance(target, Person) and "name" in row.changes:
                target.name_initials = initials(target.name)
            target.updated_at = self.now()
            self._decide(session, row, ChangeStatus.ACCEPTED, note)
            self.audit(
                session,
                action="change_request.accept",
                entity=row.table_name,
                entity_id=row.row_id,
                person_id=row.person_id,
                summary=f"采纳外出设备提议的修改：{row.summary}",
                before=before,
                after=snapshot(target, fields=tuple(row.changes)),
            )
            return _view(row)

    def reject(self, request_id: str, *, note: str) -> ChangeRequestView:
        self._require_reviewer("reject", "驳回外出设备提议的修改", request_id)
        if not (note or "").strip():
            raise InvalidInput("驳回须写明理由（如：与户口簿不符）。", field="note")
        with self.transaction() as session:
            row = self._open_one(session, request_id)
            self._decide(session, row, ChangeStatus.REJECTED, note)
            self.audit(
                session,
                action="change_request.reject",
                entity=row.table_name,
                entity_id=row.row_id,
                person_id=row.person_id,
                summary=f"驳回外出设备提议的修改：{row.summary}；理由：{note.strip()}",
            )
            return _view(row)

    # --- helpers -----------------------------------------------------------------
    def _require_reviewer(self, verb: str, what: str, request_id: str) -> None:
        """Only a 审核 decides a change request: the shared, audited role check, before the
        operation's transaction (the refusal's audit row outlives its rollback)."""
        self.require_role(
            Role.SUPERVISOR, action=f"change_request.{verb}", what=what,
            entity="change_request", entity_id=(request_id or "").strip() or None,
        )

    @staticmethod
    def _open_one(session: Session, request_id: str) -> ChangeRequest:
        ident = (request_id or "").strip()
        if not ident:
            raise InvalidInput("请给出提议修改的编号（yibao changes list 列出的前 8 位即可）。", field="id")
        rows = session.exec(
            select(ChangeRequest).where(col(ChangeRequest.id).startswith(ident)).with_for_update()
        ).all()
        if len(rows) != 1:
            raise NotFound(f"找不到编号为 {ident} 的提议修改（或编号不唯一），请用 yibao changes list 查看。")
        row = rows[0]
        if row.status != ChangeStatus.OPEN.value:
            raise InvalidInput(f"该提议已处理过（{ChangeStatus(row.status).label}）。")
        return row

    def _decide(self, session: Session, row: ChangeRequest, status: ChangeStatus, note: str | None) -> None:
        row.status = status.value
        row.decided_by = self._services.clerk.id
        row.decided_at = self.now()
        row.decision_note = (note or "").strip() or None
        session.add(row)




def _plain(value: object) -> object:
    return None if value == "" else value
