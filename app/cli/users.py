"""Users and the installation's own rules from the command line: users and their roles, passwords,
the root of trust and its 密钥登记表, `verify`, the audit log and the county's settings. Commands that change data name the acting user
with --as (see `common`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sqlalchemy import select

from app.cli.common import Passwords, acting, as_user, group, login, unit
from app.cli.parsing import number
from app.models import User, UserRole
from app.models.types import utcnow
from app.services import approval, audit, database, refdata, regions, security, settings, text, verify
from app.services.errors import InputError


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
    passwords = Passwords()
    with unit(args, database.connect(args.db, create=True, upgrade=True)) as session:
        refdata.load_all(session)  # a brand-new database needs the regions before roles can name them
        actor = None
        if security.user_count(session):
            if not args.as_user:
                raise InputError("已有用户：请用 --as 指定执行操作的系统管理员。", "no --as")
            actor, _ = login(session, args, passwords)
        username = args.username.strip()
        if text.line(username, "用户名", User.username) != username:
            raise InputError("用户名不能含控制字符或格式字符。", f"control characters in username {username!r}")
        name = text.line(args.name, "姓名", User.display_name, required=True)
        password = passwords.read(f"新用户“{username}”的密码", confirm=True)
        user = security.create_user(session, actor, username, name, password, _role_grants(args.role))
        print(f"已新增用户：{user.username}（{user.display_name}），角色：{security.grants_text(user)}")


def cmd_user_list(args: argparse.Namespace) -> None:
    with unit(args) as session:
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
    with unit(args) as session:
        user = security.find_user(session, args.username)
        old = passwords.read("原密码")
        new = passwords.read("新密码", confirm=True)
        security.change_password(session, user, old, new)
    print(f"已修改用户“{args.username}”的密码。")


def cmd_user_reset(args: argparse.Namespace) -> None:
    passwords = Passwords()
    with unit(args) as session:
        admin, _ = login(session, args, passwords)
        user = security.find_user(session, args.username)
        new = passwords.read(f"用户“{args.username}”的新密码", confirm=True)
        security.reset_password(session, admin, user, new)
    print(f"已重置用户“{args.username}”的密码并更换其签名密钥；该用户下次登录须修改密码。")


def cmd_user_grant(args: argparse.Namespace) -> None:
    """Give (or with `revoke`, end) one role in a region; the grant is certified by the installation's root."""
    with unit(args) as session:
        admin, _ = login(session, args, Passwords())
        user = security.find_user(session, args.username)
        [(role, code)] = _role_grants([args.role])
        (security.revoke_role if args.revoke else security.grant_role)(session, admin, user, role, code)
        held = security.grants_text(user) or "无"
    print(f"已{'收回' if args.revoke else '授予'}用户“{args.username}”的“{role.label}（{code}）”；现有角色：{held}。")


# ---------------------------------------------------------------- verify, settings and the audit log

def cmd_verify(args: argparse.Namespace) -> None:
    """Everything `verify` checks; with --json one machine-readable report on standard output."""
    with unit(args) as session:
        report = verify.verify_database(session, db_path=str(session.get_bind().url.database), root=args.root,
                                        heads=tuple(args.head or ()))
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
        if not report.ok:
            raise InputError(f"核验未通过：{len(report.as_json()['problems'])} 处问题。", "verify failed")
        return
    print(f"已核验 {report.projects} 个项目的 {report.signatures} 个有效签名、{report.records} 条记录，"
          f"审计记录 {report.chain.events} 条。")
    if report.root_fingerprint:
        print(f"根密钥指纹：{report.root_fingerprint}（请与存档的《密钥登记表》核对，或用 --root 核对）")
    print(f"审计记录头：{report.head[0]}:{report.head[1][:16]}")
    for problem in report.problems:
        where = f"项目 {problem.project_id} {problem.where}" if problem.project_id else problem.where
        print(f"  ✗ {where}：{problem.message}")
    if not report.chain.ok:
        print(f"  ✗ 审计链：{report.chain.message}")
    if not report.ok:
        raise InputError(f"核验未通过：{len(report.problems) + (not report.chain.ok)} 处问题（见上）。", "verify failed")
    print("核验通过：根密钥、全部签名、记录与资金台账一致，审计链完整。")


