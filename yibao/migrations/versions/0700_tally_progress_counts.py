"""tally: the progress report's counts kept per benefit year, place and day.

``progress_tally`` holds the counts (``progress_group_tally`` those of each identity), ``progress_person`` each resident's share of them (so
a change can take the old share out), ``progress_year`` the years built, ``progress_dirty``
the residents whose share may have changed. Triggers on person, household, payment,
enrolment, person_identity, refund_request and refund_transition write ``progress_dirty`` on every write
path (services, imports, sync, raw SQL); ``yibao.reports.tally.settle`` brings the counts
up to date in the same transaction, before it commits. Empty until ``yibao report tally``
builds a year: until then the reports compute from the registry directly.

Revision ID: 0700_tally
Revises: 0600_pg_lookup
Create Date: 2026-12-02 05:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = '0700_tally'
down_revision: Union[str, Sequence[str], None] = '0600_pg_lookup'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _text(length: int) -> sa.types.TypeEngine:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


# (trigger, table, event, what marks: an expression giving person ids, in a SELECT)
# ``NEW``/``OLD`` as the event has them. The person columns the reports read: a change of
# name or phone marks nobody.
_PERSON_COLUMNS = "status, employee_insured, town, village, household_id, hukou_region, residence_permit_region"
TRIGGERS: tuple[tuple[str, str, str, str], ...] = (
    ("progress_person_ins", "person", "INSERT", "SELECT NEW.id"),
    ("progress_person_upd", "person", f"UPDATE OF {_PERSON_COLUMNS}", "SELECT NEW.id"),
    ("progress_person_del", "person", "DELETE", "SELECT OLD.id"),
    ("progress_household_upd", "household", "UPDATE OF town, village",
     "SELECT id FROM person WHERE household_id = NEW.id"),
    ("progress_payment_ins", "payment", "INSERT", "SELECT NEW.person_id"),
    ("progress_payment_upd", "payment", "UPDATE", "SELECT NEW.person_id UNION SELECT OLD.person_id"),
    ("progress_payment_del", "payment", "DELETE", "SELECT OLD.person_id"),
    ("progress_enrolment_ins", "enrolment", "INSERT", "SELECT NEW.person_id"),
    ("progress_enrolment_upd", "enrolment", "UPDATE", "SELECT NEW.person_id UNION SELECT OLD.person_id"),
    ("progress_enrolment_del", "enrolment", "DELETE", "SELECT OLD.person_id"),
    ("progress_identity_ins", "person_identity", "INSERT", "SELECT NEW.person_id"),
    ("progress_identity_upd", "person_identity", "UPDATE", "SELECT NEW.person_id UNION SELECT OLD.person_id"),
    ("progress_identity_del", "person_identity", "DELETE", "SELECT OLD.person_id"),
    ("progress_refund_ins", "refund_request", "INSERT", "SELECT NEW.person_id"),
    ("progress_refund_upd", "refund_request", "UPDATE", "SELECT NEW.person_id UNION SELECT OLD.person_id"),
    ("progress_refund_step_ins", "refund_transition", "INSERT",
     "SELECT person_id FROM refund_request WHERE id = NEW.refund_id"),
)


def upgrade() -> None:
    op.create_table(
        'progress_person',
        sa.Column('person_id', _text(36), nullable=False),
        sa.Column('benefit_year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('hukou6', _text(6), nullable=False),
        sa.Column('permit6', _text(6), nullable=False),
        sa.Column('fallback6', _text(6), nullable=False),
        sa.Column('town', _text(50), nullable=False),
        sa.Column('village', _text(50), nullable=False),
        sa.Column('registered', sa.Integer(), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.Column('last_any', sa.Integer(), nullable=False),
        sa.Column('gone', sa.Integer(), nullable=False),
        sa.Column('spans', _text(400), nullable=False),
        sa.Column('groups', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('person_id', 'benefit_year', name=op.f('pk_progress_person')),
    )
    op.create_table(
        'progress_tally',
        sa.Column('benefit_year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('hukou6', _text(6), nullable=False),
        sa.Column('permit6', _text(6), nullable=False),
        sa.Column('fallback6', _text(6), nullable=False),
        sa.Column('town', _text(50), nullable=False),
        sa.Column('village', _text(50), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('persons', sa.Integer(), nullable=False),
        sa.Column('registered', sa.Integer(), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.Column('last_any', sa.Integer(), nullable=False),
        sa.Column('gone', sa.Integer(), nullable=False),
        sa.Column('paid', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('benefit_year', 'hukou6', 'permit6', 'fallback6', 'town', 'village', 'day',
                                name=op.f('pk_progress_tally')),
    )
    op.create_table(
        'progress_group_tally',
        sa.Column('benefit_year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('town', _text(50), nullable=False),
        sa.Column('code', _text(40), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('holders', sa.Integer(), nullable=False),
        sa.Column('payers', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('benefit_year', 'town', 'code', 'day', name=op.f('pk_progress_group_tally')),
    )
    op.create_table(
        'progress_dirty',
        sa.Column('person_id', _text(36), nullable=False),
        sa.PrimaryKeyConstraint('person_id', name=op.f('pk_progress_dirty')),
    )
    op.create_table(
        'progress_year',
        sa.Column('benefit_year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('built_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('benefit_year', name=op.f('pk_progress_year')),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name, table, event, select in TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN "
                f"INSERT OR IGNORE INTO progress_dirty (person_id) {select}; END"
            )
    elif dialect == "postgresql":
        for name, table, event, select in TRIGGERS:
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"INSERT INTO progress_dirty (person_id) {select} ON CONFLICT DO NOTHING; "
                "RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        # The desks' role (``yibao.pgrole``) writes these tables through the triggers and the
        # commit hook: give it what it has on ``person`` (``yibao init`` grants the same).
        op.execute(
            "DO $$ DECLARE r record; BEGIN FOR r IN SELECT DISTINCT grantee "
            "FROM information_schema.role_table_grants WHERE table_schema = current_schema() "
            "AND table_name = 'person' AND privilege_type = 'INSERT' AND grantee <> current_user "
            "LOOP EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON progress_person, "
            "progress_tally, progress_group_tally, progress_dirty, progress_year TO %I', "
            "r.grantee); END LOOP; END $$"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, _event, _select in TRIGGERS:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table('progress_year')
    op.drop_table('progress_dirty')
    op.drop_table('progress_group_tally')
    op.drop_table('progress_tally')
    op.drop_table('progress_person')
