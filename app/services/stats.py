"""Row counts of every table, for `bangzhen stats` and the tests."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Base

TABLE_LABELS = {
    "city": "地市", "county": "县（市、区）", "town": "乡镇（街道）", "village": "行政村", "work_team": "驻镇帮扶工作队",
    "work_team_member": "工作队队员", "fund": "资金", "fund_income": "资金收入", "allocation": "资金下达",
    "project": "项目", "project_indicator": "项目绩效目标", "project_village": "项目涉及村", "expenditure": "支出",
    "task_item": "任务清单", "performance_target": "绩效目标", "pairing": "结对帮扶",
    "east_west_pairing": "东西部协作结对", "user_account": "用户",
    "role_grant": "用户角色", "audit_event": "审计日志", "setting": "设置",
}


def table_counts(session: Session) -> dict[str, int]:
    """{table name: rows}, in the order of `TABLE_LABELS`."""
    tables = Base.metadata.tables
    return {name: session.scalar(select(func.count()).select_from(tables[name])) for name in TABLE_LABELS}
