"""prior: writes to ``prior_enrolment`` (imported payer lists) mark the residents they touch.

The reports count a row of last year's imported payer list as paid last year (附件2's (1),
上年度参保本年度未参保, the to-chase list's 上年), so ``progress_person`` holds it in ``last`` and
``last_any``. Revision ``0700_tally`` marked residents on writes to person, household,
payment, enrolment, person_identity and the refund tables, not on this table: an
``import enrolments`` left the kept counts behind. These triggers write ``progress_dirty``
for every insert, update and delete of a ``prior_enrolment`` row, as 0700's do.

Revision ID: 0710_prior
Revises: 0700_tally
Create Date: 2026-12-02 09:00:00

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0710_prior'
down_revision: Union[str, Sequence[str], None] = '0700_tally'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# (trigger, table, event, what marks), as in 0700_tally
TRIGGERS: tuple[tuple[str, str, str, str], ...] = (
    ("progress_prior_ins", "prior_enrolment", "INSERT", "SELECT NEW.person_id"),
    ("progress_prior_upd", "prior_enrolment", "UPDATE",
     "SELECT NEW.person_id UNION SELECT OLD.person_id"),
    ("progress_prior_del", "prior_enrolment", "DELETE", "SELECT OLD.person_id"),
)


def upgrade() -> None:
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


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, _event, _select in TRIGGERS:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
