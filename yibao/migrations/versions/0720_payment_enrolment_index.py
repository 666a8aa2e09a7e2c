"""payment: an index on ``enrolment_id``.

An enrolment's payments are looked up by ``enrolment_id`` (a sync import finding which
enrolments are still paid, a void asking whether its enrolment has another paid payment,
the export joining enrolments to payments); without an index each lookup scanned the
payments. Both backends.

Revision ID: 0720_payment_enrolment
Revises: 0710_prior
Create Date: 2026-12-02 07:10:00

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0720_payment_enrolment'
down_revision: Union[str, Sequence[str], None] = '0710_prior'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_payment_enrolment_id", "payment", ["enrolment_id"])


def downgrade() -> None:
    op.drop_index("ix_payment_enrolment_id", table_name="payment")
