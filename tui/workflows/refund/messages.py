"""What F5's workers post back: one typed answer per service call."""

from __future__ import annotations

from dataclasses import dataclass

from tui.workflows.messages import Answer
from yibao.services.views import RefundAssessmentView, RefundPaymentsView, RefundView


@dataclass
class PaymentsFound(Answer):
    found: RefundPaymentsView


@dataclass
class RefundAssessed(Answer):
    view: RefundAssessmentView


@dataclass
class OffersFound(Answer):
    """落实资助政策 owed to the person found (商南 三(一)): each payment with its decision."""

    offers: list[RefundAssessmentView]


@dataclass
class RefundTakenIn(Answer):
    refund: RefundView


@dataclass
class RefundRead(Answer):
    refund: RefundView


@dataclass
class RefundMoved(Answer):
    refund: RefundView


@dataclass
class QueueRead(Answer):
    refunds: list[RefundView]
