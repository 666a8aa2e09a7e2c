"""history: ``prior_enrolment``, the years of imported payer lists (``import enrolments``).

Revision ID: 0350_history
Revises: 0200_registry_setting
Create Date: 2026-12-01 20:45:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = '0350_history'
down_revision: Union[str, Sequence[str], None] = '0300_policy_years'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('prior_enrolment',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('person_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('benefit_year', sa.Integer(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('import_batch_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('device_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_prior_enrolment_import_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_prior_enrolment_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prior_enrolment')),
    sa.UniqueConstraint('person_id', 'benefit_year', name='uq_prior_enrolment_person_year')
    )
    op.create_index(op.f('ix_prior_enrolment_person_id'), 'prior_enrolment', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_prior_enrolment_person_id'), table_name='prior_enrolment')
    op.drop_table('prior_enrolment')
