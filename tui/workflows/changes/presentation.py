"""修改审核 as the reviewer reads it: the waiting proposals and what each would change.

Presentation only: labels, values and the status come from ``ChangeRequestView``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.formatting import local_time

if TYPE_CHECKING:
    from yibao.services.change_requests import ChangeRequestView

COLUMNS = ("提议时间", "外出经办人", "修改内容", "状态")


def cells(request: ChangeRequestView) -> tuple[str, ...]:
    return (local_time(request.created_at), request.proposed_by or "—", request.summary, request.status_label)


def detail_text(request: ChangeRequestView) -> str:
    lines = [f"[b]{request.summary}[/]　提议人 {request.proposed_by or '—'}　{local_time(request.created_at)}"]
    lines += [f"{line.label}：{line.before or '（空）'} → [b]{line.after or '（空）'}[/]" for line in request.lines]
    return "\n".join(lines)


def decided_text(request: ChangeRequestView) -> str:
    note = f"；理由：{request.decision_note}" if request.decision_note else ""
    return f"{request.status_label}：{request.summary}{note}"
