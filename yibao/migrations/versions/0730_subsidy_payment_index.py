"""subsidy: an index of the year's subsidised payments, for the subsidy ledger.

``资助参保台账`` lists the payments of a benefit year with a subsidy (a few in a hundred).
Without an index of them the ledger read every payment of the year (1.1 million at 1.6
million residents) to find the 80,000 it lists. Partial (``subsidy_fen > 0``) on both
backends, so it holds only those rows.

Revision ID: 0730_subsidy
Revises: 0720_payment_enrolment
Create Date: 2026-12-02 12:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0730_subsidy'
down_revision: Union[str, Sequence[str], None] = '0720_payment_enrolment'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index(
        "ix_payment_subsidised", "payment", ["benefit_year", "paid_on"],
        sqlite_where=sa.text("subsidy_fen > 0"), postgresql_where=sa.text("subsidy_fen > 0"),
    )


def downgrade() -> None:
    op.drop_index("ix_payment_subsidised", table_name="payment")
