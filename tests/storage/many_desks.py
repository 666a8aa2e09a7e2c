"""Many desks on one SQLite file at once: payments, desk start-ups and a sync import.

``python -m tests.storage.many_desks --procs 8 --payments 200`` is the issue's full run; the
test runs a small one. Prints errors, lost payments and duplicate receipts (all must be 0).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

DAY = date(2024, 10, 8)
DAY1980 = date(1980, 1, 2)  # the birth date tests.outreach.helpers.id_number gives by default


def _clock() -> Any:
    from tests.outreach.helpers import Clock, local_noon

    return Clock(local_noon(DAY))


def _payer(url: str, clerk: str, person_ids: list[str], out: Any) -> None:
    from tests.outreach.helpers import pay_cash, services_for
    from tests.signin import cheap_hashing

    cheap_hashing()  # a spawned child: not under the test session's fixture
    errors, receipts = [], []
    try:
        svc = services_for(url, clerk, _clock())  # a desk starting up among the others
    except Exception as exc:
        out.put((clerk, [], [f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"]))
        return
    for pid in person_ids:
        try:
            receipts.append(pay_cash(svc, pid).receipt_no)
        except Exception as exc:  # anything a clerk would see
            errors.append(f"{type(exc).__name__}: {getattr(exc, 'message', exc)}")
    svc.engine.dispose()
    out.put((clerk, receipts, errors))


def _starter(url: str, n: int, out: Any) -> None:
    from tests.outreach.helpers import services_for
    from tests.signin import cheap_hashing

    cheap_hashing()
    errors = []
    for i in range(n):
        try:
            services_for(url, f"新窗口{i}", _clock()).engine.dispose()
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {getattr(exc, 'message', exc)}")
    out.put(("starter", [], errors))


def _importer(url: str, bundle: str, out: Any) -> None:
    from tests.outreach.helpers import PASSPHRASE, services_for
    from tests.signin import cheap_hashing
    from yibao.outreach.sync import import_sync

    cheap_hashing()

    errors, receipts = [], []
    try:
        hall = services_for(url, "王大厅", _clock())
        import_sync(hall.engine, bundle, actor=hall.actor, now=_clock()(), passphrase=PASSPHRASE)
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {getattr(exc, 'message', exc)}")
    out.put(("import", receipts, errors))


def run(procs: int, payments: int, folder: Path) -> dict[str, Any]:
    import sqlalchemy as sa

    from tests.outreach.helpers import (
        PASSPHRASE,
        export_and_open,
        id_number,
        pay_cash,
        register,
        services_for,
    )
    from yibao.outreach.sync import export_sync

    url = f"sqlite:///{folder / 'hall.db'}"
    hall = services_for(url, "王大厅", _clock())
    # A 3-digit sequence per birth date: 800 people a day, so 1,600 (8 × 200) never share a number.
    people = [
        hall.persons.register(name=f"村民{i}", id_number=id_number(100 + i % 800, DAY1980 + timedelta(days=i // 800)),
                              hukou_region="611023", address="商南县富水镇东岭村").id
        for i in range(procs * payments)
    ]
    register(hall, "外出对象", 99)
    trip = export_and_open(hall, f"sqlite:///{folder / 'laptop.db'}", folder, _clock())
    for i in range(5):
        pay_cash(trip.laptop, register(trip.laptop, f"外出新人{i}", 50 + i).id)
    bundle = export_sync(trip.laptop.engine, to=folder / "back.yibao", actor=trip.laptop.actor,
                         now=_clock()(), passphrase=PASSPHRASE).path
    trip.laptop.engine.dispose()
    hall.engine.dispose()

    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    workers = [
        ctx.Process(target=_payer, args=(url, f"窗口{k}", people[k * payments:(k + 1) * payments], out))
        for k in range(procs)
    ]
    workers.append(ctx.Process(target=_starter, args=(url, max(3, procs), out)))
    workers.append(ctx.Process(target=_importer, args=(url, str(bundle), out)))
    for w in workers:
        w.start()
    results = [out.get(timeout=600) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    acknowledged = [r for _, receipts, _ in results for r in receipts]
    errors = [f"{who}: {e}" for who, _, errs in results for e in errs]  # which desk or job met it
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT receipt_no FROM payment")).scalars().all()
    engine.dispose()
    return {
        "errors": errors,
        "lost": sorted(set(acknowledged) - set(stored)),
        "duplicates": len(stored) - len(set(stored)),
        "acknowledged": len(acknowledged),
        "stored": len(stored),
        "laptop_payments": sum(1 for r in stored if r.startswith(trip.prefix + "-")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--procs", type=int, default=8)
    parser.add_argument("--payments", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        result = run(args.procs, args.payments, Path(folder))
    print(f"payments acknowledged {result['acknowledged']}, stored {result['stored']}, "
          f"laptop {result['laptop_payments']}; errors {len(result['errors'])}, "
          f"lost {len(result['lost'])}, duplicate receipts {result['duplicates']}")
    for e in result["errors"][:10]:
        print("  ", e)
    return 0 if not (result["errors"] or result["lost"] or result["duplicates"]) else 1


if __name__ == "__main__":
    sys.exit(main())
