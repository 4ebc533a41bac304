"""An insider with the `.sqlite` file: every class of attack that passed `verify` before is caught now.

Each test starts from the signed demo county (every act made through the services, so it verifies
clean), tampers with a copy the way a colleague with sqlite3 and Python would (raw SQL, recomputing the
audit chain, registering a key of their own), and asserts that `verify` names the problem. The insider
knows no one's password, so the private keys and the root stay out of reach.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent, ClaimStatus, Expenditure, FundSource, Project, ProjectStatus, SupportMethod, User
from app.services import approval, audit, database, security, verify, verify_tasks, verify_work
from app.services.crypto import public_key_text, sign_bytes
from app.services.money import payments

S = ProjectStatus


@pytest.fixture(autouse=True)
def on_every_core(monkeypatch):
    """Each attack is checked the way a province is: on worker processes, in many small ranges (a small
    database is otherwise checked in the calling process, which every other test of verify covers)."""
    monkeypatch.setattr(verify_tasks, "INLINE_BELOW", 0)
    monkeypatch.setattr(verify_work, "EVENT_RANGE", 50)
    monkeypatch.setattr(verify_work, "PROJECT_RANGE", 4)


# ---------------------------------------------------------------- the insider's tools

def _verify(path: Path, **options) -> verify.VerifyReport:
    engine = database.connect(path)
    try:
        with Session(engine) as session:
            return verify.verify_database(session, **options)
    finally:
        engine.dispose()


def _text(report: verify.VerifyReport) -> str:
    lines = [f"{p.where}：{p.message}" for p in report.problems]
    if report.chain is not None and not report.chain.ok:
        lines.append(report.chain.message)
    return "\n".join(lines)


def _caught(path: Path, *fragments: str, **options) -> str:
    report = _verify(path, **options)
    found = _text(report)
    assert not report.ok, "verify passed a tampered database"
    for fragment in fragments:
        assert fragment in found, found
    return found


@contextmanager
def _sql(path: Path):
    conn = sqlite3.connect(path)
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def _one(path: Path, query: str, *args):
    with _sql(path) as conn:
        return conn.execute(query, args).fetchone()


def _rechain(path: Path, key: tuple[int, Ed25519PrivateKey] | None = None) -> None:
    """Recompute every hash from the first broken link on and the head, as an insider can (the chain has no
    secret); with `key` (the insider's own, registered by hand) re-sign the events they touched."""
    engine = database.connect(path)
    try:
        with Session(engine) as session:
            previous = audit.GENESIS
            count = 0
            for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
                count += 1
                fresh = audit._event_hash(previous, event.occurred_at, event.user_id, event.action, event.entity_type,
                                          event.entity_uuid, event.reason, event.before_json, event.after_json,
                                          event.record_json)
                if (event.prev_hash, event.hash) != (previous, fresh):
                    event.prev_hash, event.hash = previous, fresh
                    if key is not None:
                        event.key_id, event.signature = key[0], sign_bytes(key[1], fresh.encode())
                    session.flush()
                previous = fresh
            audit._set_head(session, count, previous)
            session.commit()
    finally:
        engine.dispose()


def _forge_key(path: Path, username: str) -> tuple[int, Ed25519PrivateKey]:
    """Register a key of the insider's own in `username`'s name (no root certificate: they have no root)."""
    private_key = Ed25519PrivateKey.generate()
    with _sql(path) as conn:
        user_id = conn.execute("SELECT id FROM user_account WHERE username = ?", (username,)).fetchone()[0]
        cursor = conn.execute("INSERT INTO user_key (user_id, public_key, created_at, certificate) "
                              "VALUES (?, ?, '2026-01-01 00:00:00.000000', '')", (user_id, public_key_text(private_key)))
        return cursor.lastrowid, private_key


def _rewrite_record(path: Path, entity_type: str, entity_uuid: str) -> None:
    """Make the last event about an entity carry the entity's current (tampered) row."""
    from app.services import records
    engine = database.connect(path)
    try:
        with Session(engine) as session:
            event = session.scalar(select(AuditEvent).where(AuditEvent.entity_type == entity_type,
                                                            AuditEvent.entity_uuid == entity_uuid)
                                   .order_by(AuditEvent.id.desc()))
            event.record_json = records.snapshot(session, entity_type, entity_uuid)
            session.commit()
    finally:
        engine.dispose()


def _payment(path: Path) -> tuple[int, str, int]:
    """(id, uuid, project id) of the demo's first ordinary payment."""
    return _one(path, "SELECT id, uuid, project_id FROM expenditure WHERE amount > 0 AND reversal_of_id IS NULL "
                      "ORDER BY id LIMIT 1")


def test_the_signed_demo_verifies_clean(demo_path):
    report = _verify(demo_path)
    assert report.ok, _text(report)
    assert report.records > 100 and report.chain.events > 1000


# ---------------------------------------------------------------- the ledger

def test_raised_payment_is_caught(demo_path):
    payment_id, uuid, _ = _payment(demo_path)
    with _sql(demo_path) as conn:
        conn.execute("UPDATE expenditure SET amount = amount * 2 WHERE id = ?", (payment_id,))
    _caught(demo_path, f"支出 {uuid}", "改动了 amount")


def test_raised_payment_with_its_event_rewritten_and_chain_recomputed_is_caught(demo_path):
    """The insider also rewrites the event's record and recomputes the whole chain: the signatures break."""
    payment_id, uuid, _ = _payment(demo_path)
    with _sql(demo_path) as conn:
        conn.execute("UPDATE expenditure SET amount = amount * 2 WHERE id = ?", (payment_id,))
    _rewrite_record(demo_path, "expenditure", uuid)
    _rechain(demo_path)
    _caught(demo_path, "签名与记录内容不符")


def test_inserted_payment_is_caught(demo_path):
    with _sql(demo_path) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(expenditure)") if row[1] not in ("id", "uuid",
                                                                                                       "voucher_no")]
        conn.execute(f"INSERT INTO expenditure (uuid, voucher_no, {', '.join(columns)}) SELECT "
                     f"'00000000-0000-4000-8000-000000000001', 'X-1', {', '.join(columns)} FROM expenditure "
                     "WHERE amount > 0 ORDER BY id LIMIT 1")
    _caught(demo_path, "支出 00000000-0000-4000-8000-000000000001", "没有任何签名记录")


