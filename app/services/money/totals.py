"""Keeping the ledger's totals (`models.totals`) in step, and checking them.

SQLite triggers add each payment and reversal to its project's and its town's totals, and each plan line
to them while its plan is in force (a plan coming into force adds all its lines, a superseded one takes
them away), in the statement that writes the row. So the services, the bulk generator and a migration
all keep them right without a line of their own, and no code path can forget to.

The totals are all-time. The ledger's figures as of a 基准日 take off what was paid after it: each
project's last payment date finds the projects that paid later (payments are never dated after the day
they are booked, so as of today there are none), and their own index finds those payments. No index of
all payments by date: a report summing the payments up to a day would walk it in date order and read
the projects in random order, slower on a province than the plain scan.

`verify` recomputes both tables from the payments and the plans in force (`check`), and checks that the
file's triggers are exactly `TRIGGERS` (an edited trigger could write elsewhere; a dropped one would let
the totals drift). The trap `audit_search` describes holds here too: a migration that rebuilds
`project`, `expenditure`, `plan_line` or `fund_plan` in batch mode must drop `TRIGGERS` first and create
them again after. Migration 0011 made them; changing them needs a migration.
"""

from __future__ import annotations

from typing import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models import FundSource, Money, ProjectStatus

LISTED = tuple(status for status in ProjectStatus if status.in_library)  # what the ledger lists
_LISTED = "(" + ", ".join(f"'{status.value}'" for status in LISTED) + ")"
_TOWN_COLUMNS = "town_fund_total (town_id, fund_id, source, arranged, spent)"
_IN_FORCE = "'in_force'"


def _spending(row: str, sign: int) -> str:
    """Statements adding (sign 1) or taking away (-1) the payment `row` (NEW or OLD) to both totals; the
    project's last payment date moves forward with an added one, and is read again after one taken away."""
    last = (f"max(coalesce(last_paid_on, {row}.spent_on), {row}.spent_on)" if sign > 0 else
            f"(SELECT max(spent_on) FROM expenditure WHERE project_id = {row}.project_id)")
    return (f"UPDATE project_total SET spent = spent + {sign} * {row}.amount, last_paid_on = {last} "
            f"WHERE project_id = {row}.project_id; "
            f"INSERT INTO {_TOWN_COLUMNS} SELECT town_id, {row}.fund_id, {row}.source, 0, {sign} * {row}.amount "
            f"FROM project WHERE id = {row}.project_id AND {row}.fund_id IS NOT NULL AND {row}.source IS NOT NULL "
            f"ON CONFLICT (town_id, fund_id, source) DO UPDATE SET spent = spent + excluded.spent;")


def _arranging(row: str, sign: int) -> str:
    """Statements adding or taking away the plan line `row` when its plan is in force."""
    return (f"UPDATE project_total SET arranged = arranged + {sign} * {row}.amount WHERE project_id = {row}.project_id "
            f"AND (SELECT status FROM fund_plan WHERE id = {row}.plan_id) = {_IN_FORCE}; "
            f"INSERT INTO {_TOWN_COLUMNS} SELECT p.town_id, f.fund_id, {row}.source, {sign} * {row}.amount, 0 "
            f"FROM project p, fund_plan f WHERE p.id = {row}.project_id AND f.id = {row}.plan_id AND f.status = {_IN_FORCE} "
            f"ON CONFLICT (town_id, fund_id, source) DO UPDATE SET arranged = arranged + excluded.arranged;")


def _plan(sign: int) -> str:
    """Statements adding or taking away every line of the plan NEW (coming into or going out of force)."""
    return (f"UPDATE project_total SET arranged = arranged + {sign} * (SELECT sum(amount) FROM plan_line "
            f"WHERE plan_id = NEW.id AND project_id = project_total.project_id) "
            f"WHERE project_id IN (SELECT project_id FROM plan_line WHERE plan_id = NEW.id); "
            f"INSERT INTO {_TOWN_COLUMNS} SELECT p.town_id, NEW.fund_id, l.source, {sign} * sum(l.amount), 0 "
            f"FROM plan_line l JOIN project p ON p.id = l.project_id WHERE l.plan_id = NEW.id GROUP BY p.town_id, l.source "
            f"ON CONFLICT (town_id, fund_id, source) DO UPDATE SET arranged = arranged + excluded.arranged;")


