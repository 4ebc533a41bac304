"""The 双签审批表: one page per project with its content, the signers (name, date, key fingerprint) and
a code that says, when typed or scanned back, whether the paper matches the current data, an older
signed version or nothing; from the service, the PDF and the command line."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import select

from app.models import Project, ProjectStatus, UserRole
from app.reports.export import export_sheets
from app.services import approval, database, security, trust
from app.services.approval_sheets import PREFIX, approval_sheet, check_sheet, content_hash
from app.services.content import project_content
from app.services.errors import InputError

from helpers import assert_refused, bangzhen, ok


def _project(engine, status: ProjectStatus) -> int:
    with database.unit_of_work(engine) as session:
        return session.scalar(select(Project.id).where(Project.status == status).order_by(Project.id))


def test_an_approved_projects_sheet_names_its_three_signers(demo_engine, tmp_path):
    project_id = _project(demo_engine, ProjectStatus.approved)
    with database.unit_of_work(demo_engine) as session:
        sheet = approval_sheet(session, project_id)
        project = session.get(Project, project_id)
        standing = {s.role: s for s in approval.current_signatures(project)}
        assert sheet.content_hash == content_hash(project_content(session, project_id))
        assert set(sheet.signatures) == {UserRole.town_leader, UserRole.team_leader, UserRole.county_reviewer}
        for role, signed in sheet.signatures.items():
            assert signed.name == standing[role].user.display_name
            assert signed.fingerprint == trust.fingerprint(standing[role].key.public_key)
        assert sheet.code == (f"{PREFIX}|{project.uuid}|{project.content_version}|{sheet.content_hash}|"
                              f"{sheet.head[0]}:{sheet.head[1][:16]}")
        draft = approval_sheet(session, _project(demo_engine, ProjectStatus.draft))
        assert draft.signatures == {}
    pdf = export_sheets([sheet, draft], tmp_path / "审批表.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) == 2  # one page each
    assert sheet.name in pages[0] and "双签审批表" in pages[0]
    for signed in sheet.signatures.values():
        assert signed.name in pages[0] and signed.fingerprint in pages[0]
    assert "".join(pages[0].split()).count(sheet.content_hash) == 1  # in the printed code
    assert "签字：＿" in pages[1]  # blank lines for a hand signature
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts


def test_a_printed_sheet_is_checked_against_the_data(demo_engine):
    project_id = _project(demo_engine, ProjectStatus.double_signed)
    with database.unit_of_work(demo_engine) as session:
        printed = approval_sheet(session, project_id)
        assert check_sheet(session, printed.code).matches
        assert check_sheet(session, printed.content_hash).matches  # the hash alone is enough
    with database.unit_of_work(demo_engine) as session:  # the town edits it afterwards: a new version
        town = session.get(Project, project_id).town
        officer = security.authenticate(session, f"{town.name}经办", "demo1234")
        approval.edit_project(session, officer, project_id, {"location": "另一个地点"}, reason="地点调整")
    with database.unit_of_work(demo_engine) as session:
        old = check_sheet(session, printed.code)
        assert not old.matches and "旧版本（第 1 版，现为第 2 版）" in old.message
        assert "没有与此审批表一致" in check_sheet(session, "0" * 64).message
        forged = printed.code.replace(printed.content_hash, "f" * 64)
        assert not check_sheet(session, forged).matches
        for bad in ("BZSHEET1|broken", "不是校验码"):
            with pytest.raises(InputError):
                check_sheet(session, bad)


def test_the_command_line_prints_and_checks_sheets(demo_path, tmp_path):
    db = str(demo_path)
    out = tmp_path / "审批表.pdf"
    assert "个项目" in ok(bangzhen("report", "approval-sheet", "--scope", "441624101", "--year", "2023", "--out", str(out),
                                 "--db", db))
    assert out.read_bytes().startswith(b"%PDF")
    assert_refused(bangzhen("report", "approval-sheet", "--project", "1", "--out", str(tmp_path / "x.xlsx"), "--db", db),
                   "只导出为 PDF")
    engine = database.connect(demo_path)
    try:
        with database.unit_of_work(engine) as session:
            code = approval_sheet(session, _project(engine, ProjectStatus.approved)).code
    finally:
        engine.dispose()
    assert "与当前数据一致" in ok(bangzhen("verify-sheet", code, "--db", db))
    assert_refused(bangzhen("verify-sheet", "a" * 64, "--db", db), "没有与此审批表一致")