def test_deleted_payment_and_deleted_reversal_are_caught(demo_path):
    reversal = _one(demo_path, "SELECT id, uuid FROM expenditure WHERE reversal_of_id IS NOT NULL")
    payment_id, uuid, _ = _payment(demo_path)
    with _sql(demo_path) as conn:
        conn.execute("UPDATE claim SET expenditure_id = NULL WHERE expenditure_id IN (?, ?)", (payment_id, reversal[0]))
        conn.execute("DELETE FROM expenditure WHERE id IN (?, ?)", (payment_id, reversal[0]))
    found = _caught(demo_path, f"支出 {uuid}", f"支出 {reversal[1]}", "被删除了")
    assert found.count("被删除了") >= 2


def test_payment_moved_to_another_project_is_caught(demo_path):
    payment_id, uuid, project_id = _payment(demo_path)
    with _sql(demo_path) as conn:
        conn.execute("UPDATE expenditure SET project_id = (SELECT min(id) FROM project WHERE id != ?) WHERE id = ?",
                     (project_id, payment_id))
    _caught(demo_path, f"支出 {uuid}", "改动了 project_id")


def test_payment_while_status_was_briefly_forged_is_caught(demo_engine, demo_path):
    """A planned project is cancelled (its plan line stays); the insider flips it back to 已纳入计划 by
    hand, pays through the program, and flips it back: every row then matches its signed record, but
    the signed history shows the payment went to a cancelled project."""
    with database.unit_of_work(demo_engine) as session:
        project = session.scalar(select(Project).where(Project.status.in_([S.planned, S.in_progress]),
                                                       Project.support_method != SupportMethod.build_then_subsidise)
                                 .order_by(Project.id))
        finance, reviewer = security.find_user(session, "县财政"), security.find_user(session, "县审核")
        for payment in list(project.expenditures):  # its payments reversed, so it may be cancelled
            if payment.amount.fen > 0 and not any(e.reversal_of_id == payment.id for e in project.expenditures):
                payments.reverse(session, finance, payment.id, "合同解除")
        approval.cancel(session, reviewer, project.id, "村民另行筹资建设")
        project_id, planned_on = project.id, project.planned_on
    with _sql(demo_path) as conn:
        conn.execute("UPDATE project SET status = 'planned' WHERE id = ?", (project_id,))
    with database.unit_of_work(demo_engine) as session:
        payments.spend(session, security.find_user(session, "县财政"), project_id, spent_on=max(planned_on, date(2023, 12, 1)),
                       amount=payments.Money(100_00), payee="某施工队", voucher_no="FORGED-1",
                       source=FundSource.provincial)
    with _sql(demo_path) as conn:
        conn.execute("UPDATE project SET status = 'cancelled' WHERE id = ?", (project_id,))
    _caught(demo_path, "支出 FORGED-1 入账时，项目在签名历史中的状态为“已终止”")


