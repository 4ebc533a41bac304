"""The ledger GUI on the demo database: entering an expenditure (stored exactly, refused over the
amount or with a bad amount), 红字冲销 from the project's ledger, the buttons each login sees, and
the region ledger by project and by town agreeing with the services."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from sqlalchemy import select

from app.models import (Expenditure, InvalidAmount, Money, Project, ProjectStatus, SupportMethod, Town, User,
                        format_percent)
from app.services import database, ledger, projects
from app.services.database import unit_of_work
from app.services.money import payments
from app.services.regions import find_region
from app.ui import ledger_model
from app.ui.expenditure_dialog import ExpenditureDialog, parse_yuan
from app.ui.ledger_model import ExpenditureTableModel, LedgerTableModel, TownLedgerModel
from app.ui.ledger_view import TOWN_MODE, LedgerView
from app.ui.login import Login
from app.ui.project_ledger_dialog import ProjectLedgerDialog, ReversalDialog

COUNTY = "441624"
TOWN = "大坝镇"


def paid_project(engine) -> tuple[int, str]:
    """大坝镇's first project under way with payments that may be paid before 验收: (id, name)."""
    with unit_of_work(engine) as session:
        row = session.execute(
            select(Project.id, Project.name).join(Town, Town.id == Project.town_id)
            .where(Town.name == TOWN, Project.status == ProjectStatus.in_progress,
                   Project.support_method != SupportMethod.build_then_subsidise,
                   Project.id.in_(select(Expenditure.project_id))).order_by(Project.id)).first()
        return row.id, row.name


def login_as(engine, username: str) -> Login:
    with unit_of_work(engine) as session:
        return Login.of(session.scalar(select(User).where(User.username == username)))


def project_id(engine) -> int:
    return paid_project(engine)[0]


def stored(path, pid: int) -> list[Expenditure]:
    """The project's expenditures as a fresh connection to the file sees them."""
    engine = database.connect(path)
    try:
        with unit_of_work(engine) as session:
            rows = ledger.expenditures(session, pid)
            session.expunge_all()
            return rows
    finally:
        engine.dispose()


