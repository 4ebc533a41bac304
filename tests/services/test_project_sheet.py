"""The project sheet (services.project_sheet) is read with plain SQL, so that `project show` needs no
SQLAlchemy: on every project of the demo county it holds what the models and the services say, read
through the GUI's session and through a bare sqlite3 connection alike."""

from __future__ import annotations

import sqlite3

from sqlalchemy import select

from app.models import Money, Project
from app.services import approval, project_sheet, projects
from app.services.content import project_contents
from app.services.database import unit_of_work
from app.services.money import plans


def test_the_sheet_holds_what_the_models_hold(demo_engine, demo_path):
    raw = sqlite3.connect(demo_path)
    changed = 0
    try:
        with unit_of_work(demo_engine) as session:
            ids = session.scalars(select(Project.id).order_by(Project.id)).all()
            contents = project_contents(session, ids)
            for pid in ids:
                project = session.get(Project, pid)
                sheet = project_sheet.project_sheet(session, pid)
                assert project_sheet.read_content(project_sheet.session_query(session), pid) == contents[pid]
                assert sheet.changes == approval.changes_since_signing(session, pid)
                assert (sheet.amount, sheet.arranged, sheet.spent) == (
                    project.amount, plans.arranged_total(session, [pid]).get(pid, Money(0)), projects.net_spent(session, pid))
                assert [(s.role, s.signer, s.signed_at, s.void_reason) for s in sheet.signatures] == [
                    (s.role, s.user.display_name, s.signed_at, s.void_reason if s.voided_at else None)
                    for s in project.signatures if s.amendment_id is None]
                assert [(e.id, e.spent_on, e.amount) for e in sheet.expenditures] == [
                    (e.id, e.spent_on, e.amount) for e in sorted(project.expenditures, key=lambda e: (e.spent_on, e.id))]
                assert project_sheet.read_sheet(lambda sql, params: raw.execute(sql, params).fetchall(), pid) == sheet
                changed += bool(sheet.changes)
    finally:
        raw.close()
    assert changed  # the demo has projects edited after they were signed
