"""A county's database made by an earlier program (schema 0005, before 绩效自评) upgrades with its data
intact and verifying (after the administrator's first login, which signs the rows newer versions add);
the county's finance officer then fills the self-evaluation from the template (河源's 2023 targets), 资金支出率 computed from the county's own ledger, and verify still passes.

`data/demo_0005.sqlite.gz` is the demo that program made (`bangzhen demo` at commit 7ea0157), vacuumed
and gzipped, with the trust file it wrote beside it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.models import AuditEvent, Fund
from app.reports.request import Request
from app.reports.returns import RETURNS
from app.services import database, evaluation, evaluation_form, security, verify
from app.services.demo import DEMO_PASSWORD
from app.services.regions import find_region
from helpers import old_demo


def test_previous_version_upgrades_and_takes_a_self_evaluation(tmp_path):
    path = old_demo("0005", tmp_path)
    engine = database.connect(path, upgrade=True)
    try:
        with database.unit_of_work(engine) as session:  # signs the 东西部协作 rows migration 0007 wrote
            security.authenticate(session, "admin", DEMO_PASSWORD)
        with database.unit_of_work(engine) as session:
            events = session.scalar(select(func.count()).select_from(AuditEvent))
            assert verify.verify_database(session, db_path=str(path)).ok
        with database.unit_of_work(engine) as session:
            finance = security.authenticate(session, "县财政", DEMO_PASSWORD)
            fund = session.scalar(select(Fund).where(Fund.year == 2023))
            rows = evaluation_form.template_rows(session, fund, find_region(session, "441624"), "seed")
            rows[0][8] = "截至基准日的支出率见台账；项目按计划推进。"
            form = [dict(zip(evaluation_form.FORM_HEADER, row)) for row in rows]
            evaluation.save_evaluation(session, finance, fund.id, "441624", as_of=date(2023, 12, 31), scheme="seed",
                                       items=evaluation_form.items_from_rows("seed", form))
        with database.unit_of_work(engine) as session:
            assert session.scalar(select(func.count()).select_from(AuditEvent)) > events
            assert verify.verify_database(session, db_path=str(path)).ok
            table = RETURNS["level1-scores"].tables(session, Request("441624", 2023, str(fund.id)))[0]
            assert table.text_grid()[1] == ["总分", "100", "100", "100%"]
            saved = evaluation.score(session, evaluation.evaluation_for(session, fund.id, "441624"))
            spending = next(s for s in saved.items if s.item.measure == evaluation.SPENDING_RATE)
            assert spending.actual.endswith("%") and spending.actual != "0.00%"
    finally:
        engine.dispose()
