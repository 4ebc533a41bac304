"""The 绩效自评 window driven as the county's finance officer: the demo's saved evaluation shown with
its computed 完成值 and the grade; an edited deduction rescoring at once and saved as a signed act; an
item added under a group re-splitting its weights; a weight typed by hand; a deduction without a reason
refused in Chinese with nothing saved; the form exported and imported back; read-only for others."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from app.models import AuditEvent, User
from app.services import evaluation, verify
from app.services.database import unit_of_work
from app.ui.evaluation_dialog import ACTUAL, DEDUCTION, NAME, REASON, SCORE, WEIGHT, EvaluationDialog
from app.ui.login import Login


def _login(engine, username: str) -> Login:
    with unit_of_work(engine) as session:
        return Login.of(session.scalar(select(User).where(User.username == username)))


def _dialog(qtbot, engine, username="县财政") -> EvaluationDialog:
    dialog = EvaluationDialog(engine, _login(engine, username), "441624")
    qtbot.addWidget(dialog)
    dialog.fund.setCurrentIndex(dialog.fund.findData(2))
    return dialog


def _node(dialog: EvaluationDialog, name: str):
    return next(node for node in dialog._nodes() if node.text(NAME) == name)


def _saved_total(engine) -> str:
    with unit_of_work(engine) as session:
        return evaluation.points_text(evaluation.score(session, evaluation.evaluation_for(session, 2, "441624")).total)


def _events(engine) -> int:
    with unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def test_the_saved_evaluation_is_shown_edited_rescored_and_saved(qtbot, demo_engine, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: shown.append(text))
    dialog = _dialog(qtbot, demo_engine)
    assert "总分 96 分，绩效等级“优”" in dialog.status.text()
    spending = _node(dialog, "资金支出率")
    assert spending.text(ACTUAL).endswith("%") and spending.text(SCORE) == "6"
    assert dialog.as_of.date().toPython().isoformat() == "2023-12-31"
    leaf = next(node for node in dialog._nodes() if node.childCount() == 0 and node.parent() is not None
                and node.parent().parent() is not None)
    weight = evaluation.points(leaf.text(WEIGHT), "")
    leaf.setText(DEDUCTION, "0.5")
    assert "总分 95.50 分" in dialog.status.text() and leaf.text(SCORE) == evaluation.points_text(weight - 50)
    before = _events(demo_engine)
    assert not dialog.save()  # no reason for the half point
    assert shown and "须写明扣分原因" in shown[0] and _events(demo_engine) == before and _saved_total(demo_engine) == "96"
    leaf.setText(REASON, "抽查中有一处不达标。")
    assert dialog.save()
    assert _saved_total(demo_engine) == "95.50" and _events(demo_engine) == before + 1
    with unit_of_work(demo_engine) as session:
        assert verify.verify_database(session).ok


def test_items_added_and_weights_set_by_hand(qtbot, demo_engine):
    dialog = _dialog(qtbot, demo_engine)
    group = next(node for node in dialog._nodes() if node.childCount() >= 2 and node.parent() is not None)
    weight = evaluation.points(group.text(WEIGHT), "")
    dialog.tree.setCurrentItem(group)
    dialog.add_child()
    children = [group.child(k) for k in range(group.childCount())]
    shares = [evaluation.points(child.text(WEIGHT), "") for child in children]
    assert sum(shares) == weight and max(shares) - min(shares) <= 10  # an equal split in tenths
    first = children[0]
    first.setText(WEIGHT, evaluation.points_text(weight))  # all of the group's points by hand
    assert [evaluation.points(child.text(WEIGHT), "") for child in children[1:]] == [0] * (len(children) - 1)
    first.setText(WEIGHT, evaluation.points_text(weight + 100))  # more than the group has
    assert "不符" in dialog.status.text()
    first.setText(WEIGHT, "")  # split again
    assert [evaluation.points(child.text(WEIGHT), "") for child in children] == shares
    dialog.tree.setCurrentItem(children[-1])
    dialog.remove()
    assert group.childCount() == len(children) - 1


def test_the_form_goes_out_and_comes_back(qtbot, demo_engine, tmp_path, monkeypatch):
    dialog = _dialog(qtbot, demo_engine)
    target = tmp_path / "评分表.xlsx"
    monkeypatch.setattr("app.ui.evaluation_dialog.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    dialog.export_form()
    assert target.exists() and "已导出评分表" in dialog.status.text()
    count = len(dialog._nodes())
    dialog.tree.clear()
    dialog.load_form(target)
    assert len(dialog._nodes()) == count and "总分 96 分" in dialog.status.text()


def test_read_only_for_someone_without_a_finance_role(qtbot, demo_engine):
    dialog = _dialog(qtbot, demo_engine, "县审核")
    assert not dialog.save_button.isEnabled() and not dialog.add_button.isEnabled()
    assert dialog.tree.topLevelItemCount() >= 3


def test_computed_cells_have_no_editor_and_the_scheme_can_change(qtbot, demo_engine, monkeypatch):
    from PySide6.QtWidgets import QStyleOptionViewItem
    dialog = _dialog(qtbot, demo_engine)
    spending = _node(dialog, "资金支出率")
    delegate, option = dialog.tree.itemDelegate(), QStyleOptionViewItem()

    def editor(node, column):
        return delegate.createEditor(dialog.tree.viewport(), option, dialog.tree.indexFromItem(node, column))
    assert editor(spending, ACTUAL) is None and editor(spending, SCORE) is None
    assert editor(spending, DEDUCTION) is not None and editor(_node(dialog, "监管有效性"), ACTUAL) is not None
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog.scheme.setCurrentIndex(dialog.scheme.findData("national"))
    assert [dialog.tree.topLevelItem(n).text(NAME) for n in range(dialog.tree.topLevelItemCount())] == [
        "预算执行率", "产出指标", "效益指标", "满意度指标"]
    assert "总分 100 分" in dialog.status.text()
