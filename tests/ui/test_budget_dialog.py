"""The 资金收支预算 window on the jiangmen2022 scenario, driven through its widgets: opened from 资金与下达 by
江门's finance officer, the outline with computed headings and the summary; the forms exported, one
figure changed and imported back as a signed act; a form that does not add up refused inline, changing
nothing; a reader sees no import button."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from app.models import AuditEvent, User
from app.services import database, verify
from app.services.database import unit_of_work
from app.services.scenario_jiangmen2022 import create_jiangmen2022
from app.ui.budget_dialog import BudgetDialog, BudgetImportForm, targets_path
from app.ui.funds_dialog import FundsDialog
from app.ui.login import Login
from helpers import in_modal


@pytest.fixture
def jiangmen(engine):
    with database.unit_of_work(engine) as session:
        create_jiangmen2022(session)
    return engine


def _login(engine, username: str) -> Login:
    with unit_of_work(engine) as session:
        return Login.of(session.scalar(select(User).where(User.username == username)))


def _row(dialog: BudgetDialog, name: str):
    found = dialog.tree.findItems(name, Qt.MatchFlag.MatchContains | Qt.MatchFlag.MatchRecursive)
    assert len(found) == 1, name
    return found[0]


def test_the_outline_export_and_import(qtbot, jiangmen, db_path, tmp_path, monkeypatch):
    funds = FundsDialog(jiangmen, _login(jiangmen, "市财政"))
    qtbot.addWidget(funds)
    assert not funds.budget_button.isHidden()
    in_modal(BudgetDialog, lambda dialog: dialog.reject())
    qtbot.mouseClick(funds.budget_button, Qt.MouseButton.LeftButton)

    dialog = BudgetDialog(jiangmen, _login(jiangmen, "市财政"), 2, may_edit=True)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "分配超出收入 1253.167 万元" in dialog.summary.text() and "占已下达的 77.68%" in dialog.summary.text()
    heading = _row(dialog, "（2）支持提升乡村产业发展水平专项资金")
    assert [heading.text(n) for n in (1, 2, 3, 4)] == ["6392", "4488.95", "1903.05", "2321.5"]
    assert _row(dialog, "其他资金").text(6) == "不纳入绩效评价"

    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    written = dialog.export_forms(tmp_path / "收支预算表.csv")
    assert written == [tmp_path / "收支预算表.csv", targets_path(tmp_path / "收支预算表.csv")]
    with written[0].open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    spent = next(row for row in rows if row[2] == "江门市农业农村人才倍增培育培训专项资金")
    spent[6] = "155"
    good, bad = tmp_path / "改.csv", tmp_path / "错.csv"
    for path, change in ((good, None), (bad, "100")):
        rows_out = [list(row) for row in rows]
        if change:
            next(row for row in rows_out if row[2] == "消费帮扶专项资金")[6] = change  # beyond its 63 issued
        with path.open("w", encoding="utf-8-sig", newline="") as file:
            csv.writer(file).writerows(rows_out)

    with unit_of_work(jiangmen) as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent))

    def refused(form: BudgetImportForm):
        form.accept()
        assert "请选择收支预算表" in form.error.text()
        form.lines_file.edit.setText(str(bad))
        form.accept()
        assert form.isVisible() and "已支出 100 万元，多于已下达 63 万元" in form.error.text()
        form.reject()
    in_modal(BudgetImportForm, refused)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    with unit_of_work(jiangmen) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events

    def imported(form: BudgetImportForm):
        assert form.approved_by.text() == "市委实施乡村振兴战略领导小组"  # what the files do not hold is kept
        form.lines_file.edit.setText(str(good))
        form.accept()
    in_modal(BudgetImportForm, imported)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert _row(dialog, "江门市农业农村人才倍增培育培训专项资金").text(4) == "155"
    assert "已支出 8373.69 万元" in dialog.summary.text()
    with unit_of_work(jiangmen) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events + 1
        assert verify.verify_database(session, db_path=str(db_path)).ok


def test_a_reader_sees_the_budget_but_cannot_import(qtbot, jiangmen):
    funds = FundsDialog(jiangmen, _login(jiangmen, "admin"))
    qtbot.addWidget(funds)
    assert not funds.budget_button.isHidden()  # anyone who sees the fund sees its budget
    dialog = BudgetDialog(jiangmen, _login(jiangmen, "admin"), 2, may_edit=False)
    qtbot.addWidget(dialog)
    assert dialog.import_button.isHidden() and not dialog.export_button.isHidden()
