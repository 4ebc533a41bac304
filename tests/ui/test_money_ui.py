"""The money windows on the demo database, driven through their widgets: 资金与下达 (the tree, a county
→ town 下达 and its 到位, a county's reported 支出数 typed or read from its 表2-2), 年度资金安排 (read-only when signed, a revision edited with the 因素法 and
signed), 报账 and 支付审核 (a claim filed by the town, paid or rejected by county finance), 项目调整
(drafted in the editor, signed, approved) and the 资产台账 — each checked against the database."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox
from sqlalchemy import func, select

from app.models import (Allocation, AmendmentStatus, Claim, ClaimStatus, FundPlan, Money, PlanStatus, Project,
                        ProjectAmendment, ProjectStatus, ReportedSpending, SupportMethod, Town, User)
from app.reports.export import export
from app.reports.request import Request
from app.reports.returns import RETURNS
from app.services import demo, verify
from app.services.content import project_content
from app.services.database import unit_of_work
from app.ui.amendment_dialog import AmendmentDialog
from app.ui.assets_dialog import AssetsDialog
from app.ui.claims_dialog import ClaimForm, ClaimsDialog, PayForm, RejectForm
from app.ui.funds_dialog import AllocateForm, ArrivalForm, FundsDialog, ReportedForm
from app.ui.login import Login
from app.ui.plan_dialog import PlanDialog, SignPlanForm
from app.ui.project_editor import ProjectEditor
from helpers import in_modal

PW = demo.DEMO_PASSWORD


def login_as(engine, username: str) -> Login:
    with unit_of_work(engine) as session:
        return Login.of(session.scalar(select(User).where(User.username == username)))


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: shown.append(text))
    return shown


def test_funds_tree_and_a_county_allocation_to_a_town(qtbot, demo_engine, warnings):
    dialog = FundsDialog(demo_engine, login_as(demo_engine, "县财政"))
    qtbot.addWidget(dialog)
    dialog.show()
    top = dialog.tree.topLevelItem(0)
    assert top.text(0) == "河源市（4416）" and top.text(1) == "34,000.00"
    county = top.child(0)
    assert county.text(0) == "和平县（441624）" and county.text(4) == "34,000.00"  # 到位
    assert dialog.allocate_button.isVisible() and not dialog.arrive_button.isEnabled()

    def allocate(form: AllocateForm):
        form.target.setCurrentIndex(form.target.findData("441624100"))
        form.amount.setText("1200")
        form.accept()  # no 文号: refused inline, stays open
        assert form.isVisible() and "文号" in form.error.text()
        form.doc.setText("和财农〔2023〕18号")
        form.accept()
    in_modal(AllocateForm, allocate)
    qtbot.mouseClick(dialog.allocate_button, Qt.MouseButton.LeftButton)
    town = dialog.tree.topLevelItem(0).child(0).child(0)
    assert town.text(0) == "阳明镇（441624100）" and town.text(1) == "1,200.00"
    dialog.tree.setCurrentItem(town)
    assert dialog.arrive_button.isEnabled()

    def arrive(form: ArrivalForm):
        form.amount.setText("1200")
        form.voucher.setText("和财收 001")
        form.accept()
    in_modal(ArrivalForm, arrive)
    qtbot.mouseClick(dialog.arrive_button, Qt.MouseButton.LeftButton)
    assert dialog.tree.topLevelItem(0).child(0).child(0).text(4) == "1,200.00" and warnings == []
    with unit_of_work(demo_engine) as session:
        assert session.scalar(select(func.count()).select_from(Allocation).where(Allocation.town_id.is_not(None))) == 1


def test_funds_window_is_read_only_for_a_town_officer(qtbot, demo_engine):
    dialog = FundsDialog(demo_engine, login_as(demo_engine, "阳明镇经办"))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.tree.topLevelItemCount() == 1
    assert not dialog.allocate_button.isVisible() and not dialog.arrive_button.isVisible()


def _plan_window(qtbot, engine) -> PlanDialog:
    dialog = PlanDialog(engine, login_as(engine, "县财政"), "441624")
    qtbot.addWidget(dialog)
    dialog.show()
    assert "第 1 版（已签发）" in dialog.state.text() and "和府〔2023〕31号" in dialog.state.text()
    assert not dialog.save_button.isEnabled() and dialog.new_button.isEnabled()
    qtbot.mouseClick(dialog.new_button, Qt.MouseButton.LeftButton)
    assert "第 2 版（草拟中）" in dialog.state.text() and dialog.save_button.isEnabled()
    return dialog


def test_plan_revision_signed_in_the_window(qtbot, demo_engine, warnings):
    """A revision takes in a reserve project and is signed: the project becomes 已纳入计划."""
    dialog = _plan_window(qtbot, demo_engine)
    with unit_of_work(demo_engine) as session:
        reserve = session.scalar(select(Project).where(Project.status == ProjectStatus.approved))
        reserve_id, reserve_amount = reserve.id, reserve.amount_provincial
    row = dialog._project_ids.index(reserve_id)
    cell = dialog.projects.item(row, 4)  # 省级财政
    assert cell.text() == "" and cell.flags() & Qt.ItemFlag.ItemIsEditable
    cell.setText(reserve_amount.format_wan(2))

    def sign(form: SignPlanForm):
        form.password.setText(PW)
        form.accept()  # a revision needs its own 文号: refused inline, the form stays open
        assert form.isVisible() and "须填写文号" in form.error.text()
        form.doc.setText("和府〔2023〕52号")
        form.accept()
    in_modal(SignPlanForm, sign)
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    assert "第 2 版（已签发）" in dialog.state.text(), (dialog.checks.text(), warnings)
    with unit_of_work(demo_engine) as session:
        assert session.get(Project, reserve_id).status is ProjectStatus.planned
        assert [p.status for p in session.scalars(select(FundPlan).order_by(FundPlan.revision))] == [
            PlanStatus.superseded, PlanStatus.in_force]
        assert verify.verify_database(session).ok


def test_factor_method_fills_the_towns_and_the_plan_checks_them(qtbot, demo_engine, tmp_path, warnings):
    """Equal factors give every town 2,000 万元; saved, the plan says which towns' projects exceed it."""
    dialog = _plan_window(qtbot, demo_engine)
    book = Workbook()
    sheet = book.active
    sheet.title = "因素"
    sheet.append(["乡镇", "人口", "行政村数"])
    with unit_of_work(demo_engine) as session:
        for code, in session.execute(select(Town.code).where(Town.code.startswith("441624")).order_by(Town.code)):
            sheet.append([code, 20000, 12])
    sheet.append(["权重", 60, 40])
    book.save(tmp_path / "w.xlsx")
    dialog.apply_factor_file(str(tmp_path / "w.xlsx"))
    assert "因素法测算合计 34,000.00 万元" in dialog.checks.text()
    assert {dialog.towns.item(r, 1).text() for r in range(dialog.towns.rowCount())} == {"2000.00"}
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    with unit_of_work(demo_engine) as session:
        plan = session.scalar(select(FundPlan).where(FundPlan.status == PlanStatus.draft))
        assert {t.amount.format_wan(2) for t in plan.towns} == {"2000.00"} and len(plan.towns) == 17
        over = [t for t in plan.towns if Money.total(l.amount for l in plan.lines
                                                     if l.project.town_id == t.town_id) > t.amount]
    assert ("超出该镇安排额" in dialog.checks.text()) == bool(over)


