"""项目编辑: every library field of a project, the 绩效目标 table, and the rules checked as one types.

The editor builds the project's content (the plain dict of `content.py`) from its fields and, a
moment after each change, runs `rules.check` at the signing stage: each finding marks its field
(red outline and tooltip) and is listed under the form; a click on it jumps to the field. Findings
that block saving (负面清单, impossible values) are red; what must still be done before 签字 is amber.
Saving goes through `approval.create_project` / `approval.edit_project`, which check everything
again: the editor is a convenience, the services are the rule.

Started "from the task list" (`task_key`), a new draft takes the 任务清单 item's name, 用途类别, link
and quantity text, and the city's best-fitting 绩效目标 as suggested indicators (`choices.draft_from_task`).
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QFrame, QInputDialog, QLabel, QListWidget,
                               QListWidgetItem, QMessageBox, QScrollArea, QSizePolicy, QTabWidget, QVBoxLayout,
                               QWidget)
from sqlalchemy import Engine

from app.models import (AMOUNT_COLUMNS, ConstructionNature, Money, ProjectStatus, PurposeCategory,
                        SpendingCategory, SupportMethod, AssetType)
from app.services import amendments, approval, choices, rules
from app.services.content import project_content
from app.services.content_text import FIELD_LABELS, exact_wan
from app.services.database import unit_of_work
from app.services.regions import find_town
from app.services.security import Action
from app.ui.indicator_table import IndicatorTable
from app.ui.login import Login
from app.ui.ops import run_now
from app.ui.project_fields import (AmountField, ChoiceField, CountField, DateField, Field, FieldError, LongTextField,
                                   TextField, VillagesField, YearField)
from app.ui.screen_fit import fit_to_screen

CHECK_DELAY_MS = 300
BLOCKING = QColor("#b3261e")
TO_DO = QColor("#9a6700")
MARKED = "border: 1px solid #b3261e;"
SIGNED_STATES = {ProjectStatus.signed_once, ProjectStatus.double_signed}


def _spending_label(category: SpendingCategory) -> str:
    return f"{category.label}（负面清单，不得列支）" if category.negative else category.label


class ProjectEditor(QDialog):
    """New draft: `town_code` (or the only town the officer drafts for). Existing: `project_id`."""

    def __init__(self, engine: Engine, login: Login | None, *, project_id: int | None = None,
                 town_code: str | None = None, task_key: str | None = None, amend: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine, self.login, self.project_id, self.amend = engine, login, project_id, amend
        self.saved_project_id: int | None = None
        self.saved_amendment_id: int | None = None
        self.saved_name = ""
        self.fields: dict[str, Field] = {}
        self._status: ProjectStatus | None = None
        self._town_code: str | None = town_code
        self._findings: list[rules.Finding] = []

        self._build()
        loaded = self._load(task_key)
        self.read_only = not self._may_edit()
        for field in self.fields.values():
            field.set_read_only(self.read_only)
        self.save_button.setVisible(not self.read_only)
        self.setWindowTitle(self._title(loaded))
        self._loaded = self._content_or_none()
        self._timer = QTimer(self, singleShot=True, interval=CHECK_DELAY_MS)
        self._timer.timeout.connect(self.recheck)
        for field in self.fields.values():
            field.on_change(self._timer.start)
        self.fields["town"].on_change(self._town_changed)
        self.fields["task_item"].on_change(self._task_changed)
        for column in AMOUNT_COLUMNS.values():
            self.fields[column].on_change(self._show_total)
        self.recheck()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        f = self.fields
        f["name"] = TextField("如：阳明镇水口村生活污水管网建设项目")
        f["year"] = YearField()
        f["town"] = ChoiceField(allow_empty=False)
        f["fund"] = ChoiceField()
        f["task_item"] = ChoiceField()
        f["purpose_category"] = ChoiceField.of_enum(PurposeCategory)
        f["construction_nature"] = ChoiceField.of_enum(ConstructionNature)
        f["spending_category"] = ChoiceField.of_enum(SpendingCategory, _spending_label)
        f["location"] = TextField("镇、村、组")
        f["villages"] = VillagesField()
        f["starts_on"], f["ends_on"] = DateField(), DateField()
        f["responsible_unit"] = TextField("如：阳明镇人民政府")
        f["responsible_person"] = TextField()
        f["content"] = LongTextField("建设内容、规模和主要工程量", 4)
        for column in AMOUNT_COLUMNS.values():
            f[column] = AmountField()
        f["support_method"] = ChoiceField.of_enum(SupportMethod)
        f["asset_type"] = ChoiceField.of_enum(AssetType)
        f["beneficiaries"] = TextField("如：水口村村民")
        for name in ("beneficiary_households", "poverty_households", "monitored_households"):
            f[name] = CountField(suffix=" 户")
        for name in ("beneficiary_people", "poverty_people", "monitored_people"):
            f[name] = CountField(suffix=" 人")
        f["farmer_linkage"] = LongTextField("如：优先吸纳脱贫人口务工、收益按比例分配到村集体", 3)
        f["indicators"] = IndicatorTable()

        self.returned_note = QLabel()  # why the county sent it back, while the officer revises it
        self.returned_note.setWordWrap(True)
        self.returned_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.returned_note.setStyleSheet("background: #fdecea; color: #8c1d18; border: 1px solid #f4c7c3; "
                                         "border-radius: 3px; padding: 6px;")
        self.returned_note.hide()
        self.task_note = QLabel()
        self.task_note.setStyleSheet("color: #555;")
        self.total = QLabel()
        for label in (self.task_note, self.total):
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._form(["name", "year", "town", "fund", "task_item", ("", self.task_note),
                                     "purpose_category", "construction_nature", "spending_category", "location",
                                     "villages", "starts_on", "ends_on", "responsible_unit", "responsible_person",
                                     "content"]), "基本信息(&1)")
        self.tabs.addTab(self._form([*AMOUNT_COLUMNS.values(), ("项目资金合计：", self.total), "support_method",
                                     "asset_type", "beneficiaries", "beneficiary_households", "beneficiary_people",
                                     "poverty_households", "poverty_people", "monitored_households",
                                     "monitored_people", "farmer_linkage"]), "资金与受益(&2)")
        indicators = QWidget()
        box = QVBoxLayout(indicators)
        box.addWidget(QLabel("签字前须至少有一项产出指标和一项效益指标，并填写指标值；定量指标的指标值填数字。"))
        box.addWidget(f["indicators"].widget)
        self.tabs.addTab(indicators, "绩效目标(&3)")

        self.findings_title = QLabel()
        self.findings = QListWidget()
        self.findings.setMaximumHeight(120)
        self.findings.itemActivated.connect(self._jump)
        self.findings.itemClicked.connect(self._jump)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("保存(&S)")
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)

        layout = QVBoxLayout(self)
        layout.addWidget(self.returned_note)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.findings_title)
        layout.addWidget(self.findings)
        layout.addWidget(buttons)
        fit_to_screen(self, 860, 760)

    def _form(self, rows: list[str | tuple[str, QWidget]]) -> QWidget:
        """A form page of fields (by name; required ones in bold) and read-only lines (label, widget), which
        scrolls where the screen is too low for it."""
        page = QWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no extra Tab stop between the tabs and the first field
        scroll.setWidget(page)
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for row in rows:
            if isinstance(row, tuple):
                form.addRow(*row)
                continue
            text = f"<b>{FIELD_LABELS[row]}</b>：" if row in rules.REQUIRED_FIELDS else f"{FIELD_LABELS[row]}："
            label = QLabel(text)
            label.setBuddy(self.fields[row].widget)
            form.addRow(label, self.fields[row].widget)
        return scroll

    # -- loading ----------------------------------------------------------------------------
    def _load(self, task_key: str | None) -> dict[str, Any]:
        with unit_of_work(self.engine) as session:
            if self.project_id is not None:
                project = approval.get_project(session, self.project_id)
                self._status = project.status
                self._show_returned(project.status, project.status_reason)
                content = project_content(session, project.id)
                self._town_code = content["town"]
                towns = [(content["town"], f"{project.town.name}（{project.town.code}）")]
            else:
                user = self.login.user(session) if self.login else None
                towns = [(c.key, c.label) for c in choices.towns_for(session, user)] if user else []
                if self._town_code and self._town_code not in dict(towns):
                    town = find_town(session, self._town_code)
                    towns.insert(0, (town.code, f"{town.name}（{town.code}）"))
                self._town_code = self._town_code or (towns[0][0] if towns else None)
                content = choices.draft_from_task(session, task_key) if task_key else {}
            self.fields["town"].set_choices(towns)
            self.fields["town"].set(self._town_code)
            self.fields["town"].widget.setEnabled(self.project_id is None and len(towns) > 1)
            self._load_town_choices(session, content.get("year"))
        for name, field in self.fields.items():
            if name != "town" and name in content:
                field.set(content[name])
        if self.project_id is None and not content.get("year"):
            self.fields["year"].set(self._task_year or date.today().year)
        self._show_task_note()
        self._show_total()
        return content

    def _show_returned(self, status: ProjectStatus, reason: str) -> None:
        """A returned project, or a draft revised from one, shows the county's reason above the form."""
        if reason and status in (ProjectStatus.returned, ProjectStatus.draft):
            label = "县级审核退回原因" if status is ProjectStatus.returned else "上次退回原因"
            self.returned_note.setText(f"<b>{label}：</b>{html.escape(reason)}")
            self.returned_note.show()

    def _load_town_choices(self, session, year: int | None) -> None:
        if not self._town_code:
            self._task_year = None
            return
        offered = choices.editor_choices(session, self._town_code, year)
        self._task_year = offered.task_year
        self.fields["villages"].set_choices(offered.villages)
        self.fields["fund"].set_choices([(c.key, c.label) for c in offered.funds])
        self.fields["task_item"].set_choices([(c.key, c.label) for c in offered.task_items])
        if self.project_id is None and self.fields["fund"].value() is None and offered.funds:
            self.fields["fund"].set(offered.funds[0].key)

    def _may_edit(self) -> bool:
        if self.login is None or not self._town_code:
            return False
        if self.project_id is None:
            return self.login.may(Action.draft_project, self._town_code)
        editable = amendments.AMENDABLE if self.amend else approval.EDITABLE
        return self._status in editable and self.login.may(Action.edit_project, self._town_code)

    def _title(self, content: dict[str, Any]) -> str:
        if self.project_id is None:
            return "新建项目（从任务清单）" if content.get("task_item") else "新建项目"
        state = f"（{self._status.label}）" if self._status else ""
        verb = "查看项目" if self.read_only else ("项目调整" if self.amend else "修改项目")
        return f"{verb}：{content.get('name', '')}{state}"

    # -- reactions --------------------------------------------------------------------------
    def _town_changed(self) -> None:
        self._town_code = self.fields["town"].value()
        with unit_of_work(self.engine) as session:
            self._load_town_choices(session, self.fields["year"].value())

    def _task_changed(self) -> None:
        self._show_task_note()
        key = self.fields["task_item"].value()
        if self.project_id is not None or not key or self.read_only:
            return
        with unit_of_work(self.engine) as session:
            started = choices.draft_from_task(session, key)
        # Fill only what is still empty: never overwrite what the officer typed.
        for name in ("name", "purpose_category", "content"):
            if not self.fields[name].value():
                self.fields[name].set(started[name])
        if not self.fields["indicators"].table.rowCount():
            self.fields["indicators"].set(started["indicators"])

    def _show_task_note(self) -> None:
        key = self.fields["task_item"].value()
        if not key:
            self.task_note.setText("")
            return
        with unit_of_work(self.engine) as session:
            self.task_note.setText(choices.task_nature_text(session, key))

    def _show_total(self) -> None:
        try:
            total = Money(sum(self.fields[c].value() for c in AMOUNT_COLUMNS.values()))
            self.total.setText(f"{exact_wan(total)} 万元")
        except FieldError:
            self.total.setText("金额有误，无法合计")

    # -- content and checks -----------------------------------------------------------------
    def content(self) -> tuple[dict[str, Any], list[rules.Finding]]:
        """The content as typed, and a finding for each field that cannot be read."""
        content: dict[str, Any] = {}
        unreadable = []
        for name, field in self.fields.items():
            try:
                content[name] = field.value()
            except FieldError as error:
                unreadable.append(rules.Finding(name, str(error)))
        return content, unreadable

    def _content_or_none(self) -> dict[str, Any] | None:
        content, unreadable = self.content()
        return None if unreadable else content

    def recheck(self) -> None:
        content, unreadable = self.content()
        readable = {k: v for k, v in content.items() if k not in {f.field for f in unreadable}}
        with unit_of_work(self.engine) as session:
            found = rules.check(session, readable, rules.Stage.sign)
            stops_saving = {(f.field, f.message) for f in rules.check(session, readable, rules.Stage.save)
                            if f.blocking}
        self._findings = unreadable + found
        self._show_findings(set(f.field for f in unreadable), stops_saving)

    def _show_findings(self, unreadable: set[str], stops_saving: set[tuple[str, str]]) -> None:
        self.findings.clear()
        by_field: dict[str, list[str]] = {}
        for finding in self._findings:
            by_field.setdefault(finding.field, []).append(finding.message)
            blocks_save = finding.field in unreadable or (finding.field, finding.message) in stops_saving
            label = FIELD_LABELS.get(finding.field, "项目")
            prefix = "不能保存" if blocks_save else ("签字前需处理" if finding.blocking else "提醒")
            item = QListWidgetItem(f"【{prefix}】{label}：{finding.message}")
            item.setData(Qt.ItemDataRole.UserRole, finding.field)
            item.setForeground(QBrush(BLOCKING if blocks_save else TO_DO))
            self.findings.addItem(item)
        for name, field in self.fields.items():
            target = field.table if isinstance(field, IndicatorTable) else field.widget
            messages = by_field.get(name)
            target.setStyleSheet(MARKED if messages else "")
            target.setToolTip("\n".join(messages) if messages else "")
        self._save_blocked = bool(unreadable or stops_saving)
        count = len(self._findings)
        self.findings_title.setText("检查结果：符合入库要求，可以保存并报签字。" if not count else
                                    f"检查结果：{count} 项（点击可定位到对应栏目）")

    def findings_for(self, field: str) -> list[str]:
        return [f.message for f in self._findings if f.field == field]

    def _jump(self, item: QListWidgetItem) -> None:
        field = self.fields.get(item.data(Qt.ItemDataRole.UserRole))
        if field is None:
            return
        widget = field.widget
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if page.isAncestorOf(widget):
                self.tabs.setCurrentIndex(index)
                if isinstance(page, QScrollArea):
                    page.ensureWidgetVisible(widget)
        widget.setFocus()

    # -- saving -----------------------------------------------------------------------------
    def reject(self) -> None:
        """Esc, 关闭 or the window's close button: typed work is never thrown away without asking."""
        if self.read_only or self._content_or_none() == self._loaded:
            super().reject()
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.windowTitle(), "项目内容已修改，尚未保存。是否保存？",
                          parent=self)
        save = box.addButton("保存(&S)", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("不保存(&N)", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is save:
            self.save()  # closes the editor once saved; a refused save leaves it open, saying why
        elif box.clickedButton() is discard:
            super().reject()

    def save(self) -> None:
        if self.read_only:
            return
        self._timer.stop()
        self.recheck()
        if self._save_blocked:
            QMessageBox.warning(self, "不能保存", "请先改正标为“不能保存”的栏目：\n" + "\n".join(
                self.findings.item(i).text() for i in range(self.findings.count())
                if self.findings.item(i).text().startswith("【不能保存】")))
            return
        content, _ = self.content()
        if self.project_id is None:
            outcome = run_now(self, self.engine, lambda s: approval.create_project(s, self.login.user(s), content))
        else:
            if content == self._loaded:
                self.accept()
                return
            if self.amend:
                self._propose({k: v for k, v in content.items() if k != "town"})
                return
            reason = self._edit_reason()
            if reason is None:
                return
            changes = {k: v for k, v in content.items() if k != "town"}
            outcome = run_now(self, self.engine, lambda s: approval.edit_project(
                s, self.login.user(s), self.project_id, changes, reason))
        if outcome:
            self.saved_project_id = outcome.project.id
            self.saved_name = outcome.project.name
            self.accept()

    def _propose(self, changes: dict[str, Any]) -> None:
        """项目调整: the changes become a proposal; the approved content stays in force until its 审定."""
        reason, ok = QInputDialog.getText(self, "项目调整", "调整后须经双签并报县审定才生效，审定前原内容继续有效、照常支付。"
                                                       "\n\n请填写调整原因：")
        if not ok:
            return
        saved = run_now(self, self.engine, lambda s: amendments.propose(s, self.login.user(s), self.project_id,
                                                                        changes, reason).id)
        if saved:
            self.saved_amendment_id = saved
            self.saved_project_id = self.project_id
            self.accept()

    def _edit_reason(self) -> str | None:
        """Why a signed project is changed (it loses its signatures); "" for a plain draft."""
        if self._status not in SIGNED_STATES:
            return ""
        reason, ok = QInputDialog.getText(
            self, "修改已签字的项目", f"该项目当前为“{self._status.label}”。修改后原有签字作废，项目退回草稿，"
                               "须重新双签并报县审定。\n\n请填写修改原因：")
        if not ok:
            return None
        if not reason.strip():
            QMessageBox.warning(self, "修改已签字的项目", "请填写修改原因。")
            return None
        return reason.strip()
