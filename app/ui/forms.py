"""Small building blocks the dialogs share: a form with an inline error line (a failed attempt keeps
the dialog open with its input), OK/cancel buttons in Chinese, fields for dates, amounts and passwords,
and a read-only table filled from rows."""

from __future__ import annotations

from datetime import date
from typing import Callable, Iterable, Sequence

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.errors import BangzhenError
from app.models import Fund
from app.ui.ops import Failed, run_now


def password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(128)
    return field


def error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet("color: #b3261e;")
    label.setWordWrap(True)
    label.hide()
    return label


def ok_cancel(dialog: QDialog, ok_text: str, cancel_text: str = "取消") -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    box.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    box.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


def date_field(value: date | None = None) -> QDateEdit:
    """A date picker that cannot go past today (every act here is dated when it happened)."""
    today = QDate.currentDate()
    field = QDateEdit(QDate(value) if value else today)
    field.setCalendarPopup(True)
    field.setDisplayFormat("yyyy-MM-dd")
    field.setMaximumDate(today)
    return field


class FormDialog(QDialog):
    """A small form with an inline error line: failed attempts keep the dialog open."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)

    def fail(self, error: BangzhenError) -> None:
        self.error.setText(error.user_message)
        self.error.show()

    def row(self, label: str, widget: QWidget) -> QWidget:
        self.form.addRow(label, widget)
        return widget

    def submit(self, engine: Engine, op: Callable[[Session], object]) -> None:
        """Run `op` in one unit of work: close on success; on failure keep the form open with the message."""
        if run_now(self, engine, op, failure=self.fail) is not Failed:
            QDialog.accept(self)


def button_row(dialog: QDialog, buttons: Iterable[tuple[QPushButton, Callable[[], None], bool]]) -> QHBoxLayout:
    """The dialog's action buttons (each with its slot, shown or not) on the left, 关闭 on the right."""
    row = QHBoxLayout()
    for button, slot, shown in buttons:
        button.setVisible(shown)
        button.clicked.connect(slot)
        row.addWidget(button)
    row.addStretch(1)
    close = QPushButton("关闭")
    close.clicked.connect(dialog.reject)
    row.addWidget(close)
    return row


def table(headers: Sequence[str]) -> QTableWidget:
    """A read-only table selecting whole rows."""
    widget = QTableWidget(0, len(headers))
    widget.setHorizontalHeaderLabels(list(headers))
    widget.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    widget.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    widget.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    widget.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    widget.horizontalHeader().setStretchLastSection(True)
    widget.verticalHeader().setVisible(False)
    return widget


NUMERIC = (Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def fill(widget: QTableWidget, rows: Iterable[Sequence[object]], keys: Iterable[object] = (),
         numeric: Sequence[int] = ()) -> None:
    """Replace the table's rows; each row's first cell carries its key (UserRole) when `keys` gives one."""
    rows, keys = list(rows), list(keys)
    widget.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem("" if value is None else str(value))
            if c in numeric:
                item.setTextAlignment(NUMERIC)
            if c == 0 and r < len(keys):
                item.setData(Qt.ItemDataRole.UserRole, keys[r])
            widget.setItem(r, c, item)


def selected_key(widget: QTableWidget) -> object | None:
    row = widget.currentRow()
    item = widget.item(row, 0) if row >= 0 else None
    return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


def fund_combo(session: Session) -> QComboBox:
    """Every fund, newest first, each carrying its id."""
    combo = QComboBox()
    for fund_id, name, year in session.execute(select(Fund.id, Fund.name, Fund.year)
                                               .order_by(Fund.year.desc(), Fund.id)):
        combo.addItem(f"{name}（{year}）", fund_id)
    return combo
