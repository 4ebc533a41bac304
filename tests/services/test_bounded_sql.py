"""A city of 5,000 projects read through every list, ledger and export path while SQLite allows only
999 bound parameters (tests/conftest.py sets that limit on every connection the program opens, here
and in the CLI processes): a statement that binds one parameter per project fails here (issue 19)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date

import openpyxl
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import exc, select

from app.models import FundSource, Money, Project, User, UserRole
from app.services import database, generate, inbox, ledger, projects, regions, security
from app.services.database import unit_of_work
from app.services.money import funds, plans
from app.ui.audit_viewer import AuditFilter, AuditTableModel
from app.ui.ledger_model import LedgerTableModel
from app.ui.project_model import ProjectTableModel, WorkListModel
from tests.helpers import bangzhen, ok

PROJECTS = 5_000
CITY, COUNTY = "4401", "440114"  # the generator fills the first towns in code order: 广州市's


@pytest.fixture(scope="module")
def city_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("city") / "city.sqlite"
    engine = database.connect(path, create=True)
    generate.generate(engine, towns=20, projects=PROJECTS, expenditures=20_000)
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def city(city_path):
    engine = database.connect(city_path)
    yield engine
    engine.dispose()


def test_the_limit_is_on(city):
    with city.connect() as conn, pytest.raises(exc.OperationalError, match="too many SQL variables"):
        conn.execute(select(Project.id).where(Project.id.in_(list(range(1000)))))
    with unit_of_work(city) as session:
        assert len(projects.project_ids(session, regions.find_region(session, CITY))) == PROJECTS


def test_project_list_from_the_cli(city_path):
    lines = ok(bangzhen("project", "list", "--region", CITY, "--db", str(city_path))).splitlines()
    assert len(lines) == PROJECTS and lines[-1].startswith(f"{PROJECTS}\t")


@pytest.mark.parametrize("column", range(7))
def test_project_table_sorts_and_exports_every_row(qapp, city, column):
    model = ProjectTableModel(city)
    with unit_of_work(city) as session:
        model.set_filter(regions.find_region(session, CITY))
    model.sort(column, Qt.SortOrder.DescendingOrder)
    assert model.rowCount() == PROJECTS and model.data(model.index(PROJECTS - 1, column))
    assert sum(1 for _ in model.export_rows()) == PROJECTS


def test_ledger_sorts_and_exports_every_row(qapp, city):
    model = LedgerTableModel(city)
    with unit_of_work(city) as session:
        model.set_region(regions.find_region(session, CITY))
        listed = len(projects.project_ids(session, regions.find_region(session, CITY), statuses=ledger.LISTED))
    assert listed > 1000
    for column in range(model.columnCount()):
        model.sort(column, Qt.SortOrder.DescendingOrder)
        assert model.rowCount() == listed
    assert sum(1 for _ in model.export_rows()) == listed


def test_work_lists_of_a_county_reviewer(qapp, city_path, tmp_path):
    """1,200 projects waiting for one county's 审定 (moved there in a copy: the generated city spreads its
    projects over every state), and every other work list of the reviewer."""
    path = shutil.copyfile(city_path, tmp_path / "waiting.sqlite")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE project SET status = 'double_signed', town_id = (SELECT min(id) FROM town "
                     "WHERE code LIKE '440111%' AND category IS NOT NULL) WHERE id <= 1200")
    engine = database.connect(path)
    try:
        with unit_of_work(engine) as session:
            reviewer = session.scalar(select(User).where(User.username == "审核440111"))
            boxes = {box: inbox.box_ids(session, reviewer, box) for box in inbox.boxes_for(reviewer)}
        assert max(len(ids) for ids in boxes.values()) > 1200
        for box, ids in boxes.items():
            model = WorkListModel(engine, lambda session, box=box: inbox.box_ids(session, reviewer, box))
            model.refresh()
            assert sum(1 for _ in model.export_rows()) == len(ids)
    finally:
        engine.dispose()


def test_audit_log_filtered_by_a_name_and_exported(qapp, city):
    model = AuditTableModel(city, page_size=500)
    model.set_filter(AuditFilter(text="合成项目00"))  # the events of about 1,000 projects
    exported = list(model.export_rows())
    assert len(exported) == model.export_count() > 1000


def test_returns_of_the_city(city_path, tmp_path):
    for name in ("project-library", "progress"):
        out = tmp_path / f"{name}.xlsx"
        ok(bangzhen("report", name, "--scope", CITY, "--year", "2023", "--format", "xlsx", "--out", str(out),
                    "--db", str(city_path)))
        sheet = openpyxl.load_workbook(out, read_only=True).worksheets[0]
        assert sum(1 for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)) > 1000


def test_verify_on_workers(city_path):
    assert "核验通过" in ok(bangzhen("verify", "--db", str(city_path)))


def test_a_plan_naming_thousands_of_projects(city_path, tmp_path):
    """A county plan of 1,200 lines, read through the plan service and the ledger. The lines are written
    straight into a copy (the generated city has no fund yet), so only reading is tried here."""
    path = shutil.copyfile(city_path, tmp_path / "plan.sqlite")
    engine = database.connect(path)
    try:
        with unit_of_work(engine) as session:
            admin = security.authenticate(session, "admin", generate.GENERATED_PASSWORD)
            finance = {code: security.create_user(session, admin, f"财政{code}", f"财政{code}", "secret123",
                                                  [(role, code)], kdf=security.DEMO_KDF)
                       for code, role in (("44", UserRole.province_finance), (CITY, UserRole.city_finance),
                                          (COUNTY, UserRole.county_finance))}
            fund = funds.add_fund(session, finance["44"], name="合成资金", year=2023, region_code="44",
                                  doc_number="粤财1号", issued_on=date(2023, 2, 1), deadline=date(2023, 12, 31),
                                  incomes=[(FundSource.provincial, Money.from_wan(10_000_000), "")])
            for giver, to in (("44", CITY), (CITY, COUNTY)):
                funds.allocate(session, finance[giver], fund.id, to, Money.from_wan(10_000_000),
                               doc_number=f"{giver}财1号", issued_on=date(2023, 2, 2))
            plan_id = plans.create_plan(session, finance[COUNTY], COUNTY, fund.id).id
            fund_id = fund.id
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE project SET fund_id = ?, status = 'approved' WHERE id <= 1200", (fund_id,))
            conn.execute("INSERT INTO plan_line (plan_id, project_id, source, amount) "
                         "SELECT ?, id, 'provincial', amount_provincial FROM project WHERE id <= 1200", (plan_id,))
        with unit_of_work(engine) as session:
            assert len(plans.plan_view(session, plan_id).lines) == 1200  # a draft: checked as well
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE fund_plan SET status = 'in_force', decided_on = '2023-03-01'")
        with unit_of_work(engine) as session:
            ids = list(range(1, 1201))
            assert len(plans.arranged(session, ids, as_of=date(2023, 6, 30))) == len(plans.arranged(session, ids)) == 1200
            city = regions.find_region(session, CITY)
            assert sum(line.allocated.fen for line in ledger.town_ledger(session, fund_id, city, date(2023, 6, 30))) \
                == sum(amount.fen for amount in plans.arranged_total(session, ids).values())
    finally:
        engine.dispose()
