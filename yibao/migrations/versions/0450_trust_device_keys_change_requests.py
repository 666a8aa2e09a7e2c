"""trust: laptops' Ed25519 public keys pinned by a one-time enrolment code; change requests.

Revision ID: 0450_trust
Revises: 0200_registry_setting
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


revision: str = '0450_trust'
down_revision: Union[str, Sequence[str], None] = '0400_auth'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('outreach_device') as batch:
        batch.add_column(sa.Column('enrol_code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch.add_column(sa.Column('public_key_hex', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.add_column(sa.Column('key_pinned_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table('outreach_origin') as batch:
        batch.add_column(sa.Column('enrol_tag', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.add_column(sa.Column('hall_public_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.create_table('change_request',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('sync_log_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('source_device_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('table_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('row_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('person_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('proposed_by', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('decision_note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('device_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['sync_log_id'], ['sync_log.id'], name=op.f('fk_change_request_sync_log_id_sync_log')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_request'))
    )
    op.create_index('ix_change_request_status', 'change_request', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_change_request_status', table_name='change_request')
    op.drop_table('change_request')
    with op.batch_alter_table('outreach_origin') as batch:
        batch.drop_column('hall_public_key')
        batch.drop_column('enrol_tag')
    with op.batch_alter_table('outreach_device') as batch:
        batch.drop_column('key_pinned_at')
        batch.drop_column('public_key_hex')
        batch.drop_column('enrol_code')
