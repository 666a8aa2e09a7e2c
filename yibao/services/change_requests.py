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

from yibao import relations
from yibao.audit import snapshot
from yibao.idnumbers import mask, mask_birth_cert
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


def _view(session: Session, row: ChangeRequest) -> ChangeRequestView:
    """The request as a reviewer reads it: households by number and head (masked ID),
    relations by name, never a row id or a code."""
    lines = tuple(
        ChangeLine(
            field=name,
            label=_FIELD_LABELS.get(name, name),
            before=_shown(session, name, pair[0]),
            after=_shown(session, name, pair[1]),
        )
        for name, pair in (row.changes or {}).items()
    )
    return ChangeRequestView(
        id=row.id,
        table_name=row.table_name,
        row_id=row.row_id,
        person_id=row.person_id,
        summary=_summary(session, row, lines),
        lines=lines,
        proposed_by=row.proposed_by,
        status=row.status,
        status_label=ChangeStatus(row.status).label,
        created_at=row.created_at,
        decision_note=row.decision_note,
    )


def _decided(readable: ChangeRequestView, row: ChangeRequest) -> ChangeRequestView:
    return readable.model_copy(update={
        "status": row.status, "status_label": ChangeStatus(row.status).label, "decision_note": row.decision_note,
    })


_HALL_CHANGED = "大厅在导出后也改动过"


def _summary(session: Session, row: ChangeRequest, lines: tuple[ChangeLine, ...]) -> str:
    """Who or which household, then each change (before → after), as stored summaries say
    it but with the names of today's hall rows (older summaries held short row ids)."""
    if row.table_name == "person":
        person = session.get(Person, row.row_id)
        subject = _person_text(person) if person is not None else None
    else:
        subject = _household_text(session, row.row_id) if session.get(Household, row.row_id) else None
    if subject is None:  # the hall row is gone: only rejecting is left, say what was stored
        return row.summary
    what = "；".join(f"{line.label}：{line.before or '（空）'} → {line.after or '（空）'}" for line in lines)
    note = "（大厅在导出后也改动过这条记录，请对照核实）" if _HALL_CHANGED in row.summary else ""
    return f"{subject}：{what}{note}"


def _shown(session: Session, name: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if name == "household_id":
        return _household_text(session, str(value))
    if name == "relation_to_head":
        return relations.label(str(value))
    return str(value)


def _person_text(person: Person) -> str:
    if person.id_number:
        return f"{person.name}（{mask(person.id_number)}）"
    return f"{person.name}（出生证明 {mask_birth_cert(person.birth_cert_no)}）" if person.birth_cert_no else person.name


def _household_text(session: Session, household_id: str) -> str:
    """户号 and head, e.g. ``户号 6110230012（户主 张甲 611023********0011）``."""
    home = session.get(Household, household_id)
    if home is None:
        return "大厅登记库中没有的家庭户"
    where = f"户号 {home.number}" if home.number else f"未填户号的家庭户（{home.address or '地址未填'}）"
    head = session.exec(
        select(Person).where(Person.household_id == household_id, Person.relation_to_head == relations.HEAD)
    ).first()
    if head is None:
        return f"{where}（尚无户主）"
    ident = mask(head.id_number) if head.id_number else f"出生证明 {mask_birth_cert(head.birth_cert_no)}"
    return f"{where}（户主 {head.name} {ident}）"


class ChangeRequestService(ServiceBase):
    """``open()`` lists what waits; ``accept`` / ``reject`` decide one (审核 only)."""

    def open(self) -> list[ChangeRequestView]:
        with self.reading() as session:
            rows = session.exec(
                select(ChangeRequest)
                .where(ChangeRequest.status == ChangeStatus.OPEN.value)
                .order_by(col(ChangeRequest.created_at), col(ChangeRequest.id))
            ).all()
            return [_view(session, r) for r in rows]

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
            readable = _view(session, row)  # as the reviewer saw it, before the row changes
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
                summary=f"采纳外出设备提议的修改：{readable.summary}",
                before=before,
                after=snapshot(target, fields=tuple(row.changes)),
            )
            return _decided(readable, row)

    def reject(self, request_id: str, *, note: str) -> ChangeRequestView:
        self._require_reviewer("reject", "驳回外出设备提议的修改", request_id)
        if not (note or "").strip():
            raise InvalidInput("驳回须写明理由（如：与户口簿不符）。", field="note")
        with self.transaction() as session:
            row = self._open_one(session, request_id)
            self._decide(session, row, ChangeStatus.REJECTED, note)
            readable = _view(session, row)
            self.audit(
                session,
                action="change_request.reject",
                entity=row.table_name,
                entity_id=row.row_id,
                person_id=row.person_id,
                summary=f"驳回外出设备提议的修改：{readable.summary}；理由：{note.strip()}",
            )
            return readable

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