def test_payment_above_the_arrangement_is_caught_even_with_matching_records(demo_path):
    """Raise a payment and its plan line together, rewriting both records: the signatures fail, and the
    ledger rule is checked on what the tables say."""
    payment_id, uuid, project_id = _payment(demo_path)
    with _sql(demo_path) as conn:
        conn.execute("UPDATE expenditure SET amount = amount + 100000000000 WHERE id = ?", (payment_id,))
    _caught(demo_path, "超过资金安排")


# ---------------------------------------------------------------- the key registry and its root

def test_forged_key_in_a_signers_name_is_caught(demo_path):
    """The insider registers a key of their own for 县财政, raises a payment, rewrites its event and
    re-signs it (and every later event) with that key, recomputing the chain: no root certificate."""
    payment_id, uuid, _ = _payment(demo_path)
    key = _forge_key(demo_path, "县财政")
    with _sql(demo_path) as conn:
        conn.execute("UPDATE expenditure SET amount = amount * 2 WHERE id = ?", (payment_id,))
    _rewrite_record(demo_path, "expenditure", uuid)
    _rechain(demo_path, key)
    _caught(demo_path, "叶秀英：签名密钥没有根密钥的证书", "未经根密钥证书")


def test_invented_signer_is_caught(demo_path):
    with _sql(demo_path) as conn:
        conn.execute("INSERT INTO user_account (uuid, username, display_name, password_hash, is_active, failed_logins, "
                     "must_change_password, created_at) VALUES ('00000000-0000-4000-8000-0000000000aa', 'ghost', "
                     "'某某', 'x', 1, 0, 0, '2026-01-01 00:00:00.000000')")
        user_id = conn.execute("SELECT id FROM user_account WHERE username = 'ghost'").fetchone()[0]
        conn.execute("INSERT INTO role_grant (uuid, user_id, role, region_code, valid_from, certificate) VALUES "
                     "('00000000-0000-4000-8000-0000000000ab', ?, 'county_finance', '441624', "
                     "'2026-01-01 00:00:00.000000', '')", (user_id,))
    _caught(demo_path, "某某：授权“县级财政（441624）”", "没有根密钥的证书", "用户 00000000-0000-4000-8000-0000000000aa")


def test_role_granted_used_and_removed_again_is_caught(demo_engine, demo_path):
    """A town officer gets 县财政 by hand, pays through the program, and the grant is deleted again."""
    with _sql(demo_path) as conn:
        officer = conn.execute("SELECT id FROM user_account WHERE username = '大坝镇经办'").fetchone()[0]
        conn.execute("INSERT INTO role_grant (uuid, user_id, role, region_code, valid_from, certificate) VALUES "
                     "('00000000-0000-4000-8000-0000000000ac', ?, 'county_finance', '441624', "
                     "'2020-01-01 00:00:00.000000', '')", (officer,))
    with database.unit_of_work(demo_engine) as session:
        claim = next(c for c in payments.claims(session, "441624", (ClaimStatus.filed,)))
        user = session.get(User, officer)
        payments.pay_claim(session, user, claim.id, spent_on=date.today(), voucher_no="GRANTED-1")
    with _sql(demo_path) as conn:
        conn.execute("DELETE FROM role_grant WHERE uuid = '00000000-0000-4000-8000-0000000000ac'")
    _caught(demo_path, "当时没有“县级财政”角色的有效授权")


