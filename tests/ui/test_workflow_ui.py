"""The 双签 workflow driven through the real widgets on the demo database: the project editor (typed
Chinese, live rule findings by field, the task-list start, editing a signed project), the sign
dialog, the review dialog (approve, return, the change diff), the login dialogs and the main window
showing each role its own work lists and actions. Every result is read back from the SQLite file."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox
from sqlalchemy import func, select

from app.models import Project, ProjectSignature, ProjectStatus, SpendingCategory, UserRole
from app.services import approval, database, inbox, security
from app.services.content import project_content
from app.services.demo import DEMO_PASSWORD
from app.ui.login import ChangePasswordDialog, FirstRunDialog, Login, LoginDialog
from app.ui.main_window import MainWindow
from app.ui.project_editor import ProjectEditor
from app.ui.sign_dialogs import ReviewDialog, SignDialog

TOWN = "441624100"  # 阳明镇
S = ProjectStatus


@pytest.fixture
def engine(demo_path):
    engine = database.connect(demo_path)
    yield engine
    engine.dispose()


def login_as(engine, username: str) -> Login:
    with database.unit_of_work(engine) as session:
        return Login.of(security.find_user(session, username))


def type_chinese(widget, text: str) -> None:
    """What an input method does: commit the composed text to the focused widget."""
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def project(engine, project_id: int) -> Project:
    with database.unit_of_work(engine) as session:
        found = session.get(Project, project_id)
        session.expunge(found)
        return found


def count_projects(engine) -> int:
    with database.unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(Project))


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    """Message boxes recorded instead of shown (they would block the test)."""
    shown: list[str] = []
    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, lambda parent, title, text, *a, **k: shown.append(text))
    return shown


# ---------------------------------------------------------------- the editor

def fill_complete_draft(editor: ProjectEditor) -> None:
    f = editor.fields
    f["construction_nature"].set("new")
    f["spending_category"].set(SpendingCategory.construction.value)
    type_chinese(f["location"].widget, "阳明镇水口村")
    f["villages"].set(["水口村"])
    QTest.keyClicks(f["starts_on"].widget, "2023-07-01")
    QTest.keyClicks(f["ends_on"].widget, "2023/12/31")
    type_chinese(f["responsible_unit"].widget, "阳明镇人民政府")
    type_chinese(f["responsible_person"].widget, "李明")
    QTest.keyClicks(f["amount_provincial"].widget, "12.5")
    QTest.keyClicks(f["amount_county"].widget, "0.345678")
    f["support_method"].set("direct_subsidy")
    f["asset_type"].set("public_welfare")
    type_chinese(f["beneficiaries"].widget, "水口村村民")
    table = f["indicators"].table
    table.item(0, 4).setText("95")  # the task list's 稳定运行率 indicator: the project's own target


def test_editor_from_task_list_checks_live_and_saves(qtbot, engine):
    """Started from the task list, the draft carries the task's purpose and indicators; the findings
    follow the typing field by field; what is saved is exactly what was typed."""
    officer = login_as(engine, "阳明镇经办")
    editor = ProjectEditor(engine, officer, town_code=TOWN, task_key="4416/2023/26")
    qtbot.addWidget(editor)
    editor.show()
    assert editor.fields["purpose_category"].value() == "infrastructure"
    assert "约束性任务" in editor.task_note.text()
    assert [row["level1"] for row in editor.fields["indicators"].value()] == ["output", "benefit"]
    assert "请填写“建设性质”。" in editor.findings_for("construction_nature")
    assert "border" in editor.fields["construction_nature"].widget.styleSheet()

    editor.fields["name"].widget.clear()
    type_chinese(editor.fields["name"].widget, "阳明镇水口村污水管网建设项目")
    fill_complete_draft(editor)
    qtbot.waitUntil(lambda: not editor.findings_for("construction_nature"), timeout=3000)
    editor.recheck()
    assert [f.message for f in editor._findings] == []
    assert "可以保存并报签字" in editor.findings_title.text()
    assert editor.fields["construction_nature"].widget.styleSheet() == ""
    assert editor.total.text() == "12.845678 万元"

    before = count_projects(engine)
    editor.save()
    assert editor.result() == editor.DialogCode.Accepted and editor.saved_project_id
    assert count_projects(engine) == before + 1
    with database.unit_of_work(engine) as session:
        content = project_content(session, editor.saved_project_id)
        saved = session.get(Project, editor.saved_project_id)
        assert saved.status is S.draft and saved.drafted_by_id == officer.user_id
    assert content["name"] == "阳明镇水口村污水管网建设项目"
    assert content["amount_provincial"] == 125_000_00 and content["amount_county"] == 3456_78
    assert content["ends_on"] == "2023-12-31" and content["villages"] == ["水口村"]
    assert content["task_item"] == "4416/2023/26"
    assert content["indicators"][0]["target_value"] in ("95", "95.000000", "95.00")


def test_editor_refuses_negative_list_and_bad_amount(qtbot, engine, warnings):
    """A 负面清单 category and an amount finer than 分 are marked on their fields and stop the save."""
    editor = ProjectEditor(engine, login_as(engine, "阳明镇经办"), town_code=TOWN)
    qtbot.addWidget(editor)
    type_chinese(editor.fields["name"].widget, "镇政府办公楼装修")
    editor.fields["spending_category"].set(SpendingCategory.office_buildings.value)
    QTest.keyClicks(editor.fields["amount_provincial"].widget, "1.0000001")
    editor.recheck()
    assert any("负面清单" in m for m in editor.findings_for("spending_category"))
    assert "负面清单" in editor.fields["spending_category"].widget.toolTip()
    assert any("精确不到分" in m for m in editor.findings_for("amount_provincial"))
    before = count_projects(engine)
    editor.save()
    assert count_projects(engine) == before
    assert warnings and "负面清单" in warnings[0] and "精确不到分" in warnings[0]
    assert editor.saved_project_id is None


def test_editing_a_signed_project_voids_its_signatures(qtbot, engine, monkeypatch):
    """Saving a change to a double-signed project asks why, then the project is a draft again with a
    new version and no standing signature."""
    with database.unit_of_work(engine) as session:
        project_id = session.scalar(select(Project.id).join(Project.town).where(
            Project.status == S.double_signed).order_by(Project.id))
        town_code = session.get(Project, project_id).town.code
        officer = next(u for u in session.scalars(select(security.User)) if u.username.endswith("经办")
                       and any(g.region_code == town_code for g in u.grants))
        officer = Login.of(officer)
    editor = ProjectEditor(engine, officer, project_id=project_id)
    qtbot.addWidget(editor)
    assert not editor.read_only and "修改项目" in editor.windowTitle()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("县里要求调减金额", True))
    amount = editor.fields["amount_provincial"]
    amount.widget.setText("1.00")
    editor.save()
    changed = project(engine, project_id)
    assert changed.status is S.draft and changed.content_version == 2
    with database.unit_of_work(engine) as session:
        standing = session.scalars(select(ProjectSignature).where(
            ProjectSignature.project_id == project_id, ProjectSignature.voided_at.is_(None))).all()
        assert standing == []
        assert [c.label for c in approval.changes_since_signing(session, project_id)] == ["省级财政资金（万元）"]


def test_editor_is_read_only_for_other_roles(qtbot, engine):
    with database.unit_of_work(engine) as session:
        project_id = session.scalar(select(Project.id).where(Project.status == S.draft))
    editor = ProjectEditor(engine, login_as(engine, "县审核"), project_id=project_id)
    qtbot.addWidget(editor)
    assert editor.read_only and editor.save_button.isHidden()
    assert editor.windowTitle().startswith("查看项目")


# ---------------------------------------------------------------- signing and review

def signed_once_in(engine, town_code: str) -> tuple[int, str]:
    """A once-signed project of the town and the user who still has to sign it."""
    with database.unit_of_work(engine) as session:
        for candidate in session.scalars(select(Project).where(Project.status == S.signed_once)):
            if candidate.town.code == town_code:
                signed = approval.current_signatures(candidate)[0].role
                other = "队长" if signed is UserRole.town_leader else "书记"
                return candidate.id, f"{candidate.town.name}{other}"
    raise AssertionError("the demo has a once-signed project in every town")


def test_sign_dialog_shows_content_and_signs(qtbot, engine):
    project_id, signer = signed_once_in(engine, TOWN)
    dialog = SignDialog(engine, login_as(engine, signer), project_id)
    qtbot.addWidget(dialog)
    page = dialog.page.toPlainText()
    sheet = dialog.sheet
    assert sheet.name in page and "省级财政资金（万元）" in page and "建设内容及规模" in page
    assert f"第 {sheet.content_version} 版" in page
    assert dialog.role.count() == 1 and dialog.sign_button.isEnabled()

    dialog.password.setText("wrong password")
    dialog.sign_button.click()
    assert "密码错误" in dialog.error.text() and dialog.result() != dialog.DialogCode.Accepted
    assert project(engine, project_id).status is S.signed_once

    QTest.keyClicks(dialog.password, DEMO_PASSWORD)
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert project(engine, project_id).status is S.double_signed
    with database.unit_of_work(engine) as session:
        assert len(approval.current_signatures(session.get(Project, project_id))) == 2


def test_sign_dialog_refuses_a_person_without_a_pending_role(qtbot, engine):
    project_id, signer = signed_once_in(engine, TOWN)
    other = signer.replace("队长", "书记") if signer.endswith("队长") else signer.replace("书记", "队长")
    dialog = SignDialog(engine, login_as(engine, other), project_id)
    qtbot.addWidget(dialog)
    assert not dialog.sign_button.isEnabled() and "没有待签的身份" in dialog.error.text()


def double_signed_id(engine) -> int:
    with database.unit_of_work(engine) as session:
        reviewer = security.find_user(session, "县审核")
        return inbox.box_ids(session, reviewer, inbox.Box.to_review)[0]


def test_review_dialog_approves_with_password(qtbot, engine):
    project_id = double_signed_id(engine)
    dialog = ReviewDialog(engine, login_as(engine, "县审核"), project_id)
    qtbot.addWidget(dialog)
    assert dialog.approve_button.isEnabled(), dialog.blocking
    dialog.approve_button.click()
    assert "须输入您的登录密码" in dialog.error.text()
    dialog.password.setText(DEMO_PASSWORD)
    dialog.approve_button.click()
    assert dialog.result() == dialog.DialogCode.Accepted
    approved = project(engine, project_id)
    assert approved.status is S.approved and approved.approved_on is not None


def test_review_dialog_returns_with_reason(qtbot, engine):
    project_id = double_signed_id(engine)
    dialog = ReviewDialog(engine, login_as(engine, "县审核"), project_id)
    qtbot.addWidget(dialog)
    dialog.return_button.click()
    assert "退回必须填写原因" in dialog.error.text()
    assert project(engine, project_id).status is S.double_signed
    type_chinese(dialog.reason, "建设内容不具体，请补充工程量")
    dialog.return_button.click()
    returned = project(engine, project_id)
    assert returned.status is S.returned and returned.status_reason == "建设内容不具体，请补充工程量"
    with database.unit_of_work(engine) as session:
        town_code = session.get(Project, project_id).town.code
        officer = next(u for u in session.scalars(select(security.User)) if u.username.endswith("经办")
                       and any(g.region_code == town_code for g in u.grants))
        assert project_id in inbox.box_ids(session, officer, inbox.Box.returned)


def test_review_dialog_shows_changes_since_signing(qtbot, engine):
    """A project edited after it was signed, and signed again, shows the reviewer what changed."""
    project_id = double_signed_id(engine)
    with database.unit_of_work(engine) as session:
        town = session.get(Project, project_id).town.name
        person = {role: security.find_user(session, f"{town}{role}") for role in ("经办", "书记", "队长")}
        approval.edit_project(session, person["经办"], project_id, {"location": "改到新址"}, "选址调整")
        approval.sign(session, person["书记"], project_id, UserRole.town_leader, DEMO_PASSWORD)
        approval.sign(session, person["队长"], project_id, UserRole.team_leader, DEMO_PASSWORD)
    dialog = ReviewDialog(engine, login_as(engine, "县审核"), project_id)
    qtbot.addWidget(dialog)
    page = dialog.page.toPlainText()
    assert "签字后变更" in page and "改到新址" in page
    assert [c.label for c in dialog.sheet.changes] == ["建设地点"]
    assert dialog.approve_button.isEnabled()


# ---------------------------------------------------------------- login

def test_login_dialog(qtbot, engine):
    dialog = LoginDialog(engine)
    qtbot.addWidget(dialog)
    assert DEMO_PASSWORD in " ".join(label.text() for label in dialog.findChildren(type(dialog.error)))
    dialog.username.setText("县审核")
    dialog.password.setText("not it at all")
    dialog.accept()
    assert dialog.login is None and "用户名或密码错误" in dialog.error.text()
    dialog.password.setText(DEMO_PASSWORD)
    dialog.accept()
    assert dialog.login is not None and dialog.login.username == "县审核"
    assert dialog.login.may(security.Action.approve_project, TOWN)
    assert not dialog.login.may(security.Action.draft_project, TOWN)


def test_login_after_reset_forces_a_new_password(qtbot, engine):
    with database.unit_of_work(engine) as session:
        security.reset_password(session, security.find_user(session, "admin"),
                                security.find_user(session, "县财政"), "temporary-123")

    def set_new_password():
        change = QApplication.activeModalWidget()
        assert isinstance(change, ChangePasswordDialog)
        change.new.setText("my own pass 9")
        change.confirm.setText("my own pass 9")
        change.accept()

    dialog = LoginDialog(engine)
    qtbot.addWidget(dialog)
    dialog.username.setText("县财政")
    dialog.password.setText("temporary-123")
    QTimer.singleShot(0, set_new_password)
    dialog.accept()
    assert dialog.login is not None
    with database.unit_of_work(engine) as session:
        user = security.find_user(session, "县财政")
        assert not user.must_change_password
        assert security.authenticate(session, "县财政", "my own pass 9")


def test_first_run_creates_the_administrator(qtbot, db_path):
    engine = database.connect(db_path)
    try:
        dialog = FirstRunDialog(engine)
        qtbot.addWidget(dialog)
        type_chinese(dialog.display_name, "王管理")
        dialog.password.setText("admin pass 1")
        dialog.confirm.setText("admin pass 2")
        dialog.accept()
        assert dialog.login is None and "不一致" in dialog.error.text()
        dialog.confirm.setText("admin pass 1")
        dialog.accept()
        assert dialog.login is not None and dialog.login.has_role(UserRole.admin)
        with database.unit_of_work(engine) as session:
            assert security.user_count(session) == 1
            assert security.authenticate(session, "admin", "admin pass 1").display_name == "王管理"
    finally:
        engine.dispose()


# ---------------------------------------------------------------- the main window per role

def open_window(qtbot, engine, demo_path, username: str | None) -> MainWindow:
    window = MainWindow(engine, demo_path, login_as(engine, username) if username else None)
    qtbot.addWidget(window)
    window.show()
    return window


def _count_double_signed(engine) -> int:
    """待审定 for the demo's reviewer: every double-signed project (the reviewer signed none of them)."""
    with database.unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(Project).where(Project.status == S.double_signed))


