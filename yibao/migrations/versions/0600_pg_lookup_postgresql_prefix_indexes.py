"""PostgreSQL lookup indexes: (name_initials text_pattern_ops, id) and (name text_pattern_ops, id).

On PostgreSQL a first page of a name or initials prefix is ordered by the prefix
column in byte order and then ``id`` (so pages never overlap). With an index on the
prefix column alone, every row sharing the first value (3,000–4,600 for ``zs`` at
1.6 M residents) is fetched and sorted; with ``id`` in the index the scan stops after
one page. SQLite needs neither: its index entries end with the rowid, which is the
tie-breaker there. These indexes are PostgreSQL-only (``yibao.db.POSTGRESQL_ONLY_INDEXES``;
the model comparison leaves them out), and this revision does nothing on SQLite.

Revision ID: 0600_pg_lookup
Revises: 0200_registry_setting
Create Date: 2026-12-01 21:00:00

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0600_pg_lookup'
down_revision: Union[str, Sequence[str], None] = '0500_places'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_person_name_initials_id",
        "person",
        ["name_initials", "id"],
        postgresql_ops={"name_initials": "text_pattern_ops"},
    )
    op.create_index(
        "ix_person_name_id",
        "person",
        ["name", "id"],
        postgresql_ops={"name": "text_pattern_ops"},
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_person_name_id", table_name="person")
    op.drop_index("ix_person_name_initials_id", table_name="person")
