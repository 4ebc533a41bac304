"""从 Excel 导入 in the GUI (pytest-qt, real widgets, the demo county): a town clerk writes the projects
template, fills it with one good and one bad row, the trial lists the bad row first with its reason and
will not import all or nothing, the checked workbook is saved with its 错误说明, and 只导入无误的行 imports
the good row after a backup."""

from __future__ import annotations

from openpyxl import load_workbook
from PySide6.QtWidgets import QMessageBox, QWizard

from app.models import Project
from app.services import database, security
from app.ui.import_wizard import ExcelImportWizard
from app.ui.login import Login


def _count(engine) -> int:
    with database.unit_of_work(engine) as session:
        return session.query(Project).count()


def test_a_clerk_imports_the_valid_rows_of_a_projects_workbook(qtbot, demo_engine, demo_path, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "information", lambda *args: QMessageBox.StandardButton.Ok)
    with database.unit_of_work(demo_engine) as session:
        clerk = Login.of(security.authenticate(session, "阳明镇经办", "demo1234"))
    wizard = ExcelImportWizard(demo_engine, demo_path, clerk)
    qtbot.addWidget(wizard)
    wizard.show()
    choose = wizard.choose
    assert not choose.isComplete()
    choose.kind_box.setCurrentIndex(choose.kind_box.findData("allocations"))
    assert choose.fund.isEnabled()
    choose.kind_box.setCurrentIndex(choose.kind_box.findData("projects"))
    assert not choose.fund.isEnabled() and "草稿" in choose.notes.text()
    template = choose.write_template(tmp_path / "项目.xlsx")
    assert choose.path.text() == str(template)
    book = load_workbook(template)
    for line, nature in ((2, "新建"), (3, "翻新")):
        for column, value in enumerate(("441624100", "", f"导入项目{line}", 2023, "提升镇村公共基础设施水平", "", nature,
                                        "工程建设", "以奖代补"), start=1):
            book.worksheets[0].cell(line, column).value = value
    book.save(template)
    before = _count(demo_engine)
    wizard.next()
    trial = wizard.trial
    qtbot.waitUntil(lambda: trial.done or trial.error.isVisible(), timeout=20000)
    assert trial.done, trial.error.text()
    assert "有错 1 行" in trial.message.text() and "数据库尚未改动" in trial.message.text()
    rows = trial.view.rows
    assert [rows.item(0, c).text() for c in range(3)] == ["3", "441624100、2023、导入项目3", "有错"]
    assert "“翻新”" in rows.item(0, 3).text() and rows.item(1, 2).text() == "新增"
    assert not trial.isComplete() and not trial.valid_only.isHidden()  # all or nothing would import nothing
    saved = trial.view.save(tmp_path / "检查结果.xlsx")
    notes = [row[-1] for row in load_workbook(saved).worksheets[0].iter_rows(max_row=3, values_only=True)]
    assert notes[0] == "错误说明" and notes[2].startswith("“建设性质”不能是“翻新”")
    assert _count(demo_engine) == before
    trial.valid_only.setChecked(True)
    assert trial.isComplete() and wizard.button(QWizard.WizardButton.CommitButton).isEnabled()
    wizard.next()
    result = wizard.result_page
    qtbot.waitUntil(lambda: result.done or result.error.isVisible(), timeout=20000)
    assert result.done, result.error.text()
    assert "已导入无误的行" in result.message.text() and "导入前已备份" in result.message.text()
    assert wizard.applied and _count(demo_engine) == before + 1
