"""Find a resident at the counter: one box, whatever the clerk types.

``search(session, query)`` decides what the query is:

- 18 characters (17 digits and a digit or X), or a 15-digit old number → the full ID number;
- 4 to 6 digits (the last may be X) → the tail of the ID number;
- Han characters → name prefix (张 / 张三);
- Latin letters → pinyin initials prefix (zs → 张三, 张帅 …);
- ``户`` followed by a household number, or 7–14 / 16–17 digits → members of that household
  (``partial_ids=True``, the desk's search as you type: 7–17 digits are an ID number not
  yet typed to the end, and only ``户…`` searches households).

Every query is one statement: an index range scan of ``person`` with the household
number joined in (outer join on the primary key of ``household``), or, for a household,
a join that starts from ``household`` (on SQLite ``CROSS JOIN``, which fixes the order:
no plan can scan ``person``). At most ``limit`` rows, ID numbers masked.
``benchmarks/lookup.py`` measures it at county scale.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Join

from yibao.idnumbers import mask, normalise, upgrade_15
from yibao.models import Household, Person
from yibao.pinyin import is_han_text

MAX_LIMIT = 500

_TAIL = re.compile(r"^\d{3,5}[\dX]$")
_FULL = re.compile(r"^\d{17}[\dX]$")
_OLD = re.compile(r"^\d{15}$")
_LATIN = re.compile(r"^[a-z]+$")
_HOUSEHOLD = re.compile(r"^户(?:号)?[:：\s]*([0-9A-Za-z-]+)$")


class QueryKind(StrEnum):
    ID_NUMBER = "id_number"
    ID_TAIL = "id_tail"
    NAME = "name"
    INITIALS = "initials"
    HOUSEHOLD = "household"


class InvalidQuery(ValueError):
    """The query cannot be understood; ``message`` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PersonRow(BaseModel):
    """One line of a lookup result. The ID number is masked: never the clear number."""

    model_config = ConfigDict(frozen=True)

    person_id: str
    name: str
    id_masked: str  # 511402********1234, or "" when the person has no ID number yet
    sex: str | None
    birth_date: date
    household_id: str | None
    household_number: str | None
    relation_to_head: str | None
    status: str


def classify(query: str, *, partial_ids: bool = False) -> tuple[QueryKind, str]:
    """What the clerk typed, and the normalised search key. Raises ``InvalidQuery``.

    With ``partial_ids`` (typing in progress) 7–17 digits are an unfinished ID number:
    ``InvalidQuery`` says how many digits are missing instead of searching households.
    """
    text = unicodedata.normalize("NFKC", "".join(query.split()))
    if not text:
        raise InvalidQuery("请输入身份证号（全号或后 4–6 位）、姓名、拼音首字母或“户”加户号。")
    upper = normalise(text)
    if _FULL.match(upper):
        return QueryKind.ID_NUMBER, upper
    if _OLD.match(upper):
        return QueryKind.ID_NUMBER, upgrade_15(upper)
    if _TAIL.match(upper):
        return QueryKind.ID_TAIL, upper
    household = _HOUSEHOLD.match(text)
    if household:
        return QueryKind.HOUSEHOLD, household.group(1)
    if upper.isdigit():
        if len(upper) < 4:
            raise InvalidQuery("身份证号尾号至少输入 4 位。")
        if partial_ids and 7 <= len(upper) <= 17:
            raise InvalidQuery(
                f"已输入 {len(upper)} 位：身份证号码请输完 18 位，或只输入后 4–6 位；"
                "查户请输入“户”加户号（如 户0101）。"
            )
        return QueryKind.HOUSEHOLD, upper
    if re.fullmatch(r"\d+X", upper):
        raise InvalidQuery("身份证号应为 18 位（最后一位可为 X），尾号为 4–6 位。请核对后重输。")
    if _LATIN.match(text.lower()):
        return QueryKind.INITIALS, text.lower()
    if is_han_text(text):
        return QueryKind.NAME, text
    raise InvalidQuery(
        f"无法识别“{query.strip()}”：请只输入身份证号、姓名或拼音首字母中的一种，不要混合。"
    )