def _payable(engine) -> tuple[int, str]:
    """A project under way, payable before 验收, with no 项目调整 yet."""
    with unit_of_work(engine) as session:
        project = session.scalar(select(Project).where(
            Project.status == ProjectStatus.in_progress, Project.support_method != SupportMethod.build_then_subsidise,
            Project.id.not_in(select(ProjectAmendment.project_id))).order_by(Project.id))
        return project.id, project.town.name


def test_claim_filed_by_the_town_and_paid_or_rejected_by_finance(qtbot, demo_engine, warnings):
    project_id, town = _payable(demo_engine)
    officer = ClaimsDialog(demo_engine, login_as(demo_engine, f"{town}经办"), project_id)
    qtbot.addWidget(officer)
    officer.show()
    assert officer.new_button.isVisible() and not officer.pay_button.isVisible()
    before = officer.table.rowCount()

    def claim(amount: str, purpose: str):
        def fill(form: ClaimForm):
            form.amount.setText(amount)
            form.payee.setText("和平县宏达建设工程有限公司")
            form.purpose.setText(purpose)
            form.vouchers.setText(f"发票 {purpose}")
            form.accept()
        return fill
    for amount, purpose in (("1,000.50", "第三期进度款"), ("20.00", "资料费")):
        in_modal(ClaimForm, claim(amount, purpose))
        qtbot.mouseClick(officer.new_button, Qt.MouseButton.LeftButton)
    assert officer.table.rowCount() == before + 2 and warnings == []

    finance = ClaimsDialog(demo_engine, login_as(demo_engine, "县财政"), project_id)
    qtbot.addWidget(finance)
    finance.show()
    assert finance.pay_button.isVisible() and not finance.new_button.isVisible()
    with unit_of_work(demo_engine) as session:
        first, second = session.scalars(select(Claim.id).where(Claim.project_id == project_id,
                                                               Claim.status == ClaimStatus.filed)
                                        .order_by(Claim.id)).all()[-2:]

    def select_claim(claim_id: int):
        row = next(r for r in range(finance.table.rowCount()) if finance.table.item(r, 0).text() == str(claim_id))
        finance.table.selectRow(row)
    select_claim(first)
    in_modal(PayForm, lambda form: (form.voucher.setText("HP-P-0099"), form.accept()))
    qtbot.mouseClick(finance.pay_button, Qt.MouseButton.LeftButton)
    select_claim(second)
    in_modal(RejectForm, lambda form: (form.reason.setText("资料费不属于本项目开支"), form.accept()))
    qtbot.mouseClick(finance.reject_button, Qt.MouseButton.LeftButton)
    with unit_of_work(demo_engine) as session:
        paid, rejected = session.get(Claim, first), session.get(Claim, second)
        assert paid.status is ClaimStatus.paid and paid.expenditure.amount.format_yuan() == "1,000.50"
        assert rejected.status is ClaimStatus.rejected and rejected.reason == "资料费不属于本项目开支"


