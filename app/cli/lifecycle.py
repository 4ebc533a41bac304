"""The project lifecycle from the command line: users, projects, 双签, 审定, implementation, verify,
audit and settings. Commands that change data name the acting user with --as (see `common`)."""

from __future__ import annotations

import argparse
from typing import Callable

from sqlalchemy import select

from app.cli.common import Passwords, engine, login, parse_date, print_warnings, wan
from app.models import AssetType, ProjectStatus, User, UserRole
from app.models.types import utcnow
from app.services import approval, audit, database, projects, refdata, regions, security, settings, verify
from app.services.project_sheet import project_sheet
from app.services.errors import InputError
from app.services.project_files import read_project_file


def _role_grants(specs: list[str]) -> list[tuple[UserRole, str]]:
    grants = []
    for spec in specs:
        role, sep, code = spec.partition(":")
        if not sep or not code.strip():
            raise InputError(f"角色“{spec}”应写成 角色:区划代码，如 乡镇经办人:441624100。", f"bad role spec {spec!r}")
        grants.append((UserRole.from_label(role), code.strip()))
    return grants


# ---------------------------------------------------------------- users

def cmd_user_add(args: argparse.Namespace) -> None:
    engine = database.connect(args.db, create=True, upgrade=True)
    passwords = Passwords()
    with database.unit_of_work(engine) as session:
        refdata.load_all(session)  # a brand-new database needs the regions before roles can name them
        actor = None
        if security.user_count(session):
            if not args.as_user:
                raise InputError("已有用户：请用 --as 指定执行操作的系统管理员。", "no --as")
            actor, _ = login(session, args, passwords)
        password = passwords.read(f"新用户“{args.username}”的密码", confirm=True)
        user = security.create_user(session, actor, args.username, args.name, password, _role_grants(args.role))
        print(f"已新增用户：{user.username}（{user.display_name}），角色：{security.grants_text(user)}")


def cmd_user_list(args: argparse.Namespace) -> None:
    with database.unit_of_work(engine(args)) as session:
        users = session.scalars(select(User).order_by(User.username)).all()
        if not users:
            print("尚无用户。请先运行 bangzhen user add 创建系统管理员。")
        for user in users:
            state = "" if user.is_active else "（已停用）"
            if user.locked_until is not None and user.locked_until > utcnow():
                state += "（已锁定）"
            print(f"{user.username}\t{user.display_name}{state}\t{security.grants_text(user)}")


def cmd_user_passwd(args: argparse.Namespace) -> None:
    passwords = Passwords()
    with database.unit_of_work(engine(args)) as session:
        user = security.find_user(session, args.username)
        old = passwords.read("原密码")
        new = passwords.read("新密码", confirm=True)
        security.change_password(session, user, old, new)
    print(f"已修改用户“{args.username}”的密码。")


def cmd_user_reset(args: argparse.Namespace) -> None:
    passwords = Passwords()
    with database.unit_of_work(engine(args)) as session:
        admin, _ = login(session, args, passwords)
        user = security.find_user(session, args.username)
        new = passwords.read(f"用户“{args.username}”的新密码", confirm=True)
        security.reset_password(session, admin, user, new)
    print(f"已重置用户“{args.username}”的密码并更换其签名密钥；该用户下次登录须修改密码。")


# ---------------------------------------------------------------- projects

def cmd_project_create(args: argparse.Namespace) -> None:
    content = read_project_file(args.file)
    with database.unit_of_work(engine(args)) as session:
        user, _ = login(session, args, Passwords())
        outcome = approval.create_project(session, user, content)
        print(f"已起草项目 {outcome.project.id}：{outcome.project.name}（草稿）")
        print_warnings(outcome.warnings)


def cmd_project_edit(args: argparse.Namespace) -> None:
    changes = read_project_file(args.file)
    with database.unit_of_work(engine(args)) as session:
        user, _ = login(session, args, Passwords())
        outcome = approval.edit_project(session, user, args.id, changes, args.reason or "")
        print(f"项目 {args.id} 已保存，当前状态：{outcome.project.status.label}")
        print_warnings(outcome.warnings)


def cmd_project_show(args: argparse.Namespace) -> None:
    with database.unit_of_work(engine(args)) as session:
        sheet = project_sheet(session, args.id)
    print(f"项目 {sheet.id}  状态：{sheet.status.label}  内容版本：{sheet.content_version}")
    if sheet.status_reason:
        print(f"  {sheet.reason_label}：{sheet.status_reason}")
    for label, value in sheet.lines:
        print(f"  {label}：{value}")
    for signature in sheet.signatures:
        state = f"已作废（{signature.void_reason}）" if signature.void_reason is not None else "有效"
        print(f"  签名：{signature.role.label} {signature.signer} "
              f"{signature.signed_at:%Y-%m-%d %H:%M} 第 {signature.content_version} 版 {state}")
    for change in sheet.changes:
        print(f"  签字后变更：{change.label}：{change.before} → {change.after}")
    print(f"  金额：{sheet.amount.format_yuan()} 元，已支出：{sheet.spent.format_yuan()} 元")
    for e in sheet.expenditures:
        print(f"    支出 {e.id}：{e.spent_on} {e.amount.format_yuan()} 元 {e.payee} 凭证 {e.voucher_no} {e.purpose}")


