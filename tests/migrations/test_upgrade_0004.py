"""A county's database made by the previous program (schema 0004, records at layout 1: a project's own
signatures, the villages and the home region in no record) keeps working: verify says an administrator
must log in once; that login signs what the new records cover (once: a second login adds nothing),
blesses no edit the old records would have caught, and from then on the newly covered cells are checked.

`data/demo_0004.sqlite.gz` is the demo that program made (`bangzhen demo` at commit acd71c5), vacuumed
and gzipped, with the trust file it wrote beside it."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import func, select

from app.models import AuditEvent
from app.services import adoption, database, security, verify
from helpers import old_demo


def _old_database(tmp_path: Path) -> Path:
    return old_demo("0004", tmp_path)


def _verify(path: Path) -> verify.VerifyReport:
    engine = database.connect(path, upgrade=True)
    try:
        with database.unit_of_work(engine) as session:
            return verify.verify_database(session, db_path=str(path))
    finally:
        engine.dispose()


def _admin_logs_in(path: Path) -> int:
    """The administrator logs in; how many records_extended events the log then holds."""
    engine = database.connect(path, upgrade=True)
    try:
        with database.unit_of_work(engine) as session:
            security.authenticate(session, "admin", "demo1234")
        with database.unit_of_work(engine) as session:
            return session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == adoption.EVENT))
    finally:
        engine.dispose()


def _edit(path: Path, sql: str) -> None:
    with sqlite3.connect(path) as conn:
        assert conn.execute(sql).rowcount == 1, sql


def _messages(report: verify.VerifyReport) -> str:
    return "\n".join(f"{p.where}：{p.message}" for p in report.problems)


def test_records_are_extended_once_at_the_first_admin_login(tmp_path):
    path = _old_database(tmp_path)
    before = _verify(path)
    assert not before.ok and "请系统管理员登录一次" in _messages(before)
    assert _admin_logs_in(path) == 1
    after = _verify(path)
    assert after.ok, _messages(after)[:2000]
    assert _admin_logs_in(path) == 1  # a second login extends nothing
    assert _verify(path).ok


def test_after_the_extension_the_newly_covered_cells_are_checked(tmp_path):
    path = _old_database(tmp_path)
    _admin_logs_in(path)
    for sql, shown in (
            ("UPDATE project_signature SET void_reason = '内容有误' WHERE id = "
             "(SELECT min(id) FROM project_signature WHERE voided_at IS NOT NULL AND amendment_id IS NULL)",
             "project_signature.void_reason"),
            ("UPDATE village SET town_id = (SELECT max(town_id) FROM village) WHERE id = (SELECT min(id) FROM village)",
             "town_id"),
            ("UPDATE setting SET value = '44' WHERE key = 'home_region_code'", "value")):
        copy = tmp_path / f"edited_{shown}.sqlite"
        shutil.copy(path, copy)
        _edit(copy, sql)
        report = _verify(copy)
        assert any(f"改动了 {shown}" in p.message for p in report.problems), (sql, _messages(report))


def test_an_edit_made_before_the_upgrade_login_is_not_blessed(tmp_path):
    path = _old_database(tmp_path)
    _edit(path, "UPDATE project SET name = name || '（改）' WHERE id = "
                "(SELECT min(project_id) FROM project_signature WHERE voided_at IS NULL)")
    _admin_logs_in(path)
    report = _verify(path)
    assert any("改动了 name" in p.message for p in report.problems), _messages(report)
