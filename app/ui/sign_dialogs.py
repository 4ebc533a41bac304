"""双签 and 审定 in the GUI.

- `SignDialog`: shows exactly what is being signed (every field of the current content version, what
  changed since an earlier signature, who has signed), the role the person signs in, what still
  blocks signing, and asks for the password that unlocks the signing key.
- `ReviewDialog`: the county reviewer sees the same page with the change diff on top, then either
  审定入库 (a signature too, so the password again) or 退回 with a reason the town will read.

Both call the services (`approval.sign`, `approval.approve`, `approval.return_project`), which
check roles, persons and rules again; a failure leaves the dialog open with the message inline.
"""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QPlainTextEdit,
                               QPushButton, QTextBrowser, QVBoxLayout, QWidget)
from sqlalchemy import Engine

from app.errors import BangzhenError
from app.models import UserRole
from app.services import approval, rules
from app.services.database import unit_of_work
from app.services.project_sheet import ProjectSheet, project_sheet
from app.ui.forms import error_label, password_field
from app.ui.login import Login
from app.ui.ops import run_now
from app.ui.project_view import sheet_html
from app.ui.screen_fit import fit_to_screen

TOWN_SIGNERS = (UserRole.town_leader, UserRole.team_leader)


class _ProjectDialog(QDialog):
    """A project page on top, an inline message line, and the dialog's own controls below."""

    def __init__(self, engine: Engine, login: Login, project_id: int, stage: rules.Stage, title: str,
                 parent: QWidget | None) -> None:
        super().__init__(parent)
        self.engine, self.login, self.project_id = engine, login, project_id
        self.outcome: approval.Outcome | None = None
        with unit_of_work(engine) as session:
            self.sheet: ProjectSheet = project_sheet(session, project_id)
            findings = approval.findings(session, project_id, stage)
        self.blocking = [f.message for f in findings if f.blocking]
        self.warnings = [f.message for f in findings if not f.blocking]
        self.setWindowTitle(f"{title}：{self.sheet.name}")
        self.page = QTextBrowser()
        self.page.setHtml(sheet_html(self.sheet, spending=False))
        self.checks = QLabel(self._checks_text())
        self.checks.setWordWrap(True)
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self.page, 1)
        layout.addWidget(self.checks)
        layout.addWidget(self.error)
        fit_to_screen(self, 820, 720)

    def _checks_text(self) -> str:
        lines = [f"<span style='color:#b3261e'>✗ {m}</span>" for m in self.blocking]
        lines += [f"<span style='color:#9a6700'>！{m}</span>" for m in self.warnings]
        return "<br>".join(lines) if lines else "<span style='color:#1e6b34'>✓ 入库规则检查通过。</span>"

    def button(self, text: str, slot) -> QPushButton:
        """Buttons are clicked on purpose: Enter in the password field is wired to its own action."""
        button = QPushButton(text)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def add_controls(self, rows: list[tuple[str, QWidget]], buttons: list[QPushButton]) -> None:
        form = QFormLayout()
        for label, widget in rows:
            form.addRow(label, widget)
        line = QHBoxLayout()
        line.addStretch(1)
        for button in buttons:
            line.addWidget(button)
        self.layout().addLayout(form)
        self.layout().addLayout(line)

    def fail(self, error: BangzhenError) -> None:
        self.error.setText(error.user_message)
        self.error.show()

    def done_with(self, outcome) -> bool:
        if not outcome:
            return False
        self.outcome = outcome
        self.accept()
        return True


class SignDialog(_ProjectDialog):
    def __init__(self, engine: Engine, login: Login, project_id: int, parent: QWidget | None = None) -> None:
        super().__init__(engine, login, project_id, rules.Stage.sign, "双签", parent)
        taken = {s.role for s in self.sheet.signatures if s.void_reason is None}
        self.role = QComboBox()
        for role in TOWN_SIGNERS:
            if login.has_role(role, self.sheet.town_code) and role not in taken:
                self.role.addItem(role.label, role.value)
        self.password = password_field()
        self.sign_button = self.button("确认签字(&S)", self.sign)
        self.password.returnPressed.connect(self.sign)
        cancel = self.button("取消", self.reject)
        statement = QLabel(f"本人已审阅以上第 {self.sheet.content_version} 版项目内容，同意按此内容实施。"
                           "签字后如内容被修改，本签字自动作废。")
        statement.setWordWrap(True)
        self.layout().addWidget(statement)
        self.add_controls([("签字身份(&R)：", self.role), ("登录密码(&P)：", self.password)],
                          [self.sign_button, cancel])
        if not self.role.count():
            self.fail(BangzhenError("您在本项目没有待签的身份（须为该镇的乡镇主要负责人或驻镇帮扶工作队队长，且该身份尚未签字）。"))
        self.sign_button.setEnabled(bool(self.role.count()) and not self.blocking)
        self.password.setFocus()

    def sign(self) -> None:
        if not self.sign_button.isEnabled():  # Enter in the password field while signing is not possible
            return
        role, password = UserRole(self.role.currentData()), self.password.text()
        if not password:
            self.fail(BangzhenError("请输入您的登录密码以解锁签名密钥。"))
            return
        outcome = run_now(self, self.engine, lambda s: approval.sign(
            s, self.login.user(s), self.project_id, role, password, self.sheet.content_version), failure=self.fail)
        if not self.done_with(outcome):
            self.password.clear()


class ReviewDialog(_ProjectDialog):
    def __init__(self, engine: Engine, login: Login, project_id: int, parent: QWidget | None = None) -> None:
        super().__init__(engine, login, project_id, rules.Stage.approve, "县级审定", parent)
        self.password = password_field()
        self.approve_button = self.button("审定入库(&A)", self.approve)
        self.password.returnPressed.connect(self.approve)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("退回时必填：写明需要镇里修改或补充的内容，镇经办人会在“已退回”中看到。")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(self.reason.fontMetrics().lineSpacing() * 3 + 14)
        self.return_button = self.button("退回(&R)", self.send_back)
        cancel = self.button("关闭", self.reject)
        self.add_controls([("退回原因(&E)：", self.reason), ("登录密码(&P)：", self.password)],
                          [self.approve_button, self.return_button, cancel])
        self.approve_button.setEnabled(not self.blocking)
        self.password.setFocus()

    def approve(self) -> None:
        if not self.approve_button.isEnabled():
            return
        password = self.password.text()
        if not password:
            self.fail(BangzhenError("审定入库须输入您的登录密码（审定本身也是签名）。"))
            return
        outcome = run_now(self, self.engine, lambda s: approval.approve(
            s, self.login.user(s), self.project_id, password, expected_version=self.sheet.content_version),
            failure=self.fail)
        if not self.done_with(outcome):
            self.password.clear()

    def send_back(self) -> None:
        reason = self.reason.toPlainText().strip()
        if not reason:
            self.fail(BangzhenError("退回必须填写原因。"))
            self.reason.setFocus()
            return
        self.done_with(run_now(self, self.engine, lambda s: approval.return_project(
            s, self.login.user(s), self.project_id, reason), failure=self.fail))
