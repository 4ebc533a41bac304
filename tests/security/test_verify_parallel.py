"""`verify` on every core (services.verify_work, verify_tasks, verify_sql).

- SQLite writes exactly what the program writes: on the untampered demo (every kind of record, with
  children: indicators, villages, plan lines, grants, keys) no fast query flags anything, so a province
  is checked at SQLite's speed and not by the Python confirmation; and for any text, integer or NULL,
  SQLite's JSON is the program's canonical JSON (hypothesis).
- The workers find exactly what the calling process finds, on a copy tampered in many ways at once,
  including BLOBs where the program stores text (the fast queries fail and the safe ones take over).
- Cancelling stops the workers and reports nothing.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.errors import BangzhenError
from app.services import database, records, verify, verify_sql, verify_tasks, verify_trust, verify_work
from app.services.canonical import canonical_json


def _start(session: Session) -> verify_work.Work:
    problems: list = []
    root = verify_trust.check_root(session, lambda *a: problems.append(a), None, None)
    trusted = verify_trust.check_keys_and_grants(session, root, lambda *a: problems.append(a))
    assert not problems
    return verify_work.start(session, trusted, verify_trust.ACTION_ROLES, None)  # no path: in this process


@pytest.mark.parametrize("variant", ["fast", "safe"])
def test_untampered_demo_raises_no_suspect(demo_path, monkeypatch, variant):
    if variant == "safe":  # the queries with a type test on every value, which run when the fast ones fail
        monkeypatch.setattr(verify_tasks, "_rows", lambda context, query, params:
                            context.connection.execute(query[1], params).fetchall())
    with sqlite3.connect(demo_path) as conn:  # the demo holds every kind of child the builders write
        for table in ("project_indicator", "project_village", "plan_line", "role_grant", "user_key", "fund_income"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table
    engine = database.connect(demo_path)
    try:
        with Session(engine) as session:
            work = _start(session)
            for kind, future in work.records:
                changed, missing, count = future.result()
                # A peer needs a second installation: its records are checked in tests/exchange and test_single_cell.
                assert missing == [] and (count > 0 or kind.entity_type == "peer"), kind
                assert all(not signed and kind.entity_type == "setting" and key in records.UNSIGNED_SETTINGS
                           for key, signed in changed), (kind, changed)
            events = [future.result() for future in work.events]
            assert sum(r.rows for r in events) > 100
            assert all(not r.hash_suspects and not r.findings and r.link_broken_at is None for r in events)
            assert verify_work.project_suspects(work) == set()
            work.close()
    finally:
        engine.dispose()


VALUES = st.one_of(st.none(), st.integers(min_value=-2**63, max_value=2**63 - 1), st.text(),
                   st.text(alphabet=st.characters(max_codepoint=0x7f)), st.binary(max_size=8))


@settings(max_examples=300, deadline=None)
@given(st.lists(VALUES, min_size=1, max_size=6))
def test_sqlite_json_is_the_programs_json(values):
    names = [f"c{i}" for i in range(len(values))]
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE t ({', '.join(names)})")
    conn.execute(f"INSERT INTO t VALUES ({', '.join('?' * len(values))})", values)
    expected = canonical_json({name: records._plain(value) for name, value in zip(names, values)})
    safe = verify_sql._object([(name, verify_sql._plain(f"t.{name}", True)) for name in names])
    assert conn.execute(f"SELECT {safe} FROM t").fetchone()[0] == expected
    if not any(isinstance(value, bytes) for value in values):
        fast = verify_sql._object([(name, verify_sql._plain(f"t.{name}", False)) for name in names])
        assert conn.execute(f"SELECT {fast} FROM t").fetchone()[0] == expected


def _tamper(path: Path) -> None:
    """Many edits at once, each of a different kind, some of them BLOBs where text belongs."""
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE expenditure SET amount = amount + 100 WHERE id = (SELECT min(id) FROM expenditure)")
        conn.execute("UPDATE expenditure SET payee = x'e4b8ad' WHERE id = (SELECT max(id) FROM expenditure)")
        conn.execute("UPDATE project SET content = content || '（改）' WHERE id = (SELECT min(id) FROM project "
                     "WHERE status = 'approved')")
        conn.execute("UPDATE project SET location = x'00ff' WHERE id = (SELECT max(id) FROM project "
                     "WHERE status = 'in_progress')")
        conn.execute("UPDATE audit_event SET reason = x'01' WHERE id = 40")
        conn.execute("UPDATE audit_event SET reason = reason || '。' WHERE id = 20")
        conn.execute("UPDATE audit_event SET signature = (SELECT signature FROM audit_event WHERE id = 60) WHERE id = 61")
        conn.execute("DELETE FROM fund_income WHERE id = (SELECT max(id) FROM fund_income)")
        conn.execute("INSERT INTO setting (key, value) VALUES ('planted', 'x')")
        conn.execute("UPDATE role_grant SET region_code = '440000' WHERE id = (SELECT max(id) FROM role_grant)")


def _verify(path: Path, progress=None) -> verify.VerifyReport:
    engine = database.connect(path)
    try:
        with Session(engine) as session:
            return verify.verify_database(session, progress, db_path=str(path))
    finally:
        engine.dispose()


def test_workers_find_what_this_process_finds(demo_template, tmp_path, monkeypatch):
    path = tmp_path / "tampered.sqlite"
    shutil.copyfile(demo_template, path)
    _tamper(path)
    inline = _verify(path)
    monkeypatch.setattr(verify_tasks, "INLINE_BELOW", 0)
    monkeypatch.setattr(verify_work, "EVENT_RANGE", 37)      # many ranges: their stitching is checked too
    monkeypatch.setattr(verify_work, "PROJECT_RANGE", 3)
    monkeypatch.setattr(verify_work, "SPLIT_ABOVE", 5)
    on_workers = _verify(path)
    assert sorted(map(repr, on_workers.problems)) == sorted(map(repr, inline.problems))
    assert on_workers.chain == inline.chain and on_workers.records == inline.records
    found = "\n".join(f"{p.where}：{p.message}" for p in inline.problems) + "\n" + inline.chain.message
    for fragment in ("支出记录与最后一次签名记录不符：改动了 amount", "改动了 payee", "改动了 content", "改动了 location",
                     "审计记录第 20 条的内容被修改过", "资金记录与最后一次签名记录不符：改动了 fund_income",
                     "设置 planted", "授权", "审计记录第 61 条", "签名与记录内容不符", "当时没有"):
        assert fragment in found, found
    assert "无法读取" not in found, found  # every BLOB was read by the safe queries, and named


def test_cancel_stops_the_workers(demo_path, monkeypatch):
    monkeypatch.setattr(verify_tasks, "INLINE_BELOW", 0)
    monkeypatch.setattr(verify_work, "EVENT_RANGE", 5)

    class Stop(BangzhenError):
        pass

    def progress(done, total, label):
        raise Stop("已取消", "cancelled")

    with pytest.raises(Stop):
        _verify(demo_path, progress)