def cmd_project_list(args: argparse.Namespace) -> None:
    with database.unit_of_work(engine(args)) as session:
        region = regions.find_region(session, args.region)
        statuses = [ProjectStatus.from_label(args.status)] if args.status else None
        ids = projects.project_ids(session, region, statuses=statuses)
        for row in projects.project_rows(session, ids):
            print(f"{row.id}\t{row.status.label}\t{row.town}\t{row.amount.format_wan(2)} 万元\t{row.name}")


def _transition(handler: Callable) -> Callable[[argparse.Namespace], None]:
    def run(args: argparse.Namespace) -> None:
        with database.unit_of_work(engine(args)) as session:
            user, password = login(session, args, Passwords())
            outcome = handler(session, user, args, password)
            print(f"项目 {outcome.project.id}“{outcome.project.name}”：{outcome.project.status.label}")
            print_warnings(outcome.warnings)
    return run


cmd_project_start = _transition(lambda s, u, a, p: approval.start(s, u, a.id, parse_date(a.date)))
cmd_project_complete = _transition(lambda s, u, a, p: approval.complete(s, u, a.id, parse_date(a.date)))
cmd_project_cancel = _transition(lambda s, u, a, p: approval.cancel(s, u, a.id, a.reason))
cmd_project_accept = _transition(lambda s, u, a, p: approval.accept(
    s, u, a.id, a.receiver or "", AssetType.from_label(a.asset_type) if a.asset_type else None, parse_date(a.date),
    owner=a.owner or "", upkeep_yearly=wan(a.upkeep)))
cmd_sign = _transition(lambda s, u, a, p: approval.sign(s, u, a.id, UserRole.from_label(a.role), p))


def _review(session, user: User, args: argparse.Namespace, password: str):
    if args.approve:
        return approval.approve(session, user, args.id, password)
    return approval.return_project(session, user, args.id, args.return_reason)


cmd_review = _transition(_review)


# ---------------------------------------------------------------- ledger

# ---------------------------------------------------------------- verify and settings

def cmd_verify(args: argparse.Namespace) -> None:
    with database.unit_of_work(engine(args)) as session:
        report = verify.verify_database(session)
    print(f"已核验 {report.projects} 个项目的 {report.signatures} 个有效签名，审计记录 {report.chain.events} 条。")
    for problem in report.problems:
        where = f"项目 {problem.project_id} {problem.where}" if problem.project_id else f"用户 {problem.where}"
        print(f"  ✗ {where}：{problem.message}")
    if not report.chain.ok:
        print(f"  ✗ 审计链：{report.chain.message}")
    if not report.ok:
        raise InputError(f"核验未通过：{len(report.problems) + (not report.chain.ok)} 处问题（见上）。", "verify failed")
    print("核验通过：所有签名与当前内容一致，审计链完整。")


def cmd_setting_list(args: argparse.Namespace) -> None:
    with database.unit_of_work(engine(args)) as session:
        for key, spec in settings.COUNTY_SETTINGS.items():
            value = settings.get_setting(session, key)
            shown = spec.choices.get(value, value) if spec.choices else value
            print(f"{key}\t{spec.label}：{shown}")


def cmd_setting_set(args: argparse.Namespace) -> None:
    with database.unit_of_work(engine(args)) as session:
        admin, _ = login(session, args, Passwords())
        settings.change_setting(session, admin, args.key, args.value)
    print(f"已修改设置 {args.key}。")


def cmd_audit(args: argparse.Namespace) -> None:
    with database.unit_of_work(engine(args)) as session:
        entity = approval.get_project(session, args.project).uuid if args.project else None
        for event, username in audit.events(session, entity_uuid=entity, limit=args.limit):
            label = audit.ACTION_LABELS.get(event.action, event.action)
            reason = f"（{event.reason}）" if event.reason else ""
            print(f"{event.id}\t{event.occurred_at:%Y-%m-%d %H:%M:%S}\t{username or '-'}\t{label}{reason}")


