"""Who is using the program: the login at start, the first-run administrator, changing a password.

`Login` is the GUI's memory of the signed-in person: enough to decide which menus and buttons to
show. It is not a permission: every op re-reads the `User` with `login.user(session)` and the
services check that user's roles again against the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app import APP_NAME
from app.models import User, UserRole
from app.services import regions, security
from app.services.database import unit_of_work
from app.services.errors import InputError
from app.services.regions import PROVINCE_CODE
from app.services.security import Action
from app.services.settings import DEMO_DATABASE, HOME_REGION, get_setting
from app.ui.forms import FormDialog, ok_cancel, password_field
from app.ui.ops import run_now


@dataclass(frozen=True)
class Login:
    user_id: int
    username: str
    display_name: str
    grants: tuple[tuple[UserRole, str], ...]

    @classmethod
    def of(cls, user: User) -> "Login":
        return cls(user.id, user.username, user.display_name,
                   tuple((g.role, g.region_code) for g in user.grants))

    def user(self, session: Session) -> User:
        user = session.get(User, self.user_id)
        if user is None or not user.is_active:
            raise InputError("当前登录的账户已被停用或删除，请重新登录。", f"user {self.user_id} gone")
        return user

    def has_role(self, role: UserRole, region_code: str | None = None) -> bool:
        """With a region: a grant covering it. Without: the role anywhere."""
        return any(r is role and (region_code is None or security.covers(code, region_code))
                   for r, code in self.grants)

    def may(self, action: Action, region_code: str | None = None) -> bool:
        return any(self.has_role(role, region_code) for role in action.roles)

    @property
    def roles_text(self) -> str:
        return "、".join(dict.fromkeys(role.label for role, _ in self.grants))


# ---------------------------------------------------------------- dialogs

class LoginDialog(FormDialog):
    """用户登录. After a reset by the administrator the password must be changed here first."""

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(f"{APP_NAME} — 登录", parent)
        self.engine = engine
        self.login: Login | None = None
        self.username = self.row("用户名(&U)：", QLineEdit())
        self.password = self.row("密码(&P)：", password_field())
        with unit_of_work(engine) as session:
            demo = get_setting(session, DEMO_DATABASE) == "1"
        if demo:
            from app.services.demo import DEMO_PASSWORD  # the demo's own module, needed only for it

            hint = QLabel(f"演示数据库：所有演示用户的密码均为 {DEMO_PASSWORD}，"
                          "如 admin、县审核、县财政、阳明镇经办、阳明镇书记、阳明镇队长。")
            hint.setWordWrap(True)
            hint.setStyleSheet("color: #555;")
            self.layout().addWidget(hint)
        self.layout().addWidget(ok_cancel(self, "登录(&L)", "退出"))
        self.setMinimumWidth(380)

    def accept(self) -> None:
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            self.fail(InputError("请输入用户名和密码。"))
            return
        user = run_now(self, self.engine, lambda s: Login.of(security.authenticate(s, username, password)),
                       failure=self.fail)
        if not user:
            self.password.clear()
            self.password.setFocus()
            return
        if self._must_change(user):
            change = ChangePasswordDialog(self.engine, user, self, old_password=password)
            if not change.exec():
                self.fail(InputError("管理员重置了您的密码，须先设置新密码才能使用。"))
                return
        self.login = user
        super().accept()

    def _must_change(self, login: Login) -> bool:
        with unit_of_work(self.engine) as session:
            return login.user(session).must_change_password


class ChangePasswordDialog(FormDialog):
    """修改密码: the signing key is re-sealed under the new password (signatures stay valid)."""

    def __init__(self, engine: Engine, login: Login, parent: QWidget | None = None, *,
                 old_password: str | None = None) -> None:
        super().__init__("修改密码", parent)
        self.engine, self.login_ref, self._old = engine, login, old_password
        if old_password is not None:
            note = QLabel("您的密码已由系统管理员重置，请设置只有您自己知道的新密码。")
            note.setWordWrap(True)
            self.form.addRow(note)
            self.old = None
        else:
            self.old = self.row("原密码(&O)：", password_field())
        self.new = self.row("新密码(&N)：", password_field())
        self.confirm = self.row("确认新密码(&C)：", password_field())
        self.form.addRow(QLabel(f"至少 {security.MIN_PASSWORD_LENGTH} 个字符。"))
        self.layout().addWidget(ok_cancel(self, "确定"))
        self.setMinimumWidth(380)

    def accept(self) -> None:
        if self.new.text() != self.confirm.text():
            self.fail(InputError("两次输入的新密码不一致。"))
            return
        old = self._old if self.old is None else self.old.text()
        done = run_now(self, self.engine, lambda s: security.change_password(
            s, self.login_ref.user(s), old, self.new.text()) or True, failure=self.fail)
        if done:
            super().accept()


class FirstRunDialog(FormDialog):
    """首次使用: a database without users gets its system administrator here."""

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(f"{APP_NAME} — 首次使用：设置系统管理员", parent)
        self.engine = engine
        self.login: Login | None = None
        intro = QLabel("本数据库还没有用户。请先建立系统管理员账户，再由管理员为经办人、书记、队长、县审核和县财政建立账户。")
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.username = self.row("用户名(&U)：", QLineEdit("admin"))
        self.display_name = self.row("姓名(&N)：", QLineEdit())
        self.region = self.row("管理范围(&R)：", QComboBox())
        with unit_of_work(engine) as session:
            home = get_setting(session, HOME_REGION, PROVINCE_CODE)
            self._fill_regions(regions.region_tree(session), home)
        self.password = self.row("密码(&P)：", password_field())
        self.confirm = self.row("确认密码(&C)：", password_field())
        self.layout().addWidget(ok_cancel(self, "建立并登录(&O)", "退出"))
        self.setMinimumWidth(460)

    def _fill_regions(self, root: regions.RegionNode, home: str) -> None:
        def add(node: regions.RegionNode, depth: int) -> None:
            self.region.addItem("　" * depth + f"{node.ref.name}（{node.ref.code}）", node.ref.code)
            if node.ref.level in ("province", "city"):
                for child in node.children:
                    add(child, depth + 1)
        add(root, 0)
        self.region.setCurrentIndex(max(0, self.region.findData(home)))

    def accept(self) -> None:
        if self.password.text() != self.confirm.text():
            self.fail(InputError("两次输入的密码不一致。"))
            return
        grants = [(UserRole.admin, self.region.currentData())]
        login = run_now(self, self.engine, lambda s: Login.of(security.create_user(
            s, None, self.username.text(), self.display_name.text(), self.password.text(), grants)),
            failure=self.fail)
        if login:
            self.login = login
            super().accept()


def sign_in(engine: Engine, parent: QWidget | None = None) -> Login | None:
    """The person who will use the program, or None when they close the dialog."""
    with unit_of_work(engine) as session:
        first_run = security.user_count(session) == 0
    dialog = FirstRunDialog(engine, parent) if first_run else LoginDialog(engine, parent)
    return dialog.login if dialog.exec() else None
