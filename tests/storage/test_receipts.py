from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from yibao import receipts
from yibao.config import ensure_device


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (40000, "肆佰元整"),
        (38000, "叁佰捌拾元整"),
        (9500, "玖拾伍元整"),
        (0, "零元整"),
        (5, "伍分"),
        (50, "伍角整"),
        (100005, "壹仟元零伍分"),
        (35050, "叁佰伍拾元伍角整"),
        (1010, "壹拾元壹角整"),
        (1000010000, "壹仟万零壹佰元整"),
        (100010000, "壹佰万零壹佰元整"),
        (10000000000, "壹亿元整"),
        (10000100000, "壹亿零壹仟元整"),
    ],
)
def test_capitals(fen: int, text: str) -> None:
    assert receipts.capitals(fen) == text


def test_yuan() -> None:
    assert receipts.yuan(40000) == "400.00"
    assert receipts.yuan(5) == "0.05"
    assert receipts.yuan(123456789) == "1,234,567.89"


def test_sequence_goes_up_and_is_per_device(engine) -> None:  # type: ignore[no-untyped-def]
    a = ensure_device(engine, name="甲")
    b = ensure_device(engine, device_id="00000000-0000-4000-8000-00000000000b", prefix="BBBB")
    with Session(engine) as session:
        first = receipts.next_receipt_no(session, device_id=a.id, prefix=a.prefix)
        second = receipts.next_receipt_no(session, device_id=a.id, prefix=a.prefix)
        other = receipts.next_receipt_no(session, device_id=b.id, prefix=b.prefix)
        session.commit()
    assert first == f"{a.prefix}-00000001"
    assert second == f"{a.prefix}-00000002"
    assert other == "BBBB-00000001"
    with Session(engine) as session:  # a rolled-back number is not issued; the next one is 3
        receipts.next_receipt_no(session, device_id=a.id, prefix=a.prefix)
        session.rollback()
    with Session(engine) as session:
        assert receipts.next_receipt_no(session, device_id=a.id, prefix=a.prefix).endswith("3")
        session.commit()


def test_render_masks_and_spells_amount() -> None:
    text = receipts.render(
        receipts.ReceiptText(
            receipt_no="ABCD-00000007",
            jurisdiction="商南县",
            person_name="张三",
            id_masked="611023********0012",
            benefit_year=2025,
            category_label="一般人员",
            lines=(receipts.ReceiptLine(label="个人缴费标准", fen=40000),),
            amount_fen=40000,
            channel_label="现金",
            received_fen=50000,
            change_fen=10000,
            coverage_start=date(2025, 1, 1),
            coverage_end=date(2025, 12, 31),
            clerk_name="王芳",
            device_prefix="ABCD",
            paid_at=datetime(2024, 10, 15, 2, 0, tzinfo=UTC),
            policy_document="商南政办发〔2024〕57号",
        )
    )
    assert "收据号：ABCD-00000007" in text
    assert "611023********0012" in text
    assert "人民币大写：肆佰元整" in text
    assert "找零：100.00" in text
    assert "2024-10-15 10:00:00" in text  # shown in local time
    assert "经办人：王芳" in text
