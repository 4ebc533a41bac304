"""Row counts of every table, for `bangzhen stats` and the tests: the standard library's sqlite3 alone,
so the quick command never waits for SQLAlchemy to load (see app.cli.quick)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.services import dbfile

TABLE_LABELS = {
    "city": "地市", "county": "县（市、区）", "town": "乡镇（街道）", "village": "行政村", "work_team": "驻镇帮扶工作队",
    "work_team_member": "工作队队员", "fund": "资金", "fund_income": "资金收入", "allocation": "资金下达",
    "project": "项目", "project_indicator": "项目绩效目标", "project_village": "项目涉及村", "expenditure": "支出",
    "task_item": "任务清单", "performance_target": "绩效目标", "pairing": "结对帮扶",
    "east_west_pairing": "东西部协作结对", "user_account": "用户",
    "role_grant": "用户角色", "audit_event": "审计日志", "setting": "设置",
}


def table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """{table name: rows}, in the order of `TABLE_LABELS` (the names are ours, never the user's)."""
    return {name: connection.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TABLE_LABELS}


def read_counts(path: str | Path) -> dict[str, int]:
    """`table_counts` of the database at `path`, read-only, once it is known to be a current one of ours."""
    return dbfile.read_only(path, table_counts)
