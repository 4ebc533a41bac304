"""The kinds of Excel import (services.imports): each one's columns and how one row is applied, through
the service a single act uses (funds.allocate, funds.arrive, reported.report_spending,
town_categories.set_town_category, approval.create_project), so the checks and the signed audit are
the same as by hand.

Amounts are in 万元, exact to the 分 (at most six decimals): the unit every return prints. A row the
database already holds is skipped ("已有，跳过"), so a result workbook can be imported again.
"""

from __future__ import annotations

from sqlalchemy import select

from app.models import (AMOUNT_COLUMNS, Allocation, Arrival, City, ConstructionNature, County, HelperType, Money,
                        Project, PurposeCategory, ReportedSpending, SpendingCategory, SupportMethod, TaskItem, Town,
                        TownCategory)
from app.services import security
from app.services.content_text import FIELD_LABELS
from app.services.drafting import task_item_key
from app.services.errors import BangzhenError, InputError
from app.services.imports import Column, Context, Kind, RowError
from app.services.money import funds, reported
from app.services.regions import RegionRef, find_region

# ---------------------------------------------------------------- shared pieces

REGION_CODE = Column("区划代码", "code", "code", required=True, width=12, hint="地市 4 位、县区 6 位、乡镇 9 位国家统计局代码（见“代码表”）。")
REGION_NAME = Column("区划名称", "name", width=16, hint="可不填；填了则须与代码相符，用来发现代码填错。")


def _region(context: Context, values: dict, code_key: str = "code", name_key: str = "name") -> RegionRef:
    try:
        region = find_region(context.session, values[code_key])
    except BangzhenError as error:
        raise RowError(code_key, error.user_message) from None
    name = values.get(name_key)
    if name and name != region.name:
        raise RowError(name_key, f"名称“{name}”与代码 {region.code}（{region.name}）不符。")
    return region


def _granted(context: Context):
    """Whether a region code lies within one of the acting user's grants and, once the installation's
    own region is set, within that region (a county installation's administrator holds the province's
    grant, but its templates list the county's towns)."""
    from app.services.settings import HOME_REGION, get_setting

    codes = {grant.region_code for grant in security.grants_in_force(context.user)}
    home = get_setting(context.session, HOME_REGION, "")
    return lambda code: code.startswith(home) and any(code.startswith(grant) for grant in codes)


def regions_below(context: Context) -> list[tuple[str, str]]:
    """The cities, counties and towns within the acting user's grants, for the 代码表 sheet."""
    mine = _granted(context)
    found = []
    for model in (City, County, Town):
        found += [(code, name) for code, name in context.session.execute(select(model.code, model.name)) if mine(code)]
    return sorted(found)


def towns_below(context: Context) -> list[tuple[str, str]]:
    return [(code, name) for code, name in regions_below(context) if len(code) == 9]


# ---------------------------------------------------------------- 下达

def _allocation(context: Context, values: dict) -> str:
    fund, region = context.fund, _region(context, values)
    funds.require_issuer(context.session, context.user, fund, region)  # asked before anything is told
    same = funds.where_region(select(Allocation.id), region).where(
        Allocation.fund_id == fund.id, Allocation.doc_number == values["doc"], Allocation.amount == values["amount"],
        Allocation.issued_on == values["issued"])
    if context.session.scalar(same) is not None:
        return "已有，跳过"
    funds.allocate(context.session, context.user, fund.id, region.code, values["amount"], doc_number=values["doc"],
                   issued_on=values["issued"], note=values["note"])
    return "新增"


ALLOCATIONS = Kind(
    "allocations", "资金下达",
    (REGION_CODE, REGION_NAME, Column("金额（万元）", "amount", "money", required=True, width=14),
     Column("文号", "doc", required=True, width=28), Column("下达日期", "issued", "date", required=True, width=13),
     Column("备注", "note", width=24)),
    key=("code", "doc"), apply=_allocation, needs_fund=True, code_list=regions_below,
    notes=("每行一笔下达：由本级下达给下一级（省→市→县，省直管县由省直达，县→镇可选）。",
           "下达不能超过本级收到而尚未下达的金额；日期不能早于本级收到资金的日期。"))


# ---------------------------------------------------------------- 到位

def _arrival(context: Context, values: dict) -> str:
    session, fund, region = context.session, context.fund, _region(context, values)
    funds.require_arrival_keeper(session, context.user, fund, region)  # asked before anything is told
    query = funds.where_region(select(Allocation), region).where(Allocation.fund_id == fund.id)
    if values["doc"]:
        query = query.where(Allocation.doc_number == values["doc"])
    found = list(session.scalars(query))
    if not found:
        raise RowError("doc" if values["doc"] else "code",
                       f"{region.name}没有“{fund.name}”的下达" + (f"（文号 {values['doc']}）。" if values["doc"] else "。"))
    if len(found) > 1:
        raise RowError("doc", f"{region.name}有 {len(found)} 笔“{fund.name}”的下达，请填写下达文号以区分。")
    allocation = found[0]
    if session.scalar(select(Arrival.id).where(Arrival.allocation_id == allocation.id,
                                               Arrival.voucher_no == values["voucher"],
                                               Arrival.amount == values["amount"])) is not None:
        return "已有，跳过"
    funds.arrive(session, context.user, allocation.id, values["amount"], arrived_on=values["arrived"],
                 voucher_no=values["voucher"], note=values["note"])
    return "新增"