def add_commands(commands, command, parser_class) -> None:
    """Register the lifecycle commands on the main parser's subcommands (see app.cli.build_parser)."""
    def group(name: str, help_text: str):
        return commands.add_parser(name, help=help_text).add_subparsers(
            dest=f"{name}_command", required=True, metavar="子命令", parser_class=parser_class)

    def acting(sub: argparse.ArgumentParser, passwords: str = "该用户的密码") -> argparse.ArgumentParser:
        sub.add_argument("--as", dest="as_user", required=True, metavar="用户名",
                         help=f"执行操作的用户；标准输入依次提供：{passwords}（每行一个）")
        return sub

    users = group("user", "用户：新增、列出、修改或重置密码")
    add = command("add", cmd_user_add, "新增用户（第一个用户须为系统管理员，无需 --as）", users)
    add.add_argument("username", help="用户名（登录名）")
    add.add_argument("--name", required=True, help="姓名")
    add.add_argument("--role", action="append", required=True, metavar="角色:区划代码",
                     help="如 乡镇经办人:441624100、县级审核:441624、系统管理员:441624；可重复")
    add.add_argument("--as", dest="as_user", default="", metavar="用户名",
                     help="执行操作的系统管理员；标准输入依次提供：管理员密码、新用户密码")
    command("list", cmd_user_list, "列出用户及其角色", users)
    passwd = command("passwd", cmd_user_passwd, "修改密码（标准输入依次提供：原密码、新密码）", users)
    passwd.add_argument("username", help="用户名")
    reset = acting(command("reset", cmd_user_reset, "管理员重置用户密码（同时更换其签名密钥）", users),
                   "管理员密码、新密码")
    reset.add_argument("username", help="要重置的用户名")

    project = group("project", "项目：起草、修改、查看、列出及实施各环节")
    create = acting(command("create", cmd_project_create, "从 JSON 或 xlsx 文件起草项目", project))
    create.add_argument("file", help="项目文件（.json 或 .xlsx）")
    edit = acting(command("edit", cmd_project_edit, "用 JSON 或 xlsx 文件中的字段修改项目（已签字的项目将退回草稿）",
                          project))
    edit.add_argument("id", type=int, help="项目编号")
    edit.add_argument("file", help="只含要修改字段的项目文件（.json 或 .xlsx）")
    edit.add_argument("--reason", help="修改原因")
    show = command("show", cmd_project_show, "查看项目全部内容、签名和支出", project)
    show.add_argument("id", type=int, help="项目编号")
    lst = command("list", cmd_project_list, "列出项目", project)
    lst.add_argument("--region", default=regions.PROVINCE_CODE, help="区划代码（默认全省）")
    lst.add_argument("--status", help="只列出此状态的项目，如 已双签")
    for name, handler, help_text in (("start", cmd_project_start, "开始实施（已审定入库或已纳入计划 → 实施中）"),
                                     ("complete", cmd_project_complete, "确认完工（实施中 → 已完工）")):
        sub = acting(command(name, handler, help_text, project))
        sub.add_argument("id", type=int, help="项目编号")
        sub.add_argument("--date", help="实际日期（默认今天），如 2023-07-01")
    accept = acting(command("accept", cmd_project_accept, "验收（已完工 → 已验收），形成资产的登记资产移交", project))
    accept.add_argument("id", type=int, help="项目编号")
    accept.add_argument("--receiver", help="资产移交（接收管护）单位；不形成资产的项目可不填")
    accept.add_argument("--owner", help="确权后的资产所有权人（默认同接收管护单位）")
    accept.add_argument("--upkeep", default="0", help="年度管护经费（万元，默认 0）")
    accept.add_argument("--asset-type", help="资产类型：经营性 / 公益性 / 到户类 / 不形成资产（默认为入库时的类型）")
    accept.add_argument("--date", help="验收日期（默认今天）")
    cancel = acting(command("cancel", cmd_project_cancel, "终止项目（须填写原因）", project))
    cancel.add_argument("id", type=int, help="项目编号")
    cancel.add_argument("--reason", required=True, help="终止原因")

    sign = acting(command("sign", cmd_sign, "双签：以乡镇主要负责人或驻镇帮扶工作队队长身份签字"))
    sign.add_argument("id", type=int, help="项目编号")
    sign.add_argument("--role", required=True, help="乡镇主要负责人 / 驻镇帮扶工作队队长")
    review = acting(command("review", cmd_review, "县级审定（--approve）或退回（--return 原因）"))
    review.add_argument("id", type=int, help="项目编号")
    decision = review.add_mutually_exclusive_group(required=True)
    decision.add_argument("--approve", action="store_true", help="审定入库（以审核人的签名）")
    decision.add_argument("--return", dest="return_reason", metavar="原因", help="退回乡镇并说明原因")

    command("verify", cmd_verify, "核验全部项目签名与审计链（发现被改动的数据）")
    log = command("audit", cmd_audit, "查看审计记录（最新在前）")
    log.add_argument("--project", type=int, help="只看此项目")
    log.add_argument("--limit", type=int, default=50, help="最多显示条数（默认 50）")

    setting = group("setting", "本县规则设置")
    command("list", cmd_setting_list, "列出设置", setting)
    set_ = acting(command("set", cmd_setting_set, "修改设置（须系统管理员）", setting), "管理员密码")
    set_.add_argument("key", help="设置名（见 setting list）")
    set_.add_argument("value", help="新值，如 阻止 / 提醒 / 10")
