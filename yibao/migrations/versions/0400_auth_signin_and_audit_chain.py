"""auth: clerk passwords and sign-in counters; the audit log as per-device hash chains.

Existing audit rows are chained in the order they were written (per device: ``at``,
then ``id``), with the append-only trigger lifted for that one backfill.

Revision ID: 0400_auth
Revises: 0200_registry_setting
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


revision: str = '0400_auth'
down_revision: Union[str, Sequence[str], None] = '0350_history'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_AUDIT_MESSAGE = "审计日志只能追加，不能修改或删除"


def upgrade() -> None:
    op.add_column('clerk', sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
    op.add_column('clerk', sa.Column('password_set_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column('clerk', sa.Column('failed_signins', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('clerk', sa.Column('signin_blocked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column('audit_log', sa.Column('seq', sa.Integer(), nullable=True))
    op.add_column('audit_log', sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.add_column('audit_log', sa.Column('row_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    _backfill_chains()
    op.create_index('uq_audit_log_device_seq', 'audit_log', ['device_id', 'seq'], unique=True)


def _backfill_chains() -> None:
    from yibao.auditchain import GENESIS, row_digest

    bind = op.get_bind()
    audit = sa.table(
        'audit_log', *(sa.column(c) for c in (
            'id', 'seq', 'device_id', 'clerk_id', 'clerk_name', 'action', 'outcome',
            'entity', 'entity_id', 'person_id', 'summary', 'prev_hash', 'row_hash')),
        sa.column('before', sa.JSON), sa.column('after', sa.JSON),
        sa.column('at', sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    rows = list(bind.execute(sa.select(audit).order_by(audit.c.device_id, audit.c.at, audit.c.id)))
    if not rows:
        return
    _lift_trigger(bind, lift=True)
    seq_of: dict[str, tuple[int, str]] = {}
    for row in rows:
        seq, prev = seq_of.get(row.device_id, (0, GENESIS))
        data = dict(row._mapping)
        data['seq'] = seq + 1
        digest = row_digest(data, prev)
        bind.execute(
            audit.update().where(audit.c.id == row.id).values(seq=seq + 1, prev_hash=prev, row_hash=digest)
        )
        seq_of[row.device_id] = (seq + 1, digest)
    _lift_trigger(bind, lift=False)


def _lift_trigger(bind: sa.Connection, *, lift: bool) -> None:
    if bind.dialect.name == "sqlite":
        if lift:
            op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        else:
            op.execute(
                "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{_AUDIT_MESSAGE}'); END"
            )
    elif bind.dialect.name == "postgresql":
        verb = "DISABLE" if lift else "ENABLE"
        op.execute(f"ALTER TABLE audit_log {verb} TRIGGER audit_log_append_only")


def downgrade() -> None:
    op.drop_index('uq_audit_log_device_seq', table_name='audit_log')
    with op.batch_alter_table('audit_log') as batch_op:
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
    with op.batch_alter_table('clerk') as batch_op:
        batch_op.drop_column('signin_blocked_until')
        batch_op.drop_column('failed_signins')
        batch_op.drop_column('password_set_at')
        batch_op.drop_column('password_hash')
