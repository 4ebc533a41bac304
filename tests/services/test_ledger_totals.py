"""The ledger's kept totals (services.money.totals) on the demo county: each act that moves money or a
project's standing moves them in the same transaction (a payment, a reversal, a plan revision in force,
a cancellation), the ledger's orders from them equal sorting its own lines, also as of a 基准日 before
later payments, and SQLite reads the province-sized orders from the indexes instead of sorting."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from sqlalchemy import func, select, text

from app.models import (Expenditure, FundPlan, FundSource, Money, PlanStatus, Project, ProjectStatus, ProjectTotal,
                        SupportMethod, TownFundTotal, User)
from app.services import approval, database, demo, ledger, verify
from app.services.money import payments, plans, totals
from app.services.regions import RegionRef, find_region

TODAY = date(2023, 12, 20)
COUNTY = demo.DEMO_COUNTY_CODE


def _act(engine, who: str, fn, *args, **kwargs):
    with database.unit_of_work(engine) as session:
        return fn(session, session.scalar(select(User).where(User.username == who)), *args, **kwargs)


def _project(engine, status: ProjectStatus, *, paid: bool) -> int:
    """The first project in `status` that may be paid before 验收, with or without payments."""
    with database.unit_of_work(engine) as session:
        return next(project.id for project in session.scalars(
            select(Project).where(Project.status == status, Project.support_method != SupportMethod.build_then_subsidise)
            .order_by(Project.id)) if bool(project.expenditures) == paid)


def _revise(engine, project_id: int, amount: Money) -> int:
    """A draft revision of the county's plan adding `amount` from the provincial source for the project."""
    with database.unit_of_work(engine) as session:
        finance = session.scalar(select(User).where(User.username == "县财政"))
        fund_id = session.scalar(select(FundPlan.fund_id).where(FundPlan.status == PlanStatus.in_force))
        plan = plans.create_plan(session, finance, COUNTY, fund_id, doc_number="和府〔2023〕99号")
        plans.set_line(session, finance, plan.id, project_id, FundSource.provincial, amount)
        return plan.id


def _problems(session) -> list[str]:
    found: list[str] = []
    totals.check(session, lambda where, message: found.append(f"{where}：{message}"))
    return found


def _kept(engine, project_id: int) -> tuple[bool, Money, Money]:
    with database.unit_of_work(engine) as session:
        row = session.get(ProjectTotal, project_id)
        return row.listed, row.arranged, row.spent


def _town_spent(engine, project_id: int) -> Money:
    with database.unit_of_work(engine) as session:
        project = session.get(Project, project_id)
        return Money.total(session.scalars(select(TownFundTotal.spent).where(TownFundTotal.town_id == project.town_id,
                                                                            TownFundTotal.fund_id == project.fund_id)))


def test_every_act_moves_the_totals_in_its_own_transaction(demo_engine):
    with database.unit_of_work(demo_engine) as session:
        assert _problems(session) == []
    paying = _project(demo_engine, ProjectStatus.in_progress, paid=True)
    listed, arranged, spent = _kept(demo_engine, paying)
    town_spent = _town_spent(demo_engine, paying)
    assert listed and arranged > spent > Money(0)

    payment = _act(demo_engine, "县财政", payments.spend, paying, spent_on=TODAY, amount=Money(12_345), payee="施工队",
                   voucher_no="记-9001", source=FundSource.provincial, today=TODAY).id
    assert _kept(demo_engine, paying) == (True, arranged, spent + Money(12_345))
    with database.unit_of_work(demo_engine) as session:
        last = session.scalar(select(func.max(Expenditure.spent_on)).where(Expenditure.project_id == paying))
        assert session.get(ProjectTotal, paying).last_paid_on == last >= TODAY
    assert _town_spent(demo_engine, paying) == town_spent + Money(12_345)
    _act(demo_engine, "县财政", payments.reverse, payment, "金额录错", on=TODAY, today=TODAY)
    assert _kept(demo_engine, paying) == (True, arranged, spent)
    assert _town_spent(demo_engine, paying) == town_spent

    reserve = _project(demo_engine, ProjectStatus.approved, paid=False)
    with database.unit_of_work(demo_engine) as session:
        amount = session.get(Project, reserve).amount_provincial
    before = _kept(demo_engine, reserve)
    plan_id = _revise(demo_engine, reserve, amount)
    assert _kept(demo_engine, reserve) == before  # a draft revision arranges nothing yet
    _act(demo_engine, "县财政", plans.sign_plan, plan_id, demo.DEMO_PASSWORD, decided_on=date(2023, 9, 1))
    assert _kept(demo_engine, reserve)[1] == before[1] + amount

    _act(demo_engine, "县审核", approval.cancel, reserve, "村民代表大会否决")
    assert _kept(demo_engine, reserve)[0] is False
    with database.unit_of_work(demo_engine) as session:
        assert _problems(session) == []
        assert verify.verify_database(session).ok


