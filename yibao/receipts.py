"""Receipt numbers and plain-text receipts.

A receipt number is the device prefix and the device's next sequence value, e.g.
``K7QX-00000042``. The sequence is bumped inside the payment's transaction with one
``UPDATE … RETURNING`` (atomic on SQLite and PostgreSQL); it only goes up, so a number
is never issued twice, even after a refund or a void.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlmodel import Session

from yibao.models import ReceiptSequence
from yibao.money import yuan
from yibao.outreach.files import private_dir
from yibao.timezone import LOCAL_TZ

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")


def format_receipt_no(prefix: str, value: int) -> str:
    return f"{prefix}-{value:08d}"


def next_receipt_no(session: Session, *, device_id: str, prefix: str) -> str:
    """Take the next number of ``device_id`` inside the caller's transaction."""
    stmt = (
        sa.update(ReceiptSequence)
        .where(ReceiptSequence.device_id == device_id)  # type: ignore[arg-type]
        .values(last_value=ReceiptSequence.last_value + 1)
        .returning(ReceiptSequence.last_value)
    )
    value = session.execute(stmt).scalar_one_or_none()
    if value is None:
        session.add(ReceiptSequence(device_id=device_id, last_value=1))
        session.flush()
        value = 1
    return format_receipt_no(prefix, value)




def _four(n: int) -> str:
    out = ""
    zero = False
    for pos in range(3, -1, -1):
        digit = (n // 10**pos) % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[digit] + _SMALL_UNITS[pos]
    return out


def _integer(n: int) -> str:
    if n == 0:
        return "零"
    groups: list[int] = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out = ""
    skipped = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            skipped = bool(out)
            continue
        if out and (skipped or group < 1000):
            out += "零"
        out += _four(group) + _BIG_UNITS[index]
        skipped = False
    return out


def capitals(fen: int) -> str:
    """人民币大写: 40000 → 肆佰元整, 100005 → 壹仟元零伍分, 35050 → 叁佰伍拾元伍角整."""
    if fen < 0:
        return "负" + capitals(-fen)
    whole, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    if cents == 0:
        return _integer(whole) + "元整"
    out = _integer(whole) + "元" if whole else ""
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif whole:
        out += "零"
    if fen_digit:
        out += _DIGITS[fen_digit] + "分"
    else:
        out += "整"
    return out


class ReceiptLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str
    fen: int


class ReceiptText(BaseModel):
    """What a receipt shows; built by the payment services from stored rows."""

    model_config = ConfigDict(frozen=True)

    receipt_no: str
    jurisdiction: str
    person_name: str
    id_masked: str
    id_label: str = "身份证号"  # 出生医学证明编号 for a newborn without an ID number yet
    benefit_year: int
    category_label: str
    lines: tuple[ReceiptLine, ...]
    amount_fen: int
    channel_label: str
    received_fen: int | None = None
    change_fen: int | None = None
    payer: str | None = None  # 家庭共济: payer's name and masked ID
    coverage_start: date | None = None
    coverage_end: date | None = None
    clerk_name: str
    device_prefix: str
    paid_at: datetime
    policy_document: str = ""


RULE = "\u2500"  # a line of ``layout`` that is a horizontal rule, not text


def layout(receipt: ReceiptText) -> list[str]:
    """The receipt's lines, ``RULE`` for a separator: the one layout the text receipt and the
    PDF receipts (``yibao.printing.receipt``) both print, so they never say different things."""
    local = receipt.paid_at.astimezone(LOCAL_TZ) if receipt.paid_at.tzinfo else receipt.paid_at
    lines = [
        f"{receipt.jurisdiction} 城乡居民基本医疗保险缴费收据",
        f"收据号：{receipt.receipt_no}",
        RULE,
        f"参保人：{receipt.person_name}",
        f"{receipt.id_label}：{receipt.id_masked}",
        f"参保年度：{receipt.benefit_year}年度（{receipt.category_label}）",
    ]
    if receipt.coverage_start and receipt.coverage_end:
        lines.append(
            f"待遇期：{receipt.coverage_start.isoformat()} 至 {receipt.coverage_end.isoformat()}"
        )
    lines.append(RULE)
    for line in receipt.lines:
        lines.append(f"{line.label}：{yuan(line.fen)} 元")
    lines.append(f"实收金额：{yuan(receipt.amount_fen)} 元")
    lines.append(f"人民币大写：{capitals(receipt.amount_fen)}")
    lines.append(f"缴费方式：{receipt.channel_label}")
    if receipt.payer:
        lines.append(f"代缴人：{receipt.payer}")
    if receipt.received_fen is not None:
        lines.append(
            f"收到：{yuan(receipt.received_fen)} 元　找零：{yuan(receipt.change_fen or 0)} 元"
        )
    lines.append(RULE)
    lines.append(f"经办人：{receipt.clerk_name}　设备：{receipt.device_prefix}")
    lines.append(f"时间：{local.strftime('%Y-%m-%d %H:%M:%S')}")
    if receipt.policy_document:
        lines.append(f"依据：{receipt.policy_document}")
    return lines


def render(receipt: ReceiptText, *, width: int = 40) -> str:
    """The receipt as plain text lines (no ID number in clear)."""
    return "\n".join("-" * width if line == RULE else line for line in layout(receipt)) + "\n"


def save_text(receipt_no: str, text: str, directory: Path) -> Path:
    """Write a plain-text receipt, ready to print, as ``<directory>/<receipt_no>.txt``
    (mode 0600: it names the payer); returns its path."""
    private_dir(directory)
    path = directory / f"{receipt_no}.txt"
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path
