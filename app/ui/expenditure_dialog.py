"""Dialog to enter one expenditure (支出) of an approved project: date, amount in 元 with 分, payee,
voucher and purpose, checked as typed; `payments.spend` decides and records it in one unit of work."""

from __future__ import annotations

import re
from html import escape
import unicodedata
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
                               QWidget)
from sqlalchemy import Engine

from app.models import FundSource, InvalidAmount, Money
from app.services import ledger
from app.services.money import payments
from app.services.database import unit_of_work
from app.services.ledger import ProjectBalance
from app.services.security import Action
from app.ui.login import Login
from app.ui.ops import Failed, run_now

ERROR_STYLE = "color: #b3261e;"
HINT_STYLE = "color: #666666;"
# Digits with or without thousands commas, an optional sign and any number of decimals: the sign
# and the decimals get their own messages below, everything else is "not a number".
_AMOUNT = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d*))?")


def parse_yuan(text: str) -> Money:
    """An amount typed in 元 ("12,345.67", full-width digits too), exact, positive, at most 2 decimals."""
    normalised = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if not normalised:
        raise InvalidAmount("请填写金额（元）。", "no amount")
    match = _AMOUNT.fullmatch(normalised)
    if match is None:
        raise InvalidAmount(f"“{text.strip()}”不是有效的金额，请填写数字，如 12,345.67。", f"not an amount: {text!r}")
    sign, _, decimals = match.groups()
    if decimals is not None and len(decimals) > 2:
        raise InvalidAmount("金额最多两位小数（精确到分）。", f"more than 2 decimals: {text!r}")
    amount = Money.from_yuan(normalised.lstrip("+"))
    if sign == "-" or amount.fen <= 0:
        raise InvalidAmount("金额须大于 0。更正错误的支出请用红字冲销。", f"not positive: {text!r}")
    return amount


def heading_html(balance: ProjectBalance) -> str:
    return f"<b>{escape(balance.name)}</b>（{escape(balance.town_name)}，{balance.status.label}）"


def balance_text(balance: ProjectBalance) -> str:
    return (f"项目金额 {balance.amount.format_yuan()} 元，资金安排 {balance.arranged.format_yuan()} 元，"
            f"已支出 {balance.spent.format_yuan()} 元，尚可支付 {balance.left.format_yuan()} 元")


class ExpenditureDialog(QDialog):
    """After `exec()` returns Accepted, `saved_expenditure_id` is the new entry's id."""

    def __init__(self, engine: Engine, login: Login, project_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._engine, self._login, self._project_id = engine, login, project_id
        self.saved_expenditure_id: int | None = None
        self.setWindowTitle("录入支出")

        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.balance = QLabel()
        self.balance.setWordWrap(True)
        self.blocked = QLabel()
        self.blocked.setWordWrap(True)
        self.blocked.setStyleSheet(ERROR_STYLE)

        self.source = QComboBox()
        today = QDate.currentDate()
        self.spent_on = QDateEdit(today)
        self.spent_on.setCalendarPopup(True)
        self.spent_on.setDisplayFormat("yyyy-MM-dd")
        self.spent_on.setMaximumDate(today)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText("如 12,345.67")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount.setMaxLength(24)
        self.amount_hint = QLabel()
        self.amount_hint.setWordWrap(True)
        self.payee = QLineEdit()
        self.payee.setMaxLength(120)
        self.voucher_no = QLineEdit()
        self.voucher_no.setMaxLength(40)
        self.purpose = QLineEdit()
        self.purpose.setMaxLength(200)
        self.purpose.setPlaceholderText("如：支付第一期工程进度款")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)

        form = QFormLayout()
        form.addRow("资金来源(&F)：", self.source)
        form.addRow("支出日期(&D)：", self.spent_on)
        form.addRow("金额（元）(&A)：", self.amount)
        form.addRow("", self.amount_hint)
        form.addRow("收款单位（人）(&P)：", self.payee)
        form.addRow("凭证号(&V)：", self.voucher_no)
        form.addRow("用途/摘要(&S)：", self.purpose)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("保存")
        self.ok_button.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        for widget in (self.heading, self.balance, self.blocked):
            layout.addWidget(widget)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

        self.amount.textChanged.connect(self._check_amount)
        for field in (self.payee, self.voucher_no):
            field.textChanged.connect(lambda _text: self.message.clear())
        self._load()
        self._check_amount(self.amount.text())
        self.amount.setFocus()

    def _load(self) -> None:
        with unit_of_work(self._engine) as session:
            balance = ledger.project_balance(session, self._project_id)
            sources = payments.source_balances(session, self._project_id)
        self.heading.setText(heading_html(balance))
        self.balance.setText(balance_text(balance))
        chosen = self.source.currentData()
        self.source.clear()
        for line in sources:
            self.source.addItem(f"{line.source.label}（尚可支付 {line.room.format_yuan()} 元）", line.source.value)
        self.source.setCurrentIndex(max(0, self.source.findData(chosen)))
        if not balance.status.may_spend:
            reason = f"项目当前状态为“{balance.status.label}”，纳入县级资金安排后才能支付。"
        elif not self._login.may(Action.spend, balance.town_code):
            reason = f"您没有在{balance.town_name}支付的权限（由县级财政支付）。"
        elif not sources:
            reason = "该项目在资金安排中没有安排资金，不能支付。"
        else:
            reason = ""
        self.blocked.setText(reason)
        self.blocked.setVisible(bool(reason))
        self.ok_button.setEnabled(not reason)

    def _check_amount(self, text: str) -> Money | None:
        """Say at once what is wrong with the amount, or what it is in 万元; None when invalid."""
        if not text.strip():
            self._hint("", error=False)
            return None
        try:
            amount = parse_yuan(text)
        except InvalidAmount as error:
            self._hint(error.user_message, error=True)
            return None
        self._hint(f"合 {amount.format_yuan()} 元（{amount.format_wan(6)} 万元）", error=False)
        return amount

    def _hint(self, text: str, *, error: bool) -> None:
        self.amount_hint.setText(text)
        self.amount_hint.setStyleSheet(ERROR_STYLE if error else HINT_STYLE)

    def _values(self) -> dict | None:
        """The entry as `payments.spend` takes it, or None after pointing at the first problem."""
        amount = self._check_amount(self.amount.text())
        if amount is None:
            if not self.amount.text().strip():
                self._hint("请填写金额（元）。", error=True)
            self.amount.setFocus()
            return None
        for field, label in ((self.payee, "收款单位（人）"), (self.voucher_no, "凭证号")):
            if not field.text().strip():
                self.message.setText(f"请填写{label}。")
                field.setFocus()
                return None
        self.message.clear()
        spent_on: date = self.spent_on.date().toPython()
        return {"source": FundSource(self.source.currentData()), "spent_on": spent_on, "amount": amount, "payee": self.payee.text(),
                "voucher_no": self.voucher_no.text(), "purpose": self.purpose.text()}

    def accept(self) -> None:
        values = self._values()
        if values is None:
            return
        project_id, login = self._project_id, self._login
        saved = run_now(self, self._engine,
                        lambda session: payments.spend(session, login.user(session), project_id, **values).id)
        if saved is Failed:
            self._load()  # someone may have spent meanwhile: show the balance the refusal was based on
            return
        self.saved_expenditure_id = saved
        super().accept()