ARRIVALS = Kind(
    "arrivals", "资金到位",
    (REGION_CODE, REGION_NAME, Column("下达文号", "doc", width=28, hint="该地区只有一笔下达时可不填。"),
     Column("到位金额（万元）", "amount", "money", required=True, width=14),
     Column("到位日期", "arrived", "date", required=True, width=13),
     Column("到位凭证号", "voucher", required=True, width=18), Column("备注", "note", width=24)),
    key=("code", "voucher"), apply=_arrival, needs_fund=True, code_list=regions_below,
    notes=("每行一笔到位：收到下达资金的地区（镇的到位由县级财政登记）。",
           "同一笔下达可分几次到位，合计不能超过下达金额。"))


# ---------------------------------------------------------------- 上报支出数

def _reported(context: Context, values: dict) -> str:
    region = _region(context, values)
    reported.check_report(context.session, context.user, context.fund.id, region.code, values["as_of"], values["spent"])
    figure = context.session.scalar(select(ReportedSpending).where(
        ReportedSpending.fund_id == context.fund.id, ReportedSpending.region_code == region.code,
        ReportedSpending.as_of == values["as_of"]))
    if figure is not None and figure.spent == values["spent"] and figure.source == values["source"]:
        return "无变化"
    reported.report_spending(context.session, context.user, context.fund.id, region.code, values["as_of"],
                             values["spent"], values["source"])
    return "新增" if figure is None else "更新"


REPORTED = Kind(
    "reported-spending", "上报支出数",
    (REGION_CODE, REGION_NAME, Column("基准日", "as_of", "date", required=True, width=13),
     Column("支出数（万元）", "spent", "money", required=True, width=14),
     Column("来源", "source", width=30, hint="如 报表名称或文号。")),
    key=("code", "as_of"), apply=_reported, needs_fund=True, code_list=regions_below,
    notes=("每行一个下级地区截至基准日的累计支出数（它自己的台账和表2-2上的数），由向它下达资金的财政部门登记。",
           "同一地区同一基准日再次导入，以新数为准，原数留在审计记录中。"))


# ---------------------------------------------------------------- 镇类别

def _category(context: Context, values: dict) -> str:
    from app.services import town_categories

    town = _region(context, values)
    if town.level != "town":
        raise RowError("code", f"“{values['code']}”是{town.name}的代码，不是乡镇（应为 9 位）。")
    category = TownCategory.from_label(values["category"]) if values["category"] else None
    helper = HelperType.from_label(values["helper_type"]) if values["helper_type"] else None
    row = context.session.get(Town, town.id)
    before = (row.category, row.helper_type, row.helper_unit)
    result = town_categories.set_town_category(context.session, context.user, town.code, category, helper,
                                               values["helper_unit"])
    context.notes += result.warnings
    return "无变化" if (row.category, row.helper_type, row.helper_unit) == before else "更新"


def _categories_now(context: Context) -> list[list]:
    mine = _granted(context)
    return [[town.code, town.name, town.category.label if town.category else "",
             town.helper_type.label if town.helper_type else "", town.helper_unit]
            for town in context.session.scalars(select(Town).order_by(Town.code)) if mine(town.code)]


TOWN_CATEGORIES = Kind(
    "town-categories", "镇类别",
    (Column("乡镇代码", "code", "code", required=True, width=12), Column("乡镇名称", "name", width=16),
     Column("镇类别", "category", "choice", choices=tuple(c.label for c in TownCategory), width=14,
            hint="不填：不设镇类别。"),
     Column("帮扶类型", "helper_type", "choice", choices=tuple(h.label for h in HelperType), width=26),
     Column("帮扶单位", "helper_unit", width=30, hint="珠三角帮扶须以帮扶市的名称开头，如“深圳市福田区”。")),
    key=("code",), apply=_category, prefill=_categories_now, code_list=towns_below,
    notes=("模板已列出本人管理范围内的每个镇及其现有的镇类别，改需要改的行即可；没有改动的行导入时显示“无变化”。",
           "重点帮扶镇、巩固提升镇只设在粤东粤西粤北 12 市和肇庆市，先行示范镇只设在珠三角 7 市。"))


# ---------------------------------------------------------------- 项目（批量录入）

_PROJECT_ENUMS = {"purpose_category": PurposeCategory, "construction_nature": ConstructionNature,
                  "support_method": SupportMethod}
_PERMITTED = tuple(c.label for c in SpendingCategory if not c.negative)
_NEGATIVE = {c.label: c for c in SpendingCategory if c.negative}


