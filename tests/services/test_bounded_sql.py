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
from sqlalchemy import exc, select, text

from app.models import Money, PlanStatus, Project, User
from app.services import database, generate, inbox, ledger, projects, regions, security
from app.services.database import unit_of_work
from app.services.money import plans
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


def test_audit_log_filtered_by_a_name_and_exported(qtbot, city):
    model = AuditTableModel(city, page_size=500)
    model.set_filter(AuditFilter(text="（G000"))  # the events of 999 projects (named …（G000001）to …（G000999）)
    qtbot.waitUntil(lambda: not model.busy)
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
    """The generated city's county plans were arranged and signed through the services under the limit
    (services.generate); the largest, over a thousand lines, is read back and revised: a new revision
    copies every line, one is lowered, and signing it supersedes the first."""
    path = shutil.copyfile(city_path, tmp_path / "plan.sqlite")
    engine = database.connect(path)
    try:
        with unit_of_work(engine) as session:
            plan_id, count = session.execute(text("SELECT plan_id, count(*) FROM plan_line GROUP BY plan_id "
                                                  "ORDER BY 2 DESC LIMIT 1")).one()
            assert count > 1000
            view = plans.plan_view(session, plan_id)
            plan = plans.get_plan(session, plan_id)
            region, fund_id = plan.region_code, plan.fund_id
            ids = sorted({line.project_id for line in view.lines})
            assert len(view.lines) == count
            assert plans.arranged(session, ids, as_of=date(2023, 6, 30)) == plans.arranged(session, ids)
            assert ledger.town_ledger(session, fund_id, regions.find_region(session, region), date(2023, 12, 31))
            lowered = next(line for line in view.lines if line.amount > line.paid)
        with unit_of_work(engine) as session:
            finance = security.authenticate(session, f"财政{region}", generate.GENERATED_PASSWORD)
            revision = plans.create_plan(session, finance, region, fund_id, doc_number=f"{region}府〔2023〕45号")
            plans.set_lines(session, finance, revision.id,
                            [(lowered.project_id, lowered.source, lowered.amount - Money(100))])
            plans.sign_plan(session, finance, revision.id, generate.GENERATED_PASSWORD, decided_on=date(2023, 9, 1))
            revised = revision.id
        with unit_of_work(engine) as session:
            assert plans.get_plan(session, plan_id).status is PlanStatus.superseded
            assert len(plans.plan_view(session, revised).lines) == count
            now = plans.arranged(session, [lowered.project_id])[(lowered.project_id, lowered.source)]
            assert now == lowered.amount - Money(100)
    finally:
        engine.dispose()
