"""资金与下达: a fund's allocation tree (province → city → county → town) with what each region received,
its 文号 and date, what arrived (到位) and the latest 支出数 the region reported; a finance officer issues
money one level down, records an arrival, or records the spending a lower level reported (typed, or read
from the 表2-2 it handed in) from here, and opens the fund's 收支预算 (a pooled fund's budget and execution). The services decide who may and how much (`services.money.funds`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)
from sqlalchemy import Engine, select

from app.errors import BangzhenError
from app.models import City, County, Money, Town, UserRole
from app.services.database import unit_of_work
from app.services.money import budget, funds, reported, spending_returns
from app.services.regions import PROVINCE_CODE, find_region
from app.ui.budget_dialog import BudgetDialog
from app.ui.forms import NUMERIC, FormDialog, button_row, date_field, fund_combo, ok_cancel
from app.ui.login import Login
from app.ui.ops import Failed, run_now
from app.ui.screen_fit import fit_to_screen

HEADERS = ("区划", "下达（万元）", "文号", "下达日期", "到位（万元）", "上报支出（万元，截至）", "备注")
FINANCE_ROLES = (UserRole.province_finance, UserRole.city_finance, UserRole.county_finance)


def parse_wan(text: str) -> Money:
    try:
        amount = Money.from_wan(text.strip().replace(",", ""))
    except BangzhenError:
        raise BangzhenError(f"金额“{text}”无效：请以万元为单位，如 1200 或 1200.5。") from None
    if amount.fen <= 0:
        raise BangzhenError("金额须大于 0。")
    return amount


def receivers(session, login: Login) -> list[tuple[str, str]]:
    """(code, name) of the regions this login's finance roles may issue money to, one level down."""
    found: dict[str, str] = {}
    for role, code in login.grants:
        if role is UserRole.province_finance:
            found.update(session.execute(select(City.code, City.name).order_by(City.code)).all())
            found.update(session.execute(select(County.code, County.name).where(County.direct_province.is_(True))))
        elif role is UserRole.city_finance:
            found.update(session.execute(select(County.code, County.name).join(City, City.id == County.city_id)
                                         .where(City.code == code).order_by(County.code)).all())
            found.update(session.execute(select(Town.code, Town.name).join(City, City.id == Town.city_id)
                                         .where(City.code == code, Town.county_id.is_(None))).all())
        elif role is UserRole.county_finance:
            found.update(session.execute(select(Town.code, Town.name).where(Town.code.startswith(code),
                                                                           Town.in_programme.is_(True))
                                         .order_by(Town.code)).all())
    return sorted(found.items())


class _AmountForm(FormDialog):
    """A form with an amount in 万元, read before the service is asked."""

    amount: QLineEdit

    def _amount(self) -> Money | None:
        try:
            return parse_wan(self.amount.text())
        except BangzhenError as error:
            self.fail(error)
            self.amount.setFocus()
            return None


class AllocateForm(_AmountForm):
    def __init__(self, engine: Engine, login: Login, fund_id: int, parent: QWidget | None = None) -> None:
        super().__init__("下达资金", parent)
        self._engine, self._login, self._fund_id = engine, login, fund_id
        self.target = self.row("下达给(&T)：", QComboBox())
        with unit_of_work(engine) as session:
            for code, name in receivers(session, login):
                self.target.addItem(f"{name}（{code}）", code)
        self.amount = self.row("金额（万元）(&A)：", QLineEdit())
        self.doc = self.row("文号(&N)：", QLineEdit())
        self.doc.setPlaceholderText("如 河财农〔2023〕8号")
        self.issued_on = self.row("下达日期(&D)：", date_field())
        self.note = self.row("备注：", QLineEdit())
        self.layout().addWidget(ok_cancel(self, "下达(&O)"))

    def accept(self) -> None:
        amount = self._amount()
        if amount is None:
            return
        login, fund_id, code = self._login, self._fund_id, self.target.currentData()
        values = {"doc_number": self.doc.text(), "issued_on": self.issued_on.date().toPython(),
                  "note": self.note.text()}
        self.submit(self._engine, lambda s: funds.allocate(s, login.user(s), fund_id, code, amount, **values))


