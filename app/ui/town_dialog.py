"""Dialog where the administrator sets a town's category (重点帮扶/巩固提升/先行示范) and its helper."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QMessageBox, QVBoxLayout)
from sqlalchemy import Engine

from app.errors import BangzhenError
from app.models import HelperType, TownCategory
from app.services.database import unit_of_work
from app.services.regions import find_town
from app.services.town_categories import set_town_category
from app.ui.login import Login


class TownCategoryDialog(QDialog):
    def __init__(self, engine: Engine, login: Login, town_code: str, parent=None) -> None:
        super().__init__(parent)
        self._engine, self._login = engine, login
        self._code = town_code
        with unit_of_work(engine) as session:
            town = find_town(session, town_code)
            title, category, helper, unit = town.full_name, town.category, town.helper_type, town.helper_unit
        self.setWindowTitle("设置镇类别")
        self.category = QComboBox()
        self.category.addItem("（未设置）", None)
        # Qt hands str-based enums back as plain str, so the combos carry the stored values.
        for member in TownCategory:
            self.category.addItem(member.label, member.value)
        self.helper_type = QComboBox()
        self.helper_type.addItem("（未设置）", None)
        for member in HelperType:
            self.helper_type.addItem(member.label, member.value)
        self.helper_unit = QLineEdit(unit)
        self.helper_unit.setPlaceholderText("如：深圳市福田区、省交通集团")
        self.category.setCurrentIndex(max(0, self.category.findData(category.value if category else None)))
        self.helper_type.setCurrentIndex(max(0, self.helper_type.findData(helper.value if helper else None)))

        form = QFormLayout()
        form.addRow("镇类别(&C)：", self.category)
        form.addRow("帮扶类型(&T)：", self.helper_type)
        form.addRow("帮扶单位(&U)：", self.helper_unit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        heading = QLabel(f"<b>{title}</b>（{town_code}）")
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.saved_category: TownCategory | None = category

    def accept(self) -> None:
        category = TownCategory(self.category.currentData()) if self.category.currentData() else None
        helper = HelperType(self.helper_type.currentData()) if self.helper_type.currentData() else None
        try:
            with unit_of_work(self._engine) as session:
                result = set_town_category(session, self._login.user(session), self._code, category, helper,
                                           self.helper_unit.text())
        except BangzhenError as error:
            QMessageBox.warning(self, "无法保存", error.user_message)
            return
        if result.warnings:
            QMessageBox.information(self, "请核实", "\n".join(result.warnings))
        self.saved_category = category
        super().accept()
