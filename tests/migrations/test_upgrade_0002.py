"""A county's database made by the previous program (schema 0002: the lifecycle, before money moved
as the programme moves it) upgrades to the current schema keeping every row, links its allocations into a tree so
nothing is counted twice, fixes the 2021 fund, and still passes `verify`.

`data/demo_0002.sqlite.gz` is the demo that program made: `bangzhen demo` at commit de3a743 (the
last commit before migration 0003), vacuumed and gzipped."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from app.migrations import HEAD
from app.models import Allocation, Expenditure, Fund, Money, Project
from app.services import database, refdata, security, verify
from app.services.money import funds
from app.services.regions import find_region
from helpers import old_demo


def _old_database(tmp_path: Path) -> Path:
    return old_demo("0002", tmp_path)


def _counts(path: Path) -> dict[str, tuple]:
    with sqlite3.connect(path) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()
                for table in ("project", "project_signature", "expenditure", "allocation", "audit_event",
                              "user_account", "fund")} | {
            "spent": conn.execute("SELECT sum(amount) FROM expenditure").fetchone(),
            "allocated": conn.execute("SELECT sum(amount) FROM allocation").fetchone()}


def test_previous_version_database_upgrades_and_verifies(tmp_path):
    path = _old_database(tmp_path)
    before = _counts(path)
    assert database.schema_revision(database._engine(path)) == "0002"
    engine = database.connect(path, upgrade=True)
    try:
        assert database.schema_revision(engine) == HEAD
        assert _counts(path) == before  # nothing lost, nothing added by the upgrade itself
        with database.unit_of_work(engine) as session:  # before any administrator logged in: no root yet
            assert any("没有根密钥" in p.message for p in verify.verify_database(session).problems)
        with database.unit_of_work(engine) as session:  # the first login makes it and adopts the old records
            security.authenticate(session, "admin", "demo1234")
        with database.unit_of_work(engine) as session:
            report = verify.verify_database(session)
            assert report.ok, report.problems[:3]
            assert report.records > 1000
            # every old payment now names its project's fund; its source was never recorded
            payments = session.scalars(select(Expenditure)).all()
            assert all(e.fund_id == session.get(Project, e.project_id).fund_id for e in payments)
            assert {e.source for e in payments} == {None}
            # the old demo issued the fund to the county and again to each town: now one tree
            fund = session.scalar(select(Fund).where(Fund.name.like("2023%")))
            county = find_region(session, "441624")
            towns = [a for a in fund.allocations if a.town_id is not None]
            county_allocation = next(a for a in fund.allocations if a.county_id is not None)
            assert towns and all(a.parent_id == county_allocation.id for a in towns)
            assert funds.received(session, fund.id, county) == county_allocation.amount
            assert funds.passed_on(session, fund.id, county) == Money.total(a.amount for a in towns)
            assert fund.region_code == "441624"  # a county fund: issued by the county
            # the 2021 provincial fund as seed 000 describes it
            old_2021 = session.scalar(select(Fund).where(Fund.name == refdata.FUND_2021_NAME))
            assert old_2021.budget_unit == "广东省农业农村厅" and str(old_2021.deadline) == "2022-12-31"
            assert [(i.note, i.amount) for i in old_2021.incomes] == [
                ("一般债券", Money.from_wan(300_000)), ("涉农资金", Money.from_wan(150_000))]
            assert all(a.issued_on == refdata.FUND_2021_ISSUED for a in old_2021.allocations)
            assert session.scalar(select(Allocation.id).where(Allocation.parent_id.is_not(None),
                                                              Allocation.fund_id == old_2021.id)) is None
    finally:
        engine.dispose()


def test_payments_from_before_the_upgrade_still_count(tmp_path):
    """Old payments have no source: a plan must cover them, and they use up the project's money."""
    from datetime import date

    from app.models import FundSource, Project, ProjectStatus
    from app.services.errors import InputError
    from app.services.money import payments, plans

    engine = database.connect(_old_database(tmp_path), upgrade=True)
    try:
        with database.unit_of_work(engine) as session:
            security.authenticate(session, "admin", "demo1234")
            finance = security.authenticate(session, "县财政", "demo1234")
            project = session.scalar(select(Project).where(Project.status == ProjectStatus.in_progress,
                                                           Project.id.in_(select(Expenditure.project_id)))
                                     .order_by(Project.id))
            spent = payments.paid(session, [project.id])[(project.id, None)]
            plan = plans.create_plan(session, finance, "441624", project.fund_id, doc_number="和府〔2024〕1号")
            plans.set_line(session, finance, plan.id, project.id, FundSource.provincial, spent - Money(100))
            with pytest.raises(InputError, match="安排合计"):
                plans.sign_plan(session, finance, plan.id, "demo1234", decided_on=date(2024, 1, 10))
            for source, amount in project.amount_by_source().items():
                plans.set_line(session, finance, plan.id, project.id, source, amount)
            plans.sign_plan(session, finance, plan.id, "demo1234", decided_on=date(2024, 1, 10))
            with pytest.raises(InputError, match="合计尚可支付"):  # each source in full: the old payments are over
                for source, amount in project.amount_by_source().items():
                    if amount:
                        payments.spend(session, finance, project.id, spent_on=date(2024, 1, 11), payee="甲",
                                       voucher_no=f"V-{source.value}", amount=amount, source=source)
    finally:
        engine.dispose()
