"""The ledger (台账) on the province: ordering the 按项目 view by a column and showing the 按镇 view, as the
GUI's models do it, beside plain `sqlite3` in the same run.

- 按项目, the whole province (about 132,000 projects in the library): `LedgerTableModel.sort` for no
  column, 已安排, 已支出 and 支出率 (reads the ordered ids from the kept totals, resets the model), goal
  ≤ 100 ms each; then 支出率 for a city and a county, and as of a past 基准日 (payments after it taken
  off per project: the slow path). Baselines: the ids alone from the project table, unordered (the
  floor: any ledger must at least read them), and the query the ledger ran before the totals (every
  payment and plan line re-added per project, then sorted).
- 按镇, one fund over the province's towns: `town_ledger` and the model sorted by 支出率, goal ≤ 100 ms;
  as of a past 基准日; baseline: the three queries 按镇 ran before (full scans of the plan lines and the
  payments).

Best and median of 5 after a warm-up, in ms.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
from datetime import date

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.common import measure, parse_args, province_db  # noqa: E402

GOAL_MS = 100
PAST = date(2023, 10, 31)  # the province's payments run to the end of 2023: a 基准日 with later payments
LISTED = "('approved', 'planned', 'in_progress', 'completed', 'accepted')"
RAW_IDS = f"SELECT id FROM project WHERE status IN {LISTED}"
RAW_OLD_RATE = (
    f"SELECT p.id FROM project p LEFT JOIN (SELECT project_id, sum(amount) AS spent FROM expenditure GROUP BY project_id) s "
    f"ON s.project_id = p.id LEFT JOIN (SELECT l.project_id, sum(l.amount) AS arranged FROM plan_line l "
    f"JOIN fund_plan f ON f.id = l.plan_id WHERE f.status = 'in_force' GROUP BY l.project_id) a ON a.project_id = p.id "
    f"WHERE p.status IN {LISTED} ORDER BY coalesce(s.spent, 0) * 1000000 / nullif(coalesce(a.arranged, 0), 0) DESC, p.id DESC")
RAW_OLD_TOWNS = (
    "SELECT town_id, sum(amount) FROM plan_town WHERE plan_id IN (SELECT id FROM fund_plan WHERE fund_id = :fund "
    "AND status = 'in_force') GROUP BY town_id",
    "SELECT p.town_id, sum(l.amount) FROM plan_line l JOIN project p ON p.id = l.project_id WHERE l.plan_id IN "
    "(SELECT id FROM fund_plan WHERE fund_id = :fund AND status = 'in_force') AND l.source IN (SELECT value FROM "
    "json_each(:own)) GROUP BY p.town_id",
    "SELECT p.town_id, sum(e.amount) FROM expenditure e JOIN project p ON p.id = e.project_id WHERE e.fund_id = :fund "
    "AND e.source IN (SELECT value FROM json_each(:own)) AND e.spent_on <= :day GROUP BY p.town_id")


def main() -> None:
    path = province_db(parse_args(__doc__).fresh)
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from app.models import Fund
    from app.services import ledger
    from app.services.money.funds import fund_sources
    from app.services.database import connect, unit_of_work
    from app.services.regions import RegionRef, find_region
    from app.ui.ledger_model import LedgerTableModel, TownLedgerModel

    app = QApplication.instance() or QApplication([])  # noqa: F841  (the models are QObjects)
    engine = connect(path)
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    today = date.today()
    descending = Qt.SortOrder.DescendingOrder
    try:
        province = RegionRef.province()
        county_code, = raw.execute("SELECT c.code FROM county c JOIN town t ON t.county_id = c.id JOIN project p "
                                   "ON p.town_id = t.id GROUP BY c.id ORDER BY count(*) DESC LIMIT 1").fetchone()
        with unit_of_work(engine) as session:
            city, county = find_region(session, county_code[:4]), find_region(session, county_code)
            fund_id = ledger.funds_for_town_ledger(session, province)[0].id
            own = json.dumps([source.value for source in fund_sources(session.get(Fund, fund_id))])

        def sorted_by(region, column, as_of=today):
            model = LedgerTableModel(engine)
            model.set_as_of(as_of)
            model.set_region(region)
            orders = itertools.cycle([Qt.SortOrder.AscendingOrder, descending])

            def run():  # each run a click that changes the order (the model skips a sort it already has)
                if column < 0:
                    model.refresh()
                else:
                    model.sort(column, next(orders))
            return run, model

        print(f"按项目 (the province's ledger: {sorted_by(province, -1)[1].rowCount():,} projects), ms:")
        rows = [("no column (by id)", -1, province, today), ("已安排", 1, province, today), ("已支出", 2, province, today),
                ("支出率", 3, province, today), (f"支出率, city {city.name}", 3, city, today),
                (f"支出率, county {county.name}", 3, county, today), (f"支出率 as of {PAST}", 3, province, PAST)]
        for label, column, region, as_of in rows:
            run, _ = sorted_by(region, column, as_of)
            timing = measure(run)
            goal = "" if region is not province or as_of != today else \
                f"   goal <= {GOAL_MS} ms: {'met' if timing.median * 1000 <= GOAL_MS else 'MISSED'}"
            print(f"  {label:<34} {timing.ms()}{goal}")
        print(f"  {'raw: the ids alone (floor)':<34} {measure(lambda: raw.execute(RAW_IDS).fetchall()).ms()}")
        print(f"  {'raw: the old 支出率 query':<34} {measure(lambda: raw.execute(RAW_OLD_RATE).fetchall()).ms()}")

        towns = TownLedgerModel()

        def by_town(as_of):
            def run():
                with unit_of_work(engine) as session:
                    towns.set_lines(ledger.town_ledger(session, fund_id, province, as_of))
                towns.sort(3, descending)
            return run
        print("按镇 (province, one fund), ms:")
        timing = measure(by_town(today))
        print(f"  {'read and sort by 支出率':<34} {timing.ms()}   goal <= {GOAL_MS} ms: "
              f"{'met' if timing.median * 1000 <= GOAL_MS else 'MISSED'}   ({towns.rowCount():,} towns)")
        print(f"  {f'the same as of {PAST}':<34} {measure(by_town(PAST)).ms()}")
        old = measure(lambda: [raw.execute(sql, {"fund": fund_id, "day": today.isoformat(), "own": own}).fetchall()
                               for sql in RAW_OLD_TOWNS])
        print(f"  {'raw: the old three queries':<34} {old.ms()}")
    finally:
        raw.close()
        engine.dispose()


if __name__ == "__main__":
    main()
