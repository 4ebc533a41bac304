"""年度资金安排: the county arranges a fund's money for the projects in its library, by source, with the
towns' shares (proposed by the 因素法 from a weights workbook, then edited), and signs it into force.
A signed plan is read-only; 新建调整版 starts a revision that leaves it in force until signed.
Everything is decided by `services.money.plans`; this dialog only shows and collects."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)
from sqlalchemy import Engine, select

from app.errors import BangzhenError
from app.models import AMOUNT_COLUMNS, FundPlan, FundSource, Money, PlanStatus, Project, ProjectStatus, Town
from app.services.content_text import exact_wan
from app.services.database import unit_of_work
from app.services.money import factor, funds, plans
from app.services.regions import find_region
from app.services.security import Action
from app.ui.forms import NUMERIC, FormDialog, button_row, date_field, fund_combo, ok_cancel, password_field
from app.ui.login import Login
from app.ui.ops import Failed, run_now
from app.ui.screen_fit import fit_to_screen

SOURCES = list(AMOUNT_COLUMNS)
PROJECT_HEADERS = ("乡镇", "项目", "状态", "申报（万元）", *(f"{s.label}" for s in SOURCES))
FIXED = 4  # columns before the editable amounts


def _wan_cell(amount: Money, editable: bool) -> QTableWidgetItem:
    item = QTableWidgetItem(exact_wan(amount) if amount else "")  # exact: what is read back is what was shown
    item.setTextAlignment(NUMERIC)
    if not editable:
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


def _read_wan(item: QTableWidgetItem | None, where: str) -> Money:
    text = (item.text() if item else "").strip().replace(",", "")
    if not text:
        return Money(0)
    try:
        amount = Money.from_wan(text)
    except BangzhenError:
        raise BangzhenError(f"{where}的金额“{text}”无效（万元）。") from None
    if amount.fen < 0:
        raise BangzhenError(f"{where}的金额不能为负数。")
    return amount


def _fixed(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


class SignPlanForm(FormDialog):
    def __init__(self, engine: Engine, login: Login, plan_id: int, doc_number: str, parent: QWidget | None = None):
        super().__init__("签发资金安排", parent)
        self._engine, self._login, self._plan_id = engine, login, plan_id
        self.warnings: list[str] = []
        self.doc = self.row("文号(&N)：", QLineEdit(doc_number))
        self.decided_on = self.row("资金安排日期(&D)：", date_field())
        self.password = self.row("密码(&P)：", password_field())
        self.layout().addWidget(ok_cancel(self, "签发(&O)"))

    def accept(self) -> None:
        login, plan_id, password = self._login, self._plan_id, self.password.text()
        doc, decided_on = self.doc.text(), self.decided_on.date().toPython()

        def sign(session) -> None:
            self.warnings = plans.sign_plan(session, login.user(session), plan_id, password, decided_on=decided_on,
                                            doc_number=doc)[1]
        self.submit(self._engine, sign)


class PlanDialog(QDialog):
    def __init__(self, engine: Engine, login: Login | None, region_code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._engine, self._login, self._region = engine, login, region_code
        self._plan_id: int | None = None
        with unit_of_work(engine) as session:
            region = find_region(session, region_code)
            self.setWindowTitle(f"年度资金安排：{region.name}")
            self.fund = fund_combo(session)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.checks = QLabel()
        self.checks.setWordWrap(True)
        self.projects = QTableWidget(0, len(PROJECT_HEADERS))
        self.projects.setHorizontalHeaderLabels(list(PROJECT_HEADERS))
        self.projects.verticalHeader().setVisible(False)
        self.projects.setColumnWidth(1, 260)  # the project's name
        self.towns = QTableWidget(0, 2)
        self.towns.setHorizontalHeaderLabels(["乡镇", "安排额（万元）"])
        self.towns.verticalHeader().setVisible(False)
        self.new_button = QPushButton("新建（调整版）(&N)")
        self.factor_button = QPushButton("因素法测算(&F)…")
        self.save_button = QPushButton("保存(&S)")
        self.sign_button = QPushButton("签发(&Q)…")
        self._may = bool(login) and login.may(Action.arrange_funds, region_code)
        buttons = button_row(self, ((self.new_button, self._new, self._may),
                                    (self.factor_button, self._factor, self._may),
                                    (self.save_button, self.save, self._may),
                                    (self.sign_button, self._sign, self._may)))
        top = QHBoxLayout()
        top.addWidget(QLabel("资金(&F)："))
        top.addWidget(self.fund, 1)
        split = QSplitter()
        split.addWidget(self.projects)
        split.addWidget(self.towns)
        split.setStretchFactor(0, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.state)
        layout.addWidget(split, 1)
        layout.addWidget(self.checks)
        layout.addLayout(buttons)
        self.fund.currentIndexChanged.connect(self.refresh)
        fit_to_screen(self, 1100, 600)
        self.refresh()

    # -- reading ------------------------------------------------------------------------------
    def _current_plan(self, session, fund_id: int) -> FundPlan | None:
        return session.scalar(select(FundPlan).where(FundPlan.region_code == self._region, FundPlan.fund_id == fund_id,
                                                     FundPlan.status.in_([PlanStatus.draft, PlanStatus.in_force]))
                              .order_by(FundPlan.revision.desc()).limit(1))

    def refresh(self) -> None:
        fund_id = self.fund.currentData()
        self.projects.setRowCount(0)
        self.towns.setRowCount(0)
        self._plan_id = None
        if fund_id is None:
            self.state.setText("尚未登记任何资金。")
            return
        with unit_of_work(self._engine) as session:
            plan = self._current_plan(session, fund_id)
            view = plans.plan_view(session, plan.id) if plan else None
            library = session.execute(
                select(Project.id, Town.name, Project.name, Project.status,
                       *(getattr(Project, c) for c in AMOUNT_COLUMNS.values()))
                .join(Town, Town.id == Project.town_id)
                .where(Town.code.startswith(self._region), Project.fund_id == fund_id,
                       Project.status.in_([s for s in ProjectStatus if s.in_library]))
                .order_by(Town.code, Project.id)).all()
            towns = session.execute(select(Town.id, Town.code, Town.name).where(
                Town.code.startswith(self._region), Town.in_programme.is_(True)).order_by(Town.code)).all()
            received = funds.received(session, fund_id, find_region(session, self._region))
        editable = self._may and plan is not None and plan.status is PlanStatus.draft
        self._plan_id = plan.id if plan else None
        self.new_button.setEnabled(plan is None or plan.status is PlanStatus.in_force)
        for button in (self.factor_button, self.save_button, self.sign_button):
            button.setEnabled(editable)
        lines = {(l.project_id, l.source): l.amount for l in view.lines} if view else {}
        self.projects.setRowCount(len(library))
        self._project_ids = []
        for row, (pid, town, name, status, *amounts) in enumerate(library):
            self._project_ids.append(pid)
            for column, text in enumerate((town, name, status.label, exact_wan(Money.total(amounts)))):
                self.projects.setItem(row, column, _fixed(text))
            self.projects.item(row, 3).setTextAlignment(NUMERIC)
            for n, source in enumerate(SOURCES):
                self.projects.setItem(row, FIXED + n, _wan_cell(lines.get((pid, source), Money(0)),
                                                                editable and bool(amounts[n])))
        shares = {code: amount for code, _, amount in view.towns} if view else {}
        self.towns.setRowCount(len(towns))
        self._town_codes = []
        for row, (_, code, name) in enumerate(towns):
            self._town_codes.append(code)
            self.towns.setItem(row, 0, _fixed(name))
            self.towns.setItem(row, 1, _wan_cell(shares.get(code, Money(0)), editable))
        if view is None:
            self.state.setText(f"本县收到 {received.format_wan(2, True)} 万元；尚未编制资金安排。点“新建”开始编制。")
        else:
            towns = Money.total(amount for _, _, amount in view.towns)
            self.state.setText(f"第 {view.revision} 版（{view.status.label}）文号 {view.doc_number or '（未填）'}，"
                               f"日期 {view.decided_on or '（未定）'}{'，签发：' + view.signer if view.signer else ''}。"
                               f"本县收到 {view.received.format_wan(2, True)} 万元；分到各镇 {towns.format_wan(2, True)} "
                               f"万元，其中已安排到项目 {view.own_total.format_wan(2, True)} 万元（不含县级和其他资金）。")
        messages = ([f"<span style='color:#b3261e'>✗ {m}</span>" for m in view.check.blocking] +
                    [f"<span style='color:#9a6700'>！{m}</span>" for m in view.check.warnings]) if view else []
        self.checks.setText("<br>".join(messages))
        self._doc = view.doc_number if view else ""

    # -- acting -------------------------------------------------------------------------------
    def _new(self) -> None:
        login, region, fund_id = self._login, self._region, self.fund.currentData()
        if run_now(self, self._engine, lambda s: plans.create_plan(s, login.user(s), region, fund_id).id) is not Failed:
            self.refresh()

    def _collect(self) -> tuple[list[tuple[int, FundSource, Money]], dict[str, Money]]:
        lines = []
        for row, pid in enumerate(self._project_ids):
            for n, source in enumerate(SOURCES):
                item = self.projects.item(row, FIXED + n)
                if item.flags() & Qt.ItemFlag.ItemIsEditable:
                    lines.append((pid, source, _read_wan(item, f"第 {row + 1} 行{source.label}")))
        towns = {code: _read_wan(self.towns.item(row, 1), self.towns.item(row, 0).text())
                 for row, code in enumerate(self._town_codes)}
        return lines, towns

    def save(self) -> bool:
        try:
            lines, towns = self._collect()
        except BangzhenError as error:
            self.checks.setText(f"<span style='color:#b3261e'>✗ {error.user_message}</span>")
            return False
        login, plan_id = self._login, self._plan_id

        def write(session) -> None:
            user = login.user(session)
            plans.set_lines(session, user, plan_id, lines)
            plans.set_town_amounts(session, user, plan_id, towns)
        ok = run_now(self, self._engine, write) is not Failed
        self.refresh()
        return ok

    def _factor(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择因素表", "", "Excel 工作簿 (*.xlsx)")
        if path:
            self.apply_factor_file(path)

    def apply_factor_file(self, path: str) -> None:
        """Fill the towns' column with the 因素法 proposal (edit, then 保存)."""
        region, fund_id = self._region, self.fund.currentData()
        try:
            scores, weights = factor.read_weights(path)
        except BangzhenError as error:
            self.checks.setText(f"<span style='color:#b3261e'>✗ {error.user_message}</span>")
            return
        proposal = run_now(self, self._engine, lambda s: plans.propose_town_amounts(s, region, fund_id, scores, weights))
        if proposal is Failed:
            return
        for row, code in enumerate(self._town_codes):
            self.towns.item(row, 1).setText(proposal.get(code, Money(0)).format_wan(2))
        self.checks.setText(f"因素法测算合计 {Money.total(proposal.values()).format_wan(2, True)} 万元，已填入各镇，"
                            "可逐镇修改后保存。")

    def _sign(self) -> None:
        if not self.save():
            return
        form = SignPlanForm(self._engine, self._login, self._plan_id, self._doc, self)
        if form.exec():
            self.refresh()
            if form.warnings:
                self.checks.setText("<br>".join(f"<span style='color:#9a6700'>！{m}</span>" for m in form.warnings))