def test_replaced_root_is_caught_by_the_trust_file_and_the_paper_fingerprint(demo_path, tmp_path):
    """The insider makes a root of their own and re-certifies every key and grant with it."""
    from app.services import trust
    good = _verify(demo_path)
    engine = database.connect(demo_path)
    with Session(engine) as session:
        root = trust.current_root(session)
        trust.write_trust_file(demo_path, root.installation, trust.fingerprint(root.public_key), *audit._head(session))
        fingerprint = trust.fingerprint(root.public_key)
        forged = Ed25519PrivateKey.generate()
        root.public_key = public_key_text(forged)
        root.certificate = sign_bytes(forged, trust.root_payload(root, None))
        for user in session.scalars(select(User)):
            for key in user.keys:
                key.certificate = sign_bytes(forged, trust.key_payload(user, key))
            for grant in user.grants:
                grant.certificate = sign_bytes(forged, trust.grant_payload(user.uuid, grant))
        session.commit()
    engine.dispose()
    assert good.ok
    found = _caught(demo_path, "与数据库旁信任文件记录的", db_path=str(demo_path))
    assert "根密钥被替换" in found
    _caught(demo_path, f"与核对的指纹 {fingerprint} 不符", root=fingerprint)
    trust.trust_path(demo_path).unlink()
    assert _verify(demo_path, root=fingerprint.lower().replace("-", "")).ok is False
    assert _verify(demo_path, root=trust.fingerprint(public_key_text(forged))).ok  # what the forger would type


# ---------------------------------------------------------------- tables that were not verified

@pytest.mark.parametrize("statement, fragment", [
    ("INSERT INTO setting (key, value) VALUES ('allocation_check', 'warn')", "设置 allocation_check"),
    ("UPDATE user_account SET display_name = '某人' WHERE username = '县审核'", "签名密钥没有根密钥的证书"),
    ("UPDATE role_grant SET region_code = '44' WHERE role = 'county_finance'", "授权“县级财政（44）”"),
    ("UPDATE allocation SET amount = amount + 100 WHERE id = (SELECT max(id) FROM allocation)", "改动了 amount"),
    ("UPDATE fund SET name = name || '（改）' WHERE id = (SELECT max(id) FROM fund)", "改动了 name"),
    ("UPDATE asset SET custodian = '某公司' WHERE id = (SELECT min(id) FROM asset)", "改动了 custodian"),
    ("UPDATE project_indicator SET actual_value = '999' WHERE id = (SELECT min(id) FROM project_indicator)",
     "改动了 project_indicator"),
    ("UPDATE town SET category = 'pilot_demo' WHERE code = '441624103'", "乡镇 441624103"),
    ("UPDATE town SET category = 'key_support' WHERE code = '440103001'", "乡镇 440103001"),
    ("UPDATE task_item SET name = name || '（改）' WHERE id = (SELECT min(id) FROM task_item)", "改动了 name"),
    # the home region decides whose administrators set the rules; villages which towns' projects name which
    ("DELETE FROM setting WHERE key = 'home_region_code'", "设置 home_region_code：签名记录中有此记录"),
    ("INSERT INTO village (town_id, name) SELECT town_id, '新造村' FROM village LIMIT 1", "没有任何签名记录"),
    ("DELETE FROM village WHERE id = (SELECT max(id) FROM village)", "签名记录中有此记录，数据库中却没有"),
    # a project's voided signatures are its history on the 审批表: neither forged, removed nor hidden
    # behind an amendment that does not exist
    ("INSERT INTO project_signature (project_id, amendment_id, user_id, key_id, role, content_version, content_json, "
     "signature, signed_at, voided_at, void_reason) SELECT project_id, 9999, user_id, key_id, role, content_version, "
     "content_json, signature, signed_at, voided_at, '伪造' FROM project_signature WHERE voided_at IS NOT NULL "
     "AND amendment_id IS NULL LIMIT 1", "改动了 project_signature"),
    ("DELETE FROM project_signature WHERE id = (SELECT min(id) FROM project_signature WHERE voided_at IS NOT NULL "
     "AND amendment_id IS NULL)", "改动了 project_signature"),
])
def test_every_table_is_verified(demo_path, statement, fragment):
    with _sql(demo_path) as conn:
        assert conn.execute(statement).rowcount == 1, statement
    _caught(demo_path, fragment)


