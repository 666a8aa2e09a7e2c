"""The F2 quote through the services beside the bare rules call, in the same run.

    python benchmarks/quote.py [--persons 3000] [--quotes 2000]

Builds a demo registry (``yibao.demo.build``, 商南 2025), signs the demo 经办员 in and
times, for persons drawn across the registry:

- ``services``: ``services.counter.quote(person_id, category=None, declared={})`` — what F2
  runs on every keystroke in the 参保历史 block (person, identities, enrolments, payments
  read from the registry, the rules, the views);
- ``rules``: ``yibao.services.ruling.assess_enrolment(policy, facts, day)`` on the facts
  built once beforehand: the floor, no database.

Prints quotes/s for each and the ratio (the target is ≥ 2,000 quotes/s through the services).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2024, 10, 15, 2, 0, tzinfo=UTC)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=3000)
    parser.add_argument("--quotes", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="pyinstrument the services side")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa

    from yibao import demo
    from yibao.db import sqlite_url
    from yibao.models import Person
    from yibao.services import Services, ruling
    from yibao.services.facts import build_facts

    with tempfile.TemporaryDirectory(prefix="yibao-quote-bench-") as tmp:
        url = sqlite_url(Path(tmp) / "quote.sqlite3")
        demo.build(url=url, policy_id="shangnan-2025", persons=args.persons, now=NOW)
        services = Services.open(url=url, policy_id="shangnan-2025", clerk_name="演示经办员",
                                 password="246801", clock=lambda: NOW)
        with services.engine.connect() as con:
            ids = [r[0] for r in con.execute(sa.select(Person.id).order_by(Person.id))]
        step = max(1, len(ids) // args.quotes)
        chosen = (ids[::step] * (args.quotes // max(1, len(ids[::step])) + 1))[: args.quotes]
        day = services.today()
        from sqlmodel import Session

        with Session(services.engine) as session:
            facts = [build_facts(session, session.get(Person, pid), benefit_year=services.benefit_year,
                                 category=None, insured_region=services.policy.region_code,
                                 overrides=None) for pid in chosen]

        def run_services() -> tuple[float, float]:
            started, cpu = time.perf_counter(), time.process_time()
            for pid in chosen:
                services.counter.quote(pid, category=None, declared={})
            return time.perf_counter() - started, time.process_time() - cpu

        def run_rules() -> tuple[float, float]:
            started, cpu = time.perf_counter(), time.process_time()
            for f in facts:
                ruling.assess_enrolment(services.policy, f, day)
            return time.perf_counter() - started, time.process_time() - cpu

        run_services()  # warm-up: policy caches, statement caches
        if args.profile:
            from pyinstrument import Profiler

            with Profiler() as profiler:
                run_services()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        times: dict[str, list[tuple[float, float]]] = {"rules": [], "services": []}
        for _ in range(args.runs):  # interleaved, so both sides see the same load
            times["rules"].append(run_rules())
            times["services"].append(run_services())
        services.engine.dispose()
    # Wall time, and CPU time of this process (steadier when the machine is shared).
    rates = {k: args.quotes / statistics.median(w for w, _ in v) for k, v in times.items()}
    cpu_rates = {k: args.quotes / statistics.median(c for _, c in v) for k, v in times.items()}
    for kind in ("rules", "services"):
        print(f"{kind:8s} {args.quotes:,} quotes  {rates[kind]:8,.0f} quotes/s ({1e3 / rates[kind]:.3f} ms each)"
              f"  by CPU time {cpu_rates[kind]:8,.0f} quotes/s ({1e3 / cpu_rates[kind]:.3f} ms)")
    print(f"ratio services / rules {rates['rules'] / rates['services']:.2f} "
          f"(CPU {cpu_rates['rules'] / cpu_rates['services']:.2f}; target: services ≥ 2,000 quotes/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
