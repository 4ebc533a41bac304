"""The project-level returns no seed prints (RETURNS.md §2.13), each grouped by town with a 小计 per town
and 合计 last, for the scope's 项目库 projects (审定 and after) of the year:
- `project-library` 项目库清单: every library field of the signed content (FIELD_LABELS but the town,
  the fund and the 绩效目标, which the 审批表 prints), on A3;
- `progress` 项目实施进度表: 已安排 (the plans in force), 已支出 up to the 基准日, 支出率, the project's
  序时进度 and a 滞后 flag where spending lags it by more than the county's margin (services.ledger);
- `assets` 扶贫项目资产台账: each asset with its owner, 管护主体 and yearly upkeep (services.money.assets).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AMOUNT_COLUMNS, City, Money, Project, TaskItem, Town, rate
from app.reports.request import Request, as_of, date_text
from app.reports.table import AMOUNT, COUNT, RATE, SUBTOTAL, TEXT, TOTAL, Column, Merge, Row, Table, runs
from app.services.content import project_contents
from app.services.content_text import FIELD_LABELS, display
from app.services.errors import InputError
from app.services.ledger import LISTED, project_ledger
from app.services.money.assets import asset_lines
from app.services.money.funds import find_fund
from app.services.regions import find_region
from app.services.security import towns_covered

LIBRARY_FIELDS = [f for f in FIELD_LABELS if f not in ("town", "fund", "indicators", "year")]
WIDE_FIELDS = {"name": 10, "content": 16, "location": 7, "task_item": 9, "farmer_linkage": 10, "beneficiaries": 7,
               "responsible_unit": 7, "villages": 7}
DATE_FIELDS = ("starts_on", "ends_on", "publicity_starts_on")


def _projects(session: Session, request: Request, *columns) -> list[tuple]:
    """(id, town name, status label, *columns) of the scope's library projects of the year (of the fund,
    if named), by town."""
    scope = find_region(session, request.scope)
    query = (select(Project.id, Town.name, Project.status, *columns).join(Town, Town.id == Project.town_id)
             .where(Project.status.in_(LISTED), Project.year == request.year).order_by(Town.code, Project.id))
    if request.fund:
        query = query.where(Project.fund_id == find_fund(session, request.fund).id)
    found = session.execute(towns_covered(query, [scope.code])).all()
    if not found:
        raise InputError(f"{scope.name}没有{request.year}年已审定入库的项目。", "no library projects")
    return [(pid, town, status.label, *rest) for pid, town, status, *rest in found]


def _by_town(towns: list[str], lines: list[list[Any]], columns: list[Column], title: str, name: str,
             header: list[str], **options) -> Table:
    """序号 | 乡镇 | ...: the town merged over its projects, a 小计 after each town (when there are several)
    and 合计 last, summing the amount and count columns."""
    summed = [n for n, column in enumerate(columns) if column.kind in (AMOUNT, COUNT) and n > 1]
    rows, merges = [], []

    def total(kind: str, label: str, part: list[list[Any]]) -> None:
        cells = [label, ""] + [""] * (len(columns) - 2)
        for n in summed:
            values = [line[n] for line in part if line[n] not in (None, "")]
            cells[n] = Money.total(values) if columns[n].kind == AMOUNT else sum(values)
        merges.append(Merge(1 + len(rows), 0, cols=2))
        rows.append(Row(cells, kind))

    start = 0
    several = len(set(towns)) > 1
    for n in range(1, len(lines) + 1):
        if n == len(lines) or towns[n] != towns[start]:
            merges.extend(runs(towns[start:n], (1,), first_row=1 + len(rows)))
            rows += [Row([start + k + 1, towns[start + k], *line[2:]]) for k, line in enumerate(lines[start:n])]
            if several:
                total(SUBTOTAL, "小计", lines[start:n])
            start = n
    total(TOTAL, "合计", lines)
    return Table(name, title, columns, [header], rows, merges=merges, **options)


def build_project_library(session: Session, request: Request) -> Table:
    projects = _projects(session, request, Project.approved_on)
    contents = project_contents(session, [pid for pid, *_ in projects])
    names = _task_names(session)
    columns = [Column(COUNT, 3, centred=True), Column(TEXT, 5)]
    header = ["序号", "乡镇"]
    for field in LIBRARY_FIELDS:
        amount = field.startswith("amount_")
        width = WIDE_FIELDS.get(field, 6 if field in DATE_FIELDS else 5)
        columns.append(Column(AMOUNT, 6, 6, minimal=True) if amount else
                       Column(TEXT, width, left_aligned=field in WIDE_FIELDS))
        header.append(FIELD_LABELS[field])
    columns += [Column(AMOUNT, 6, 6, minimal=True), Column(TEXT, 5), Column(TEXT, 5)]
    header += ["项目资金合计（万元）", "状态", "审定日期"]
    lines = []
    for pid, town, status, approved_on in projects:
        content = contents[pid]
        cells = [None, town]
        for field in LIBRARY_FIELDS:
            value = content.get(field)
            if field.startswith("amount_"):
                cells.append(Money(value or 0))
            elif field == "task_item":
                cells.append(names.get(value, "") if value else "")
            else:
                cells.append("" if value in (None, "") else display(field, value))
        cells += [Money.total(Money(content.get(c) or 0) for c in AMOUNT_COLUMNS.values()), status, _day(approved_on)]
        lines.append(cells)
    title = f"{request.year}年驻镇帮镇扶村项目库清单"
    return _by_town([town for _, town, *_ in projects], lines, columns, title, "project-library", header,
                    heading=[f"填报单位：{find_region(session, request.scope).name}"], landscape=True, paper="A3")


def _task_names(session: Session) -> dict[str, str]:
    """A task item's name by the key the content names it with (city code/year/position)."""
    return {f"{code}/{year}/{position}": name for code, year, position, name in session.execute(
        select(City.code, TaskItem.year, TaskItem.position, TaskItem.name).join(City, City.id == TaskItem.city_id))}


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def build_progress(session: Session, request: Request) -> Table:
    projects = _projects(session, request, Project.name, Project.starts_on, Project.ends_on, Project.started_on,
                         Project.completed_on, *[getattr(Project, column) for column in AMOUNT_COLUMNS.values()])
    day = as_of(request)
    ledger = {line.id: line for line in project_ledger(session, [pid for pid, *_ in projects], day)}
    columns = [Column(COUNT, 3, centred=True), Column(TEXT, 5), Column(TEXT, 12, left_aligned=True), Column(TEXT, 5),
               Column(TEXT, 6), Column(TEXT, 6), Column(TEXT, 6), Column(TEXT, 6),
               Column(AMOUNT, 6), Column(AMOUNT, 6), Column(AMOUNT, 6), Column(RATE, 5), Column(RATE, 5), Column(TEXT, 4)]
    header = ["序号", "乡镇", "项目名称", "状态", "计划开工", "计划完工", "实际开工", "完工日期", "项目资金（万元）",
              "已安排（万元）", "已支出（万元）", "支出率", "序时进度", "提示"]
    lines = []
    for pid, town, status, name, starts, ends, started, completed, *amounts in projects:
        line = ledger[pid]
        lines.append([None, town, name, status, _day(starts), _day(ends), _day(started), _day(completed),
                      Money.total(a or Money(0) for a in amounts), line.allocated, line.spent, line.spend_rate,
                      line.progress, "滞后" if line.lagging else ""])
    table = _by_town([town for _, town, *_ in projects], lines, columns, f"{request.year}年项目实施进度表",
                     "progress", header, heading=[f"填报单位：{find_region(session, request.scope).name}",
                                                  f"基准日：{date_text(day)}"], landscape=True)
    for row in table.rows:  # a total's 支出率 is its own sums', and it has no one 序时进度
        if row.kind in (SUBTOTAL, TOTAL):
            row.cells[11], row.cells[12] = rate(row.cells[10], row.cells[9]), ""
    return table


def build_assets(session: Session, request: Request) -> Table:
    scope = find_region(session, request.scope)
    lines = asset_lines(session, scope.code)
    if not lines:
        raise InputError(f"{scope.name}还没有登记资产（项目验收时登记）。", "no assets")
    columns = [Column(COUNT, 3, centred=True), Column(TEXT, 5), Column(TEXT, 12, left_aligned=True), Column(TEXT, 6),
               Column(AMOUNT, 6), Column(TEXT, 9), Column(TEXT, 9), Column(AMOUNT, 6), Column(TEXT, 6)]
    header = ["序号", "乡镇", "资产名称", "资产类型", "资产价值（万元）", "所有权人", "管护主体", "年度管护经费（万元）",
              "移交日期"]
    rows = [[None, a.town, a.name, a.asset_type.label, a.value, a.owner, a.custodian, a.upkeep_yearly,
             _day(a.handed_over_on)] for a in lines]
    return _by_town([a.town for a in lines], rows, columns, "扶贫项目资产台账", "assets", header,
                    heading=[f"填报单位：{scope.name}"], landscape=True)
