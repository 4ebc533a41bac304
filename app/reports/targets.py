"""The year's 绩效目标表 the province issued with the fund, one per city (`targets`, seed 003 附件2,
RETURNS.md §2.11): "地区：<市>" under the title; the label rows (资金名称, 省级业务主管部门, 市县业务主管部门,
金额（万元）, 年度总体目标), then 绩效指标 | 一级指标 | 二级指标 | 三级指标 | 指标值 with 绩效指标 merged over every
indicator and the 一级/二级 cells over their runs, in the order the province printed them. The province
gets all its cities (in the seeds' order), each on its own page and xlsx sheet; a city, county or town
gets its city's."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import City, PerformanceTarget
from app.reports.figures import CITY_ORDER
from app.reports.request import Request
from app.reports.table import HEADING, TEXT, Column, Merge, Row, Table, runs
from app.services.errors import InputError
from app.services.regions import find_region

FUND_NAME = "{year}年省级乡村振兴驻镇帮镇扶村资金"
# The 年度总体目标 the province wrote for every city (seed 003 附件2).
OVERALL_GOAL = ("深入贯彻党中央、国务院和省委、省政府关于实现巩固拓展脱贫攻坚成果同乡村振兴有效衔接的决策部署，加强驻镇帮镇扶村资金管理，"
                "支持持续实施防止返贫监测，补齐必要的镇村人居环境整治和镇村小型公益性基础设施建设短板，支持提升镇域公共服务能力，"
                "支持镇村培育壮大特色优势产业，带动农民增收致富，牢牢守住不发生规模性返贫底线。")
LABELS = 5  # label rows above the indicators


def build_targets(session: Session, request: Request) -> list[Table]:
    scope = find_region(session, request.scope)
    query = (select(PerformanceTarget, City.code, City.name).join(City, City.id == PerformanceTarget.city_id)
             .where(PerformanceTarget.year == request.year))
    if scope.level != "province":
        query = query.where(City.code == scope.code[:4])
    by_city: dict[str, tuple[str, list[PerformanceTarget]]] = {}
    for target, code, name in session.execute(query):
        by_city.setdefault(code, (name, []))[1].append(target)
    if not by_city:
        raise InputError(f"没有{request.year}年{'' if scope.level == 'province' else scope.name}的绩效目标表。",
                         "no targets")
    order = {code: n for n, code in enumerate(CITY_ORDER)}
    return [_city_table(request.year, name, sorted(targets, key=lambda t: t.position))
            for code, (name, targets) in sorted(by_city.items(), key=lambda item: (order.get(item[0], 99), item[0]))]


def _city_table(year: int, city: str, targets: list[PerformanceTarget]) -> Table:
    labels = [("资金名称", FUND_NAME.format(year=year)), ("省级业务主管部门", "省农业农村厅会同相关部门"),
              ("市县业务主管部门", f"{city}农业农村局会同相关部门"), ("金额（万元）", "以对应的资金文件为准"),
              ("年度总体目标", OVERALL_GOAL)]
    rows = [Row([label, "", value, "", ""]) for label, value in labels]
    merges = [m for n in range(LABELS) for m in (Merge(n, 0, cols=2), Merge(n, 2, cols=3))]
    rows.append(Row(["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"], HEADING))
    rows += [Row(["", t.level1.label, t.level2.label, t.level3, t.target_text]) for t in targets]
    first = LABELS + 1
    merges.append(Merge(LABELS, 0, rows=len(targets) + 1))
    merges += runs([t.level1 for t in targets], (1,), first_row=first)
    merges += runs([(t.level1, t.level2) for t in targets], (2,), first_row=first)
    columns = [Column(TEXT, 4), Column(TEXT, 5), Column(TEXT, 6), Column(TEXT, 20, left_aligned=True), Column(TEXT, 8)]
    title = f"{year}年省级乡村振兴驻镇帮镇扶村资金（省级巩固拓展脱贫攻坚成果同乡村振兴有效衔接资金）绩效目标表"
    return Table("targets", title, columns, [], rows, merges=merges, heading=[f"地区：{city}"], unit="",
                 signatures=[], sheet=city)
