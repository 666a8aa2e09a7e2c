"""The ledgers read from the kept per-person counts (``progress_person``) list the people the
registry's rules list (tests/reports/registry.py, worked out by hand), in the ledger's order,
on several days and for a town, after random payments, refunds, moves and deaths; with a
write not yet settled they are read from the registry instead."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from tests.reports.test_tally import ACTOR, NOW, _random_operation
from yibao.policy import load_policy
from yibao.reports import ledgers as L
from yibao.reports import tally
from yibao.reports.base import Scope
from yibao.reports.service import rebuild_tally

SHANGNAN = load_policy("shangnan-2025")
END = date(2024, 12, 20)
DAYS = [date(2024, 10, 15), date(2024, 11, 26), date(2024, 11, 27), END, date(2025, 3, 31)]


def _from_registry(monkeypatch: pytest.MonkeyPatch, fn: Any) -> Any:
    with monkeypatch.context() as m:
        m.setattr(L, "_tally_serves", lambda conn, scope: False)
        return fn()


def _every_ledger(engine: sa.Engine, scope: Scope) -> list[object]:
    sheets = L.ledger_sheets(engine, scope)
    return [
        *(L.ledger(engine, scope, which) for which in L.LEDGERS),
        L.gone_since_last_year(engine, scope),
        [(s.name, s.rows, s.footer) for s in sheets],
    ]


def _refuse_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("the kept counts are built and settled: the ledger reads them")

    monkeypatch.setattr(L, "_registry_query", refused)


def test_the_kept_counts_give_the_hand_worked_ledgers(
    engine: sa.Engine, people: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuild_tally(engine, actor=ACTOR, now=NOW)
    _refuse_the_registry(monkeypatch)
    scope = Scope(SHANGNAN, END)

    def names(which: str) -> set[str]:
        return {line.name for line in L.ledger(engine, scope, which)}

    # As tests/reports/test_figures.py works them out: B D E F K L M; I; B F K; D.
    assert names(L.HUKOU) == {"李二", "赵四", "钱五", "孙六", "陈十一", "褚十二", "卫十三"}
    assert names(L.RESIDENT) == {"郑九"}
    assert names(L.LAST_YEAR) == {"李二", "孙六", "陈十一"}
    assert names(L.SPECIAL) == {"赵四"}
    # F 孙六 paid 10-08 and was refunded 11-27: paid on 11-26, not on 11-27.
    before = {line.name for line in L.ledger(engine, Scope(SHANGNAN, date(2024, 11, 26)), L.HUKOU)}
    assert "孙六" not in before and "钱五" in before
    # E 钱五 paid 2025-02-10 (make-up period): listed on 12-20, not on 2025-03-31.
    late = {line.name for line in L.ledger(engine, Scope(SHANGNAN, date(2025, 3, 31)), L.HUKOU)}
    assert "钱五" not in late and "孙六" in late
    d = next(line for line in L.ledger(engine, scope, L.HUKOU) if line.name == "赵四")
    assert d.identities == ("extreme_poverty",) and (d.town, d.village) == ("富水镇", "石门村")
    k = next(line for line in L.ledger(engine, scope, L.LAST_YEAR) if line.name == "陈十一")
    assert k.paid_last_year and k.town == "（乡镇未知）"


@pytest.mark.parametrize("town", [None, "富水镇", "城关街道办"])
def test_kept_and_registry_ledgers_are_the_same(
    engine: sa.Engine, people: dict[str, str], monkeypatch: pytest.MonkeyPatch, town: str | None
) -> None:
    rebuild_tally(engine, actor=ACTOR, now=NOW)
    for day in DAYS:
        scope = Scope(SHANGNAN, day, town=town)
        kept = _every_ledger(engine, scope)
        assert kept == _from_registry(monkeypatch, lambda: _every_ledger(engine, scope)), day  # noqa: B023


@pytest.mark.parametrize("seed", [3, 4])
def test_kept_ledgers_follow_random_operations(
    engine: sa.Engine, people: dict[str, str], monkeypatch: pytest.MonkeyPatch, seed: int, tmp_path: Path
) -> None:
    rebuild_tally(engine, actor=ACTOR, now=NOW)
    rng = random.Random(seed)
    for n in range(40):
        with Session(engine) as s:
            _random_operation(s, rng, n, tmp_path)
            try:
                s.commit()
            except sa.exc.IntegrityError:
                s.rollback()
                continue
        if n % 10 == 9:
            for day in DAYS[::2]:
                scope = Scope(SHANGNAN, day)
                kept = _every_ledger(engine, scope)
                assert kept == _from_registry(monkeypatch, lambda: _every_ledger(engine, scope)), (n, day)  # noqa: B023


def test_an_unsettled_write_sends_the_ledger_to_the_registry(
    engine: sa.Engine, people: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuild_tally(engine, actor=ACTOR, now=NOW)
    person = tally.table("person")
    with engine.begin() as conn:  # a Core write, outside any session: no hook settles it
        conn.execute(sa.update(person).where(person.c.id == people["B"]).values(status="dead"))
    scope = Scope(SHANGNAN, END)
    # B 李二 died: not chased any more, counted among the gone instead — though the kept
    # counts still hold B as registered.
    assert "李二" not in {line.name for line in L.ledger(engine, scope, L.LAST_YEAR)}
    assert L.gone_since_last_year(engine, scope) == 2  # G and B
    _refuse_the_registry(monkeypatch)
    with pytest.raises(AssertionError, match="reads them"):
        L.ledger(engine, scope, L.HUKOU)


def test_a_ledger_is_in_town_village_name_order(
    engine: sa.Engine, people: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """By code point, as Python compares texts, on SQLite and on PostgreSQL alike (not by
    the database's collation), from the registry and from the kept counts."""
    scope = Scope(SHANGNAN, END)
    for lines in (
        _from_registry(monkeypatch, lambda: L.ledger(engine, scope, L.HUKOU)),
        (rebuild_tally(engine, actor=ACTOR, now=NOW), L.ledger(engine, scope, L.HUKOU))[1],
    ):
        got = [(line.town, line.village, line.name) for line in lines]
        assert got == sorted(got) and len(got) == 7
        # 城 (U+57CE) before 富 (U+5BCC) before the unknown town's （ (U+FF08).
        assert [t for t, _v, _n in got][0] == "城关街道办" and got[-1][0] == "（乡镇未知）"