def cmd_setting_list(args: argparse.Namespace) -> None:
    with unit(args) as session:
        home = settings.get_setting(session, settings.HOME_REGION)
        print(f"{settings.HOME_REGION}\t本地区：{regions.find_region(session, home).name if home else '未设置（全省）'}")
        for key, spec in settings.COUNTY_SETTINGS.items():
            value = settings.get_setting(session, key)
            shown = spec.choices.get(value, value) if spec.choices else value
            print(f"{key}\t{spec.label}：{shown}")


def cmd_setting_set(args: argparse.Namespace) -> None:
    with unit(args) as session:
        admin, _ = login(session, args, Passwords())
        settings.change_setting(session, admin, args.key, args.value)
    print(f"已修改设置 {args.key}。")


def cmd_setting_home(args: argparse.Namespace) -> None:
    with unit(args) as session:
        admin, _ = login(session, args, Passwords())
        name = settings.set_home_region(session, admin, args.code)
    print(f"本地区已设为{name}（{args.code.strip()}）。")


def cmd_audit(args: argparse.Namespace) -> None:
    with unit(args) as session:
        entity = approval.get_project(session, args.project).uuid if args.project else None
        for event, username in audit.events(session, entity_type=entity and "project", entity_uuid=entity,
                                            limit=args.limit):
            label = audit.ACTION_LABELS.get(event.action, event.action)
            reason = f"（{event.reason}）" if event.reason else ""
            print(f"{event.id}\t{event.occurred_at:%Y-%m-%d %H:%M:%S}\t{username or '-'}\t{label}{reason}")


# ---------------------------------------------------------------- the root of trust

def cmd_root_show(args: argparse.Namespace) -> None:
    from app.services import trust

    with unit(args) as session:
        root = trust.current_root(session)
        if root is None:
            raise InputError("本数据库还没有根密钥：系统管理员登录一次即建立。", "no root")
        count, last = audit._head(session)
    print(f"安装编号：{root.installation}")
    print(f"根密钥指纹：{trust.fingerprint(root.public_key)}")
    print(f"建立时间：{root.created_at:%Y-%m-%d %H:%M} UTC；此前的审计记录 {root.legacy_events} 条（旧版本程序所记，未签名）")
    print(f"当前审计记录头：{count}:{last[:16]}")


def cmd_root_sheet(args: argparse.Namespace) -> None:
    """The 密钥登记表 as PDF; the audit head printed on it is remembered beside the database."""
    from app.reports import key_register
    from app.services import trust

    with unit(args) as session:
        register = key_register.key_register(session)
        path = session.get_bind().url.database
        trust.write_trust_file(path, register.installation, register.root_fingerprint, *register.head)
    key_register.write_pdf(register, args.out)
    print(f"已生成密钥登记表：{args.out}（根密钥指纹 {register.root_fingerprint}）。请打印、签字盖章后存档。")


@as_user
def cmd_root_replace(session, admin, args: argparse.Namespace, password: str) -> None:
    root = security.replace_root(session, admin, password, args.reason, session.get_bind().url.database)
    from app.services import trust
    print(f"已更换根密钥，新的根密钥指纹：{trust.fingerprint(root.public_key)}。\n"
          "请立即用 bangzhen root sheet 打印新的《密钥登记表》，签字盖章后报县（市）重新登记；旧表作废。")


@as_user
def cmd_root_recovery(session, admin, args: argparse.Namespace, password: str) -> None:
    from app.reports import key_register

    code = security.make_recovery_code(session, admin)
    register = key_register.key_register(session)
    key_register.write_recovery_pdf(register.unit, register.installation, register.root_fingerprint, code, args.out)
    print(f"已生成根密钥恢复单：{args.out}。请打印一份后删除此文件，把纸质恢复单密封保管；此前的恢复单作废。")


