"""The year's 任务清单 (`task-list`, seed 003 附件1, RETURNS.md §2.10), as the province issued it to the
cities: 序号 (a Chinese numeral per city) and 市、县 merged over the city's tasks, 业务主管部门 over its
tasks, 用途类别 within a department; the cities in the seeds' order; landscape, the header on every page
and a merged value printed again after a page break (app.reports.pdf).

Where projects of the scope name a task (项目库 projects only: 审定 and after), three columns follow the
seed's ten: how many, their amount, and what they have paid up to the 基准日."""

from __future__ import annotations

import functools
import operator

from sqlalchemy import Integer, func, select, type_coerce
from sqlalchemy.orm import Session

from app.models import AMOUNT_COLUMNS, City, Expenditure, Money, Project, TaskItem, Town
from app.reports.figures import CITY_ORDER
from app.reports.request import Request, as_of
from app.reports.table import AMOUNT, COUNT, TEXT, Column, Row, Table, runs
from app.services.errors import InputError
from app.services.ledger import LISTED
from app.services.projects import sum_fen
from app.services.regions import find_region

NUMERALS = "一二三四五六七八九十"
HEADER = ["序号", "市、县", "业务主管部门", "用途类别", "任务性质", "任务名称", "实施方式", "任务量", "完成时限", "备注"]
WIDTHS = [4, 5, 7, 7, 6, 10, 6, 28, 6, 9]


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 13 → 十三, 21 → 二十一 (up to 99)."""
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else NUMERALS[tens - 1]) + "十" if tens else "") + (NUMERALS[ones - 1] if ones else "")


def build_task_list(session: Session, request: Request) -> Table:
    scope = find_region(session, request.scope)
    city_code = None if scope.level == "province" else scope.code[:4]
    query = select(TaskItem, City.code, City.name).join(City, City.id == TaskItem.city_id).where(
        TaskItem.year == request.year)
    if city_code:
        query = query.where(City.code == city_code)
    items = session.execute(query).all()
    if not items:
        raise InputError(f"没有{request.year}年{scope.name if city_code else ''}的任务清单。", "no task list")
    order = {code: n for n, code in enumerate(CITY_ORDER)}
    items.sort(key=lambda item: (order.get(item[1], len(order)), item[1], item[0].position))
    linked = _linked(session, scope, [item.id for item, _, _ in items], request)

    columns = [Column(TEXT, width) for width in WIDTHS]
    header = list(HEADER)
    if linked:
        columns += [Column(COUNT, 4), Column(AMOUNT, 6), Column(AMOUNT, 6)]
        header += ["关联项目（个）", "项目资金（万元）", "已支出（万元）"]
    rows, merges = [], []
    city_number = 0
    for n, (item, code, name) in enumerate(items):
        if n == 0 or items[n - 1][1] != code:
            city_number += 1
        cells = [chinese_numeral(city_number), name, item.department, item.purpose_text, item.nature.label, item.name,
                 item.implementation, item.quantity_text, item.deadline_text, item.note]
        if linked:
            count, amount, spent = linked.get(item.id, (0, 0, 0))
            cells += [count, Money(amount), Money(spent)]
        rows.append(Row(cells))
    merges += runs([code for _, code, _ in items], (0, 1), first_row=1)
    merges += runs([(code, item.department) for item, code, _ in items], (2,), first_row=1)
    merges += runs([(code, item.department, item.purpose_text) for item, code, _ in items], (3,), first_row=1)
    title = f"{request.year}年省级乡村振兴驻镇帮镇扶村资金（省级巩固拓展脱贫攻坚成果同乡村振兴有效衔接资金）任务清单"
    return Table("task-list", title, columns, [header], rows, merges=merges, unit="", signatures=[], landscape=True)


def _linked(session: Session, scope, task_ids: list[int], request: Request) -> dict[int, tuple[int, int, int]]:
    """task id → (projects, their amount in 分, paid by the 基准日 in 分), for the scope's library projects."""
    parts = [func.coalesce(type_coerce(getattr(Project, column), Integer), 0) for column in AMOUNT_COLUMNS.values()]
    amount = functools.reduce(operator.add, parts)
    query = (select(Project.task_item_id, func.count(), sum_fen(amount)).join(Town, Town.id == Project.town_id)
             .where(Project.task_item_id.is_not(None), Project.status.in_(LISTED), Project.year == request.year)
             .group_by(Project.task_item_id))
    spent_query = (select(Project.task_item_id, sum_fen(Expenditure.amount)).join(Project, Project.id == Expenditure.project_id)
                   .join(Town, Town.id == Project.town_id)
                   .where(Project.task_item_id.is_not(None), Project.status.in_(LISTED), Project.year == request.year,
                          Expenditure.spent_on <= as_of(request))
                   .group_by(Project.task_item_id))
    if scope.level != "province":
        column = {"city": Town.city_id, "county": Town.county_id, "town": Town.id}[scope.level]
        query, spent_query = query.where(column == scope.id), spent_query.where(column == scope.id)
    wanted = set(task_ids)
    spent = {task: total for task, total in session.execute(spent_query) if task in wanted}
    return {task: (count, total, spent.get(task, 0)) for task, count, total in session.execute(query) if task in wanted}
