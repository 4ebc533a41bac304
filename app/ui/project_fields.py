"""The project editor's input widgets, one small class per kind of field.

Each field turns what was typed into the plain content value of `app/services/content.py` (amounts
in 分, dates as ISO text, enums by identifier) or raises `FieldError` with a Chinese message that the
editor shows next to the field. Nothing here talks to the database.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QSpinBox, QWidget

from app.errors import BangzhenError
from app.models import LabeledEnum, Money
from app.services.content_text import exact_wan

EMPTY = "（未选择）"


class FieldError(Exception):
    """A value that cannot be read; the message names the problem in Chinese."""


class Field:
    widget: QWidget

    def value(self) -> Any:
        raise NotImplementedError

    def set(self, value: Any) -> None:
        raise NotImplementedError

    def on_change(self, callback: Callable[[], None]) -> None:
        raise NotImplementedError

    def set_read_only(self, read_only: bool) -> None:
        self.widget.setEnabled(not read_only)


class TextField(Field):
    def __init__(self, placeholder: str = "", max_length: int = 200) -> None:
        self.widget = QLineEdit()
        self.widget.setPlaceholderText(placeholder)
        self.widget.setMaxLength(max_length)

    def value(self) -> str:
        return self.widget.text().strip()

    def set(self, value: Any) -> None:
        self.widget.setText(str(value or ""))

    def on_change(self, callback: Callable[[], None]) -> None:
        self.widget.textChanged.connect(callback)

    def set_read_only(self, read_only: bool) -> None:
        self.widget.setReadOnly(read_only)


class LongTextField(Field):
    def __init__(self, placeholder: str = "", lines: int = 3) -> None:
        self.widget = QPlainTextEdit()
        self.widget.setPlaceholderText(placeholder)
        self.widget.setTabChangesFocus(True)
        self.widget.setFixedHeight(self.widget.fontMetrics().lineSpacing() * lines + 14)

    def value(self) -> str:
        return self.widget.toPlainText().strip()

    def set(self, value: Any) -> None:
        self.widget.setPlainText(str(value or ""))

    def on_change(self, callback: Callable[[], None]) -> None:
        self.widget.textChanged.connect(callback)

    def set_read_only(self, read_only: bool) -> None:
        self.widget.setReadOnly(read_only)


class ChoiceField(Field):
    """A pick list of (key, label); the key is what the content carries, "" or None for none."""

    def __init__(self, choices: list[tuple[str, str]] = (), allow_empty: bool = True) -> None:
        self.widget = QComboBox()
        self.widget.setMaxVisibleItems(20)
        self._allow_empty = allow_empty
        self.set_choices(list(choices))

    @classmethod
    def of_enum(cls, enum_cls: type[LabeledEnum], label: Callable[[Any], str] = lambda m: m.label) -> "ChoiceField":
        return cls([(m.value, label(m)) for m in enum_cls])

    def set_choices(self, choices: list[tuple[str, str]]) -> None:
        current = self.value() if self.widget.count() else None
        self.widget.blockSignals(True)
        self.widget.clear()
        if self._allow_empty:
            self.widget.addItem(EMPTY, None)
        for key, label in choices:
            self.widget.addItem(label, key)
        self.widget.blockSignals(False)
        if current is not None:
            self.set(current)

    def value(self) -> str | None:
        return self.widget.currentData()

    def set(self, value: Any) -> None:
        index = self.widget.findData(value) if value not in (None, "") else 0
        self.widget.setCurrentIndex(max(index, 0))

    def on_change(self, callback: Callable[[], None]) -> None:
        self.widget.currentIndexChanged.connect(callback)


class CountField(Field):
    def __init__(self, maximum: int = 10_000_000, suffix: str = "") -> None:
        self.widget = QSpinBox()
        self.widget.setRange(0, maximum)
        self.widget.setSuffix(suffix)
        self.widget.setGroupSeparatorShown(True)

    def value(self) -> int:
        return self.widget.value()

    def set(self, value: Any) -> None:
        self.widget.setValue(int(value or 0))

    def on_change(self, callback: Callable[[], None]) -> None:
        self.widget.valueChanged.connect(callback)


class YearField(CountField):
    def __init__(self) -> None:
        super().__init__()
        self.widget.setRange(2021, 2035)
        self.widget.setGroupSeparatorShown(False)


_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


class DateField(TextField):
    """A date typed as 2023-05-01 (also 2023/5/1, 2023.5.1, 2023年5月1日); empty is allowed."""

    def __init__(self) -> None:
        super().__init__("如 2023-05-01", 20)
        self.widget.setMaximumWidth(180)

    def value(self) -> str | None:
        text = self.widget.text().strip()
        if not text:
            return None
        match = _DATE.match(text)
        try:
            if match is None:
                raise ValueError(text)
            return date(*(int(part) for part in match.groups())).isoformat()
        except ValueError:
            raise FieldError(f"“{text}”不是有效日期，请按 2023-05-01 的格式填写。") from None


class AmountField(TextField):
    """An amount in 万元 as typed (thousands separators allowed), exact to the 分."""

    def __init__(self) -> None:
        super().__init__("0.00", 30)
        self.widget.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.widget.setMaximumWidth(200)

    def value(self) -> int:
        text = self.widget.text().strip()
        if not text:
            return 0
        try:
            amount = Money.from_wan(text)
        except BangzhenError as error:
            raise FieldError(error.user_message) from None
        if amount.fen < 0:
            raise FieldError("金额不能为负数。")
        return amount.fen

    def set(self, value: Any) -> None:
        self.widget.setText(exact_wan(Money(value)) if value else "")


class VillagesField(Field):
    """The town's administrative villages, ticked."""

    def __init__(self) -> None:
        self.widget = QListWidget()
        self.widget.setMaximumHeight(72)
        self.widget.setFlow(QListWidget.Flow.LeftToRight)
        self.widget.setWrapping(True)
        self.widget.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.widget.setSpacing(2)

    def set_choices(self, names: list[str]) -> None:
        ticked = set(self.value())
        self.widget.blockSignals(True)
        self.widget.clear()
        for name in names:
            item = QListWidgetItem(name)
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            item.setCheckState(Qt.CheckState.Checked if name in ticked else Qt.CheckState.Unchecked)
            self.widget.addItem(item)
        self.widget.blockSignals(False)

    def value(self) -> list[str]:
        return sorted(self.widget.item(i).text() for i in range(self.widget.count())
                      if self.widget.item(i).checkState() == Qt.CheckState.Checked)

    def set(self, value: Any) -> None:
        wanted = set(value or [])
        for i in range(self.widget.count()):
            item = self.widget.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.text() in wanted else Qt.CheckState.Unchecked)

    def on_change(self, callback: Callable[[], None]) -> None:
        self.widget.itemChanged.connect(callback)

    def set_read_only(self, read_only: bool) -> None:
        for i in range(self.widget.count()):
            item = self.widget.item(i)
            flags = Qt.ItemFlag.ItemIsEnabled | (Qt.ItemFlag(0) if read_only else Qt.ItemFlag.ItemIsUserCheckable)
            item.setFlags(flags)