def _trigger(name: str, when: str, body: str) -> str:
    return f"CREATE TRIGGER {name} {when} BEGIN {body} END"


_EXPENDITURE_CHANGE = "AFTER UPDATE OF project_id, fund_id, source, spent_on, amount ON expenditure"
_LINE_CHANGE = "AFTER UPDATE OF plan_id, project_id, source, amount ON plan_line"
TRIGGERS = {name: _trigger(name, when, body) for name, when, body in (
    ("money_totals_project_added", "AFTER INSERT ON project",
     f"INSERT INTO project_total (project_id, listed, arranged, spent, last_paid_on) "
     f"VALUES (NEW.id, NEW.status IN {_LISTED}, 0, 0, NULL);"),
    ("money_totals_project_status", "AFTER UPDATE OF status ON project WHEN NEW.status IS NOT OLD.status",
     f"UPDATE project_total SET listed = NEW.status IN {_LISTED} WHERE project_id = NEW.id;"),
    ("money_totals_project_removed", "AFTER DELETE ON project", "DELETE FROM project_total WHERE project_id = OLD.id;"),
    ("money_totals_paid", "AFTER INSERT ON expenditure", _spending("NEW", 1)),
    ("money_totals_payment_removed", "AFTER DELETE ON expenditure", _spending("OLD", -1)),
    ("money_totals_payment_changed", _EXPENDITURE_CHANGE, _spending("OLD", -1) + " " + _spending("NEW", 1)),
    ("money_totals_line_added", "AFTER INSERT ON plan_line", _arranging("NEW", 1)),
    ("money_totals_line_removed", "AFTER DELETE ON plan_line", _arranging("OLD", -1)),
    ("money_totals_line_changed", _LINE_CHANGE, _arranging("OLD", -1) + " " + _arranging("NEW", 1)),
    ("money_totals_plan_in_force", f"AFTER UPDATE OF status ON fund_plan WHEN NEW.status = {_IN_FORCE} "
     f"AND OLD.status IS NOT {_IN_FORCE}", _plan(1)),
    ("money_totals_plan_out_of_force", f"AFTER UPDATE OF status ON fund_plan WHEN OLD.status = {_IN_FORCE} "
     f"AND NEW.status IS NOT {_IN_FORCE}", _plan(-1)),
)}

# What the two tables must hold, computed from the projects, the plans in force and the payments.
EXPECTED_PROJECTS = (
    f"SELECT p.id AS project_id, p.status IN {_LISTED} AS listed, coalesce(a.amount, 0) AS arranged, "
    f"coalesce(s.amount, 0) AS spent, s.last_paid_on FROM project p "
    f"LEFT JOIN (SELECT l.project_id, sum(l.amount) AS amount FROM plan_line l JOIN fund_plan f ON f.id = l.plan_id "
    f"WHERE f.status = {_IN_FORCE} GROUP BY l.project_id) a ON a.project_id = p.id "
    f"LEFT JOIN (SELECT project_id, sum(amount) AS amount, max(spent_on) AS last_paid_on FROM expenditure "
    f"GROUP BY project_id) s ON s.project_id = p.id")
EXPECTED_TOWNS = (
    "SELECT town_id, fund_id, source, sum(arranged) AS arranged, sum(spent) AS spent FROM ("
    "SELECT p.town_id, f.fund_id, l.source, l.amount AS arranged, 0 AS spent FROM plan_line l "
    f"JOIN fund_plan f ON f.id = l.plan_id JOIN project p ON p.id = l.project_id WHERE f.status = {_IN_FORCE} "
    "UNION ALL SELECT p.town_id, e.fund_id, e.source, 0, e.amount FROM expenditure e JOIN project p ON p.id = e.project_id "
    "WHERE e.fund_id IS NOT NULL AND e.source IS NOT NULL) GROUP BY town_id, fund_id, source")