class ArrivalForm(_AmountForm):
    def __init__(self, engine: Engine, login: Login, allocation_id: int, parent: QWidget | None = None) -> None:
        super().__init__("登记资金到位", parent)
        self._engine, self._login, self._allocation_id = engine, login, allocation_id
        self.amount = self.row("到位金额（万元）(&A)：", QLineEdit())
        self.arrived_on = self.row("到位日期(&D)：", date_field())
        self.voucher = self.row("凭证号(&V)：", QLineEdit())
        self.layout().addWidget(ok_cancel(self, "登记(&O)"))

    def accept(self) -> None:
        amount = self._amount()
        if amount is None:
            return
        login, allocation_id = self._login, self._allocation_id
        arrived_on, voucher = self.arrived_on.date().toPython(), self.voucher.text()
        self.submit(self._engine, lambda s: funds.arrive(s, login.user(s), allocation_id, amount,
                                                         arrived_on=arrived_on, voucher_no=voucher))


class FundsDialog(QDialog):
    def __init__(self, engine: Engine, login: Login | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._engine, self._login = engine, login
        self.setWindowTitle("资金与下达")
        with unit_of_work(engine) as session:
            self.fund = fund_combo(session)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(HEADERS))
        self.tree.setColumnWidth(0, 200)
        finance = bool(login) and any(role in FINANCE_ROLES for role, _ in login.grants)
        self.allocate_button = QPushButton("下达(&X)…")
        self.arrive_button = QPushButton("登记到位(&D)…")
        self.report_button = QPushButton("登记上报支出数(&R)…")
        self.import_button = QPushButton("导入下级支出情况表(&I)…")
        self.report_button.setToolTip("下一级（市、县）报来的截至某日的支出数，本级的表2-2 用它列示该地区")
        self.import_button.setToolTip("读取下一级报来的表2-2（xlsx，可多选），登记各表的合计支出数")
        self.budget_button = QPushButton("收支预算(&B)…")
        self.budget_button.setToolTip("本级统筹资金的收入、分配、执行与绩效目标（如市级衔接资金）")
        buttons = button_row(self, ((self.allocate_button, self._allocate, finance),
                                    (self.arrive_button, self._arrive, finance),
                                    (self.report_button, self._report, finance),
                                    (self.import_button, self._import, finance),
                                    (self.budget_button, self._budget, True)))
        top = QHBoxLayout()
        top.addWidget(QLabel("资金(&F)："))
        top.addWidget(self.fund, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.fund.currentIndexChanged.connect(self.refresh)
        self.tree.currentItemChanged.connect(lambda *_: self.arrive_button.setEnabled(self.selected_allocation()
                                                                                     is not None))
        fit_to_screen(self, 900, 520)
        self.refresh()

    def refresh(self) -> None:
        fund_id = self.fund.currentData()
        self.tree.clear()
        if fund_id is None:
            self.summary.setText("尚未登记任何资金。")
            return
        with unit_of_work(self._engine) as session:
            fund = funds.get_fund(session, fund_id)
            nodes = funds.allocation_tree(session, fund_id)
            figures = reported.reported_by_region(session, fund_id, [node.region_code for node in nodes], date.today())
            issued = funds.passed_on(session, fund_id, find_region(session, fund.region_code))
            text = (f"{fund.name}：合计 {fund.total.format_wan(2, True)} 万元，已下达 {issued.format_wan(2, True)} 万元；"
                    f"文号 {fund.doc_number or '（无）'}；实施期限 {fund.issued_on or '（未填）'} 至 "
                    f"{fund.deadline or '（未填）'}；由{'省' if fund.region_code == PROVINCE_CODE else fund.region_code}下达。")
        self.summary.setText(text)
        items: dict[int, QTreeWidgetItem] = {}
        for node in nodes:
            spent, day = figures.get(node.region_code, (None, None))
            item = QTreeWidgetItem([f"{node.region_name}（{node.region_code}）", node.amount.format_wan(2, True),
                                    node.doc_number, str(node.issued_on or ""), node.arrived.format_wan(2, True),
                                    "" if spent is None else f"{spent.format_wan(2, True)}（{day}）", node.note])
            for column in (1, 4, 5):
                item.setTextAlignment(column, NUMERIC)
            item.setData(0, Qt.ItemDataRole.UserRole, node.id)
            parent = items.get(node.parent_id)
            (parent.addChild(item) if parent else self.tree.addTopLevelItem(item))
            items[node.id] = item
        self.tree.expandAll()
        for column in range(len(HEADERS)):
            self.tree.resizeColumnToContents(column)
        self.arrive_button.setEnabled(False)

    def selected_allocation(self) -> int | None:
        item = self.tree.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def _allocate(self) -> None:
        if AllocateForm(self._engine, self._login, self.fund.currentData(), self).exec():
            self.refresh()

    def _arrive(self) -> None:
        if ArrivalForm(self._engine, self._login, self.selected_allocation(), self).exec():
            self.refresh()

    def _report(self) -> None:
        if ReportedForm(self._engine, self._login, self.fund.currentData(), self).exec():
            self.refresh()

    def _budget(self) -> None:
        fund_id = self.fund.currentData()
        if fund_id is None:
            return
        login = self._login
        may_edit = run_now(self, self._engine, lambda s: bool(login) and budget.may_save(
            s, login.user(s), funds.get_fund(s, fund_id)))
        if may_edit is not Failed:
            BudgetDialog(self._engine, login, fund_id, may_edit, self).exec()

    def _import(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "导入下级支出情况表（表2-2）", "", "Excel (*.xlsx)")
        if paths:
            self.import_returns([Path(path) for path in paths])

    def import_returns(self, paths: list[Path]) -> bool:
        """Read every file first (nothing recorded), show what would be recorded, then record on 确定."""
        login, fund_id = self._login, self.fund.currentData()
        tried = run_now(self, self._engine, lambda s: spending_returns.import_spending_returns(
            s, login.user(s), fund_id, paths, dry_run=True))
        if tried is Failed:
            return False
        lines = [f"{e.figure.region.name}：截至 {e.figure.as_of} 支出 {e.figure.spent.format_wan(2, True)} 万元"
                 + ("" if e.replaced is None else f"（替换原登记的 {e.replaced.format_wan(2, True)} 万元）")
                 for e in tried]
        if QMessageBox.question(self, "导入下级支出情况表", "将登记以下上报支出数：\n" + "\n".join(lines),
                                QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel
                                ) != QMessageBox.StandardButton.Ok:
            return False
        done = run_now(self, self._engine, lambda s: spending_returns.import_spending_returns(
            s, login.user(s), fund_id, paths))
        self.refresh()
        return done is not Failed


class ReportedForm(_AmountForm):
    """A figure a lower level reported by telephone, letter or a return on paper."""

    def __init__(self, engine: Engine, login: Login, fund_id: int, parent: QWidget | None = None) -> None:
        super().__init__("登记上报支出数", parent)
        self._engine, self._login, self._fund_id = engine, login, fund_id
        self.region = self.row("上报地区(&G)：", QComboBox())
        with unit_of_work(engine) as session:
            for code, name in receivers(session, login):
                if len(code) in (4, 6):  # cities and counties report up; towns are in their county's ledger
                    self.region.addItem(f"{name}（{code}）", code)
        self.as_of = self.row("基准日(&D)：", date_field())
        self.amount = self.row("支出数（万元）(&A)：", QLineEdit())
        self.source = self.row("来源：", QLineEdit())
        self.source.setPlaceholderText("如 和平县2023年上半年支出情况表")
        self.layout().addWidget(ok_cancel(self, "登记(&O)"))

    def _amount(self) -> Money | None:
        try:
            return Money(0) if self.amount.text().strip() in ("0", "0.0", "0.00") else parse_wan(self.amount.text())
        except BangzhenError as error:
            self.fail(error)
            self.amount.setFocus()
            return None

    def accept(self) -> None:
        amount = self._amount()
        if amount is None:
            return
        login, fund_id, code = self._login, self._fund_id, self.region.currentData()
        as_of, source = self.as_of.date().toPython(), self.source.text()
        self.submit(self._engine, lambda s: reported.report_spending(s, login.user(s), fund_id, code, as_of, amount,
                                                                     source))