_SELF = ("role", "user_id", "key_id", "content_version", "content_json", "signature")


def test_a_projects_signatures_cannot_trade_their_dates_or_void_reasons(demo_path):
    """Swap everything a signature proves by itself between two of a project's signatures: each still
    verifies, but the record ties who signed to when and why, so the dates cannot change hands."""
    first, second = _one(demo_path, "SELECT min(id), max(id) FROM project_signature WHERE amendment_id IS NULL "
                                    "GROUP BY project_id HAVING count(DISTINCT role) = 3 LIMIT 1")
    with _sql(demo_path) as conn:
        rows = {n: conn.execute(f"SELECT {', '.join(_SELF)} FROM project_signature WHERE id = ?", (n,)).fetchone()
                for n in (first, second)}
        for target, source in ((first, second), (second, first)):
            conn.execute(f"UPDATE project_signature SET {', '.join(f'{c} = ?' for c in _SELF)} WHERE id = ?",
                         (*rows[source], target))
    _caught(demo_path, "改动了 project_signature.")


def test_a_signature_copied_from_another_project_is_caught(demo_path):
    """The same signer's voided signature on another project, at the same version and role, carried over
    with its content: it verifies, but over another project's content."""
    target, source = _one(demo_path, """SELECT a.id, b.id FROM project_signature a JOIN project_signature b
        ON a.key_id = b.key_id AND a.role = b.role AND a.content_version = b.content_version AND a.project_id <> b.project_id
        WHERE a.voided_at IS NOT NULL AND a.amendment_id IS NULL LIMIT 1""")
    with _sql(demo_path) as conn:
        conn.execute("UPDATE project_signature SET (content_json, signature) = (SELECT content_json, signature FROM "
                     "project_signature WHERE id = ?) WHERE id = ?", (source, target))
    _caught(demo_path, "已作废的")


@pytest.mark.parametrize("statement, fragment", [
    # a voided signature hidden from the history behind an amendment that does not exist
    ("UPDATE project_signature SET amendment_id = 999999 WHERE id = (SELECT min(id) FROM project_signature "
     "WHERE voided_at IS NOT NULL AND amendment_id IS NULL)", "改动了 project_signature.amendment_id"),
    # a signature row on no project at all, and a plan line of no plan: in no record
    ("INSERT INTO project_signature (project_id, user_id, key_id, role, content_version, content_json, signature, "
     "signed_at, void_reason) SELECT 888888, user_id, key_id, role, content_version, content_json, signature, "
     "signed_at, '' FROM project_signature LIMIT 1", "project_signature 中有 1 行指向不存在的项目"),
    ("INSERT INTO plan_line (plan_id, project_id, source, amount) SELECT 777777, project_id, source, amount "
     "FROM plan_line LIMIT 1", "plan_line 中有 1 行指向不存在的资金安排"),
])
def test_rows_pointing_at_nothing_are_caught(demo_path, statement, fragment):
    with _sql(demo_path) as conn:
        assert conn.execute(statement).rowcount == 1, statement
    _caught(demo_path, fragment)


def test_lock_counter_reset_by_hand_is_caught(demo_engine, demo_path):
    with database.unit_of_work(demo_engine) as session:
        for _ in range(3):
            with pytest.raises(security.LoginFailed):
                security.authenticate(session, "县财政", "wrong password")
    assert _verify(demo_path).ok
    with _sql(demo_path) as conn:
        conn.execute("UPDATE user_account SET failed_logins = 0 WHERE username = '县财政'")
    _caught(demo_path, "密码错误次数")


