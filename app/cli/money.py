"""Money from the command line, in the programme's order: funds and their 下达 down the levels with
到位, the county's 资金安排 (with the 因素法), the town's 报账 and county finance's 支付, 红字冲销, and the
asset register. Amounts of funds, allocations and plans are in 万元; payments and claims in 元."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy import select

from app.cli.common import (Passwords, acting, as_user, group, login, parse_date, print_warnings, reading, unit,
                            wan, year, yuan)
from app.cli import imports
from app.cli.parsing import number
from app.models import ClaimStatus, Fund, FundPlan, FundSource, Money, PlanStatus, Town
from app.services import regions
from app.services.errors import InputError
from app.services.money import assets, factor, funds, payments, plans, reported, spending_returns
from app.services.projects import get_project


def _source(text: str | None) -> FundSource | None:
    return FundSource.from_label(text) if text else None


# ---------------------------------------------------------------- funds and allocations

def _incomes(specs: list[str]) -> list[tuple[FundSource, Money, str]]:
    incomes = []
    for spec in specs:
        parts = spec.split(":", 2)
        if len(parts) < 2:
            raise InputError(f"收入“{spec}”应写成 来源:万元[:说明]，如 省级财政:300000:一般债券。", f"bad income {spec!r}")
        incomes.append((FundSource.from_label(parts[0]), wan(parts[1]), parts[2] if len(parts) > 2 else ""))
    return incomes


@as_user
def cmd_fund_add(session, user, args, _password) -> None:
    fund = funds.add_fund(session, user, name=args.name, year=args.year, region_code=args.region,
                          doc_number=args.doc, issued_on=parse_date(args.issued), deadline=parse_date(args.deadline),
                          incomes=_incomes(args.income), budget_unit=args.budget_unit, department=args.department)
    print(f"已新增资金 {fund.id}：{fund.name}，合计 {fund.total.format_wan(2)} 万元，实施期限 {fund.issued_on} 至 {fund.deadline}。")


@reading
def cmd_fund_list(session, args) -> None:
    for fund in session.scalars(select(Fund).order_by(Fund.year.desc(), Fund.id)):
        print(f"{fund.id}\t{fund.year}\t{fund.total.format_wan(2)} 万元\t{fund.doc_number or '-'}\t{fund.name}")


@reading
def cmd_fund_show(session, args) -> None:
    fund = funds.find_fund(session, args.fund)
    print(f"资金 {fund.id}：{fund.name}（{fund.level.label}，{fund.year} 年）")
    print(f"  文号：{fund.doc_number or '（无）'}  预算单位：{fund.budget_unit or '（无）'}  业务主管部门：{fund.department or '（无）'}")
    print(f"  实施期限：{fund.issued_on or '（未填）'} 至 {fund.deadline or '（未填）'}")
    for income in fund.incomes:
        print(f"  收入：{income.source.label} {income.amount.format_wan(2)} 万元 {income.note}")
    print(f"  合计：{fund.total.format_wan(2)} 万元")
    depth = {}
    for node in funds.allocation_tree(session, fund.id):
        depth[node.id] = depth.get(node.parent_id, -1) + 1
        print(f"  {'  ' * depth[node.id]}└ 下达 {node.id}：{node.region_name}（{node.region_code}）"
              f"{node.amount.format_wan(2)} 万元，{node.doc_number}，{node.issued_on or '日期未填'}；"
              f"到位 {node.arrived.format_wan(2)} 万元")


@as_user
def cmd_allocate(session, user, args, _password) -> None:
    fund = funds.find_fund(session, args.fund)
    allocation = funds.allocate(session, user, fund.id, args.to, wan(args.amount), doc_number=args.doc,
                                issued_on=parse_date(args.date), note=args.note)
    target = funds.allocation_region(session, allocation)
    print(f"已下达 {allocation.id}：“{fund.name}” {allocation.amount.format_wan(2)} 万元 → {target.name}（{args.doc}）。")


@as_user
def cmd_arrive(session, user, args, _password) -> None:
    arrival = funds.arrive(session, user, args.allocation_id, wan(args.amount), arrived_on=parse_date(args.date),
                           voucher_no=args.voucher or "", note=args.note)
    print(f"已登记到位：下达 {args.allocation_id} 到位 {arrival.amount.format_wan(2)} 万元（{arrival.arrived_on}）。")


@as_user
def cmd_report_spending(session, user, args, _password) -> None:
    fund = funds.find_fund(session, args.fund)
    figure = reported.report_spending(session, user, fund.id, args.region, parse_date(args.as_of), wan(args.spent),
                                      args.source)
    region = regions.find_region(session, figure.region_code)
    print(f"已登记{region.name}截至 {figure.as_of} 上报的支出数 {figure.spent.format_wan(2)} 万元（{fund.name}）。")


@as_user
def cmd_import_spending(session, user, args, _password) -> None:
    fund = funds.find_fund(session, args.fund)
    done = spending_returns.import_spending_returns(session, user, fund.id, args.files, dry_run=args.dry_run)
    for entry in done:
        figure = entry.figure
        was = "" if entry.replaced is None else f"（替换原登记的 {entry.replaced.format_wan(2)} 万元）"
        print(f"  {figure.file}：{figure.region.name}截至 {figure.as_of} 支出 {figure.spent.format_wan(2)} 万元"
              f"，{figure.lines} 行合计无误{was}")
    if args.dry_run:
        print(f"试导入通过：{len(done)} 份支出情况表均可导入，未作任何改动。去掉 --dry-run 正式导入。")
    else:
        print(f"已导入 {len(done)} 份支出情况表的上报支出数。")


# ---------------------------------------------------------------- 资金安排

def _print_plan(view: plans.PlanView) -> None:
    print(f"资金安排 {view.id}：{view.region_name} {view.year} 年“{view.fund_name}” 第 {view.revision} 版 "
          f"（{view.status.label}）文号 {view.doc_number or '（未填）'} 日期 {view.decided_on or '（未定）'}"
          + (f" 签发：{view.signer}" if view.signer else ""))
    towns = Money.total(amount for _, _, amount in view.towns)
    print(f"  本县收到 {view.received.format_wan(2)} 万元；分到各镇 {towns.format_wan(2)} 万元，其中已安排到项目 "
          f"{view.own_total.format_wan(2)} 万元（不含县级和其他资金）。")
    for code, name, amount in view.towns:
        print(f"  镇：{name}（{code}）{amount.format_wan(2)} 万元")
    for line in view.lines:
        print(f"  项目 {line.project_id} {line.town_name} {line.project_name}：{line.source.label} "
              f"{line.amount.format_wan(2)} 万元（申报 {line.requested.format_wan(2)}，已支付 {line.paid.format_wan(2)}）")
    for message in view.check.blocking:
        print(f"  ✗ {message}")
    print_warnings(view.check.warnings)


@as_user
def cmd_plan_create(session, user, args, _password) -> None:
    fund = funds.find_fund(session, args.fund)
    plan = plans.create_plan(session, user, args.region, fund.id, doc_number=args.doc or "")
    print(f"已新建资金安排 {plan.id}（第 {plan.revision} 版，草拟中）"
          + ("，已带入原安排的全部项目" if plan.revision > 1 else "") + "。")


@as_user
def cmd_plan_add(session, user, args, _password) -> None:
    project = get_project(session, args.project_id)
    if args.source:
        amounts = {FundSource.from_label(args.source): wan(args.amount) if args.amount else
                   project.amount_by_source()[FundSource.from_label(args.source)]}
    elif args.amount:
        raise InputError("指定金额时请用 --source 指明资金来源。", "amount without source")
    else:
        amounts = {source: amount for source, amount in project.amount_by_source().items() if amount}
    for source, amount in amounts.items():
        plans.set_line(session, user, args.plan_id, project.id, source, amount)
        print(f"  项目 {project.id}“{project.name}”：{source.label} 安排 {amount.format_wan(2)} 万元")


@as_user
def cmd_plan_towns(session, user, args, _password) -> None:
    amounts = {}
    for spec in args.amounts:
        code, sep, amount = spec.partition("=")
        if not sep:
            raise InputError(f"“{spec}”应写成 乡镇代码=万元，如 441624100=2000。", f"bad town amount {spec!r}")
        amounts[code.strip()] = wan(amount)
    plans.set_town_amounts(session, user, args.plan_id, amounts)
    print(f"已设置 {len(amounts)} 个镇的安排金额。")


def cmd_plan_factor(args: argparse.Namespace) -> None:
    scores, weights = factor.read_weights(args.weights)
    with unit(args) as session:
        user = login(session, args, Passwords())[0] if args.apply else None
        fund = funds.find_fund(session, args.fund)
        total = wan(args.total) if args.total else None
        proposal = plans.propose_town_amounts(session, args.region, fund.id, scores, weights, total)
        names = dict(session.execute(select(Town.code, Town.name).where(Town.code.in_(list(proposal)))).all())
        for code, amount in sorted(proposal.items()):
            print(f"  {names.get(code, code)}（{code}）{amount.format_wan(2)} 万元")
        print(f"  合计 {Money.total(proposal.values()).format_wan(2)} 万元")
        if user is not None:
            draft = session.scalar(select(FundPlan.id).where(FundPlan.region_code == args.region,
                                                             FundPlan.fund_id == fund.id,
                                                             FundPlan.status == PlanStatus.draft))
            if draft is None:
                raise InputError("没有草拟中的资金安排可写入：请先 plan create（已签发的安排须新建调整版）。", "no draft")
            plans.set_town_amounts(session, user, draft, proposal)
            print(f"已按因素法设置资金安排 {draft} 的各镇安排金额（签发前仍可逐镇修改）。")


@as_user
def cmd_plan_sign(session, user, args, password) -> None:
    plan, warnings = plans.sign_plan(session, user, args.plan_id, password, decided_on=parse_date(args.date),
                                     doc_number=args.doc)
    print(f"资金安排 {plan.id}（第 {plan.revision} 版，{plan.doc_number}）已签发生效。")
    print_warnings(warnings)


@reading
def cmd_plan_show(session, args) -> None:
    _print_plan(plans.plan_view(session, args.plan_id))


@reading
def cmd_plan_list(session, args) -> None:
    for plan in plans.plans(session, args.region):
        print(f"{plan.id}\t{plan.region_code}\t{plan.year}\t第 {plan.revision} 版\t{plan.status.label}\t"
              f"{plan.doc_number or '-'}\t{plan.fund.name}")


# ---------------------------------------------------------------- 报账 and 支付

@as_user
def cmd_claim_create(session, user, args, _password) -> None:
    claim = payments.file_claim(session, user, args.project_id, amount=yuan(args.amount), source=_source(args.source),
                                payee=args.payee, purpose=args.purpose, voucher_numbers=args.vouchers,
                                filed_on=parse_date(args.date), attachments=[Path(p) for p in args.attach or []])
    print(f"已提交报账申请 {claim.id}：{claim.amount.format_yuan()} 元（{claim.source.label}），待县级财政支付。")


@reading
def cmd_claim_list(session, args) -> None:
    statuses = (ClaimStatus.from_label(args.status),) if args.status else None
    for claim in payments.claims(session, args.region, statuses):
        print(f"{claim.id}\t{claim.status.label}\t{claim.filed_on}\t{claim.amount.format_yuan()} 元\t"
              f"{claim.source.label}\t{claim.project.name}")


@reading
def cmd_claim_show(session, args) -> None:
    claim = payments.get_claim(session, args.claim_id)
    print(f"报账申请 {claim.id}（{claim.status.label}）：项目 {claim.project_id}“{claim.project.name}”")
    print(f"  金额 {claim.amount.format_yuan()} 元，来源 {claim.source.label}，收款 {claim.payee}，用途 {claim.purpose}")
    print(f"  凭证：{claim.voucher_numbers}；报账日期 {claim.filed_on}")
    for attachment in claim.attachments:
        print(f"  附件：{attachment.filename}（SHA-256 {attachment.sha256[:16]}…）")
    if claim.reason:
        print(f"  驳回原因：{claim.reason}")
    if claim.expenditure_id:
        print(f"  已支付：支出 {claim.expenditure_id}，{claim.decided_on}，支付凭证 {claim.expenditure.voucher_no}")


@as_user
def cmd_claim_pay(session, user, args, _password) -> None:
    entry = payments.pay_claim(session, user, args.claim_id, spent_on=parse_date(args.date), voucher_no=args.voucher)
    print(f"已支付报账申请 {args.claim_id}：支出 {entry.id}，{entry.amount.format_yuan()} 元。")


@as_user
def cmd_claim_reject(session, user, args, _password) -> None:
    payments.reject_claim(session, user, args.claim_id, args.reason)
    print(f"已驳回报账申请 {args.claim_id}。")


@as_user
def cmd_claim_withdraw(session, user, args, _password) -> None:
    payments.withdraw_claim(session, user, args.claim_id)
    print(f"已撤回报账申请 {args.claim_id}。")


@as_user
def cmd_spend(session, user, args, _password) -> None:
    entry = payments.spend(session, user, args.id, spent_on=parse_date(args.date), amount=yuan(args.amount),
                           payee=args.payee, voucher_no=args.voucher, purpose=args.purpose,
                           source=_source(args.source))
    left = payments.room(session, entry.project, entry.source)
    print(f"已录入支出 {entry.id}：{entry.amount.format_yuan()} 元（{entry.source.label}）；"
          f"该来源尚可支付 {left.format_yuan()} 元。")


@as_user
def cmd_reverse(session, user, args, _password) -> None:
    entry = payments.reverse(session, user, args.expenditure_id, args.reason, parse_date(args.date))
    print(f"已红字冲销支出 {args.expenditure_id}：冲销记录 {entry.id}，金额 {entry.amount.format_yuan()} 元，"
          f"日期 {entry.spent_on}。")


@reading
def cmd_asset_list(session, args) -> None:
    lines = assets.asset_lines(session, args.region)
    for a in lines:
        print(f"{a.id}\t{a.town}\t{a.asset_type.label}\t{a.value.format_wan(2)} 万元\t所有权人 {a.owner}\t"
              f"管护 {a.custodian}（年经费 {a.upkeep_yearly.format_wan(2)} 万元）\t{a.handed_over_on}\t{a.name}")
    print(f"共 {len(lines)} 项资产，合计 {Money.total(a.value for a in lines).format_wan(2)} 万元。")


@as_user
def cmd_county_direct(session, user, args, _password) -> None:
    county = funds.set_direct_province(session, user, args.code, not args.off)
    print(f"{county.name}：{'财政省直管县（省级资金直接下达到县）' if county.direct_province else '省级资金经地级市下达'}")


def add_commands(commands, command, parser_class) -> None:
    """Register the commands on the main parser's subcommands (see app.cli.build_parser)."""

    fund = group(commands, parser_class, "fund", "资金：新增、列出、查看下达与到位")
    add = acting(command("add", cmd_fund_add, "新增资金（由省、市或县财政）", fund))
    add.add_argument("--name", required=True, help="资金名称")
    add.add_argument("--year", type=year, required=True, help="年度（2000–2100）")
    add.add_argument("--region", default=regions.PROVINCE_CODE, help="下达资金的区划（默认 44 全省）")
    add.add_argument("--doc", default="", help="文号")
    add.add_argument("--issued", required=True, help="下达日期（实施期起点），如 2021-09-30")
    add.add_argument("--deadline", required=True, help="实施期限，如 2022-12-31")
    add.add_argument("--income", action="append", required=True, metavar="来源:万元[:说明]",
                     help="收入，如 省级财政:300000:一般债券；可重复")
    add.add_argument("--budget-unit", default="", help="预算单位")
    add.add_argument("--department", default="", help="业务主管部门")
    command("list", cmd_fund_list, "列出资金", fund)
    show = command("show", cmd_fund_show, "查看资金、收入及逐级下达和到位", fund)
    show.add_argument("fund", help="资金编号或名称")

    allocate = acting(command("allocate", cmd_allocate, "下达资金到下一级（省→市→县，省直管县由省直达，县→镇可选）"))
    allocate.add_argument("--fund", required=True, help="资金编号或名称")
    allocate.add_argument("--to", required=True, help="接收区划代码（市 4 位、县 6 位、镇 9 位）")
    allocate.add_argument("--amount", required=True, help="金额（万元）")
    allocate.add_argument("--doc", required=True, help="文号")
    allocate.add_argument("--date", help="下达日期（默认今天）")
    allocate.add_argument("--note", default="", help="备注")
    arrive = acting(command("arrive", cmd_arrive, "登记资金到位"))
    arrive.add_argument("allocation_id", type=number, help="下达编号（见 fund show）")
    arrive.add_argument("--amount", required=True, help="到位金额（万元）")
    arrive.add_argument("--date", help="到位日期（默认今天）")
    arrive.add_argument("--voucher", help="到位凭证号")
    arrive.add_argument("--note", default="", help="备注")
    rep = acting(command("report-spending", cmd_report_spending, "登记下一级上报的支出数（截至基准日，万元）", fund))
    rep.add_argument("--fund", required=True, help="资金编号或名称")
    rep.add_argument("--region", required=True, help="上报地区代码（市 4 位、县 6 位）")
    rep.add_argument("--as-of", required=True, help="基准日，如 2023-06-30")
    rep.add_argument("--spent", required=True, help="支出数（万元）")
    rep.add_argument("--source", default="", help="来源，如 报表名称或文号")
    imps = acting(command("import-spending", cmd_import_spending,
                          "导入下一级报来的支出情况表（表2-2 xlsx，可多个）：登记各表合计支出数", fund))
    imps.add_argument("files", type=Path, nargs="+", help="表2-2 xlsx 文件")
    imps.add_argument("--fund", required=True, help="资金编号或名称")
    imps.add_argument("--dry-run", action="store_true", help="只检查，不导入")
    allocation = group(commands, parser_class, "allocation", "批量导入下达")
    imp = acting(command("import", imports.cmd_allocation_import,
                         "从 xlsx 导入下达（表头：区划代码、金额（万元）、文号、下达日期、备注；同 import allocations）",
                         allocation))
    imports.add_import_arguments(imp)
    imp.add_argument("--fund", required=True, help="资金名称或编号")

    plan = group(commands, parser_class, "plan", "年度资金安排（年度实施计划）：编制、因素法、签发、查看")
    create = acting(command("create", cmd_plan_create, "新建资金安排（已有生效安排时新建调整版）", plan))
    create.add_argument("--region", required=True, help="县（市、区）代码")
    create.add_argument("--fund", required=True, help="资金编号或名称")
    create.add_argument("--doc", help="文号")
    padd = acting(command("add", cmd_plan_add, "安排项目资金（不指定来源时按项目申报的各来源金额全额安排）", plan))
    padd.add_argument("plan_id", type=number, help="资金安排编号")
    padd.add_argument("project_id", type=number, help="项目编号（须已审定入库）")
    padd.add_argument("--source", help="资金来源，如 省级财政")
    padd.add_argument("--amount", help="安排金额（万元；0 表示移出）")
    towns = acting(command("towns", cmd_plan_towns, "设置各镇安排金额", plan))
    towns.add_argument("plan_id", type=number, help="资金安排编号")
    towns.add_argument("amounts", nargs="+", metavar="乡镇代码=万元", help="如 441624100=2000")
    fac = command("factor", cmd_plan_factor, "因素法：按因素表测算各镇金额（--apply 写入草拟中的资金安排）", plan)
    fac.add_argument("--fund", required=True, help="资金编号或名称")
    fac.add_argument("--region", required=True, help="县（市、区）代码")
    fac.add_argument("--weights", required=True, type=Path, help="因素表 xlsx（表头：乡镇、面积、人口…；另有“权重”行）")
    fac.add_argument("--total", help="分配总额（万元，默认本县收到的金额）")
    fac.add_argument("--apply", action="store_true", help="写入草拟中的资金安排（须 --as）")
    fac.add_argument("--as", dest="as_user", metavar="用户名", help="执行操作的用户（--apply 时需要）")
    sign = acting(command("sign", cmd_plan_sign, "签发资金安排（以签发人的签名）", plan))
    sign.add_argument("plan_id", type=number, help="资金安排编号")
    sign.add_argument("--date", help="资金安排日期（默认今天）")
    sign.add_argument("--doc", help="文号")
    pshow = command("show", cmd_plan_show, "查看资金安排", plan)
    pshow.add_argument("plan_id", type=number, help="资金安排编号")
    plist = command("list", cmd_plan_list, "列出资金安排", plan)
    plist.add_argument("--region", default="", help="区划代码")

    claim = group(commands, parser_class, "claim", "报账：乡镇提交，县级财政支付或驳回")
    ccreate = acting(command("create", cmd_claim_create, "提交报账申请（乡镇经办人）", claim))
    ccreate.add_argument("project_id", type=number, help="项目编号")
    ccreate.add_argument("--amount", required=True, help="金额（元），如 12345.67")
    ccreate.add_argument("--source", help="资金来源（项目只安排了一个来源时可省略）")
    ccreate.add_argument("--payee", required=True, help="收款单位（人）")
    ccreate.add_argument("--purpose", required=True, help="用途")
    ccreate.add_argument("--vouchers", required=True, help="凭证编号（发票、合同、验收单等）")
    ccreate.add_argument("--attach", action="append", help="扫描件文件；可重复")
    ccreate.add_argument("--date", help="报账日期（默认今天）")
    clist = command("list", cmd_claim_list, "列出报账申请", claim)
    clist.add_argument("--region", default=regions.PROVINCE_CODE, help="区划代码")
    clist.add_argument("--status", help="只列此状态，如 待支付")
    cshow = command("show", cmd_claim_show, "查看报账申请", claim)
    cshow.add_argument("claim_id", type=number, help="报账申请编号")
    pay = acting(command("pay", cmd_claim_pay, "支付报账申请（县级财政）", claim))
    pay.add_argument("claim_id", type=number, help="报账申请编号")
    pay.add_argument("--date", help="支付日期（默认今天）")
    pay.add_argument("--voucher", required=True, help="支付凭证号")
    reject = acting(command("reject", cmd_claim_reject, "驳回报账申请（县级财政，须填写原因）", claim))
    reject.add_argument("claim_id", type=number, help="报账申请编号")
    reject.add_argument("--reason", required=True, help="驳回原因")
    withdraw = acting(command("withdraw", cmd_claim_withdraw, "撤回尚未处理的报账申请（乡镇经办人）", claim))
    withdraw.add_argument("claim_id", type=number, help="报账申请编号")

    spend = acting(command("spend", cmd_spend, "县级财政直接支付（元，保留两位小数）"))
    spend.add_argument("id", type=number, help="项目编号")
    spend.add_argument("--amount", required=True, help="金额（元），如 12345.67")
    spend.add_argument("--source", help="资金来源（项目只安排了一个来源时可省略）")
    spend.add_argument("--date", help="支付日期（默认今天），如 2023-05-01")
    spend.add_argument("--payee", required=True, help="收款单位（人）")
    spend.add_argument("--voucher", required=True, help="凭证号")
    spend.add_argument("--purpose", default="", help="用途")
    reverse = acting(command("reverse", cmd_reverse, "红字冲销一笔支出（不删除、不修改原记录）"))
    reverse.add_argument("expenditure_id", type=number, help="要冲销的支出编号（见 project show）")
    reverse.add_argument("--reason", required=True, help="冲销原因")
    reverse.add_argument("--date", help="冲销日期（默认今天；不早于原支出日期）")

    asset = group(commands, parser_class, "asset", "资产台账")
    alist = command("list", cmd_asset_list, "列出项目形成的资产", asset)
    alist.add_argument("--region", default=regions.PROVINCE_CODE, help="区划代码")

    county = group(commands, parser_class, "county", "县（市、区）设置")
    direct = acting(command("set-direct", cmd_county_direct, "设为财政省直管县（--off 取消）", county))
    direct.add_argument("code", help="县（市、区）6 位代码")
    direct.add_argument("--off", action="store_true", help="取消省直管")
