"""On PostgreSQL the desks connect as a role that may add to the audit log but never
change, delete or empty it (``yibao init`` sets it up; ``sql_for`` is the exact SQL).

The role owns nothing: the tables stay the database owner's, so it cannot drop the
append-only trigger or alter a table. It may read and write the registry's tables,
read the migration version (the desks only check it), and only ``SELECT`` and
``INSERT`` on ``audit_log`` — no ``UPDATE``, ``DELETE`` or ``TRUNCATE``.
"""

from __future__ import annotations

import re
import secrets

import sqlalchemy as sa
from sqlalchemy.engine import Engine

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
AUDIT_TABLE = "audit_log"
READ_ONLY_TABLES = frozenset({"alembic_version"})


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check_name(role: str) -> str:
    if not _NAME.fullmatch(role or ""):
        raise ValueError(
            f"数据库角色名“{role}”不对：只能用小写字母、数字和下划线，以字母或下划线开头，如 yibao_app。"
        )
    return role


def schema_of(connection: sa.Connection) -> str:
    return str(connection.scalar(sa.text("SELECT current_schema()")))


def sql_for(role: str, schema: str, tables: list[str], *, password: str | None) -> list[str]:
    """The statements that create (when ``password`` is given) and grant the role."""
    check_name(role)
    r, s = _quote(role), _quote(schema)
    out: list[str] = []
    if password is not None:
        out.append(f"CREATE ROLE {r} LOGIN PASSWORD '{password}'")
    out.append(f"GRANT USAGE ON SCHEMA {s} TO {r}")
    for table in sorted(tables):
        t = f"{s}.{_quote(table)}"
        out.append(f"REVOKE ALL ON {t} FROM {r}")
        if table == AUDIT_TABLE:
            out.append(f"GRANT SELECT, INSERT ON {t} TO {r}")
        elif table in READ_ONLY_TABLES:
            out.append(f"GRANT SELECT ON {t} TO {r}")
        else:
            out.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO {r}")
    out.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}")
    return out


def _tables(connection: sa.Connection, schema: str) -> list[str]:
    return list(sa.inspect(connection).get_table_names(schema=schema))


def role_exists(connection: sa.Connection, role: str) -> bool:
    return bool(connection.scalar(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}))


def set_up(engine: Engine, *, role: str) -> list[str]:
    """Create/grant ``role`` when the connected user may; else return the SQL to run.

    Returns Chinese lines for ``yibao init`` to print (a new role's password once)."""
    check_name(role)
    with engine.connect() as connection:
        schema = schema_of(connection)
        tables = _tables(connection, schema)
        exists = role_exists(connection, role)
        can = bool(
            connection.scalar(
                sa.text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
            )
        )
    password = None if exists else secrets.token_urlsafe(18)
    statements = sql_for(role, schema, tables, password=password)
    if not can:
        shown = sql_for(role, schema, tables, password=None if exists else "（请自设密码）")
        return [
            f"当前数据库用户不能创建角色。请数据库所有者执行以下 SQL，之后各窗口以 {role} 连接：",
            *(f"  {line};" for line in shown),
        ]
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    lines = [
        f"数据库角色 {role}：可读写登记表，审计日志只能追加（不能修改、删除或清空）。"
        "各窗口请以此角色连接，不要用数据库所有者。"
    ]
    if password is not None:
        lines.append(f"  新角色的密码（只显示这一次，请妥善保存）：{password}")
    return lines
