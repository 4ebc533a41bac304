"""One project's ledger (项目台账): its expenditures with 红字冲销 marked, the totals (项目金额 / 已支出 /
尚余 / 支出率), and — for a login allowed to — entering an expenditure and reversing one."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPushButton, QTableView, QVBoxLayout, QWidget)
from sqlalchemy import Engine

from app.models import format_percent
from app.services import ledger
from app.services.money import payments
from app.services.database import unit_of_work
from app.services.ledger import ExpenditureLine, ProjectBalance
from app.services.security import Action
from app.ui.expenditure_dialog import ERROR_STYLE, ExpenditureDialog, balance_text, heading_html
from app.ui.ledger_model import ExpenditureTableModel
from app.ui.list_export import add_export_menu
from app.ui.login import Login
from app.ui.ops import Failed, run_now
from app.ui.screen_fit import fit_to_screen

REASON_PREFIX = "红字冲销："
REASON_MAX = 200 - len(REASON_PREFIX)  # the reversal's 摘要 is the prefix and the reason


class ReversalDialog(QDialog):
    """Asks why an expenditure is reversed, then makes the 红字冲销 entry; `reversal_id` after OK."""

    def __init__(self, engine: Engine, login: Login, line: ExpenditureLine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._engine, self._login, self._expenditure_id = engine, login, line.id
        self.reversal_id: int | None = None
        self.setWindowTitle("红字冲销")
        what = QLabel(f"冲销凭证 <b>{escape(line.voucher_no)}</b>（{line.spent_on.isoformat()}，{escape(line.payee)}，"
                      f"{line.amount.format_yuan()} 元）。<br>将录入一笔金额为 −{line.amount.format_yuan()} 元的"
                      f"红字冲销记录，原记录保留。")
        what.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setMaxLength(REASON_MAX)
        self.reason.setPlaceholderText("如：金额录错，应为 12,345.00 元")
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.reason.textChanged.connect(lambda _text: self.message.clear())
        form = QFormLayout()
        form.addRow("冲销原因(&R)：", self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("冲销")
        self.ok_button.setDefault(True)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)

    def accept(self) -> None:
        reason = self.reason.text().strip()
        if not reason:
            self.message.setText("请填写冲销原因。")
            self.reason.setFocus()
            return
        expenditure_id, login = self._expenditure_id, self._login
        saved = run_now(self, self._engine,
                        lambda session: payments.reverse(session, login.user(session), expenditure_id, reason).id)
        if saved is Failed:
            return
        self.reversal_id = saved
        super().accept()


class ProjectLedgerDialog(QDialog):
    """Emits `ledger_changed(project_id)` after each expenditure or reversal it records."""

    ledger_changed = Signal(int)

    def __init__(self, engine: Engine, login: Login | None, project_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._engine, self._login, self._project_id = engine, login, project_id
        self._balance: ProjectBalance | None = None
        self.setWindowTitle("支出明细与录入")  # the menu's words; the project's name once it is read

        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.model = ExpenditureTableModel(self)
        self.table = QTableView()
        add_export_menu(self.table, lambda: self.windowTitle())
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.totals = QLabel()
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.spend_button = QPushButton("录入支出(&N)…")
        self.reverse_button = QPushButton("红字冲销(&R)…")
        close_button = QPushButton("关闭")
        close_button.clicked.connect(self.reject)
        self.spend_button.clicked.connect(self.enter_expenditure)
        self.reverse_button.clicked.connect(self.reverse_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.spend_button)
        buttons.addWidget(self.reverse_button)
        buttons.addStretch(1)
        buttons.addWidget(close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals)
        layout.addLayout(buttons)
        fit_to_screen(self, 900, 480)

        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.refresh()

    # -- what is shown ---------------------------------------------------------------------
    def refresh(self, select_id: int | None = None) -> None:
        with unit_of_work(self._engine) as session:
            balance = ledger.project_balance(session, self._project_id)
            lines = ledger.expenditure_lines(session, self._project_id)
        self._balance = balance
        self.setWindowTitle(f"支出明细与录入：{balance.name}")
        self.heading.setText(heading_html(balance))
        self.totals.setText(f"{balance_text(balance)}，支出率 {format_percent(balance.spend_rate)}")
        self.model.set_lines(lines)
        row = self.model.row_of(select_id) if select_id is not None else None
        if row is not None:
            self.table.selectRow(row)
        self._update_buttons()

    def _may(self, action: Action) -> bool:
        return self._login is not None and self._balance is not None and self._login.may(action,
                                                                                           self._balance.town_code)

    def _update_buttons(self) -> None:
        balance = self._balance
        self.spend_button.setVisible(self._may(Action.spend))
        may_spend = balance is not None and balance.status.may_spend and balance.left.fen > 0
        self.spend_button.setEnabled(may_spend)
        self.spend_button.setToolTip("" if may_spend else (
            "项目金额已全部支出。" if balance is not None and balance.status.may_spend
            else "项目审定入库后才能支出。"))
        self.reverse_button.setVisible(self._may(Action.reverse_expenditure))
        line = self.selected_line()
        self.reverse_button.setEnabled(line is not None and line.may_reverse)

    def selected_line(self) -> ExpenditureLine | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.line(rows[0].row()) if rows else None

    # -- actions -------------------------------------------------------------------------------
    def enter_expenditure(self) -> None:
        if self._login is None:
            return
        dialog = ExpenditureDialog(self._engine, self._login, self._project_id, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh(select_id=dialog.saved_expenditure_id)
            self.ledger_changed.emit(self._project_id)

    def reverse_selected(self) -> None:
        line = self.selected_line()
        if self._login is None or line is None or not line.may_reverse:
            return
        dialog = ReversalDialog(self._engine, self._login, line, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        # Refreshed either way: a refusal (say, reversed meanwhile by someone else) shows the current list.
        self.refresh(select_id=dialog.reversal_id if accepted else line.id)
        if accepted:
            self.ledger_changed.emit(self._project_id)