def test_main_window_shows_each_role_its_own(qtbot, engine, demo_path):
    reviewer = open_window(qtbot, engine, demo_path, "县审核")
    assert reviewer.review_action.isVisible() and not reviewer.new_action.isVisible()
    assert not reviewer.sign_action.isVisible()
    waiting = _count_double_signed(engine)
    assert [reviewer.tabs.tabText(i) for i in range(reviewer.tabs.count())] == [
        "全部项目", f"待审定（{waiting}）", "项目调整（1）", "资金台账"]  # the demo's 项目调整 waits for 审定
    assert reviewer.tabs.currentIndex() == 1  # opens on the work waiting for this person

    officer = open_window(qtbot, engine, demo_path, "阳明镇经办")
    assert officer.new_action.isVisible() and not officer.review_action.isVisible()
    assert [officer.tabs.tabText(i).split("（")[0] for i in range(1, 4)] == ["已退回", "项目调整", "可报账"]
    assert officer.claims_action.isVisible() and not officer.plan_action.isVisible()

    finance = open_window(qtbot, engine, demo_path, "县财政")
    assert finance.plan_action.isVisible() and finance.claims_action.isVisible()
    assert finance.tabs.tabText(1).startswith("支付审核") and not finance.new_action.isVisible()
    officer.tree.select_code(TOWN)
    assert not officer.category_action.isVisible() and not officer.category_action.isEnabled()

    nobody = open_window(qtbot, engine, demo_path, None)
    assert not any(a.isVisible() for a in nobody.workflow_actions) and nobody.tabs.count() == 2
    assert "只读" in nobody.windowTitle()


