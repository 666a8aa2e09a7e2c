"""Look-up at the counter: a thin service over ``yibao.lookup`` (owned by S2).

``search(query, *, limit=50, offset=0) -> list[PersonRow]``: the query may be an ID
number (full-width and lower-case x accepted), its last 4–6 characters, a name prefix,
pinyin initials (``zs`` → 张三) or a household number. Rows carry masked ID numbers only.
``members(household_id) -> list[PersonRow]``. Bad queries raise ``InvalidInput``.
"""

from __future__ import annotations

from typing import Any

from yibao.services.base import ServiceBase
from yibao.services.errors import InvalidInput


class LookupService(ServiceBase):
    def search(self, query: str, *, limit: int = 50, offset: int = 0) -> list[Any]:
        from yibao import lookup

        with self.reading() as session:
            try:
                return lookup.search(session, query, limit=limit, offset=offset)
            except lookup.InvalidQuery as exc:
                raise InvalidInput(str(exc), field="query") from None

    def members(self, household_id: str) -> list[Any]:
        from yibao import lookup

        with self.reading() as session:
            return lookup.household_members(session, household_id)
