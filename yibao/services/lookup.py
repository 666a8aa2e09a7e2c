"""Look-up at the counter: a thin service over ``yibao.lookup``.

``search(query, *, limit=50, offset=0) -> list[PersonRow]``: the query may be an ID
number (full-width and lower-case x accepted), its last 4–6 characters, a name prefix,
pinyin initials (``zs`` → 张三) or a household number. Rows carry masked ID numbers only.
``page(query, *, limit=50, offset=0) -> SearchPage``: the desk's search as you type:
the same rows and whether more match beyond them (``more``), so the desk can say so
exactly; 7–17 digits are an ID number being typed (``InvalidInput`` says how many
digits are missing), not a household search (that is ``户`` + number).
``members(household_id) -> list[PersonRow]``. Bad queries raise ``InvalidInput``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from yibao.lookup import PersonRow
from yibao.services.base import ServiceBase
from yibao.services.errors import InvalidInput


class SearchPage(BaseModel):
    """One page of a look-up: ``rows`` (at most ``limit``) and whether more match."""

    model_config = ConfigDict(frozen=True)

    rows: tuple[PersonRow, ...]
    more: bool
    limit: int
    offset: int


class LookupService(ServiceBase):
    def search(self, query: str, *, limit: int = 50, offset: int = 0) -> list[PersonRow]:
        from yibao import lookup

        with self.reading() as session:
            try:
                return lookup.search(session, query, limit=limit, offset=offset)
            except lookup.InvalidQuery as exc:
                raise InvalidInput(str(exc), field="query") from None

    def page(self, query: str, *, limit: int = 50, offset: int = 0) -> SearchPage:
        """``search`` plus whether more rows match after this page: one row more is
        fetched (the same index scan), so the answer costs nothing extra."""
        from yibao import lookup

        with self.reading() as session:
            try:
                if limit < lookup.MAX_LIMIT:
                    found = lookup.search(
                        session, query, limit=limit + 1, offset=offset, partial_ids=True
                    )
                    more = len(found) > limit
                else:
                    found = lookup.search(
                        session, query, limit=limit, offset=offset, partial_ids=True
                    )
                    more = bool(
                        lookup.search(
                            session, query, limit=1, offset=offset + limit, partial_ids=True
                        )
                    )
            except lookup.InvalidQuery as exc:
                raise InvalidInput(str(exc), field="query") from None
        return SearchPage(rows=tuple(found[:limit]), more=more, limit=limit, offset=offset)

    def members(self, household_id: str) -> list[PersonRow]:
        from yibao import lookup

        with self.reading() as session:
            return lookup.household_members(session, household_id)
