"""`verify`: does the database still say what its signers signed?

- The root of trust: the installation's root key certifies itself, matches the fingerprint in the trust
  file beside the database (and one typed from the paper 密钥登记表 with `--root`), and certifies every
  user key and role grant (services.verify_trust).
- Every audit event is signed by a certified key of the user it names, and the chain is whole; a head
  seen outside the file (trust file, `--head` from paper) is still in its history, so an older copy
  put back shows.
- Every checked record (payments, claims, plans, allocations, funds, assets, users and grants, settings,
  projects...) equals the record of its last signed event, and every recorded entity still exists.
- The ledger: net paid never above what the plans in force arrange; each payment was made while the
  project's signed history allowed paying; the totals the ledger sorts and sums by (services.money.totals)
  equal what the payments and plans in force add up to.
- For every project: each current signature is made by a certified key of the user it names, over the
  project's *current* content and content version, in the role it claims; and the status carries the
  signatures it needs (双签 for 已双签, plus the county's 审定 from 已审定入库 on). Every 资金安排 in force
  carries its decider's signature over its current lines.
- Nothing in the schema the migrations did not make (triggers, views, indexes).
- Exchange (services.verify_exchange): every outbox and inbox row lies in a signed export's or import's
  range with a matching digest; a peer's people's keys are trusted only through that peer's root; a plan
  decided by a peer is held to its part for this region.

A malformed value is reported as a problem, never a crash. `report.problems` lists them in Chinese.

On a big database the work runs on every core (services.verify_work): worker processes check ranges of
the audit log, the records and the project signatures, reading the file themselves, while this process
replays the signed history and checks the rest; progress and 取消 cover both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (AmendmentStatus, FundPlan, PeerUser, PlanStatus, Project, ProjectAmendment, ProjectSignature,
                        ProjectStatus, Town, User, UserKey, UserRole)
from app.errors import BangzhenError
from app.services import audit, exchange_money, settings, trust, verify_exchange, verify_trust, verify_work
from app.services.approval import signed_payload
from app.services.content import project_contents
from app.services.money import plans, totals
from app.services.security import signature_valid

S = ProjectStatus
TOWN_SIGNERS = {UserRole.town_leader, UserRole.team_leader}
NEEDED = {S.draft: set(), S.returned: set(), S.signed_once: None, S.double_signed: TOWN_SIGNERS,
          S.approved: TOWN_SIGNERS | {UserRole.county_reviewer}}
for _later in (S.planned, S.in_progress, S.completed, S.accepted):
    NEEDED[_later] = NEEDED[S.approved]

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Problem:
    project_id: int | None
    where: str     # project name (town) or user
    message: str


@dataclass
class VerifyReport:
    projects: int = 0
    signatures: int = 0        # current project signatures
    event_signatures: int = 0  # audit events whose signature was checked
    certificates: int = 0      # root certificates on keys and grants
    records: int = 0
    problems: list[Problem] = field(default_factory=list)
    chain: audit.ChainReport | None = None
    root_fingerprint: str = ""
    head: tuple[int, str] = (0, "")

    @property
    def ok(self) -> bool:
        return not self.problems and self.chain is not None and self.chain.ok

    @property
    def signatures_checked(self) -> int:
        """Every Ed25519 check made: project and plan signatures, events, certificates."""
        return self.signatures + self.event_signatures + self.certificates

    def as_json(self) -> dict:
        """The machine-readable report (`bangzhen verify --json`)."""
        problems = [{"project_id": p.project_id, "where": p.where, "message": p.message} for p in self.problems]
        if self.chain is not None and not self.chain.ok:
            problems.append({"project_id": None, "where": "审计链", "message": self.chain.message})
        return {"ok": self.ok, "projects": self.projects, "signatures": self.signatures, "records": self.records,
                "audit_events": self.chain.events if self.chain else 0, "root": self.root_fingerprint,
                "head": {"count": self.head[0], "hash": self.head[1]}, "problems": problems}


def verify_database(session: Session, progress: Progress | None = None, *, db_path: str | None = None,
                    root: str | None = None, heads: tuple[str, ...] = ()) -> VerifyReport:
    """Check everything; `db_path` finds the trust file beside the database, `root` is a fingerprint typed
    from the paper 密钥登记表 and `heads` audit heads ("count:hash") seen on paper or in packages."""
    with verify_work.mapped(session):
        return _verify(session, progress, db_path, root, heads)


def _verify(session: Session, progress: Progress | None, db_path: str | None, root: str | None,
            heads: tuple[str, ...]) -> VerifyReport:
    report = VerifyReport()

    def note(where: str, message: str, project_id: int | None = None) -> None:
        report.problems.append(Problem(project_id, where, message))

    def guarded(what: str, check: Callable[[], object]) -> object:
        try:
            return check()
        except BangzhenError:  # the user cancelled (the progress callback raised): stop, report nothing
            raise
        except Exception as error:  # noqa: BLE001 - a malformed row must be a finding, never a crash
            note(what, f"检查时遇到无法读取的数据（{type(error).__name__}），数据库可能被直接改动：{str(error)[:120]}")
            return None

    check_root = guarded("根密钥", lambda: verify_trust.check_root(session, note, db_path, root))
    report.root_fingerprint = "" if check_root is None else trust.fingerprint(check_root.public_key)
    if check_root is not None:
        guarded("记录", lambda: verify_trust.check_layout(session, note))
    trusted_keys = guarded("密钥与授权", lambda: verify_trust.check_keys_and_grants(session, check_root, note))
    if trusted_keys is None:
        trusted_keys = verify_trust.Trusted(check_root, {}, {})
    report.certificates = trusted_keys.certificates
    # The workers check the audit log, the records and the project signatures while this process replays
    # the history and checks the rest; then their findings are confirmed and reported.
    work = guarded("校验", lambda: verify_work.start(session, trusted_keys, verify_trust.ACTION_ROLES, db_path))
    counted = None if progress is None else (lambda done, total: progress(done, total, "已核对"))

    def between() -> None:  # the progress bar moves, and 取消 works, while this process checks its part
        if work is not None:
            work.report(counted)

    try:
        signed_after = None if work is None else work.runner.context.signed_after
        facts = guarded("审计记录", lambda: verify_trust.replay(session, trusted_keys, signed_after, note))
        between()
        if facts is not None:
            guarded("登录锁定", lambda: verify_trust.check_locks(session, facts, note))
        guarded("报账附件", lambda: verify_trust.check_attachments(session, note))
        guarded("数据交换", lambda: verify_exchange.check_exchange(session, note))
        guarded("资金台账", lambda: verify_trust.check_ledger(session, note))
        guarded("台账合计", lambda: totals.check(session, note))
        guarded("数据库结构", lambda: verify_trust.check_schema(session, note))
        guarded("记录", lambda: verify_trust.check_orphans(session, note))
        between()
        signers = guarded("用户与密钥", lambda: Signers.read(session, trusted_keys)) or Signers({}, {}, set())
        guarded("项目调整与资金安排", lambda: _check_others(session, signers, report))
        between()
        guarded("项目签名", lambda: _check_projects(session, report, signers, {} if facts is None else facts.audited))
        if work is not None:
            work.wait(counted)
            chain = guarded("审计记录签名", lambda: verify_work.event_results(session, work, trusted_keys,
                                                                       verify_trust.ACTION_ROLES, note))
            if chain is not None:
                report.event_signatures, report.chain = chain
            report.head = guarded("审计记录头", lambda: verify_trust.check_rollback(
                session, note, db_path, list(heads), lambda n: verify_work.hash_at(session, work, n))) or (0, "")
            report.records = guarded("记录", lambda: verify_work.record_results(session, work, note)) or 0
            guarded("项目签名", lambda: _confirm_projects(session, report, signers, work))
    finally:
        if work is not None:
            work.close()
    if report.chain is None:
        report.chain = audit.ChainReport(0, None, "审计链无法读取。")
    return report


@dataclass
class Signers:
    """Who can sign: user uuids by id, keys by id (user id, public key), and the keys the root certified."""
    users: dict[int, str]
    keys: dict[int, tuple[int, str]]
    trusted: set[int]

    @classmethod
    def read(cls, session: Session, trusted_keys: verify_trust.Trusted) -> Signers:
        return cls(dict(session.execute(select(User.id, User.uuid)).all()),
                   {key_id: (user_id, public_key) for key_id, user_id, public_key
                    in session.execute(select(UserKey.id, UserKey.user_id, UserKey.public_key))},
                   set(trusted_keys.keys))


def _check_others(session: Session, signers: Signers, report: VerifyReport) -> None:
    _check_amendments(session, signers.users, signers.keys, signers.trusted, report)
    _check_voided(session, signers.users, signers.keys, report)
    _check_plans(session, signers.users, signers.keys, signers.trusted, report)


_PROJECTS = ("SELECT p.id, p.status, p.content_version, p.uuid, s.id, s.user_id, s.key_id, s.role, s.content_version "
             "FROM project p JOIN town ON town.id = p.town_id LEFT JOIN project_signature s ON s.project_id = p.id "
             "AND s.voided_at IS NULL AND s.amendment_id IS NULL ORDER BY p.id")


def _check_projects(session: Session, report: VerifyReport, signers: Signers, audited: dict[str, str]) -> None:
    """The signing rules of every project from its current signatures, and its status against the signed
    history (the Ed25519 check of each signature is the workers', `_confirm_projects`)."""
    for project_id, rows in groupby(verify_work.raw_rows(session, _PROJECTS), key=itemgetter(0)):
        rows = list(rows)
        _, status, content_version, uuid = rows[0][:4]
        found = [row[5:] for row in rows if row[4] is not None]
        report.signatures += len(found)
        problems = _check_project(status, content_version, found, signers)
        logged = audited.get(uuid, S.draft.value)
        if logged != status:
            problems.insert(0, f"状态“{ProjectStatus.label_of(status)}”与审计记录中的最后状态"
                               f"“{ProjectStatus.label_of(logged)}”不符（状态被人为改动）。")
        if problems:
            where = _project_where(session, project_id)
            report.problems.extend(Problem(project_id, where, message) for message in problems)
        report.projects += 1


def _project_where(session: Session, project_id: int) -> str:
    name, town = session.execute(select(Project.name, Town.name).join(Town, Town.id == Project.town_id)
                                 .where(Project.id == project_id)).one()
    return f"{name}（{town}）"


def _confirm_projects(session: Session, report: VerifyReport, signers: Signers, work: verify_work.Work) -> None:
    """The workers checked each signature over SQLite's text of the content; a project they flagged is
    checked again over the content the program builds, and only what fails then is reported."""
    suspects = sorted(verify_work.project_suspects(work))
    for project_id, content in project_contents(session, suspects).items():
        content_version = session.get(Project, project_id).content_version
        for user_id, key_id, role, version, signature in session.execute(
                select(ProjectSignature.user_id, ProjectSignature.key_id, ProjectSignature.role,
                       ProjectSignature.content_version, ProjectSignature.signature)
                .where(ProjectSignature.project_id == project_id, ProjectSignature.voided_at.is_(None),
                       ProjectSignature.amendment_id.is_(None))):
            key = signers.keys.get(key_id)
            if (key is not None and key[0] == user_id and key_id in signers.trusted and version == content_version
                    and not signature_valid(key[1], signed_payload(content, content_version, role,
                                                                   signers.users[user_id]), signature)):
                report.problems.append(Problem(project_id, _project_where(session, project_id),
                                               f"“{role.label}”的签名与项目当前内容不符（签字后内容被改动，或签名被伪造）。"))


def _check_amendments(session: Session, users: dict, keys: dict, trusted: set[int], report: VerifyReport) -> None:
    """A pending 项目调整's signatures cover its proposed content at the version it would become, and its
    status matches them (the content in force is checked with the project)."""
    rows = session.execute(
        select(ProjectAmendment.id, ProjectAmendment.project_id, ProjectAmendment.status, ProjectAmendment.base_version,
               ProjectAmendment.content_json, Project.name)
        .join(Project, Project.id == ProjectAmendment.project_id)
        .where(ProjectAmendment.status.in_([AmendmentStatus.signed_once, AmendmentStatus.double_signed]))).all()
    for amendment_id, project_id, status, base_version, content_json, name in rows:
        where = f"{name}（项目调整）"
        found = session.execute(select(ProjectSignature.user_id, ProjectSignature.key_id, ProjectSignature.role,
                                       ProjectSignature.content_version, ProjectSignature.signature)
                                .where(ProjectSignature.amendment_id == amendment_id,
                                       ProjectSignature.voided_at.is_(None))).all()
        content = json.loads(content_json)
        for user_id, key_id, role, version, signature in found:
            key = keys.get(key_id)
            if (key is None or key[0] != user_id or key_id not in trusted or version != base_version + 1
                    or not signature_valid(key[1], signed_payload(content, version, role, users[user_id]), signature)):
                report.problems.append(Problem(project_id, where, f"“{role.label}”的签名与项目调整的内容不符。"))
        if len({role for _, _, role, _, _ in found} & TOWN_SIGNERS) != {AmendmentStatus.signed_once: 1,
                                                                         AmendmentStatus.double_signed: 2}[status]:
            report.problems.append(Problem(project_id, where, f"状态为“{status.label}”，但有效签名为 {len(found)} 个。"))


def _check_plans(session: Session, users: dict, keys: dict, trusted: set[int], report: VerifyReport) -> None:
    """A 资金安排 in force (or superseded) carries its decider's signature over what it says now: a line
    edited, added or removed after signing, a forged status or a foreign key all show. A plan decided by
    a peer installation's person (services.exchange_money) is held to the part of it for this region."""
    received = set(session.scalars(select(PeerUser.user_id)))
    for plan in session.scalars(select(FundPlan).order_by(FundPlan.id)):
        where = f"资金安排 {plan.region_code} {plan.year} 年第 {plan.revision} 版"
        if plan.status is PlanStatus.draft:
            continue
        key = keys.get(plan.key_id)
        if plan.signed_by_id is None or plan.signed_role is None or key is None or key[0] != plan.signed_by_id:
            report.problems.append(Problem(None, where, f"状态为“{plan.status.label}”，但没有签发人的有效签名。"))
        elif plan.key_id not in trusted:
            report.problems.append(Problem(None, where, "签发所用密钥没有根密钥的证书。"))
        elif not signature_valid(key[1], plans.plan_signature_payload(plan, users[plan.signed_by_id]),
                                 plan.signature):
            report.problems.append(Problem(None, where, "签名与签发时的内容不符（签名记录被改动或伪造）。"))
        elif _signed_part(session, plan, received) != plans.plan_content(session, plan):
            report.problems.append(Problem(None, where, "签发后资金安排的内容被改动（项目、来源或金额与签名不符）。"))


def _signed_part(session: Session, plan: FundPlan, received: set[int]) -> dict:
    content = json.loads(plan.content_json)
    if plan.signed_by_id not in received:
        return content
    home = settings.get_setting(session, settings.HOME_REGION, "")
    uuids = set(session.scalars(select(Project.uuid).join(Town, Town.id == Project.town_id)
                                .where(Town.code.startswith(home))))
    return exchange_money.local_part(content, uuids, home)


def _check_voided(session: Session, users: dict, keys: dict, report: VerifyReport) -> None:
    """A voided signature still proves what was signed then: its stored content must carry it
    (that content is what "changed since signing" compares with)."""
    rows = session.execute(
        select(ProjectSignature.project_id, ProjectSignature.user_id, ProjectSignature.key_id, ProjectSignature.role,
               ProjectSignature.content_version, ProjectSignature.content_json, ProjectSignature.signature, Project.name,
               Town.name, Project.uuid)
        .join(Project, Project.id == ProjectSignature.project_id).join(Town, Town.id == Project.town_id)
        .where(ProjectSignature.voided_at.is_not(None)))
    for project_id, user_id, key_id, role, version, content_json, signature, name, town, uuid in rows:
        key = keys.get(key_id)
        content = json.loads(content_json)
        payload = signed_payload(content, version, role, users.get(user_id, ""))
        elsewhere = not isinstance(content, dict) or content.get("uuid") != uuid  # copied from another project
        if key is None or key[0] != user_id or elsewhere or not signature_valid(key[1], payload, signature):
            report.problems.append(Problem(project_id, f"{name}（{town}）", f"已作废的“{role.label}”签名与其记录的签字内容不符"
                                                             "（签字记录被改动）。"))


TOWN_ROLES = frozenset(role.value for role in TOWN_SIGNERS)
NEEDED_ROLES = {status.value: None if roles is None else frozenset(role.value for role in roles)
                for status, roles in NEEDED.items()}


def _check_project(status: str, content_version: int, found: list[tuple], signers: Signers) -> list[str]:
    """The signing rules, on stored values: each signature's (user id, key id, role, content version) has a
    key of its signer with the root's certificate, for the current version; who signed in which role."""
    problems = []
    roles = [role for _, _, role, _ in found]
    for user_id, key_id, role, version in found:
        key = signers.keys.get(key_id)
        if key is None or key[0] != user_id:
            problems.append(f"“{UserRole.label_of(role)}”的签名所用密钥不属于签字人。")
        elif key_id not in signers.trusted:
            problems.append(f"“{UserRole.label_of(role)}”的签名所用密钥没有根密钥的证书（不是本程序为签字人登记的密钥）。")
        elif version != content_version:
            problems.append(f"“{UserRole.label_of(role)}”的签名针对第 {version} 版内容，而项目现为第 {content_version} 版。")
    if len(set(roles)) != len(roles):
        problems.append("同一身份出现多个有效签名。")
    town_signers = [user_id for user_id, _, role, _ in found if role in TOWN_ROLES]
    if len(set(town_signers)) < len(town_signers):
        problems.append("双签出自同一人。")
    needed = NEEDED_ROLES.get(status)
    if status == S.signed_once.value:
        if len(found) != 1 or roles[0] not in TOWN_ROLES:
            problems.append(f"状态为“{ProjectStatus.label_of(status)}”，但有效签名为 {len(found)} 个。")
    elif needed is not None and set(roles) != needed:
        missing = "、".join(UserRole.label_of(r) for r in sorted(needed - set(roles))) or "无"
        extra = "、".join(UserRole.label_of(r) for r in sorted(set(roles) - needed, key=str)) or "无"
        problems.append(f"状态为“{ProjectStatus.label_of(status)}”，但签名不符：缺少 {missing}；多出 {extra}。")
    return problems