def cmd_root_recover(args: argparse.Namespace) -> None:
    passwords = Passwords()
    with unit(args) as session:
        admin, password = login(session, args, passwords)
        security.recover_root(session, admin, password, passwords.read("恢复单上的恢复码"))
    print("已用恢复单恢复根密钥，并以您的密码重新密封。")


def add_commands(commands, command, parser_class) -> None:
    """Register the commands on the main parser's subcommands (see app.cli.build_parser)."""
    users = group(commands, parser_class, "user", "用户：新增、列出、修改或重置密码")
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
    for name, revoke, help_text in (("grant", False, "管理员为用户增加一个角色"),
                                    ("revoke", True, "管理员收回用户的一个角色（授权记录保留其终止时间）")):
        change = acting(command(name, cmd_user_grant, help_text, users), "管理员密码")
        change.add_argument("username", help="用户名")
        change.add_argument("role", metavar="角色:区划代码", help="如 县级财政:441624")
        change.set_defaults(revoke=revoke)
    reset = acting(command("reset", cmd_user_reset, "管理员重置用户密码（同时更换其签名密钥）", users),
                   "管理员密码、新密码")
    reset.add_argument("username", help="要重置的用户名")

    root = group(commands, parser_class, "root", "根密钥：查看指纹、打印密钥登记表")
    command("show", cmd_root_show, "显示本安装的根密钥指纹和审计记录头", root)
    sheet = command("sheet", cmd_root_sheet, "生成《密钥登记表》PDF（根密钥指纹、各用户密钥，供签字存档）", root)
    sheet.add_argument("--out", required=True, type=Path, metavar="文件", help="PDF 文件路径")
    replace = acting(command("replace", cmd_root_replace, "更换根密钥（须系统管理员；须重新登记）", root), "管理员密码")
    replace.add_argument("--reason", required=True, help="更换原因，如 管理员电脑遗失")
    recovery = acting(command("recovery", cmd_root_recovery, "制作根密钥恢复单 PDF（旧恢复单作废）", root), "管理员密码")
    recovery.add_argument("--out", required=True, type=Path, metavar="文件", help="PDF 文件路径")
    acting(command("recover", cmd_root_recover, "用恢复单恢复根密钥（须系统管理员）", root), "管理员密码、恢复码")
    check = command("verify", cmd_verify, "核验根密钥、全部签名、记录、资金台账与审计链（发现被改动的数据）")
    check.add_argument("--root", metavar="指纹", help="与《密钥登记表》上的根密钥指纹核对")
    check.add_argument("--head", action="append", metavar="条数:哈希",
                       help="与审批表或数据包上记录的审计记录头核对（可多次）；较新的记录头不在本库中即说明数据库被换成旧副本")
    check.add_argument("--json", action="store_true", help="以 JSON 输出核验结果（供其他程序读取）")
    log = command("audit", cmd_audit, "查看审计记录（最新在前）")
    log.add_argument("--project", type=number, help="只看此项目")
    log.add_argument("--limit", type=number, default=50, help="最多显示条数（默认 50）")

    setting = group(commands, parser_class, "setting", "本县规则设置")
    command("list", cmd_setting_list, "列出设置", setting)
    set_ = acting(command("set", cmd_setting_set, "修改设置（须系统管理员）", setting), "管理员密码")
    set_.add_argument("key", help="设置名（见 setting list）")
    set_.add_argument("value", help="新值，如 阻止 / 提醒 / 10")
    home = acting(command("home", cmd_setting_home, "设置本地区（本单位所在的市、县或乡镇；须该地区的系统管理员）",
                          setting), "管理员密码")
    home.add_argument("code", help="区划代码：地市 4 位、县区 6 位、乡镇 9 位，全省为 44")