# Fill the tables for the data already in the file (the migration, before creating TRIGGERS).
BACKFILL = (f"INSERT INTO project_total (project_id, listed, arranged, spent, last_paid_on) {EXPECTED_PROJECTS}",
            f"INSERT INTO {_TOWN_COLUMNS} {EXPECTED_TOWNS}")

MAX_REPORTED = 20  # differences named one by one; beyond that, counted


def check(session: Session, report: Callable[[str, str], None]) -> None:
    """Report each project and town whose kept totals differ from what its payments and plans add up to.
    A town row that is all zero (a plan superseded, a payment reversed) equals no row."""
    wrong = _differing(session, "SELECT project_id, listed, arranged, spent, last_paid_on FROM project_total",
                       EXPECTED_PROJECTS, 1)
    for (project_id,), kept, expected in wrong[:MAX_REPORTED]:
        name = session.execute(text("SELECT name FROM project WHERE id = :id"), {"id": project_id}).scalar()
        report(f"项目 {name or project_id}", f"台账合计记为{_project_text(kept)}，按资金安排和支付记录应为"
                                              f"{_project_text(expected)}：合计被直接改动过，台账的排序会因此出错。")
    nonzero = "WHERE arranged <> 0 OR spent <> 0"
    wrong_towns = _differing(session, f"SELECT town_id, fund_id, source, arranged, spent FROM town_fund_total {nonzero}",
                             f"SELECT * FROM ({EXPECTED_TOWNS}) {nonzero}", 3)
    for (town_id, fund_id, source), kept, expected in wrong_towns[:MAX_REPORTED]:
        town = session.execute(text("SELECT name FROM town WHERE id = :id"), {"id": town_id}).scalar()
        fund = session.execute(text("SELECT name FROM fund WHERE id = :id"), {"id": fund_id}).scalar()
        report(f"镇 {town or town_id}", f"“{fund or fund_id}”{FundSource.label_of(source)}的按镇合计记为"
                                       f"{_town_text(kept)}，按资金安排和支付记录应为{_town_text(expected)}："
                                       "合计被直接改动过，按镇台账会因此出错。")
    more = max(len(wrong) - MAX_REPORTED, 0) + max(len(wrong_towns) - MAX_REPORTED, 0)
    if more:
        report("台账合计", f"另有 {more:,} 处合计与资金安排和支付记录不符。")


def _differing(session: Session, kept_sql: str, expected_sql: str, keys: int) -> list[tuple]:
    """(key, kept values or None, expected values or None) for each key whose rows differ; each query
    read once (a province's 150,000 projects compare in a fraction of a second)."""
    def read(sql: str) -> dict[tuple, tuple]:
        return {tuple(row[:keys]): tuple(row[keys:]) for row in session.execute(text(sql))}
    kept, expected = read(kept_sql), read(expected_sql)
    return sorted(((key, kept.get(key), expected.get(key)) for key in kept.keys() | expected.keys()
                   if kept.get(key) != expected.get(key)), key=str)


def _yuan(value) -> str:
    try:
        return Money(int(value)).format_yuan()
    except (TypeError, ValueError, OverflowError):  # an insider's text, NULL or 1e999
        return str(value)


def _project_text(row: tuple | None) -> str:
    if row is None:
        return "（无）"
    listed, arranged, spent, last_paid_on = row
    return (f"{'列入' if listed else '不列入'}台账、已安排 {_yuan(arranged)} 元、已支出 {_yuan(spent)} 元、"
            f"最后支付日 {last_paid_on or '无'}")


def _town_text(row: tuple | None) -> str:
    return "（无）" if row is None else f"已安排 {_yuan(row[0])} 元、已支出 {_yuan(row[1])} 元"
