"""Projects from the command line: drafting and editing, 双签, 审定, 项目调整, implementation and
验收. Commands that change data name the acting user with --as (see `common`)."""

from __future__ import annotations

import argparse
from typing import Callable

from app.cli.common import Passwords, acting, as_user, group, login, parse_date, print_warnings, unit, wan
from app.cli import quick
from app.cli.parsing import number
from app.models import AssetType, ProjectStatus, PublicityKind, User, UserRole
from app.services import amendments, approval, projects, publicity, regions
from app.services.project_files import read_project_file


def cmd_project_create(args: argparse.Namespace) -> None:
    content = read_project_file(args.file)
    with unit(args) as session:
        user, _ = login(session, args, Passwords())
        outcome = approval.create_project(session, user, content)
        print(f"已起草项目 {outcome.project.id}：{outcome.project.name}（草稿）")
        print_warnings(outcome.warnings)


def cmd_project_edit(args: argparse.Namespace) -> None:
    changes = read_project_file(args.file)
    with unit(args) as session:
        user, _ = login(session, args, Passwords())
        outcome = approval.edit_project(session, user, args.id, changes, args.reason or "")
        print(f"项目 {args.id} 已保存，当前状态：{outcome.project.status.label}")
        print_warnings(outcome.warnings)


def cmd_project_list(args: argparse.Namespace) -> None:
    with unit(args) as session:
        region = regions.find_region(session, args.region)
        statuses = [ProjectStatus.from_label(args.status)] if args.status else None
        ids = projects.project_ids(session, region, statuses=statuses)
        for row in projects.iter_project_rows(session, ids):
            print(f"{row.id}\t{row.status.label}\t{row.town}\t{row.amount.format_wan(2)} 万元\t{row.name}")


def _transition(handler: Callable) -> Callable[[argparse.Namespace], None]:
    """A step of a project's life, run as the --as user; says where the project now stands."""
    def step(session, user: User, args: argparse.Namespace, password: str) -> None:
        outcome = handler(session, user, args, password)
        print(f"项目 {outcome.project.id}“{outcome.project.name}”：{outcome.project.status.label}")
        print_warnings(outcome.warnings)
    return as_user(step)


cmd_project_start = _transition(lambda s, u, a, p: approval.start(s, u, a.id, parse_date(a.date)))
cmd_project_complete = _transition(lambda s, u, a, p: approval.complete(s, u, a.id, parse_date(a.date)))
cmd_project_cancel = _transition(lambda s, u, a, p: approval.cancel(s, u, a.id, a.reason))
cmd_project_accept = _transition(lambda s, u, a, p: approval.accept(
    s, u, a.id, a.receiver or "", AssetType.from_label(a.asset_type) if a.asset_type else None, parse_date(a.date),
    owner=a.owner or "", upkeep_yearly=wan(a.upkeep)))
cmd_sign = _transition(lambda s, u, a, p: approval.sign(s, u, a.id, UserRole.from_label(a.role), p,
                                                        expected_version=a.expected_version))


def _review(session, user: User, args: argparse.Namespace, password: str):
    if args.approve:
        return approval.approve(session, user, args.id, password, expected_version=args.expected_version)
    return approval.return_project(session, user, args.id, args.return_reason, expected_version=args.expected_version)


cmd_review = _transition(_review)


# ---------------------------------------------------------------- 项目调整

def cmd_project_amend(args: argparse.Namespace) -> None:
    changes = read_project_file(args.file)
    with unit(args) as session:
        user, _ = login(session, args, Passwords())
        amendment = amendments.propose(session, user, args.id, changes, args.reason)
        print(f"已起草项目调整 {amendment.id}（项目 {args.id}），待双签后报县审定；审定前原内容继续有效。")
        for change in amendments.changes(session, amendment):
            print(f"  {change.label}：{change.before} → {change.after}")


