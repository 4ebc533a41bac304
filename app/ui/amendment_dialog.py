"""项目调整 of one project in the GUI: the open proposal's changes (before → after), its reason and
signatures, and what this login may do with it — sign (双签), 审定 or 退回, withdraw; or, when none is
open, draft one in the project editor. The approved version stays in force throughout."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import (QComboBox, QDialog, QLineEdit, QPushButton, QTextBrowser,
                               QVBoxLayout, QWidget)
from sqlalchemy import Engine

from app.models import AmendmentStatus, UserRole
from app.services import amendments
from app.services.database import unit_of_work
from app.services.projects import get_project
from app.services.security import Action
from app.ui.forms import FormDialog, button_row, ok_cancel, password_field
from app.ui.login import Login
from app.ui.ops import Failed, run_now
from app.ui.project_view import local_time
from app.ui.screen_fit import fit_to_screen

A = AmendmentStatus
TOWN_SIGNERS = (UserRole.town_leader, UserRole.team_leader)


class _PasswordForm(FormDialog):
    """Asks for the password (and, to sign, the role); runs `act(session, user, password, role)`."""

    def __init__(self, engine: Engine, login: Login, title: str, ok_text: str, act, roles=(),
                 parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self._engine, self._login, self._act = engine, login, act
        self.role = QComboBox()
        for role in roles:
            self.role.addItem(role.label, role.value)
        if roles:
            self.row("签字身份(&R)：", self.role)
        self.password = self.row("密码(&P)：", password_field())
        self.layout().addWidget(ok_cancel(self, ok_text))

    def accept(self) -> None:
        login, password = self._login, self.password.text()
        role = UserRole(self.role.currentData()) if self.role.count() else None
        self.submit(self._engine, lambda s: self._act(s, login.user(s), password, role))


class _ReturnForm(FormDialog):
    def __init__(self, engine: Engine, login: Login, amendment_id: int, parent: QWidget | None = None) -> None:
        super().__init__("退回项目调整", parent)
        self._engine, self._login, self._id = engine, login, amendment_id
        self.reason = self.row("退回原因(&R)：", QLineEdit())
        self.layout().addWidget(ok_cancel(self, "退回(&O)"))

    def accept(self) -> None:
        login, amendment_id, reason = self._login, self._id, self.reason.text()
        self.submit(self._engine, lambda s: amendments.return_amendment(s, login.user(s), amendment_id, reason))


class AmendmentDialog(QDialog):
    """`draft_requested` is set when the user asked to draft a new 项目调整 (the window opens the editor)."""

    def __init__(self, engine: Engine, login: Login | None, project_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._engine, self._login, self._project_id = engine, login, project_id
        self.draft_requested = False
        self.page = QTextBrowser()
        self.draft_button = QPushButton("起草项目调整(&D)…")
        self.sign_button = QPushButton("签字(&S)…")
        self.approve_button = QPushButton("审定(&A)…")
        self.return_button = QPushButton("退回(&R)…")
        self.withdraw_button = QPushButton("撤回(&W)")
        buttons = button_row(self, ((self.draft_button, self._draft, False), (self.sign_button, self._sign, False),
                                    (self.approve_button, self._approve, False),
                                    (self.return_button, self._return, False),
                                    (self.withdraw_button, self._withdraw, False)))  # shown by refresh()
        layout = QVBoxLayout(self)
        layout.addWidget(self.page, 1)
        layout.addLayout(buttons)
        fit_to_screen(self, 760, 520)
        self.refresh()

    def refresh(self) -> None:
        with unit_of_work(self._engine) as session:
            project = get_project(session, self._project_id)
            amendment = amendments.open_amendment(session, project.id)
            self.setWindowTitle(f"项目调整：{project.name}")
            code, status = project.town.code, project.status
            self._amendment_id = amendment.id if amendment else None
            self._state = amendment.status if amendment else None
            html = [f"<h3>{escape(project.name)}</h3><p>项目状态：{status.label}；现行内容第 {project.content_version} 版"
                    "（调整审定前继续有效，照常支付）。</p>"]
            signers = set()
            if amendment is None:
                html.append("<p>当前没有未办结的项目调整。</p>")
            else:
                html.append(f"<p><b>{amendment.status.label}</b>　调整原因：{escape(amendment.reason)}</p>")
                if amendment.status_reason:
                    html.append(f"<p style='color:#b3261e'>退回原因：{escape(amendment.status_reason)}</p>")
                html.append("<table border='1' cellspacing='0' cellpadding='4'><tr><th>栏目</th><th>现行</th>"
                            "<th>调整为</th></tr>")
                for change in amendments.changes(session, amendment):
                    html.append(f"<tr><td>{escape(change.label)}</td><td>{escape(change.before)}</td>"
                                f"<td>{escape(change.after)}</td></tr>")
                html.append("</table>")
                for signature in project.signatures:
                    if signature.amendment_id == amendment.id and signature.voided_at is None:
                        signers.add((signature.role, signature.user_id))
                        html.append(f"<p>✓ {signature.role.label}：{escape(signature.user.display_name)} "
                                    f"{local_time(signature.signed_at)}</p>")
        self.page.setHtml("".join(html))
        login, state = self._login, self._state
        may = (lambda action: bool(login) and login.may(action, code))
        self._roles = [r for r in TOWN_SIGNERS if login and login.has_role(r, code)
                       and r not in {role for role, _ in signers}]
        self.draft_button.setVisible(state is None and may(Action.edit_project)
                                     and status in amendments.AMENDABLE)
        self.sign_button.setVisible(state in (A.draft, A.signed_once) and bool(self._roles))
        self.approve_button.setVisible(state is A.double_signed and may(Action.approve_project))
        self.return_button.setVisible(state is A.double_signed and may(Action.return_project))
        self.withdraw_button.setVisible(state is not None and may(Action.edit_project))

    def _draft(self) -> None:
        self.draft_requested = True
        self.accept()

    def _sign(self) -> None:
        amendment_id = self._amendment_id
        form = _PasswordForm(self._engine, self._login, "项目调整签字", "签字(&O)",
                             lambda s, user, password, role: amendments.sign(s, user, amendment_id, role, password),
                             self._roles, self)
        if form.exec():
            self.refresh()

    def _approve(self) -> None:
        amendment_id = self._amendment_id
        form = _PasswordForm(self._engine, self._login, "审定项目调整", "审定(&O)",
                             lambda s, user, password, _: amendments.approve(s, user, amendment_id, password),
                             parent=self)
        if form.exec():
            self.refresh()

    def _return(self) -> None:
        if _ReturnForm(self._engine, self._login, self._amendment_id, self).exec():
            self.refresh()

    def _withdraw(self) -> None:
        login, amendment_id = self._login, self._amendment_id
        if run_now(self, self._engine, lambda s: amendments.withdraw(s, login.user(s), amendment_id)) is not Failed:
            self.refresh()