@pytest.mark.parametrize("sort", [None, "name", "arranged", "spent", "rate"])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("scope", ["44", COUNTY, f"{COUNTY}101"])
def test_the_ledger_orders_as_its_lines_sort(demo_engine, sort, descending, scope):
    """Each order equals sorting the ledger's own lines (ties by id), today and as of a day with later
    payments taken off."""
    with database.unit_of_work(demo_engine) as session:
        region = RegionRef.province() if scope == "44" else find_region(session, scope)
        assert session.scalar(select(Expenditure.id).where(Expenditure.spent_on > date(2023, 10, 31)).limit(1))
        for as_of in (date.today(), date(2023, 10, 31)):
            ids = ledger.ledger_ids(session, region, sort, descending, as_of)
            lines = ledger.project_ledger(session, sorted(ids), as_of)
            names = dict(session.execute(select(Project.id, Project.name).where(Project.id.in_(ids))).all())
            key = {None: lambda line: (), "name": lambda line: names[line.id], "arranged": lambda line: line.allocated,
                   "spent": lambda line: line.spent,
                   "rate": lambda line: ((line.spent.fen * 1_000_000 // line.allocated.fen,) if line.allocated else ())}
            expected = sorted(lines, key=lambda line: (key[sort](line), line.id), reverse=descending)
            assert ids == [line.id for line in expected] and len(ids) > 0
            listed = session.scalars(select(Project.id).where(Project.status.in_(ledger.LISTED))).all()
            assert set(ids) <= set(listed)


def test_a_past_day_orders_by_what_was_paid_by_then(demo_engine):
    """Paying a project after the 基准日 moves it in today's order by 已支出 but not in that day's."""
    paying = _project(demo_engine, ProjectStatus.in_progress, paid=True)
    with database.unit_of_work(demo_engine) as session:
        region = find_region(session, COUNTY)
        before = ledger.ledger_ids(session, region, "spent", True, date(2023, 10, 31))
    _act(demo_engine, "县财政", payments.spend, paying, spent_on=TODAY, amount=_room(demo_engine, paying), payee="施工队",
         voucher_no="记-9002", source=FundSource.provincial, today=TODAY)
    with database.unit_of_work(demo_engine) as session:
        assert ledger.ledger_ids(session, region, "spent", True, date(2023, 10, 31)) == before
        assert ledger.ledger_ids(session, region, "spent", True, TODAY) != before


def _room(engine, project_id: int) -> Money:
    with database.unit_of_work(engine) as session:
        project = session.get(Project, project_id)
        return payments.room(session, project, FundSource.provincial)


@pytest.mark.parametrize("sort, index", [(None, "ix_project_total_listed"), ("spent", "ix_project_total_spent"), ("arranged", "ix_project_total_arranged"),
                                         ("rate", "ix_project_total_rate")])
def test_the_province_orders_walk_an_index(demo_engine, sort, index):
    """With nothing paid after the 基准日, a province-wide order is a walk along one index: no sort of
    150,000 rows (the rate must be spelt as the index spells it, with no bound parameters)."""
    with database.unit_of_work(demo_engine) as session:
        captured = []
        connection = session.connection()
        original = connection.execute
        connection.execute = lambda statement, *args, **kwargs: captured.append(statement) or original(statement, *args, **kwargs)
        ledger.ledger_ids(session, RegionRef.province(), sort, True, date.today())
        connection.execute = original
        sql = captured[-1].compile(connection, compile_kwargs={"literal_binds": True})
        plan = " ".join(str(row[-1]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert index in plan and "TEMP B-TREE" not in plan, plan


def test_verify_recomputes_the_totals_and_watches_their_triggers(demo_path, demo_engine):
    """An insider who edits a kept total (to move a project up the ledger or a town's 按镇 figure; even to
    an infinite amount), or drops or edits a trigger that keeps them, is reported; so is a payment
    written with its trigger dropped (the totals no longer add up)."""
    demo_engine.dispose()
    with sqlite3.connect(demo_path) as raw:
        first = raw.execute("SELECT project_id FROM project_total WHERE listed AND spent > 0 ORDER BY project_id").fetchone()[0]
        raw.execute("UPDATE project_total SET spent = spent - 100 WHERE project_id = ?", (first,))
        raw.execute("UPDATE project_total SET arranged = 1e999 WHERE project_id = (SELECT max(id) FROM project)")
        raw.execute("UPDATE town_fund_total SET arranged = arranged + 1 WHERE rowid = (SELECT min(rowid) FROM town_fund_total)")
        raw.execute("DROP TRIGGER money_totals_paid")
        raw.execute("INSERT INTO expenditure (project_id, spent_on, amount, payee, voucher_no, purpose, uuid, version, "
                    "created_at, updated_at, fund_id, source) SELECT project_id, spent_on, 500, payee, 'X-1', purpose, "
                    "lower(hex(randomblob(16))), 1, created_at, updated_at, fund_id, source FROM expenditure "
                    "WHERE project_id = ? LIMIT 1", (first,))
        raw.execute("DROP TRIGGER money_totals_plan_in_force")
        raw.execute(totals.TRIGGERS["money_totals_plan_in_force"].replace("BEGIN ", "BEGIN UPDATE project SET name = 'x'; "))
    with database.unit_of_work(demo_engine) as session:
        problems = [f"{p.where}：{p.message}" for p in verify.verify_database(session).problems]
    name = _name(demo_engine, first)
    assert any(p.startswith(f"项目 {name}：台账合计记为") and "已支出" in p for p in problems), problems
    assert any(p.startswith("镇 ") and "的按镇合计记为" in p for p in problems), problems
    assert any("已安排 inf 元" in p for p in problems), problems  # told, and the check goes on
    assert any("money_totals_paid" in p and "被删除" in p for p in problems), problems
    assert any("money_totals_plan_in_force" in p and "被改动过" in p for p in problems), problems


def _name(engine, project_id: int) -> str:
    with database.unit_of_work(engine) as session:
        return session.get(Project, project_id).name


def test_whatever_writes_the_tables_the_totals_follow(demo_path, demo_engine):
    """The triggers keep the totals for any writer, not only the services: payments moved to another
    project, re-dated, changed or deleted, plan lines changed or deleted, a plan put out of force and
    back; after each, the totals equal what everything adds up to."""
    demo_engine.dispose()
    with sqlite3.connect(demo_path) as raw:
        two = [row[0] for row in raw.execute("SELECT project_id FROM expenditure GROUP BY project_id LIMIT 2")]
        newest = raw.execute("SELECT id, spent_on FROM expenditure WHERE project_id = ? ORDER BY spent_on DESC, id DESC",
                             (two[0],)).fetchone()
        edits = [("UPDATE expenditure SET amount = amount + 7 WHERE id = ?", (newest[0],)),
                 ("UPDATE expenditure SET spent_on = '2023-01-02' WHERE id = ?", (newest[0],)),
                 ("UPDATE expenditure SET project_id = ? WHERE id = ?", (two[1], newest[0])),
                 ("DELETE FROM expenditure WHERE id = (SELECT max(id) FROM expenditure WHERE project_id = ?)", (two[1],)),
                 ("UPDATE plan_line SET amount = amount + 9 WHERE id = (SELECT min(id) FROM plan_line)", ()),
                 ("DELETE FROM plan_line WHERE id = (SELECT max(id) FROM plan_line)", ()),
                 ("UPDATE fund_plan SET status = 'superseded' WHERE status = 'in_force'", ()),
                 ("UPDATE fund_plan SET status = 'in_force' WHERE status = 'superseded'", ())]
        for sql, args in edits:
            raw.execute(sql, args)
            expected = raw.execute(totals.EXPECTED_PROJECTS + " ORDER BY p.id").fetchall()
            assert raw.execute("SELECT * FROM project_total ORDER BY project_id").fetchall() == expected, sql
            towns = raw.execute(f"SELECT * FROM ({totals.EXPECTED_TOWNS}) WHERE arranged <> 0 OR spent <> 0").fetchall()
            assert sorted(raw.execute("SELECT * FROM town_fund_total WHERE arranged <> 0 OR spent <> 0")) == sorted(towns), sql


def test_equal_rates_tie_by_id_on_any_day(demo_path, demo_engine):
    """Two projects whose 支出率 agree to the part per million keep their id order whether or not
    anything was paid after the 基准日 (the order as of a past day is then computed, not read)."""
    demo_engine.dispose()
    with sqlite3.connect(demo_path) as raw:
        first, second = [row[0] for row in raw.execute(
            "SELECT project_id FROM project_total WHERE listed ORDER BY project_id LIMIT 2")]
        raw.execute("UPDATE project_total SET arranged = 3, spent = 1, last_paid_on = NULL WHERE project_id = ?", (first,))
        raw.execute("UPDATE project_total SET arranged = 1000000, spent = 333333, last_paid_on = NULL WHERE project_id = ?",
                    (second,))
    with database.unit_of_work(demo_engine) as session:
        region = RegionRef.province()
        for as_of in (date(2099, 1, 1), date(2023, 10, 31)):
            ids = ledger.ledger_ids(session, region, "rate", False, as_of)
            assert ids.index(first) < ids.index(second), as_of