def cmd_amendment_show(args: argparse.Namespace) -> None:
    with unit(args) as session:
        amendment = amendments.get_amendment(session, args.id)
        print(f"项目调整 {amendment.id}：项目 {amendment.project_id}“{amendment.project.name}”（{amendment.status.label}）")
        print(f"  调整原因：{amendment.reason}")
        if amendment.status_reason:
            print(f"  退回原因：{amendment.status_reason}")
        for change in amendments.changes(session, amendment):
            print(f"  {change.label}：{change.before} → {change.after}")


def _amendment_act(handler: Callable) -> Callable[[argparse.Namespace], None]:
    def step(session, user: User, args: argparse.Namespace, password: str) -> None:
        amendment = handler(session, user, args, password)
        print(f"项目调整 {amendment.id}：{amendment.status.label}")
    return as_user(step)


def _amendment_review(session, user: User, args: argparse.Namespace, password: str):
    if args.approve:
        amendments.approve(session, user, args.id, password)
        return amendments.get_amendment(session, args.id)
    return amendments.return_amendment(session, user, args.id, args.return_reason)


cmd_amendment_sign = _amendment_act(
    lambda s, u, a, p: amendments.sign(s, u, a.id, UserRole.from_label(a.role), p))
cmd_amendment_review = _amendment_act(_amendment_review)
cmd_amendment_withdraw = _amendment_act(lambda s, u, a, p: amendments.withdraw(s, u, a.id))


# ---------------------------------------------------------------- 公示

def cmd_publicity_add(args: argparse.Namespace) -> None:
    with unit(args) as session:
        user, _ = login(session, args, Passwords())
        entry = publicity.record(session, user, args.project_id, PublicityKind.from_label(args.kind),
                                 starts_on=parse_date(args.start), ends_on=parse_date(args.end), place=args.place,
                                 result=args.result)
        print(f"已登记{entry.kind.label}：{entry.starts_on} 至 {entry.ends_on}，{entry.place}。")


def cmd_publicity_list(args: argparse.Namespace) -> None:
    with unit(args) as session:
        for entry in publicity.for_project(session, args.project_id):
            print(f"{entry.kind.label}\t{entry.starts_on} 至 {entry.ends_on}\t{entry.place}\t{entry.result or '-'}")