# ---------------------------------------------------------------- deleted records, rollback, schema

def test_deleted_approved_project_with_its_signatures_and_payments_is_caught(demo_path):
    uuid, project_id = _one(demo_path, "SELECT project.uuid, project.id FROM project JOIN expenditure "
                                       "ON expenditure.project_id = project.id ORDER BY project.id LIMIT 1")
    with _sql(demo_path) as conn:
        for table in ("claim_attachment WHERE claim_id IN (SELECT id FROM claim WHERE project_id = ?)",
                      "claim WHERE project_id = ?", "expenditure WHERE project_id = ?", "plan_line WHERE project_id = ?",
                      "project_signature WHERE project_id = ?", "project_indicator WHERE project_id = ?",
                      "project_village WHERE project_id = ?", "publicity WHERE project_id = ?",
                      "asset WHERE project_id = ?", "project_amendment WHERE project_id = ?", "project WHERE id = ?"):
            conn.execute(f"DELETE FROM {table}", (project_id,))
    _caught(demo_path, f"项目 {uuid}：签名记录中有此记录，数据库中却没有")


def test_older_copy_put_back_is_caught(demo_engine, demo_path, tmp_path):
    """A copy taken before a reversal and a failed login is put back over the file."""
    from app.services import trust
    older = tmp_path / "older.sqlite"
    older.write_bytes(demo_path.read_bytes())
    with database.unit_of_work(demo_engine) as session:
        finance = security.authenticate(session, "县财政", "demo1234")  # a login, then the reversal
        payment = session.scalar(select(Expenditure).where(Expenditure.amount > payments.Money(0),
                                                            Expenditure.reversal_of_id.is_(None)).order_by(Expenditure.id.desc()))
        payments.reverse(session, finance, payment.id, "凭证录错")
    assert trust.read_trust_file(demo_path) is not None  # every commit remembers the newest head
    head = trust.read_trust_file(demo_path)
    demo_engine.dispose()
    demo_path.write_bytes(older.read_bytes())
    for suffix in ("-wal", "-shm"):
        Path(str(demo_path) + suffix).unlink(missing_ok=True)
    _caught(demo_path, "数据库被换成了旧的副本", db_path=str(demo_path))
    trust.trust_path(demo_path).unlink()
    assert _verify(demo_path, db_path=str(demo_path)).ok  # without the trust file, only a head from paper tells
    _caught(demo_path, "数据库被换成了旧的副本", heads=(f"{head.head_count}:{head.head_hash}",))


def test_trigger_that_doubles_new_payments_is_caught(demo_path):
    with _sql(demo_path) as conn:
        conn.execute("CREATE TRIGGER double_it AFTER INSERT ON expenditure BEGIN "
                     "UPDATE expenditure SET amount = amount * 2 WHERE id = new.id; END")
    _caught(demo_path, "触发器“double_it”")


# ---------------------------------------------------------------- malformed rows are problems, not crashes

@pytest.mark.parametrize("statement", [
    "UPDATE project SET status = 'bogus' WHERE id = (SELECT min(id) FROM project)",
    "UPDATE expenditure SET amount = 'abc' WHERE id = (SELECT min(id) FROM expenditure)",
    "UPDATE audit_event SET after_json = '{' WHERE id = (SELECT max(id) FROM audit_event)",
    "UPDATE audit_event SET record_json = '{' WHERE id = (SELECT max(id) FROM audit_event WHERE record_json != '')",
    "UPDATE project SET starts_on = '2023-13-45' WHERE id = (SELECT min(id) FROM project)",
    "UPDATE user_key SET public_key = 'not base64!' WHERE id = (SELECT min(id) FROM user_key)",
    "UPDATE trust_root SET created_at = 'yesterday'",
])
def test_malformed_rows_are_reported_never_a_crash(demo_path, statement):
    with _sql(demo_path) as conn:
        conn.execute(statement)
    report = _verify(demo_path)
    assert not report.ok and report.problems or not report.chain.ok
