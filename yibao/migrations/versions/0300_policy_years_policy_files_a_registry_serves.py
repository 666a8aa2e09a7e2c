"""policy files a registry serves, one per benefit year (``yibao policy activate``).

Revision ID: 0300_policy_years
Revises: 0200_registry_setting
Create Date: 2026-12-01 21:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


revision: str = '0300_policy_years'
down_revision: Union[str, Sequence[str], None] = '0200_registry_setting'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('policy_file',
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('policy_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('jurisdiction_key', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('benefit_year', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('activated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('activated_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('device_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['activated_by'], ['clerk.id'], name=op.f('fk_policy_file_activated_by_clerk')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_file'))
    )
    with op.batch_alter_table('policy_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_file_policy_id'), ['policy_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('policy_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_file_policy_id'))
    op.drop_table('policy_file')