def type_text(widget, text: str) -> None:
    """Commit text as an input method does (QTest.keyClicks drops Chinese characters)."""
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    """The texts of the warning boxes the GUI would show (instead of blocking on them)."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: shown.append(text))
    return shown


def spend_dialog(qtbot, engine, pid: int, username: str = "县财政") -> ExpenditureDialog:
    dialog = ExpenditureDialog(engine, login_as(engine, username), pid)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_parse_yuan_is_exact_and_strict():
    """Amounts are read exactly in 分, with thousands commas or full-width digits; anything else is refused."""
    assert parse_yuan("12,345.67") == Money(1234567)
    assert parse_yuan(" １２３．４ ") == Money(12340)
    assert parse_yuan("0.01") == Money(1)
    for text, message in (("1.234", "最多两位小数"), ("-5", "须大于 0"), ("0", "须大于 0"), ("", "请填写金额"),
                          ("1,2345", "不是有效的金额"), ("1e5", "不是有效的金额"), ("NaN", "不是有效的金额")):
        with pytest.raises(InvalidAmount, match=message):
            parse_yuan(text)


def test_enter_expenditure_through_dialog(qtbot, demo_engine, demo_path, warnings):
    """Typed into the dialog and confirmed with Enter, the expenditure is stored to the 分."""
    pid = project_id(demo_engine)
    before = stored(demo_path, pid)
    dialog = spend_dialog(qtbot, demo_engine, pid)
    assert "尚可支付" in dialog.balance.text() and dialog.ok_button.isEnabled()
    assert dialog.source.count() == 3 and dialog.source.currentText().startswith("省级财政（尚可支付")
    assert dialog.spent_on.date() == QDate.currentDate() == dialog.spent_on.maximumDate()
    QTest.keyClicks(dialog.amount, "12,345.67")
    assert "12,345.67" in dialog.amount_hint.text()
    type_text(dialog.payee, "和平县宏达建设工程有限公司")
    QTest.keyClicks(dialog.voucher_no, "V-2024-001")
    type_text(dialog.purpose, "支付第二期进度款")
    QTest.keyClick(dialog.purpose, Qt.Key.Key_Return)
    assert warnings == []
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.saved_expenditure_id
    after = stored(demo_path, pid)
    assert len(after) == len(before) + 1
    entry, = [e for e in after if e.id == dialog.saved_expenditure_id]
    assert entry.amount == Money(1234567) and entry.payee == "和平县宏达建设工程有限公司"
    assert entry.voucher_no == "V-2024-001" and entry.purpose == "支付第二期进度款"
    assert entry.spent_on == date.today()


def test_over_amount_is_refused_and_input_kept(qtbot, demo_engine, demo_path, warnings):
    """One 分 more than what is left of the source: the service's message, the dialog stays with its input,
    nothing stored."""
    pid = project_id(demo_engine)
    with unit_of_work(demo_engine) as session:
        left = payments.source_balances(session, pid)[0].room
    before = stored(demo_path, pid)
    dialog = spend_dialog(qtbot, demo_engine, pid)
    too_much = (left + Money(1)).format_yuan()
    dialog.amount.setText(too_much)
    dialog.payee.setText("某公司")
    dialog.voucher_no.setText("V-9")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert len(warnings) == 1 and f"省级财政尚可支付 {left.format_yuan()} 元" in warnings[0]
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.saved_expenditure_id is None
    assert (dialog.amount.text(), dialog.payee.text(), dialog.voucher_no.text()) == (too_much, "某公司", "V-9")
    assert len(stored(demo_path, pid)) == len(before)


@pytest.mark.parametrize("text, message", [("1.234", "最多两位小数"), ("-5", "须大于 0"), ("12元5角", "不是有效的金额")])
def test_invalid_amount_is_refused_inline(qtbot, demo_engine, demo_path, warnings, text, message):
    """A bad amount is explained under the field as it is typed; OK then stores nothing and shows no box."""
    pid = project_id(demo_engine)
    before = stored(demo_path, pid)
    dialog = spend_dialog(qtbot, demo_engine, pid)
    dialog.amount.setText(text)
    assert message in dialog.amount_hint.text()
    dialog.payee.setText("某公司")
    dialog.voucher_no.setText("V-9")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert message in dialog.amount_hint.text() and warnings == []
    assert len(stored(demo_path, pid)) == len(before)


def test_missing_payee_is_asked_for_inline(qtbot, demo_engine, demo_path, warnings):
    pid = project_id(demo_engine)
    before = stored(demo_path, pid)
    dialog = spend_dialog(qtbot, demo_engine, pid)
    dialog.amount.setText("100")
    dialog.voucher_no.setText("V-9")
    dialog.accept()
    assert dialog.message.text() == "请填写收款单位（人）。" and warnings == []
    assert len(stored(demo_path, pid)) == len(before)


@pytest.mark.parametrize("status", [ProjectStatus.double_signed, ProjectStatus.approved])
def test_dialog_blocks_projects_the_plan_has_not_reached(qtbot, demo_engine, status):
    """Not yet in the library, or in it as a reserve the county arranged no money for: the dialog says
    so and cannot be confirmed."""
    with unit_of_work(demo_engine) as session:
        pid = session.scalar(select(Project.id).where(Project.status == status))
    dialog = spend_dialog(qtbot, demo_engine, pid)
    assert "纳入县级资金安排后才能支付" in dialog.blocked.text() and not dialog.ok_button.isEnabled()


def test_dialog_tells_a_town_officer_that_the_county_pays(qtbot, demo_engine):
    dialog = spend_dialog(qtbot, demo_engine, project_id(demo_engine), f"{TOWN}经办")
    assert "由县级财政支付" in dialog.blocked.text() and not dialog.ok_button.isEnabled()


def test_reversal_through_project_ledger(qtbot, demo_engine, demo_path, warnings):
    """红字冲销 from the project's ledger: a negative entry linked to the original; neither may be reversed again."""
    pid = project_id(demo_engine)
    dialog = ProjectLedgerDialog(demo_engine, login_as(demo_engine, "县财政"), pid)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.spend_button.isVisible() and dialog.reverse_button.isVisible()
    assert not dialog.reverse_button.isEnabled()  # nothing selected
    rows = dialog.model.rowCount()
    first = next(r for r in range(rows) if dialog.model.line(r).may_reverse)
    original = dialog.model.line(first)
    dialog.table.selectRow(first)
    assert dialog.reverse_button.isEnabled()
    changed = []
    dialog.ledger_changed.connect(changed.append)

    def give_reason():
        modal = QApplication.activeModalWidget()
        assert isinstance(modal, ReversalDialog)
        modal.accept()  # no reason: refused inline, stays open
        assert modal.isVisible() and modal.message.text() == "请填写冲销原因。"
        type_text(modal.reason, "金额录错")
        qtbot.mouseClick(modal.ok_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, give_reason)
    qtbot.mouseClick(dialog.reverse_button, Qt.MouseButton.LeftButton)
    assert warnings == [] and changed == [pid]
    assert dialog.model.rowCount() == rows + 1
    entries = {e.id: e for e in stored(demo_path, pid)}
    reversal, = [e for e in entries.values() if e.reversal_of_id == original.id]
    assert reversal.amount == -original.amount and reversal.purpose == "红字冲销：金额录错"
    reversal_row = dialog.model.row_of(reversal.id)
    assert dialog.model.data(dialog.model.index(reversal_row, 5)) == "红字冲销"
    assert dialog.model.data(dialog.model.index(reversal_row, 4), Qt.ItemDataRole.ForegroundRole).color().name() \
        == ledger_model.RED.name()
    assert dialog.model.data(dialog.model.index(dialog.model.row_of(original.id), 5)) == "已冲销"
    for entry_id in (original.id, reversal.id):
        dialog.table.selectRow(dialog.model.row_of(entry_id))
        assert not dialog.reverse_button.isEnabled()
    with unit_of_work(demo_engine) as session:
        spent = projects.net_spent(session, pid)
    assert f"已支出 {spent.format_yuan()} 元" in dialog.totals.text()