def test_amendment_drafted_signed_and_approved_in_the_windows(qtbot, demo_engine, monkeypatch, warnings):
    project_id, town = _payable(demo_engine)
    with unit_of_work(demo_engine) as session:
        assert session.scalar(select(ProjectAmendment).where(ProjectAmendment.project_id == project_id)) is None
        before = project_content(session, project_id)
    officer = login_as(demo_engine, f"{town}经办")
    dialog = AmendmentDialog(demo_engine, officer, project_id)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.draft_button.isVisible() and not dialog.sign_button.isVisible()
    qtbot.mouseClick(dialog.draft_button, Qt.MouseButton.LeftButton)
    assert dialog.draft_requested
    editor = ProjectEditor(demo_engine, officer, project_id=project_id, amend=True)
    qtbot.addWidget(editor)
    assert not editor.read_only and editor.windowTitle().startswith("项目调整")
    editor.fields["location"].set("调整后的建设地点")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("设计变更", True))
    editor.save()
    assert editor.saved_amendment_id and warnings == []
    for username in (f"{town}书记", f"{town}队长"):
        signer = AmendmentDialog(demo_engine, login_as(demo_engine, username), project_id)
        qtbot.addWidget(signer)
        signer.show()
        assert signer.sign_button.isVisible()
        in_modal(type(signer)._sign.__globals__["_PasswordForm"],
                 lambda form: (form.password.setText(PW), form.accept()))
        qtbot.mouseClick(signer.sign_button, Qt.MouseButton.LeftButton)
    reviewer = AmendmentDialog(demo_engine, login_as(demo_engine, "县审核"), project_id)
    qtbot.addWidget(reviewer)
    reviewer.show()
    assert "调整已双签" in reviewer.page.toPlainText() and "调整后的建设地点" in reviewer.page.toPlainText()
    with unit_of_work(demo_engine) as session:  # still the approved content until 审定
        assert project_content(session, project_id) == before
    in_modal(type(reviewer)._approve.__globals__["_PasswordForm"],
             lambda form: (form.password.setText(PW), form.accept()))
    qtbot.mouseClick(reviewer.approve_button, Qt.MouseButton.LeftButton)
    with unit_of_work(demo_engine) as session:
        assert project_content(session, project_id)["location"] == "调整后的建设地点"
        assert session.scalar(select(ProjectAmendment.status).where(ProjectAmendment.project_id == project_id)) \
            is AmendmentStatus.approved
        assert verify.verify_database(session).ok


def test_asset_register(qtbot, demo_engine):
    dialog = AssetsDialog(demo_engine, "441624")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.rowCount() > 0 and "资产" in dialog.summary.text()
    assert all(dialog.table.item(r, 4).text().endswith("股份经济合作社") for r in range(dialog.table.rowCount()))


def test_the_city_records_what_its_county_reported(qtbot, demo_engine, warnings, monkeypatch, tmp_path):
    dialog = FundsDialog(demo_engine, login_as(demo_engine, "市财政"))
    qtbot.addWidget(dialog)
    dialog.show()
    county = dialog.tree.topLevelItem(0).child(0)
    assert county.text(5).endswith("（2023-06-30）")  # the demo's half-year figure
    assert dialog.report_button.isVisible() and dialog.import_button.isVisible()

    def report(form: ReportedForm):
        form.region.setCurrentIndex(form.region.findData("441624"))
        form.amount.setText("三千")
        form.accept()  # not an amount: refused inline
        assert form.isVisible() and "金额" in form.error.text()
        form.amount.setText("3000")
        form.source.setText("电话报数")
        form.accept()
    in_modal(ReportedForm, report)
    qtbot.mouseClick(dialog.report_button, Qt.MouseButton.LeftButton)
    assert dialog.tree.topLevelItem(0).child(0).text(5).startswith("3,000.00（")

    path = tmp_path / "和平县表2-2.xlsx"
    with unit_of_work(demo_engine) as session:
        export(RETURNS["spending"].tables(session, Request("441624", 2023, "2", date(2023, 9, 30)))[0], path)
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text, *a, **k: asked.append(text)
                        or QMessageBox.StandardButton.Ok)
    assert dialog.import_returns([path])
    assert "和平县：截至 2023-09-30 支出" in asked[0] and warnings == []
    with unit_of_work(demo_engine) as session:
        days = session.scalars(select(ReportedSpending.as_of).where(ReportedSpending.region_code == "441624"))
        assert date(2023, 9, 30) in set(days)