def add_commands(commands, command, parser_class) -> None:
    """Register the commands on the main parser's subcommands (see app.cli.build_parser)."""
    project = group(commands, parser_class, "project", "项目：起草、修改、查看、列出及实施各环节")
    create = acting(command("create", cmd_project_create, "从 JSON 或 xlsx 文件起草项目", project))
    create.add_argument("file", help="项目文件（.json 或 .xlsx）")
    edit = acting(command("edit", cmd_project_edit, "用 JSON 或 xlsx 文件中的字段修改项目（已签字的项目将退回草稿）",
                          project))
    edit.add_argument("id", type=number, help="项目编号")
    edit.add_argument("file", help="只含要修改字段的项目文件（.json 或 .xlsx）")
    edit.add_argument("--reason", help="修改原因")
    quick.add_project_show_arguments(command("show", quick.cmd_project_show, quick.PROJECT_SHOW_HELP, project))
    lst = command("list", cmd_project_list, "列出项目", project)
    lst.add_argument("--region", default=regions.PROVINCE_CODE, help="区划代码（默认全省）")
    lst.add_argument("--status", help="只列出此状态的项目，如 已双签")
    for name, handler, help_text in (("start", cmd_project_start, "开始实施（已审定入库或已纳入计划 → 实施中）"),
                                     ("complete", cmd_project_complete, "确认完工（实施中 → 已完工）")):
        sub = acting(command(name, handler, help_text, project))
        sub.add_argument("id", type=number, help="项目编号")
        sub.add_argument("--date", help="实际日期（默认今天），如 2023-07-01")
    accept = acting(command("accept", cmd_project_accept, "验收（已完工 → 已验收），形成资产的登记资产移交", project))
    accept.add_argument("id", type=number, help="项目编号")
    accept.add_argument("--receiver", help="资产移交（接收管护）单位；不形成资产的项目可不填")
    accept.add_argument("--owner", help="确权后的资产所有权人（默认同接收管护单位）")
    accept.add_argument("--upkeep", default="0", help="年度管护经费（万元，默认 0）")
    accept.add_argument("--asset-type", help="资产类型：经营性 / 公益性 / 到户类 / 不形成资产（默认为入库时的类型）")
    accept.add_argument("--date", help="验收日期（默认今天）")
    cancel = acting(command("cancel", cmd_project_cancel, "终止项目（须填写原因）", project))
    cancel.add_argument("id", type=number, help="项目编号")
    cancel.add_argument("--reason", required=True, help="终止原因")

    sign = acting(command("sign", cmd_sign, "双签：以乡镇主要负责人或驻镇帮扶工作队队长身份签字"))
    sign.add_argument("id", type=number, help="项目编号")
    sign.add_argument("--role", required=True, help="乡镇主要负责人 / 驻镇帮扶工作队队长")
    review = acting(command("review", cmd_review, "县级审定（--approve）或退回（--return 原因）"))
    review.add_argument("id", type=number, help="项目编号")
    for sub in (sign, review):
        sub.add_argument("--expected-version", type=number, metavar="版本",
                         help="审阅时的内容版本（见 project show）；内容已被修改时不签字")
    decision = review.add_mutually_exclusive_group(required=True)
    decision.add_argument("--approve", action="store_true", help="审定入库（以审核人的签名）")
    decision.add_argument("--return", dest="return_reason", metavar="原因", help="退回乡镇并说明原因")
    amend = acting(command("amend", cmd_project_amend, "项目调整：已审定入库的项目按文件中的字段起草调整（原内容审定前继续有效）",
                           project))
    amend.add_argument("id", type=number, help="项目编号")
    amend.add_argument("file", help="只含要调整字段的项目文件（.json 或 .xlsx）")
    amend.add_argument("--reason", required=True, help="调整原因")

    amendment = group(commands, parser_class, "amendment", "项目调整：查看、双签、审定或退回、撤回")
    ashow = command("show", cmd_amendment_show, "查看项目调整的内容和状态", amendment)
    ashow.add_argument("id", type=number, help="项目调整编号")
    asign = acting(command("sign", cmd_amendment_sign, "对项目调整双签", amendment))
    asign.add_argument("id", type=number, help="项目调整编号")
    asign.add_argument("--role", required=True, help="乡镇主要负责人 / 驻镇帮扶工作队队长")
    areview = acting(command("review", cmd_amendment_review, "县级审定（--approve）或退回（--return 原因）项目调整",
                             amendment))
    areview.add_argument("id", type=number, help="项目调整编号")
    choice = areview.add_mutually_exclusive_group(required=True)
    choice.add_argument("--approve", action="store_true", help="审定：调整内容生效")
    choice.add_argument("--return", dest="return_reason", metavar="原因", help="退回乡镇并说明原因")
    awithdraw = acting(command("withdraw", cmd_amendment_withdraw, "撤回项目调整（乡镇经办人）", amendment))
    awithdraw.add_argument("id", type=number, help="项目调整编号")

    notice = group(commands, parser_class, "publicity", "公示：登记、列出（不改动项目签字内容）")
    padd = acting(command("add", cmd_publicity_add, "登记村级公示、乡镇公示、入库公告或事后公告", notice))
    padd.add_argument("project_id", type=number, help="项目编号")
    padd.add_argument("--kind", required=True, help="村级公示 / 乡镇公示 / 入库公告 / 事后公告")
    padd.add_argument("--start", required=True, help="开始日期，如 2023-03-01")
    padd.add_argument("--end", required=True, help="结束日期")
    padd.add_argument("--place", required=True, help="公示地点，如 水口村村务公开栏")
    padd.add_argument("--result", default="", help="公示结果，如 无异议")
    plist = command("list", cmd_publicity_list, "列出项目的公示", notice)
    plist.add_argument("project_id", type=number, help="项目编号")