def _project(context: Context, values: dict) -> str:
    from app.services import approval

    session = context.session
    town = _region(context, values, "town", "town_name")
    if town.level != "town":
        raise RowError("town", f"“{values['town']}”是{town.name}的代码，不是乡镇（应为 9 位）。")
    security.require(session, context.user, security.Action.draft_project, town.code)
    year = values["year"]
    if session.scalar(select(Project.id).where(Project.town_id == town.id, Project.year == year,
                                               Project.name == values["name"])) is not None:
        return "已有，跳过"
    if values["spending_category"] in _NEGATIVE:
        raise RowError("spending_category", f"“{values['spending_category']}”属于负面清单：" +
                       _NEGATIVE[values["spending_category"]].rule_text)
    content = {"town": town.code, "name": values["name"], "year": year}
    for key, enum in _PROJECT_ENUMS.items():
        content[key] = enum.from_label(values[key]).value
    for key in ("location", "responsible_unit", "responsible_person", "content", "beneficiaries", "fund"):
        if values[key]:
            content[key] = values[key]
    if values["spending_category"]:
        content["spending_category"] = SpendingCategory.from_label(values["spending_category"]).value
    for key in ("starts_on", "ends_on"):
        if values[key] is not None:
            content[key] = values[key]
    for key in AMOUNT_COLUMNS.values():
        amount = values[key] or Money(0)
        if amount.fen < 0:
            raise RowError(key, f"“{FIELD_LABELS[key]}”不能为负数。")
        content[key] = amount.fen
    for key in ("beneficiary_households", "beneficiary_people"):
        content[key] = values[key] or 0
    if values["task_item"]:
        content["task_item"] = _task_key(context, town, year, values["task_item"])
    if values["villages"]:
        content["villages"] = [v.strip() for v in values["villages"].replace("，", "、").replace(",", "、").split("、")
                               if v.strip()]
    approval.create_project(session, context.user, content)
    return "新增"


def _task_key(context: Context, town: RegionRef, year: int, written: str) -> str:
    """A task item written as its number in the city's list of that year (3, 第3项) or its full key."""
    number = written.strip().removeprefix("第").removesuffix("项")
    if not (number.isascii() and number.isdigit()):
        return written
    city_id = context.session.scalar(select(Town.city_id).where(Town.id == town.id))
    item = context.session.scalar(select(TaskItem).where(TaskItem.city_id == city_id, TaskItem.year == year,
                                                         TaskItem.position == int(number)))
    if item is None:
        raise RowError("task_item", f"{year} 年的任务清单中没有第 {number} 项。")
    return task_item_key(context.session, item)


def _year(header: str) -> Column:
    return Column(header, "year", "count", required=True, width=8, hint="如 2023。")


PROJECTS = Kind(
    "projects", "项目（批量录入）",
    (Column("乡镇代码", "town", "code", required=True, width=12), Column("乡镇名称", "town_name", width=14),
     Column("项目名称", "name", required=True, width=30), _year("年度"),
     Column("用途类别", "purpose_category", "choice", required=True, choices=tuple(c.label for c in PurposeCategory),
            width=28),
     Column("对应任务清单", "task_item", width=12, hint="任务清单中的序号（如 3），可不填。"),
     Column("建设性质", "construction_nature", "choice", required=True,
            choices=tuple(c.label for c in ConstructionNature), width=10),
     Column("支出类别", "spending_category", "choice", choices=_PERMITTED, also=tuple(_NEGATIVE), width=16,
            hint="负面清单中的支出不得使用帮镇扶村资金，导入时拒绝。"),
     Column("支持方式", "support_method", "choice", required=True, choices=tuple(c.label for c in SupportMethod),
            width=12),
     Column("资金", "fund", width=24, hint="已登记资金的名称，可不填。"),
     Column("建设地点", "location", width=20), Column("涉及行政村", "villages", width=20, hint="多个用顿号分隔。"),
     Column("计划开工日期", "starts_on", "date", width=13), Column("计划完工日期", "ends_on", "date", width=13),
     Column("实施单位", "responsible_unit", width=20), Column("项目负责人", "responsible_person", width=10),
     Column("建设内容及规模", "content", width=40),
     *(Column(FIELD_LABELS[key], key, "money", width=14) for key in AMOUNT_COLUMNS.values()),
     Column("受益对象", "beneficiaries", width=16), Column("受益户数", "beneficiary_households", "count", width=9),
     Column("受益人数", "beneficiary_people", "count", width=9)),
    key=("town", "year", "name"), apply=_project, code_list=towns_below,
    notes=("每行一个项目，导入后是草稿，与在程序中起草的一样：绩效目标、脱贫户和监测对象等其余内容在项目编辑窗口中补充，然后报送双签。",
           "同一乡镇同一年度已有同名项目的行跳过，不会重复起草。"))


KINDS = {kind.name: kind for kind in (ALLOCATIONS, ARRIVALS, REPORTED, TOWN_CATEGORIES, PROJECTS)}


def find_kind(name: str) -> Kind:
    kind = KINDS.get(name.strip())
    if kind is None:
        raise InputError(f"没有“{name}”这种导入。可选：" + "、".join(f"{k.name}（{k.title}）" for k in KINDS.values()),
                         f"unknown import kind {name!r}")
    return kind
