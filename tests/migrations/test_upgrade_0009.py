"""A county's database made by the previous program (schema 0009) upgrades to 0010: every event already
in the file is in the audit search index, the search finds what the old LIKE filter found, the date
filter has its index, and verify still passes (nothing signed changed).

`data/demo_0009.sqlite.gz` is the demo that program made (`bangzhen demo` at commit 1f1d9be), vacuumed
and gzipped, with the trust file it wrote beside it."""

from __future__ import annotations

import sqlite3

from sqlalchemy import func, select

from app.models import AuditEvent, Project
from app.services import audit, database, security, verify
from app.services.demo import DEMO_PASSWORD
from helpers import old_demo


def test_the_events_already_there_are_searchable(tmp_path):
    path = old_demo("0009", tmp_path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0009",)
        events = conn.execute("SELECT count(*) FROM audit_event").fetchone()[0]
    engine = database.connect(path, upgrade=True)
    try:
        with database.unit_of_work(engine) as session:
            assert verify.verify_database(session, db_path=str(path)).ok
            name = session.scalars(select(Project.name).order_by(Project.id).limit(1)).one()
            about = session.scalars(select(Project.uuid).where(Project.name == name)).one()
            found = [event for event, _ in audit.events(session, text=name)]
            assert {event.entity_uuid for event in found if event.entity_type == "project"} == {about}
            assert len(found) == audit.count_events(session, text=name) > session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_uuid == about))
        with database.unit_of_work(engine) as session:  # new events are indexed as they are appended
            admin = security.authenticate(session, "admin", DEMO_PASSWORD)
            shown = admin.display_name
        with database.unit_of_work(engine) as session:
            assert audit.events(session, text=shown, limit=1)[0][0].action == "user_login"
    finally:
        engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM audit_search").fetchone()[0] == events + 1
        plan = " ".join(row[-1] for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM audit_event WHERE occurred_at >= '2026-01-01' AND occurred_at < '2026-01-02'"))
    assert "ix_audit_event_occurred_at" in plan, plan
