"""Logging in as the services enforce it for every entry point: parallel wrong passwords all count and
lock the account; after an administrator's reset nothing but changing the password is possible."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import date

import pytest

from app.models import ClaimStatus
from app.services import database, security, verify
from app.services.errors import InputError
from app.services.money import payments

from helpers import assert_refused, bangzhen, ok


def _guess(path: str) -> str:
    engine = database.connect(path)
    try:
        with database.unit_of_work(engine) as session:
            security.authenticate(session, "县财政", "a wrong guess")
    except security.LoginFailed as refused:
        return "locked" if "锁定" in str(refused) else "wrong"
    except database.DatabaseError as busy:
        return f"busy: {busy}"
    finally:
        engine.dispose()
    return "in"


def test_parallel_wrong_passwords_all_count_and_lock_the_account(demo_path):
    with multiprocessing.get_context("fork").Pool(8) as pool:
        outcomes = pool.map(_guess, [str(demo_path)] * 16)
    assert "in" not in outcomes and not [o for o in outcomes if o.startswith("busy")], outcomes
    with sqlite3.connect(demo_path) as conn:
        failed, locked_until = conn.execute(
            "SELECT failed_logins, locked_until FROM user_account WHERE username = '县财政'").fetchone()
        recorded = conn.execute("SELECT count(*) FROM audit_event WHERE action IN ('login_failed', 'user_locked') "
                                "AND entity_uuid = (SELECT uuid FROM user_account WHERE username = '县财政')").fetchone()[0]
    assert failed == recorded == outcomes.count("wrong")  # a guess after the lock is refused unread
    assert failed >= security.MAX_FAILED_LOGINS and locked_until is not None
    engine = database.connect(demo_path)
    try:
        with pytest.raises(security.LoginFailed, match="锁定"):
            with database.unit_of_work(engine) as session:
                security.authenticate(session, "县财政", "demo1234")
        with database.unit_of_work(engine) as session:
            assert verify.verify_database(session).ok
    finally:
        engine.dispose()


def test_after_a_reset_nothing_but_a_new_password(demo_engine, demo_path):
    with database.unit_of_work(demo_engine) as session:
        security.reset_password(session, security.find_user(session, "admin"), security.find_user(session, "县财政"),
                                "temporary-123")
    with database.unit_of_work(demo_engine) as session:
        claim_id = payments.claims(session, "441624", (ClaimStatus.filed,))[0].id
    with pytest.raises(InputError, match="请先修改密码"):  # the service refuses, whatever the entry point
        with database.unit_of_work(demo_engine) as session:
            finance = security.authenticate(session, "县财政", "temporary-123")
            payments.pay_claim(session, finance, claim_id, spent_on=date.today(), voucher_no="RESET-1")
    db = str(demo_path)
    assert_refused(bangzhen("claim", "pay", "--db", db, "--as", "县财政", str(claim_id), "--voucher", "RESET-2",
                            stdin="temporary-123\n"), "请先修改密码")
    ok(bangzhen("user", "passwd", "--db", db, "县财政", stdin="temporary-123\nmy own pass 9\nmy own pass 9\n"))
    ok(bangzhen("claim", "pay", "--db", db, "--as", "县财政", str(claim_id), "--voucher", "RESET-3",
                stdin="my own pass 9\n"))
    assert "核验通过" in ok(bangzhen("verify", "--db", db))
