"""Σ expenditure per (town, year) over the province database: `spending_by_town_year` through the
service (a fresh session per run, pooled connection) against the same SQL on a plain sqlite3
connection. Both warmed up once, then best and median of 5; the goal is service ≤ 1.5 × raw.
Also checks both give the same sums and prints the raw query's plan."""

from __future__ import annotations

import sqlite3

from app.services.database import connect, unit_of_work
from app.services.projects import spending_by_town_year
from bench.common import measure, parse_args, province_db

RAW_SQL = ("SELECT p.town_id, substr(e.spent_on,1,4) AS y, SUM(e.amount) FROM expenditure e"
           " JOIN project p ON p.id = e.project_id GROUP BY p.town_id, y")
GOAL = 1.5


def main() -> None:
    path = province_db(parse_args(__doc__).fresh)
    engine = connect(path)
    raw = sqlite3.connect(path)
    try:
        def service():
            with unit_of_work(engine) as session:
                return spending_by_town_year(session)

        def plain():
            return raw.execute(RAW_SQL).fetchall()

        by_service = {(town, year): money.fen for town, year, money in service()}
        by_raw = {(town, int(year)): total for town, year, total in plain()}
        assert by_service == by_raw, "service and raw SQL disagree"
        service_time, raw_time = measure(service), measure(plain)
        plan = raw.execute("EXPLAIN QUERY PLAN " + RAW_SQL).fetchall()
    finally:
        raw.close()
        engine.dispose()

    ratio = service_time.median / raw_time.median
    print(f"spending by town and year: {len(by_raw):,} groups, Σ {sum(by_raw.values()) / 100:,.2f} yuan (same both ways)")
    print(f"  service (SQLAlchemy)   {service_time.ms()}")
    print(f"  raw sqlite3            {raw_time.ms()}")
    print(f"  ratio (median)         {ratio:.2f}x   goal <= {GOAL}x: {'met' if ratio <= GOAL else 'MISSED'}")
    print("  query plan (raw):")
    for row in plan:
        print(f"    {row[-1]}")


if __name__ == "__main__":
    main()