def test_spend_from_project_ledger(qtbot, demo_engine, demo_path, warnings):
    """录入支出… opens the expenditure dialog; the new entry appears in the list and the totals."""
    pid = project_id(demo_engine)
    dialog = ProjectLedgerDialog(demo_engine, login_as(demo_engine, "县财政"), pid)
    qtbot.addWidget(dialog)
    dialog.show()
    rows = dialog.model.rowCount()

    def fill():
        modal = QApplication.activeModalWidget()
        assert isinstance(modal, ExpenditureDialog)
        modal.amount.setText("1,000.05")
        modal.payee.setText("和平县供销合作社")
        modal.voucher_no.setText("V-77")
        modal.ok_button.click()

    QTimer.singleShot(0, fill)
    qtbot.mouseClick(dialog.spend_button, Qt.MouseButton.LeftButton)
    assert warnings == [] and dialog.model.rowCount() == rows + 1
    new = dialog.selected_line()
    assert new is not None and new.voucher_no == "V-77" and new.amount == Money(100005)
    assert any(e.voucher_no == "V-77" for e in stored(demo_path, pid))


@pytest.mark.parametrize("username", [None, "大坝镇经办", "县审核"])
def test_ledger_buttons_only_for_who_may_use_them(qtbot, demo_engine, username):
    """Read-only, another town's officer and the reviewer see the list without 录入支出/红字冲销."""
    login = login_as(demo_engine, username) if username else None
    dialog = ProjectLedgerDialog(demo_engine, login, project_id(demo_engine))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.model.rowCount() > 0
    assert not dialog.spend_button.isVisible() and not dialog.reverse_button.isVisible()


@pytest.fixture
def view(qtbot, demo_engine):
    view = LedgerView(demo_engine)
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    with unit_of_work(demo_engine) as session:
        view.set_region(find_region(session, COUNTY))
    return view


def test_ledger_view_by_project_matches_the_service(view, demo_engine):
    """按项目: the county's spendable projects, 已支出 and 支出率 as the service computes them."""
    model = view.project_model
    pid, name = paid_project(demo_engine)
    with unit_of_work(demo_engine) as session:
        project = session.get(Project, pid)
        as_of = project.starts_on + (project.ends_on - project.starts_on) / 2  # half way through its plan
        ids = projects.project_ids(session, view.region, statuses=ledger.LISTED)
        line, = ledger.project_ledger(session, [pid], as_of)
        progress = ledger.period_progress(project.starts_on - timedelta(days=1), project.ends_on, as_of)
    assert model.rowCount() == len(ids) and f"项目 {len(ids)} 个" in view.summary.text()
    row = ids.index(pid)
    assert model.data(model.index(row, 0)) == name
    view.set_as_of(as_of)
    assert line.allocated == project.amount and 0 < progress < 1
    assert [model.data(model.index(row, c)) for c in (1, 2, 3, 4)] == [
        line.allocated.format_wan(2, True), line.spent.format_wan(2, True), format_percent(line.spend_rate),
        format_percent(progress)]
    lag = model.data(model.index(row, 5))
    assert lag == ("滞后" if line.lagging else "")
    lagging_row = next(r for r in range(model.rowCount()) if model.data(model.index(r, 5)) == "滞后")
    assert model.data(model.index(lagging_row, 5), Qt.ItemDataRole.ForegroundRole).color() == ledger_model.RED


def test_ledger_view_sorts_by_spend_rate(view):
    """Clicking 支出率 orders the projects by it (in SQL, so the model stays id-only)."""
    view.project_table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    model = view.project_model
    shown = [model.data(model.index(r, 3)) for r in range(model.rowCount())]
    rates = [Decimal(text.rstrip("%")) for text in shown if text != "—"]
    assert rates == sorted(rates, reverse=True) and rates[0] > rates[-1]
    assert "—" in shown and shown.index("—") == len(rates)  # reserves with nothing arranged come last


