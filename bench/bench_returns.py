"""表2-2 专项资金支出情况表 on the province database against the fastest raw SQL that computes the same
figures, in the same run.

The program: `app.reports.regional.build_spending` (a fresh session per run), the whole Table the GUI
previews and the files are written from: 乡镇个数, 预算数 (what the province issued to each city), 支出数 up to
the 基准日 and 支出率 per city in the seeds' order, 合计 and notes. The baseline: plain `sqlite3`, the
same figures per city in three queries (helped towns, the province's allocations, the fund's own
payments), the payments summed two ways, the faster of which sets the ratio (goal ≤ 1.5×):
- over the per-town totals the ledger keeps (models.totals), less the payments after the 基准日;
- over the payments themselves (`spent_on <= 基准日`), the aggregate the return ran before the totals.
Both at the year's end (nothing paid later) and at 2023-10-31 (a third of the payments after it), for the
province and for a city. Checks the program and both raw forms give the same figures. Best/median of 5.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from bench.common import measure, parse_args, province_db

YEAR, FUND_ID, CITY = 2023, 2, "4416"  # the generated year's fund; 河源市
DAYS = (date(2023, 12, 31), date(2023, 10, 31))
GOAL = 1.5

HELPED = ("SELECT substr(code, 1, :width), count(*) FROM town WHERE code LIKE :scope || '%' "
          "AND category IN ('key_support', 'consolidation') GROUP BY 1")
ISSUED = ("SELECT substr(coalesce(c.code, co.code, t.code), 1, :width), sum(a.amount) FROM allocation a "
          "LEFT JOIN city c ON c.id = a.city_id LEFT JOIN county co ON co.id = a.county_id "
          "LEFT JOIN town t ON t.id = a.town_id "
          "WHERE a.fund_id = :fund AND {parent} GROUP BY 1")
BY_PROVINCE = "a.parent_id IS NULL"  # the fund is the province's: its first allocations
BY_CITY = ("a.parent_id IN (SELECT p.id FROM allocation p JOIN city c ON c.id = p.city_id "
           "WHERE p.fund_id = :fund AND c.code = :scope)")
OWN = "(SELECT source FROM fund_income WHERE fund_id = :fund)"
SPENT_PAYMENTS = ("SELECT substr(t.code, 1, :width), sum(e.amount) FROM expenditure e "
                  "JOIN project p ON p.id = e.project_id JOIN town t ON t.id = p.town_id "
                  f"WHERE e.fund_id = :fund AND e.source IN {OWN} AND e.spent_on <= :day "
                  "AND t.code LIKE :scope || '%' GROUP BY 1")
SPENT_KEPT = ("SELECT substr(t.code, 1, :width), sum(f.spent) FROM town_fund_total f JOIN town t ON t.id = f.town_id "
              f"WHERE f.fund_id = :fund AND f.source IN {OWN} AND t.code LIKE :scope || '%' GROUP BY 1")
PAID_LATER = "SELECT 1 FROM project_total WHERE last_paid_on > :day LIMIT 1"
SPENT_LATER = ("SELECT substr(t.code, 1, :width), sum(e.amount) FROM project_total pt "  # from the few that paid later
               "CROSS JOIN expenditure e ON e.project_id = pt.project_id AND e.spent_on > :day "
               "JOIN project p ON p.id = pt.project_id JOIN town t ON t.id = p.town_id "
               f"WHERE pt.last_paid_on > :day AND e.fund_id = :fund AND e.source IN {OWN} "
               "AND t.code LIKE :scope || '%' GROUP BY 1")
NAMES = ("SELECT code, name FROM city WHERE :width = 4 UNION ALL "
         "SELECT code, name FROM county WHERE :width = 6 AND code LIKE :scope || '%'")


def raw_figures(conn: sqlite3.Connection, scope: str, day: date, kept: bool) -> dict[str, tuple[int, int, int]]:
    """name → (helped towns, issued fen, spent fen) per region below `scope`, as plain SQL computes them."""
    params = {"width": 4 if scope == "44" else 6, "scope": "" if scope == "44" else scope, "fund": FUND_ID,
              "day": day.isoformat()}
    helped = dict(conn.execute(HELPED, params).fetchall())
    issued = dict(conn.execute(ISSUED.format(parent=BY_PROVINCE if scope == "44" else BY_CITY), params).fetchall())
    if kept:
        spent = dict(conn.execute(SPENT_KEPT, params).fetchall())
        if conn.execute(PAID_LATER, params).fetchone():
            for code, later in conn.execute(SPENT_LATER, params):
                spent[code] -= later
    else:
        spent = dict(conn.execute(SPENT_PAYMENTS, params).fetchall())
    names = dict(conn.execute(NAMES, params).fetchall())
    return {names[code]: (helped.get(code, 0), issued.get(code, 0), spent.get(code, 0))
            for code in set(helped) | set(issued) | {code for code, fen in spent.items() if fen}}


def program_figures(table) -> dict[str, tuple[int, int, int]]:
    return {row.cells[1]: (row.cells[2], row.cells[3].fen, row.cells[4].fen) for row in table.rows[1:]}


def main() -> None:
    path = province_db(parse_args(__doc__).fresh)
    from app.reports.regional import build_spending
    from app.reports.request import Request
    from app.services.database import connect, unit_of_work

    engine = connect(path)
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for scope in ("44", CITY):
            for day in DAYS:
                def program():
                    with unit_of_work(engine) as session:
                        return build_spending(session, Request(scope, YEAR, str(FUND_ID), day))

                table = program()
                figures = program_figures(table)
                assert figures == raw_figures(raw, scope, day, True) == raw_figures(raw, scope, day, False), scope
                timings = {"program (build_spending)": measure(program),
                           "raw sqlite3 over the kept totals": measure(lambda: raw_figures(raw, scope, day, True)),
                           "raw sqlite3 over the payments": measure(lambda: raw_figures(raw, scope, day, False))}
                fastest = min(list(timings.values())[1:], key=lambda timing: timing.median)
                ratio = timings["program (build_spending)"].median / fastest.median
                spent = sum(fen for _, _, fen in figures.values())
                print(f"{table.title}, scope {scope}, 基准日 {day}: {len(figures)} rows, 支出数 Σ {spent / 1e6:,.2f} 万元")
                for what, timing in timings.items():
                    print(f"  {what:34} {timing.ms()}")
                print(f"  ratio to the faster raw (median)   {ratio:.2f}×   goal ≤ {GOAL}×: "
                      f"{'met' if ratio <= GOAL else 'MISSED'}")
    finally:
        raw.close()
        engine.dispose()


if __name__ == "__main__":
    main()
