"""报账 and 支付 for one project: its claims with their state; the town officer files a claim (source,
amount, payee, purpose, voucher numbers, scanned files) or withdraws one; county finance pays a claim
(date, voucher) or rejects it with a reason. Every act goes through `services.money.payments`."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)
from sqlalchemy import Engine

from app.errors import BangzhenError
from app.models import ClaimStatus, FundSource
from app.services import ledger
from app.services.database import unit_of_work
from app.services.money import payments
from app.services.security import Action
from app.ui.expenditure_dialog import parse_yuan
from app.ui.forms import FormDialog, button_row, date_field, fill, ok_cancel, selected_key, table
from app.ui.login import Login
from app.ui.ops import Failed, run_now
from app.ui.screen_fit import fit_to_screen

HEADERS = ("编号", "报账日期", "资金来源", "金额（元）", "收款单位", "用途", "凭证", "状态", "说明")


class ClaimForm(FormDialog):
    """A town officer's 报账申请; `claim_id` after OK."""

    def __init__(self, engine: Engine, login: Login, project_id: int, parent: QWidget | None = None) -> None:
        super().__init__("提交报账申请", parent)
        self._engine, self._login, self._project_id = engine, login, project_id
        self.claim_id: int | None = None
        self.attachments: list[Path] = []
        with unit_of_work(engine) as session:
            sources = payments.source_balances(session, project_id)
        self.source = self.row("资金来源(&F)：", QComboBox())
        for line in sources:
            self.source.addItem(f"{line.source.label}（尚可报账 {line.room.format_yuan()} 元）", line.source.value)
        self.filed_on = self.row("报账日期(&D)：", date_field())
        self.amount = self.row("金额（元）(&A)：", QLineEdit())
        self.amount.setPlaceholderText("如 12,345.67")
        self.payee = self.row("收款单位（人）(&P)：", QLineEdit())
        self.purpose = self.row("用途(&U)：", QLineEdit())
        self.vouchers = self.row("凭证编号(&V)：", QLineEdit())
        self.vouchers.setPlaceholderText("发票、合同、验收单等的编号")
        files = QHBoxLayout()
        self.files = QLabel("（无）")
        attach = QPushButton("添加扫描件(&S)…")
        attach.clicked.connect(self._attach)
        files.addWidget(self.files, 1)
        files.addWidget(attach)
        self.form.addRow("扫描件：", files)
        self.layout().addWidget(ok_cancel(self, "提交(&O)"))
        if not sources:
            self.fail(BangzhenError("该项目尚未纳入县级资金安排，不能报账。"))
        self.setMinimumWidth(480)

    def _attach(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "选择扫描件", "", "扫描件 (*.pdf *.jpg *.jpeg *.png);;所有文件 (*)")
        self.attachments += [Path(n) for n in names]
        self.files.setText("、".join(p.name for p in self.attachments) or "（无）")

    def accept(self) -> None:
        try:
            amount = parse_yuan(self.amount.text())
        except BangzhenError as error:
            self.fail(error)
            self.amount.setFocus()
            return
        values = {"amount": amount, "payee": self.payee.text(), "purpose": self.purpose.text(),
                  "voucher_numbers": self.vouchers.text(), "filed_on": self.filed_on.date().toPython(),
                  "attachments": list(self.attachments),
                  "source": FundSource(self.source.currentData()) if self.source.currentData() else None}
        project_id, login = self._project_id, self._login

        def file(session) -> None:
            self.claim_id = payments.file_claim(session, login.user(session), project_id, **values).id
        self.submit(self._engine, file)


class PayForm(FormDialog):
    """County finance pays one claim in full."""

    def __init__(self, engine: Engine, login: Login, claim_id: int, parent: QWidget | None = None) -> None:
        super().__init__("支付报账", parent)
        self._engine, self._login, self._claim_id = engine, login, claim_id
        with unit_of_work(engine) as session:
            claim = payments.get_claim(session, claim_id)
            text = (f"支付 <b>{claim.amount.format_yuan()} 元</b>（{claim.source.label}）给 {escape(claim.payee)}，"
                    f"用途：{escape(claim.purpose)}；凭证：{escape(claim.voucher_numbers)}。")
        what = QLabel(text)
        what.setWordWrap(True)
        self.form.addRow(what)
        self.spent_on = self.row("支付日期(&D)：", date_field())
        self.voucher = self.row("支付凭证号(&V)：", QLineEdit())
        self.layout().addWidget(ok_cancel(self, "支付(&O)"))

    def accept(self) -> None:
        claim_id, login = self._claim_id, self._login
        spent_on, voucher = self.spent_on.date().toPython(), self.voucher.text()
        self.submit(self._engine, lambda s: payments.pay_claim(s, login.user(s), claim_id, spent_on=spent_on,
                                                               voucher_no=voucher))