def test_review_from_the_work_list(qtbot, engine, demo_path):
    """The reviewer picks the first project of 待审定, approves it in the dialog; the list shrinks."""
    window = open_window(qtbot, engine, demo_path, "县审核")
    waiting = _count_double_signed(engine)
    table = window.current_table()
    table.setCurrentIndex(table.model().index(0, 0))
    project_id = window.current_project_id()
    assert window.review_action.isEnabled() and window.sheet.id == project_id

    def approve():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ReviewDialog)
        dialog.password.setText(DEMO_PASSWORD)
        dialog.approve_button.click()

    QTimer.singleShot(0, approve)
    window.review_action.trigger()
    assert project(engine, project_id).status is S.approved
    assert window.tabs.tabText(1) == f"待审定（{waiting - 1}）"
    assert "已审定入库" in window.statusBar().currentMessage()


def test_verify_and_ledger_from_the_main_window(qtbot, engine, demo_path):
    """校验签名和审计链 runs off the GUI thread and reports; a problem row selects its project; the
    ledger tab follows the region; the project's 支出明细 opens on the selected project."""
    from app.ui.project_ledger_dialog import ProjectLedgerDialog
    from app.ui.verify_dialog import VerifyResultDialog

    window = open_window(qtbot, engine, demo_path, "县财政")
    window.verify()
    qtbot.waitUntil(lambda: window._verify_op.done, timeout=20000)
    result = next(w for w in QApplication.topLevelWidgets() if isinstance(w, VerifyResultDialog) and w.isVisible())
    assert "全部签名和审计链校验通过" in result.headline.text()
    result.close()

    with database.unit_of_work(engine) as session:
        spent_id = session.scalar(select(Project.id).where(Project.status == S.in_progress).order_by(Project.id))
    window.select_project(spent_id)
    assert window.current_project_id() == spent_id and window.tabs.currentIndex() == 0
    window.tabs.setCurrentWidget(window.ledger)
    assert window.ledger.region == window.model.region and window.ledger.project_model.rowCount() > 0

    def look_and_close():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ProjectLedgerDialog)
        opened.append(dialog._project_id)
        dialog.reject()

    window.tabs.setCurrentIndex(0)
    window.select_project(spent_id)
    assert window.ledger_action.isEnabled()
    opened = []
    QTimer.singleShot(0, look_and_close)
    window.ledger_action.trigger()
    assert opened == [spent_id]


