"""A pooled fund's 收支预算 from the command line (seed 002): `bangzhen budget form` writes the 收支预算表
and the 绩效目标表 (the saved ones, or headers for a new budget), `budget import` saves filled forms as a
signed act of the fund's finance office, `budget show` prints the statement's totals. The return is
`bangzhen report city-fund`."""

from __future__ import annotations

from pathlib import Path

from app.cli.common import acting, as_user, group, parse_date, reading
from app.services.money import budget, budget_form
from app.services.money.budget import exact_wan
from app.services.money.funds import find_fund


@reading
def cmd_form(session, args) -> None:
    fund = find_fund(session, args.fund)
    saved = budget.budget_for(session, fund.id)
    lines = budget_form.budget_rows(saved) if saved is not None else []
    targets = budget_form.target_rows(saved) if saved is not None else []
    written = [budget_form.write_budget(args.out, lines)]
    if args.targets_out:
        written.append(budget_form.write_targets(args.targets_out, targets))
    what = "已登记的" if saved is not None else "空白的"
    print(f"已导出“{fund.name}”{what}收支预算表：{'、'.join(str(path) for path in written)}")


@as_user
def cmd_import(session, user, args, _password) -> None:
    fund = find_fund(session, args.fund)
    saved = budget.budget_for(session, fund.id)
    lines = budget_form.read_budget(args.file)
    targets = budget_form.read_targets(args.targets) if args.targets else None

    def kept(given, attribute, default=""):
        return given if given is not None else (getattr(saved, attribute) if saved else default)

    approved_on = parse_date(args.approved_on) if args.approved_on else kept(None, "approved_on", None)
    budget.save_budget(session, user, fund.id, as_of=parse_date(args.as_of), lines=lines, targets=targets,
                       approved_on=approved_on, approved_by=kept(args.approved_by, "approved_by"),
                       overall_goal=kept(args.goal, "overall_goal"), note=kept(args.note, "note"))
    found = budget.statement(session, fund)
    print(f"已保存“{fund.name}”的收支预算：{len(lines)} 行、绩效目标 {len(found.budget.targets)} 项；"
          f"收入 {exact_wan(found.income_total)} 万元，分配 {exact_wan(found.allocated)} 万元。")


@reading
def cmd_show(session, args) -> None:
    fund = find_fund(session, args.fund)
    found = budget.statement(session, fund)
    print(f"“{fund.name}”收支预算（基准日 {found.budget.as_of}）")
    for section, nodes in (("收入", found.income), ("支出", found.spending)):
        print(section)
        for top in nodes:
            for node in top.walk():
                figures = f"{exact_wan(node.amount)} 万元"
                if section == "支出":
                    figures += f"，已下达 {exact_wan(node.issued)}，已支出 {exact_wan(node.spent)}"
                print(f"  {'  ' * (node.line.level - 1)}{node.number}{node.name}  {figures}"
                      + ("" if node.evaluated else "（不纳入绩效评价）"))
    print(f"收入合计 {exact_wan(found.income_total)} 万元，分配合计 {exact_wan(found.allocated)} 万元，"
          f"{found.balance_text()}。")
    print(f"纳入绩效评价：安排 {exact_wan(found.evaluated_budget)}，已下达 {exact_wan(found.issued)}，"
          f"已支出 {exact_wan(found.spent)} 万元。")


def add_commands(commands, command, parser_class) -> None:
    bud = group(commands, parser_class, "budget", "市县统筹资金的收支预算：导出表格、导入保存、查看合计")
    form = command("form", cmd_form, "导出收支预算表（已登记的，或空白表），CSV 或 xlsx", bud)
    form.add_argument("--fund", required=True, help="资金编号或名称")
    form.add_argument("--out", type=Path, required=True, metavar="文件", help="收支预算表，.csv 或 .xlsx")
    form.add_argument("--targets-out", type=Path, metavar="文件", help="同时导出绩效目标表，.csv 或 .xlsx")
    imp = acting(command("import", cmd_import, "导入填好的收支预算表（及绩效目标表）并保存（资金所属的市、县财政）", bud))
    imp.add_argument("file", type=Path, help="收支预算表（.csv 或 .xlsx）")
    imp.add_argument("--fund", required=True, help="资金编号或名称")
    imp.add_argument("--as-of", required=True, help="已下达、已支出数的基准日，如 2022-12-31")
    imp.add_argument("--targets", type=Path, help="绩效目标表（不填则保留原有的）")
    imp.add_argument("--approved-on", help="预算审批日期（不填则保留原有的）")
    imp.add_argument("--approved-by", help="审批机关（不填则保留原有的）")
    imp.add_argument("--goal", help="总体绩效目标（不填则保留原有的）")
    imp.add_argument("--note", help="说明（不填则保留原有的）")
    show = command("show", cmd_show, "查看收支预算的各项与合计", bud)
    show.add_argument("--fund", required=True, help="资金编号或名称")
