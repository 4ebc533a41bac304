"""`verify` catches hand edits of the SQLite file.

Each test starts from the demo county (every state reached through the real workflow, so it
verifies clean), tampers with the file through the plain sqlite3 module, as someone with the file
and a SQLite editor would, and checks that `verify_database` reports it: on the tampered project
(and on nothing else), or at the audit row where the chain breaks.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent, Project, ProjectSignature, ProjectStatus, RoleGrant, User, UserRole
from app.services import approval, audit, database, demo, security, verify
from app.services.content import project_content

S = ProjectStatus


# ---------------------------------------------------------------- helpers

def _verify(path: Path) -> verify.VerifyReport:
    """A fresh engine on the file, as `bangzhen verify` would open it."""
    engine = database.connect(path)
    try:
        with Session(engine) as session:
            return verify.verify_database(session)
    finally:
        engine.dispose()


@contextmanager
def _by_hand(path: Path):
    """The file opened with plain sqlite3 (no foreign keys, no application code), committed at the end."""
    conn = sqlite3.connect(path)
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


@contextmanager
def _reading(path: Path):
    """A read-only look through the application (never committed); the engine is gone afterwards."""
    engine = database.connect(path)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


@pytest.fixture
def demo_file(demo_path) -> Path:
    report = _verify(demo_path)
    assert report.ok, report.problems or report.chain
    assert report.projects > 100 and report.signatures > 150 and report.chain.events > 500
    return demo_path


def _project(path: Path, status: ProjectStatus, offset: int = 0) -> tuple[int, str]:
    """(id, name as verify names it) of a demo project in `status`."""
    with _by_hand(path) as conn:
        row = conn.execute("SELECT project.id, project.name, town.name FROM project"
                           " JOIN town ON town.id = project.town_id"
                           " WHERE project.status = ? ORDER BY project.id LIMIT 1 OFFSET ?",
                           (status.value, offset)).fetchone()
    assert row is not None, f"the demo has no {status.value} project"
    return row[0], f"{row[1]}（{row[2]}）"


def _signature(path: Path, project_id: int, role: UserRole) -> tuple[int, int]:
    """(signature id, signer's user id) of the project's current signature in `role`."""
    with _by_hand(path) as conn:
        row = conn.execute("SELECT id, user_id FROM project_signature WHERE project_id = ? AND role = ?"
                           " AND voided_at IS NULL", (project_id, role.value)).fetchone()
    assert row is not None
    return row


def _payload(path: Path, project_id: int, role: UserRole, signer_id: int) -> bytes:
    """What a genuine signature by `signer_id` in `role` over the project's current content covers."""
    with _reading(path) as session:
        project = session.get(Project, project_id)
        signer = session.get(User, signer_id)
        return approval.signed_payload(project_content(session, project_id), project.content_version, role,
                                       signer.uuid)


def _assert_flagged(report: verify.VerifyReport, project: tuple[int, str], *fragments: str,
                    others: bool = False) -> list[verify.Problem]:
    """The report fails on this project, with a message containing each fragment; unless `others`,
    nothing else is flagged and the audit chain is whole."""
    project_id, where = project
    assert not report.ok
    mine = [p for p in report.problems if p.project_id == project_id]
    assert mine, report.problems
    assert all(p.where == where for p in mine)
    for fragment in fragments:
        assert any(fragment in p.message for p in mine), (fragment, mine)
    if not others:
        assert {p.project_id for p in report.problems} == {project_id}, report.problems
        assert report.chain.ok, report.chain
    # A hand edit of the project's row also differs from its last signed record (tests/security covers
    # that check); what is returned here are the findings about its signatures and status.
    return [p for p in mine if "与最后一次签名记录不符" not in p.message]


def _now() -> str:
    return datetime.now().isoformat(sep=" ")


# ---------------------------------------------------------------- forged signatures

def test_signature_made_with_another_key(demo_file):
    """The right payload signed by a key that is not the signer's: the signature does not verify."""
    project = _project(demo_file, S.approved)
    signature_id, signer_id = _signature(demo_file, project[0], UserRole.town_leader)
    payload = _payload(demo_file, project[0], UserRole.town_leader, signer_id)
    attacker = Ed25519PrivateKey.generate()
    forged = security.sign_bytes(attacker, payload)
    assert security.signature_valid(security.public_key_text(attacker), payload, forged)  # a real signature...

    with _by_hand(demo_file) as conn:
        conn.execute("UPDATE project_signature SET signature = ? WHERE id = ?", (forged, signature_id))

    [problem] = _assert_flagged(_verify(demo_file), project, "签名与项目当前内容不符")  # ...by the wrong key
    assert UserRole.town_leader.label in problem.message


def test_signature_with_a_key_smuggled_in_for_the_signer(demo_file):
    """The attacker adds his own public key to the signer's keys and signs with it: the key was never
    registered through the audit log."""
    project = _project(demo_file, S.approved)
    signature_id, signer_id = _signature(demo_file, project[0], UserRole.town_leader)
    payload = _payload(demo_file, project[0], UserRole.town_leader, signer_id)
    attacker = Ed25519PrivateKey.generate()

    with _by_hand(demo_file) as conn:
        key_id = conn.execute("INSERT INTO user_key (user_id, public_key, sealed_private_key, created_at)"
                              " VALUES (?, ?, NULL, ?)",
                              (signer_id, security.public_key_text(attacker), _now())).lastrowid
        conn.execute("UPDATE project_signature SET key_id = ?, signature = ? WHERE id = ?",
                     (key_id, security.sign_bytes(attacker, payload), signature_id))
        signer_name = conn.execute("SELECT display_name FROM user_account WHERE id = ?", (signer_id,)).fetchone()[0]

    report = _verify(demo_file)
    _assert_flagged(report, project, "密钥", others=True)
    assert any(p.project_id is None and p.where == signer_name and "根密钥" in p.message for p in report.problems)
    assert {p.project_id for p in report.problems} == {project[0], None}
    assert report.chain.ok


def test_signature_with_another_users_registered_key(demo_file):
    """A town officer moves his own (genuinely registered) key onto the town leader and signs in the
    leader's name with it. The key is registered, but for the officer, not for the leader."""
    project = _project(demo_file, S.approved)
    signature_id, leader_id = _signature(demo_file, project[0], UserRole.town_leader)
    payload = _payload(demo_file, project[0], UserRole.town_leader, leader_id)
    with _reading(demo_file) as session:
        town_code = session.get(Project, project[0]).town.code
        officer = session.scalar(select(User).join(RoleGrant).where(
            RoleGrant.role == UserRole.town_officer, RoleGrant.region_code == town_code))
        assert not session.scalars(select(ProjectSignature).where(ProjectSignature.user_id == officer.id)).all()
        key, private_key = security.unlock_signing_key(session, officer, demo.DEMO_PASSWORD)
        key_id, forged = key.id, security.sign_bytes(private_key, payload)

    with _by_hand(demo_file) as conn:
        conn.execute("UPDATE user_key SET user_id = ? WHERE id = ?", (leader_id, key_id))
        conn.execute("UPDATE project_signature SET key_id = ?, signature = ? WHERE id = ?",
                     (key_id, forged, signature_id))

    report = _verify(demo_file)
    _assert_flagged(report, project, "密钥", others=True)
    assert report.chain.ok


def test_signature_replayed_onto_another_project(demo_file):
    """Project A's town-leader signature (same signer, same town) copied onto project B."""
    with _by_hand(demo_file) as conn:
        a, b, b_signature = conn.execute(
            "SELECT sa.project_id, sb.project_id, sb.id FROM project_signature sa"
            " JOIN project_signature sb ON sb.role = sa.role AND sb.project_id != sa.project_id"
            " JOIN project pa ON pa.id = sa.project_id JOIN project pb ON pb.id = sb.project_id"
            " WHERE sa.role = 'town_leader' AND sa.voided_at IS NULL AND sb.voided_at IS NULL"
            " AND pa.town_id = pb.town_id AND pb.status = 'approved' ORDER BY sa.id, sb.id LIMIT 1").fetchone()
        conn.execute("UPDATE project_signature SET (signature, content_version, key_id, user_id) ="
                     " (SELECT signature, content_version, key_id, user_id FROM project_signature"
                     "  WHERE project_id = ? AND role = 'town_leader' AND voided_at IS NULL) WHERE id = ?",
                     (a, b_signature))
        b_name = conn.execute("SELECT project.name || '（' || town.name || '）' FROM project"
                              " JOIN town ON town.id = project.town_id WHERE project.id = ?", (b,)).fetchone()[0]

    [problem] = _assert_flagged(_verify(demo_file), (b, b_name), "签名与项目当前内容不符")
    assert UserRole.town_leader.label in problem.message


def test_signatures_replayed_onto_another_version(demo_file):
    """The project and its signatures moved on to the next content version together."""
    project = _project(demo_file, S.approved)
    with _by_hand(demo_file) as conn:
        conn.execute("UPDATE project SET content_version = content_version + 1 WHERE id = ?", (project[0],))
        conn.execute("UPDATE project_signature SET content_version = content_version + 1"
                     " WHERE project_id = ? AND voided_at IS NULL", (project[0],))

    problems = _assert_flagged(_verify(demo_file), project, "签名与项目当前内容不符")
    assert len(problems) == 3  # 乡镇主要负责人, 驻镇帮扶工作队队长, 县级审定


def test_project_version_bumped_alone(demo_file):
    project = _project(demo_file, S.double_signed)
    with _by_hand(demo_file) as conn:
        conn.execute("UPDATE project SET content_version = content_version + 1 WHERE id = ?", (project[0],))

    _assert_flagged(_verify(demo_file), project, "针对第 1 版内容，而项目现为第 2 版")


def test_voided_signatures_revived_after_an_edit(demo_file):
    """A project edited through the program (signatures voided) has its old signatures and status put back."""
    project = _project(demo_file, S.double_signed)
    _edit(demo_file, project[0], {"content": "增加一段新的建设内容。"})
    with _by_hand(demo_file) as conn:
        conn.execute("UPDATE project_signature SET voided_at = NULL, void_reason = '' WHERE project_id = ?",
                     (project[0],))
        conn.execute("UPDATE project SET status = 'double_signed' WHERE id = ?", (project[0],))

    problems = _assert_flagged(_verify(demo_file), project, "针对第 1 版内容，而项目现为第 2 版")
    assert len(problems) == 3 and any("与审计记录中的最后状态“草稿”不符" in p.message for p in problems)


# ---------------------------------------------------------------- signed content changed by hand

def test_amount_changed_after_signing(demo_file):
    project = _project(demo_file, S.approved)
    with _by_hand(demo_file) as conn:
        conn.execute("UPDATE project SET amount_provincial = amount_provincial + 100 WHERE id = ?", (project[0],))

    problems = _assert_flagged(_verify(demo_file), project, "签名与项目当前内容不符")
    assert len(problems) == 3
    for role in (UserRole.town_leader, UserRole.team_leader, UserRole.county_reviewer):
        assert any(f"“{role.label}”的签名与项目当前内容不符" in p.message for p in problems)


def test_indicator_target_changed(demo_file):
    project = _project(demo_file, S.approved)
    with _by_hand(demo_file) as conn:
        changed = conn.execute("UPDATE project_indicator SET target_text = target_text || '0'"
                               " WHERE project_id = ? AND position = 0", (project[0],)).rowcount
    assert changed == 1

    assert len(_assert_flagged(_verify(demo_file), project, "签名与项目当前内容不符")) == 3


def test_village_removed(demo_file):
    project = _project(demo_file, S.double_signed)
    with _by_hand(demo_file) as conn:
        removed = conn.execute("DELETE FROM project_village WHERE project_id = ?", (project[0],)).rowcount
    assert removed >= 1

    assert len(_assert_flagged(_verify(demo_file), project, "签名与项目当前内容不符")) == 2


# ---------------------------------------------------------------- status and signature rows

@pytest.mark.parametrize("was, forged", [
    (S.draft, S.approved),
    (S.draft, S.in_progress),
    (S.signed_once, S.double_signed),
    (S.returned, S.double_signed),
    (S.double_signed, S.approved),
])
def test_status_forged(demo_file, was, forged):
    project = _project(demo_file, was)
    with _by_hand(demo_file) as conn:
        conn.execute("UPDATE project SET status = ? WHERE id = ?", (forged.value, project[0]))

    _assert_flagged(_verify(demo_file), project, f"状态为“{forged.label}”")


def test_signature_row_deleted(demo_file):
    project = _project(demo_file, S.double_signed)
    signature_id, _ = _signature(demo_file, project[0], UserRole.team_leader)
    with _by_hand(demo_file) as conn:
        conn.execute("DELETE FROM project_signature WHERE id = ?", (signature_id,))

    _assert_flagged(_verify(demo_file), project, f"缺少 {UserRole.team_leader.label}")


def test_signature_voided_by_hand(demo_file):
    """Marking a signature void is the same as removing it while the status still claims it."""
    project = _project(demo_file, S.approved)
    signature_id, _ = _signature(demo_file, project[0], UserRole.county_reviewer)
    with _by_hand(demo_file) as conn:
        conn.execute("UPDATE project_signature SET voided_at = ? WHERE id = ?", (_now(), signature_id))

    _assert_flagged(_verify(demo_file), project, f"缺少 {UserRole.county_reviewer.label}")


# The states from 已审定入库 on need the same signatures, and 已终止/已退回 need none (or any): a
# status put back by hand to one whose signatures are still (or again) current is caught only by
# comparing the status with the last one the audit log recorded.

def test_cancelled_project_restored_by_hand(demo_file):
    project = _project(demo_file, S.double_signed)
    with _reading(demo_file) as session:
        officer = session.scalar(select(User).join(RoleGrant).where(
            RoleGrant.role == UserRole.town_officer,
            RoleGrant.region_code == session.get(Project, project[0]).town.code)).username
    engine = database.connect(demo_file)
    try:
        with database.unit_of_work(engine) as session:
            approval.cancel(session, security.find_user(session, officer), project[0], "村民代表大会未通过。")
    finally:
        engine.dispose()
    assert _verify(demo_file).ok
    with _by_hand(demo_file) as conn:
        conn.execute("UPDATE project SET status = 'double_signed' WHERE id = ?", (project[0],))

    _assert_flagged(_verify(demo_file), project, "与审计记录中的最后状态“已终止”不符")


def test_returned_project_revived_by_hand(demo_file):
    project = _project(demo_file, S.returned)
    with _by_hand(demo_file) as conn:
        conn.execute("UPDATE project_signature SET voided_at = NULL, void_reason = '' WHERE project_id = ?",
                     (project[0],))
        conn.execute("UPDATE project SET status = 'double_signed' WHERE id = ?", (project[0],))

    _assert_flagged(_verify(demo_file), project, "与审计记录中的最后状态“已退回”不符")


# ---------------------------------------------------------------- the audit chain

def _audit_ids(conn: sqlite3.Connection) -> list[int]:
    return [row[0] for row in conn.execute("SELECT id FROM audit_event ORDER BY id")]


def test_audit_row_deleted_from_the_middle(demo_file):
    with _by_hand(demo_file) as conn:
        ids = _audit_ids(conn)
        middle = ids[len(ids) // 2]
        conn.execute("DELETE FROM audit_event WHERE id = ?", (middle,))

    report = _verify(demo_file)
    assert not report.ok
    assert report.chain.broken_at == ids[len(ids) // 2 + 1]
    assert f"第 {report.chain.broken_at} 条" in report.chain.message


def test_audit_row_altered(demo_file):
    with _by_hand(demo_file) as conn:
        event_id = conn.execute("SELECT id FROM audit_event WHERE action = 'project_returned'"
                                " ORDER BY id LIMIT 1").fetchone()[0]
        conn.execute("UPDATE audit_event SET reason = '材料齐全' WHERE id = ?", (event_id,))

    report = _verify(demo_file)
    assert not report.ok
    assert report.chain.broken_at == event_id
    assert "内容被修改过" in report.chain.message
    assert report.problems == []  # the projects themselves are untouched


def test_last_audit_row_deleted(demo_file):
    with _by_hand(demo_file) as conn:
        ids = _audit_ids(conn)
        conn.execute("DELETE FROM audit_event WHERE id = ?", (ids[-1],))

    report = _verify(demo_file)
    assert not report.ok
    assert report.chain.broken_at is None
    assert report.chain.events == len(ids) - 1
    assert f"应有 {len(ids)} 条，实有 {len(ids) - 1} 条" in report.chain.message


def test_audit_row_appended_without_the_head(demo_file):
    """A made-up event appended with a correctly computed hash (the chain has no secret): only the head
    kept in the settings shows it."""
    with _reading(demo_file) as session:
        last = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        last_id, prev_hash = last.id, last.hash
        forged_hash = audit._event_hash(prev_hash, last.occurred_at, last.user_id, "setting_changed", "setting",
                                        "allocation_check", "", "", "")
    with _by_hand(demo_file) as conn:
        occurred_at, user_id = conn.execute("SELECT occurred_at, user_id FROM audit_event WHERE id = ?",
                                            (last_id,)).fetchone()
        conn.execute("INSERT INTO audit_event (occurred_at, user_id, action, entity_type, entity_uuid, reason,"
                     " before_json, after_json, prev_hash, hash) VALUES (?, ?, 'setting_changed', 'setting',"
                     " 'allocation_check', '', '', '', ?, ?)", (occurred_at, user_id, prev_hash, forged_hash))

    report = _verify(demo_file)
    assert not report.ok
    assert report.chain.broken_at is None  # every link fits...
    assert report.chain.events == last_id + 1
    assert f"应有 {last_id} 条，实有 {last_id + 1} 条" in report.chain.message  # ...but the head does not


def test_audit_row_inserted_in_the_middle(demo_file):
    """prev_hash is unique, so an event slipped between two others cannot carry the right previous hash."""
    with _by_hand(demo_file) as conn:
        ids = _audit_ids(conn)
        after = ids[10]
        conn.execute("UPDATE audit_event SET id = id + 1000000 WHERE id > ?", (after,))  # make room
        conn.execute("UPDATE audit_event SET id = id - 1000000 + 1 WHERE id > 1000000")
        # the search index moves with them (its trigger would refuse the new event's text otherwise)
        conn.execute("UPDATE audit_search SET rowid = rowid + 1000000 WHERE rowid > ?", (after,))
        conn.execute("UPDATE audit_search SET rowid = rowid - 1000000 + 1 WHERE rowid > 1000000")
        conn.execute("INSERT INTO audit_event (id, occurred_at, user_id, action, entity_type, entity_uuid, reason,"
                     " before_json, after_json, prev_hash, hash) SELECT id + 1, occurred_at, user_id, action,"
                     " entity_type, entity_uuid, '补录', before_json, after_json, ?, ? FROM audit_event WHERE id = ?",
                     ("f" * 64, "e" * 64, after))

    report = _verify(demo_file)
    assert not report.ok
    assert report.chain.broken_at == after + 1


# ---------------------------------------------------------------- the positive control

def _edit(path: Path, project_id: int, changes: dict) -> None:
    engine = database.connect(path)
    try:
        with database.unit_of_work(engine) as session:
            project = session.get(Project, project_id)
            officer = session.scalar(select(User).join(RoleGrant).where(
                RoleGrant.role == UserRole.town_officer, RoleGrant.region_code == project.town.code))
            approval.edit_project(session, officer, project_id, changes, reason="按评审意见调整")
    finally:
        engine.dispose()


def test_legitimate_edit_and_re_signing_verify(demo_file):
    """Edits, voids and new signatures made through the program verify clean at every step."""
    project_id, _ = _project(demo_file, S.double_signed)
    _edit(demo_file, project_id, {"amount_provincial": 1_000_000, "content": "调整后的建设内容。"})
    assert _verify(demo_file).ok

    engine = database.connect(demo_file)
    try:
        with database.unit_of_work(engine) as session:
            project = session.get(Project, project_id)
            assert project.status is S.draft and project.content_version == 2 and project.approved_on is None
            assert len(project.signatures) == 2 and all(s.voided_at is not None for s in project.signatures)
            for role in (UserRole.town_leader, UserRole.team_leader):
                signer = session.scalar(select(User).join(RoleGrant).where(
                    RoleGrant.role == role, RoleGrant.region_code == project.town.code))
                approval.sign(session, signer, project_id, role, demo.DEMO_PASSWORD)
            assert project.status is S.double_signed
    finally:
        engine.dispose()
    report = _verify(demo_file)
    assert report.ok, report.problems


def test_voided_signature_content_altered_by_hand(demo_file):
    """What "changed since signing" compares with is itself signed: a doctored old content shows."""
    project = _project(demo_file, S.double_signed)
    _edit(demo_file, project[0], {"content": "增加一段新的建设内容。"})
    assert _verify(demo_file).ok
    with _by_hand(demo_file) as conn:
        conn.execute("UPDATE project_signature SET content_json = replace(content_json, '按实施方案', '按新方案') "
                     "WHERE project_id = ?", (project[0],))

    _assert_flagged(_verify(demo_file), project, "已作废的“乡镇主要负责人”签名与其记录的签字内容不符")


def test_cancel_stops_verify_instead_of_becoming_a_finding(demo_file):
    """The GUI cancels by raising from the progress callback: verify stops, it does not report it as a problem."""
    from app.ui.ops import Cancelled

    def cancel(done: int, total: int, label: str) -> None:
        raise Cancelled()

    engine = database.connect(demo_file)
    try:
        with Session(engine) as session:
            with pytest.raises(Cancelled):
                verify.verify_database(session, cancel)
    finally:
        engine.dispose()
