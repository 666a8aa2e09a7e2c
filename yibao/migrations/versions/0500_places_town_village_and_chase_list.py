"""places: town (乡镇/街道) and village (村/社区) on person and household; the outreach
laptop's to-chase list (待缴名单).

Existing rows are backfilled from their address where it names exactly one town of the
jurisdiction's list (``yibao.places.parse_place``); the others stay unknown (NULL).

Revision ID: 0500_places
Revises: 0200_registry_setting
Create Date: 2026-12-01 20:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = '0500_places'
down_revision: Union[str, Sequence[str], None] = '0450_trust'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_BATCH = 5000


def _backfill(table: str) -> None:
    from yibao.places import parse_place

    conn = op.get_bind()
    t = sa.table(
        table,
        sa.column('id', sa.String),
        sa.column('address', sa.String),
        sa.column('hukou_region', sa.String),
        sa.column('town', sa.String),
        sa.column('village', sa.String),
    )
    rows = conn.execute(
        sa.select(t.c.id, t.c.address, t.c.hukou_region).where(t.c.address.is_not(None))
    ).all()
    updates = []
    for row in rows:
        place = parse_place(row.address, row.hukou_region)
        if place.town:
            updates.append({'b_id': row.id, 'b_town': place.town, 'b_village': place.village})
    stmt = (
        t.update()
        .where(t.c.id == sa.bindparam('b_id'))
        .values(town=sa.bindparam('b_town'), village=sa.bindparam('b_village'))
    )
    for start in range(0, len(updates), _BATCH):
        conn.execute(stmt, updates[start : start + _BATCH])


def upgrade() -> None:
    for table in ('household', 'person'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('town', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True))
            batch.add_column(sa.Column('village', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True))
    op.create_index('ix_person_town_village', 'person', ['town', 'village'])
    op.create_index('ix_payment_year_paid_on', 'payment', ['benefit_year', 'paid_on', 'status', 'person_id'])
    op.create_index('ix_payment_person_year', 'payment', ['person_id', 'benefit_year'])
    op.create_index('ix_refund_request_payment_id', 'refund_request', ['payment_id'])
    op.create_index('ix_enrolment_year_status', 'enrolment', ['benefit_year', 'status', 'person_id'])
    op.create_table(
        'outreach_chase',
        sa.Column('person_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('benefit_year', sa.Integer(), nullable=False),
        sa.Column('town', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column('village', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column('id_masked', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('last_year_status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('identities', sa.JSON(), nullable=True),
        sa.Column('listed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('person_id', 'benefit_year', name=op.f('pk_outreach_chase')),
    )
    _backfill('household')
    _backfill('person')


def downgrade() -> None:
    op.drop_table('outreach_chase')
    op.drop_index('ix_enrolment_year_status', table_name='enrolment')
    op.drop_index('ix_refund_request_payment_id', table_name='refund_request')
    op.drop_index('ix_payment_person_year', table_name='payment')
    op.drop_index('ix_payment_year_paid_on', table_name='payment')
    op.drop_index('ix_person_town_village', table_name='person')
    for table in ('person', 'household'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('village')
            batch.drop_column('town')