def test_ledger_view_project_activated(view, qtbot, demo_engine):
    """Enter on a project row asks for its ledger, by project id."""
    table = view.project_table
    table.setFocus()
    table.setCurrentIndex(view.project_model.index(3, 0))
    with qtbot.waitSignal(view.project_activated, timeout=1000) as signal:
        QTest.keyClick(table, Qt.Key.Key_Return)
    assert signal.args == [view.project_model.project_id(3)]


def test_ledger_view_by_town(view, demo_engine):
    """按镇: the demo fund is offered and each of the 17 towns shows its 因素法 share and spending."""
    view.set_mode(TOWN_MODE)
    assert view.fund.isVisible() and view.fund.count() == 1 and "和平县" in view.fund.currentText()
    with unit_of_work(demo_engine) as session:
        lines = ledger.town_ledger(session, view.fund.currentData(), view.region, view.as_of_date)
    model = view.town_model
    assert model.headerData(0, Qt.Orientation.Horizontal) == "镇" and model.rowCount() == len(lines) == 17
    for row, line in enumerate(lines):
        assert [model.data(model.index(row, c)) for c in (0, 1, 2)] == [
            line.name, line.allocated.format_wan(2, True), line.spent.format_wan(2, True)]
    assert len({line.allocated for line in lines}) > 1  # the factor method does not split evenly
    assert "镇 17 个，已安排 34,000.00 万元" in view.summary.text()
    with unit_of_work(demo_engine) as session:
        view.set_region(find_region(session, "4401"))  # 广州市: no plan arranges anything there
    assert view.fund.count() == 0 and model.rowCount() == 0 and "没有已签发的资金安排" in view.summary.text()


def test_ledger_rows_load_on_demand(qapp, demo_engine, monkeypatch):
    """Only the block around a requested row is read, in one query per block."""
    calls = []
    original = ledger.project_ledger
    monkeypatch.setattr(ledger, "project_ledger",
                        lambda s, ids, as_of: calls.append(len(ids)) or original(s, ids, as_of))
    monkeypatch.setattr(ledger_model, "BLOCK", 10)
    model = LedgerTableModel(demo_engine)
    with unit_of_work(demo_engine) as session:
        model.set_region(find_region(session, COUNTY))
    assert calls == []
    last = model.rowCount() - 1
    assert model.data(model.index(last, 0))
    model.data(model.index(last - last % 10, 3))  # same block: served from the cache
    assert calls == [model.rowCount() - (last - last % 10)]


def test_models_pass_qt_model_tester(qtmodeltester, demo_engine):
    with unit_of_work(demo_engine) as session:
        region = find_region(session, COUNTY)
        lines = ledger.town_ledger(session, ledger.funds_for_town_ledger(session, region)[0].id, region, date.today())
        entries = ledger.expenditure_lines(session, project_id(demo_engine))
    projects_model = LedgerTableModel(demo_engine)
    projects_model.set_region(region)
    qtmodeltester.check(projects_model, force_py=True)
    towns = TownLedgerModel()
    towns.set_lines(lines)
    qtmodeltester.check(towns, force_py=True)
    expenditures = ExpenditureTableModel()
    expenditures.set_lines(entries)
    qtmodeltester.check(expenditures, force_py=True)


def test_ledger_view_by_town_sorts(view, qtbot):
    """按镇 sorts by any column with a click (all towns held: a province has about 1,600), and back to
    the towns' code order when the sort is cleared; a new 基准日 keeps the chosen order."""
    view.set_mode(TOWN_MODE)
    model, header = view.town_model, view.town_table.horizontalHeader()
    in_code_order = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    view.town_table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    rates = [Decimal(model.data(model.index(r, 3)).rstrip("%")) for r in range(model.rowCount())]
    assert rates == sorted(rates, reverse=True) and rates[0] > rates[-1]
    view.town_table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    arranged = [model.line(r).allocated for r in range(model.rowCount())]
    assert arranged == sorted(arranged) and header.sortIndicatorSection() == 1
    view.set_as_of(date(2023, 10, 31))
    assert [model.line(r).allocated for r in range(model.rowCount())] == arranged
    model.sort(-1)
    assert [model.data(model.index(r, 0)) for r in range(model.rowCount())] == in_code_order


def test_ledger_view_sorted_by_spending_follows_the_day(view, demo_engine):
    """Sorted by 已支出, a new 基准日 re-orders the projects by what they had paid by then."""
    view.project_table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    model = view.project_model
    for day in (date(2023, 8, 31), date(2023, 12, 31)):
        view.set_as_of(day)
        with unit_of_work(demo_engine) as session:
            expected = ledger.ledger_ids(session, view.region, "spent", True, day)
        assert [model.project_id(r) for r in range(model.rowCount())] == expected
        spent = [model.line(r).spent for r in range(model.rowCount())]
        assert spent == sorted(spent, reverse=True)