class RejectForm(FormDialog):
    def __init__(self, engine: Engine, login: Login, claim_id: int, parent: QWidget | None = None) -> None:
        super().__init__("驳回报账", parent)
        self._engine, self._login, self._claim_id = engine, login, claim_id
        self.reason = self.row("驳回原因(&R)：", QLineEdit())
        self.reason.setPlaceholderText("乡镇将看到此原因")
        self.layout().addWidget(ok_cancel(self, "驳回(&O)"))

    def accept(self) -> None:
        claim_id, login, reason = self._claim_id, self._login, self.reason.text()
        self.submit(self._engine, lambda s: payments.reject_claim(s, login.user(s), claim_id, reason))


class ClaimsDialog(QDialog):
    """A project's claims, with what this login may do with them."""

    def __init__(self, engine: Engine, login: Login | None, project_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._engine, self._login, self._project_id = engine, login, project_id
        with unit_of_work(engine) as session:
            balance = ledger.project_balance(session, project_id)
        self._town = balance.town_code
        self.setWindowTitle(f"报账：{balance.name}")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = table(HEADERS)
        self.new_button = QPushButton("提交报账(&N)…")
        self.withdraw_button = QPushButton("撤回(&W)")
        self.pay_button = QPushButton("支付(&P)…")
        self.reject_button = QPushButton("驳回(&R)…")
        town_may = bool(login) and login.may(Action.file_claim, self._town)
        finance_may = bool(login) and login.may(Action.spend, self._town)
        buttons = button_row(self, ((self.new_button, self._new, town_may),
                                    (self.withdraw_button, self._withdraw, town_may),
                                    (self.pay_button, self._pay, finance_may),
                                    (self.reject_button, self._reject, finance_may)))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        fit_to_screen(self, 900, 420)
        self.refresh()

    def refresh(self) -> None:
        with unit_of_work(self._engine) as session:
            claims = [c for c in payments.claims(session, self._town) if c.project_id == self._project_id]
            rows = [(c.id, c.filed_on, c.source.label, c.amount.format_yuan(), c.payee, c.purpose, c.voucher_numbers,
                     c.status.label, c.reason or (f"支出 {c.expenditure_id}" if c.expenditure_id else ""))
                    for c in claims]
            self._status = {c.id: c.status for c in claims}
            sources = payments.source_balances(session, self._project_id)
        fill(self.table, rows, [c[0] for c in rows], numeric=(0, 3))
        waiting = sum(1 for s in self._status.values() if s is ClaimStatus.filed)
        room = "；".join(f"{line.source.label}尚可支付 {line.room.format_yuan()} 元" for line in sources) or "尚未安排资金"
        self.summary.setText(f"报账 {len(rows)} 笔，待支付 {waiting} 笔。{room}。")
        self._update_buttons()

    def selected_claim(self) -> int | None:
        return selected_key(self.table)

    def _update_buttons(self) -> None:
        waiting = self._status.get(self.selected_claim()) is ClaimStatus.filed
        for button in (self.withdraw_button, self.pay_button, self.reject_button):
            button.setEnabled(waiting)

    def _new(self) -> None:
        if ClaimForm(self._engine, self._login, self._project_id, self).exec():
            self.refresh()

    def _withdraw(self) -> None:
        claim_id, login = self.selected_claim(), self._login
        if run_now(self, self._engine, lambda s: payments.withdraw_claim(s, login.user(s), claim_id).id) is not Failed:
            self.refresh()

    def _pay(self) -> None:
        if PayForm(self._engine, self._login, self.selected_claim(), self).exec():
            self.refresh()

    def _reject(self) -> None:
        if RejectForm(self._engine, self._login, self.selected_claim(), self).exec():
            self.refresh()
