"""The states of a refund request and the only moves between them.

受理 → 审核中 → 已批准 / 已驳回; 已批准 → 已退费. ``RefundService.review`` refuses any
other move; ``RefundView.moves`` lists the moves open from a request's state, so the desk
offers exactly these.
"""

from __future__ import annotations

from enum import StrEnum


class RefundState(StrEnum):
    RECEIVED = "received"  # 受理
    REVIEWING = "reviewing"  # 审核中
    APPROVED = "approved"  # 已批准
    REJECTED = "rejected"  # 已驳回
    REFUNDED = "refunded"  # 已退费

    @property
    def label(self) -> str:
        return REFUND_STATE_LABELS[self]


REFUND_STATE_LABELS: dict[RefundState, str] = {
    RefundState.RECEIVED: "受理",
    RefundState.REVIEWING: "审核中",
    RefundState.APPROVED: "已批准",
    RefundState.REJECTED: "已驳回",
    RefundState.REFUNDED: "已退费",
}

# The only moves a refund request may make. Anything else is refused by the service.
REFUND_TRANSITIONS: dict[RefundState, frozenset[RefundState]] = {
    RefundState.RECEIVED: frozenset({RefundState.REVIEWING}),
    RefundState.REVIEWING: frozenset({RefundState.APPROVED, RefundState.REJECTED}),
    RefundState.APPROVED: frozenset({RefundState.REFUNDED}),
    RefundState.REJECTED: frozenset(),
    RefundState.REFUNDED: frozenset(),
}


# The moves that send money back (the payment refunded, or a subsidy's difference): the
# desk asks for these to be confirmed by name and amount, never offers them preselected.
PAYS_OUT: frozenset[RefundState] = frozenset({RefundState.REFUNDED})


def moves_from(state: str) -> tuple[RefundState, ...]:
    """The states a request in ``state`` may move to, in the order of the process."""
    order = list(RefundState)
    return tuple(sorted(REFUND_TRANSITIONS[RefundState(state)], key=order.index))