def _successor(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _prefix_condition(
    session: Session, column: sa.ColumnElement[str], prefix: str
) -> sa.ColumnElement[bool]:
    """``column LIKE 'prefix%'`` written as a half-open range the index always serves.

    SQLite only uses an index for LIKE under ``case_sensitive_like``; a range on the
    BINARY collation is the same set and always does. On PostgreSQL the prefix
    indexes use ``text_pattern_ops``, whose operators are ``~>=~`` / ``~<~`` (byte
    order): a range with them stays an index range scan even in a generic plan of a
    prepared statement, where ``LIKE $1`` can turn into a walk over the whole index
    (1.5 s at 1.6 M residents).
    """
    upper = _successor(prefix)
    if session.get_bind().dialect.name == "postgresql":
        return sa.and_(column.op("~>=~")(prefix), column.op("~<~")(upper))
    return sa.and_(column >= prefix, column < upper)


def _index_order(session: Session, column: str) -> sa.ColumnElement[object]:
    """Order by ``column`` the way its index is sorted, so a page stops early.

    On PostgreSQL the prefix indexes use ``text_pattern_ops`` (byte order, for LIKE);
    ``ORDER BY name USING ~<~`` is that order, so the index scan yields rows already
    sorted and only ties on the same name are sorted (incremental sort). A plain
    ``ORDER BY name`` (locale order) would sort every match: 90 ms at 1.6 M.
    """
    if session.get_bind().dialect.name == "postgresql":
        return sa.literal_column(f"person.{column} USING ~<~")
    return getattr(Person, column)


def _tie_breaker(session: Session) -> sa.ColumnElement[object]:
    """The column that makes the order total, so pages never overlap.

    On SQLite every index entry ends with the rowid: ``ORDER BY name, rowid`` is read
    straight from the index and stops after one page. ``ORDER BY name, id`` would
    sort every row sharing a name (or initials) first: 10 ms instead of 1 ms at 1.6 M.
    """
    if session.get_bind().dialect.name == "sqlite":
        return sa.literal_column("person.rowid")
    return Person.id  # type: ignore[return-value]


_COLUMNS = (
    Person.id,
    Person.name,
    Person.id_number,
    Person.sex,
    Person.birth_date,
    Person.household_id,
    Person.relation_to_head,
    Person.status,
    Household.number.label("household_number"),  # type: ignore[union-attr]
)


class _OrderedJoin(Join):
    """An inner join whose left side is the outer loop: ``CROSS JOIN … ON`` on SQLite
    (its documented way to fix the join order), a plain ``JOIN`` elsewhere."""

    inherit_cache = True


@compiles(_OrderedJoin, "sqlite")
def _ordered_join_sqlite(join: _OrderedJoin, compiler: sa.sql.compiler.SQLCompiler, **kw: object) -> str:
    kw["asfrom"] = True
    left = compiler.process(join.left, **kw)
    right = compiler.process(join.right, **kw)
    kw.pop("asfrom")
    return f"{left} CROSS JOIN {right} ON {compiler.process(join.onclause, **kw)}"


def _person_rows() -> sa.Select[tuple[object, ...]]:
    """The result columns over ``person``, with its household's number (outer join on
    the primary key: one row per person, read in the person's index order)."""
    return sa.select(*_COLUMNS).select_from(
        sa.outerjoin(Person, Household, Person.household_id == Household.id)
    )


def _household_rows(number: str) -> sa.Select[tuple[object, ...]]:
    """Members of the household(s) with ``number``: from ``household`` (index on
    ``number``) to ``person`` (index on ``household_id``), never the other way round."""
    return (
        sa.select(*_COLUMNS)
        .select_from(
            _OrderedJoin(
                Household.__table__,  # type: ignore[attr-defined]
                Person.__table__,  # type: ignore[attr-defined]
                Person.household_id == Household.id,
            )
        )
        .where(Household.number == number)
    )


def search(
    session: Session,
    query: str,
    *,
    limit: int = 50,
    offset: int = 0,
    partial_ids: bool = False,
) -> list[PersonRow]:
    """Residents matching ``query`` (see the module docstring), at most ``limit``.

    Name and initials results are ordered by name (initials) and a stable tie-breaker,
    so pages do not overlap. Raises ``InvalidQuery`` with a Chinese message for an unusable query.
    """
    if limit < 1 or limit > MAX_LIMIT:
        raise InvalidQuery(f"每页条数应在 1 到 {MAX_LIMIT} 之间。")
    if offset < 0:
        raise InvalidQuery("翻页位置不能为负数。")
    kind, key = classify(query, partial_ids=partial_ids)
    tie = _tie_breaker(session)
    stmt = _person_rows()
    if kind is QueryKind.ID_NUMBER:
        stmt = stmt.where(Person.id_number == key)
    elif kind is QueryKind.ID_TAIL:
        stmt = stmt.where(_tail_condition(key)).order_by(Person.id_tail, tie)
    elif kind is QueryKind.NAME:
        stmt = stmt.where(_prefix_condition(session, Person.name, key)).order_by(
            _index_order(session, "name"), tie
        )
    elif kind is QueryKind.INITIALS:
        stmt = stmt.where(_prefix_condition(session, Person.name_initials, key)).order_by(
            _index_order(session, "name_initials"), tie
        )
    else:
        stmt = _household_rows(key).order_by(
            Person.relation_to_head, Person.birth_date, Person.id
        )
    stmt = stmt.limit(limit).offset(offset)
    return [_row(r) for r in session.execute(stmt)]


def _row(r: sa.Row[tuple[object, ...]]) -> PersonRow:
    return PersonRow(
        person_id=r.id,
        name=r.name,
        id_masked=mask(r.id_number) if r.id_number else "",
        sex=r.sex,
        birth_date=r.birth_date,
        household_id=r.household_id,
        household_number=r.household_number if r.household_id else None,
        relation_to_head=r.relation_to_head,
        status=r.status,
    )


def _tail_condition(tail: str) -> sa.ColumnElement[bool]:
    """``id_tail`` holds the last 6 characters; a shorter tail becomes an IN list.

    The two characters before a 4-character tail are the day of birth (01–31),
    the one before a 5-character tail is a digit: 31 or 10 index seeks.
    """
    if len(tail) == 6:
        return Person.id_tail == tail
    if len(tail) == 5:
        return Person.id_tail.in_([f"{d}{tail}" for d in range(10)])
    return Person.id_tail.in_([f"{d:02d}{tail}" for d in range(1, 32)])


def household_members(session: Session, household_id: str) -> list[PersonRow]:
    """Everyone in a household, head first (by GB/T 4761 relation code)."""
    stmt = (
        _person_rows()
        .where(Person.household_id == household_id)
        .order_by(Person.relation_to_head, Person.birth_date, Person.id)
    )
    return [_row(r) for r in session.execute(stmt)]