def test_revising_a_returned_project_from_the_work_list(qtbot, engine, demo_path):
    """The officer opens a project from 已退回, revises and saves it: it leaves the list as a 草稿 and
    the window follows it to 全部项目, its page showing the county's reason as 上次退回原因."""
    window = open_window(qtbot, engine, demo_path, "阳明镇经办")
    window.tabs.setCurrentIndex(1)
    table = window.current_table()
    table.setCurrentIndex(table.model().index(0, 0))
    project_id = window.current_project_id()

    def revise():
        editor = QApplication.activeModalWidget()
        assert isinstance(editor, ProjectEditor) and not editor.read_only
        editor.fields["location"].widget.setText("按县审核意见调整后的地点")
        editor.save()

    QTimer.singleShot(0, revise)
    window.open_action.trigger()
    assert project(engine, project_id).status is S.draft
    assert window.tabs.tabText(1) == "已退回（0）"
    assert window.tabs.currentIndex() == 0 and window.current_project_id() == project_id
    assert "上次退回原因" in window.detail.toPlainText()
    assert window.statusBar().currentMessage().startswith("已保存：")


def test_enter_in_the_password_field_does_nothing_when_signing_is_not_possible(qtbot, engine):
    project_id, signer = signed_once_in(engine, TOWN)
    other = signer.replace("队长", "书记") if signer.endswith("队长") else signer.replace("书记", "队长")
    dialog = SignDialog(engine, login_as(engine, other), project_id)
    qtbot.addWidget(dialog)
    QTest.keyClicks(dialog.password, DEMO_PASSWORD)
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() != dialog.DialogCode.Accepted
    assert project(engine, project_id).status is S.signed_once
