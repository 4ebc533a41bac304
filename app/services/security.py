"""Who may do what: users, passwords, signing keys and role checks.

Passwords go through scrypt (parameters stored with each hash, so they can be raised later). One
scrypt run per password use yields two independent keys (HKDF): one is checked against the stored
verifier, the other seals the user's Ed25519 private key (AES-GCM). So the key is unlocked only
when the password is typed, and a changed password re-seals the same key.

Every service that changes data takes the acting `User` and calls `require()`; the GUI hides what
a role may not do, but this module is the boundary.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum, unique

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from app.models import RoleGrant, Town, User, UserKey, UserRole
from app.models.types import utcnow
from app.services import audit, database, keyring, trust
from app.services.crypto import (b64 as _b64, public_key_text, seal_private_key, sign_bytes,  # noqa: F401
                                 signature_valid, unb64 as _unb64, unseal_private_key)
from app.services.errors import InputError, NotFound
from app.services.regions import PROVINCE_CODE, find_region

MIN_PASSWORD_LENGTH = 8
MAX_FAILED_LOGINS = 5          # then locked, 1 minute doubling per further failure
LOCK_BASE = timedelta(minutes=1)
LOCK_MAX = timedelta(hours=1)


class PermissionDenied(InputError):
    """The acting user lacks the role (or the region) for an action."""


class LoginFailed(InputError):
    pass


@dataclass(frozen=True)
class KdfParams:
    n: int
    r: int
    p: int

    def derive(self, password: str, salt: bytes) -> bytes:
        return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=self.n, r=self.r, p=self.p,
                              maxmem=256 * 1024 * 1024, dklen=32)


# OWASP's scrypt setting (N=2^15, r=8, p=3): about 0.2 s here. DEMO_KDF is for the built-in demo
# users only, whose password is printed in the README: a slow hash would protect nothing there.
DEFAULT_KDF = KdfParams(2**15, 8, 3)
DEMO_KDF = KdfParams(2**10, 8, 1)


@unique
class Action(Enum):
    """Everything a user can ask the services to do, with the roles that may do it.

    Each member's value is its own number, not its roles: with the roles as the value, actions
    that share the same roles (draft and edit, approve and return...) would silently become
    aliases of one another, so there would be 7 actions instead of 15 and wrong labels in errors."""

    def __new__(cls, *roles: UserRole) -> "Action":
        member = object.__new__(cls)
        member._value_ = len(cls.__members__) + 1
        member._roles = roles
        return member

    draft_project = (UserRole.town_officer,)
    edit_project = (UserRole.town_officer,)
    sign_as_town_leader = (UserRole.town_leader,)
    sign_as_team_leader = (UserRole.team_leader,)
    approve_project = (UserRole.county_reviewer,)
    return_project = (UserRole.county_reviewer,)
    start_project = (UserRole.town_officer,)
    complete_project = (UserRole.town_officer,)
    accept_project = (UserRole.county_reviewer,)
    cancel_draft = (UserRole.town_officer, UserRole.county_reviewer)
    cancel_approved = (UserRole.county_reviewer,)
    spend = (UserRole.county_finance,)  # the town claims (报账); county finance pays (000:l.620)
    reverse_expenditure = (UserRole.county_finance,)
    manage_users = (UserRole.admin,)
    change_settings = (UserRole.admin,)
    arrange_funds = (UserRole.county_finance, UserRole.county_reviewer)  # the county's 资金安排
    file_claim = (UserRole.town_officer,)
    record_publicity = (UserRole.town_officer, UserRole.county_reviewer)
    manage_regions = (UserRole.admin,)
    manage_peers = (UserRole.admin,)
    # Exporting and importing packages: whoever keeps the installation's books at its level.
    exchange_data = (UserRole.admin, UserRole.town_officer, UserRole.county_reviewer, UserRole.county_finance,
                     UserRole.city_finance, UserRole.province_finance)

    @property
    def roles(self) -> tuple[UserRole, ...]:
        return self._roles


ACTION_LABELS = {
    Action.draft_project: "起草项目", Action.edit_project: "修改项目", Action.sign_as_town_leader: "以乡镇主要负责人身份签字",
    Action.sign_as_team_leader: "以驻镇帮扶工作队队长身份签字", Action.approve_project: "审定项目",
    Action.return_project: "退回项目", Action.start_project: "开始实施", Action.complete_project: "确认完工",
    Action.accept_project: "组织验收", Action.cancel_draft: "终止未审定的项目", Action.cancel_approved: "终止已审定的项目",
    Action.spend: "支付（录入支出）", Action.reverse_expenditure: "红字冲销", Action.manage_users: "管理用户",
    Action.change_settings: "修改设置", Action.arrange_funds: "编制年度资金安排", Action.file_claim: "报账",
    Action.record_publicity: "登记公示", Action.manage_regions: "设置乡镇类别、行政村和财政体制",
    Action.manage_peers: "登记数据交换单位", Action.exchange_data: "导出或导入数据包",
}

# Who issues and receives money at each level (下达, 到位): finance of the province, a city, a county.
FINANCE_ROLE_BY_LEVEL = {"province": UserRole.province_finance, "city": UserRole.city_finance,
                         "county": UserRole.county_finance}
# 东莞 and 中山 have no county level: their towns' county work is done at the city.
CITIES_WITHOUT_COUNTIES = ("4419", "4420")
COUNTY_ROLES = (UserRole.county_reviewer, UserRole.county_finance)


# ---------------------------------------------------------------- passwords and keys

def _subkeys(master: bytes) -> tuple[bytes, bytes]:
    """(verifier key, sealing key), independent halves of one scrypt result."""
    def expand(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)
    return expand(b"bangzhen password verifier"), expand(b"bangzhen key sealing")


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符。", "password too short")
    if password.strip() != password or not password.strip():
        raise InputError("密码不能以空格开头或结尾。", "password has surrounding blanks")
    if len(set(password)) < 3:
        raise InputError("密码过于简单，请混合使用字母、数字或符号。", "password too simple")


@dataclass(frozen=True)
class Credentials:
    """What one scrypt run over a password gives: the stored hash and the key-sealing key."""
    password_hash: str
    sealing_key: bytes


def new_credentials(password: str, kdf: KdfParams = DEFAULT_KDF) -> Credentials:
    salt = os.urandom(16)
    verifier, sealing = _subkeys(kdf.derive(password, salt))
    return Credentials(f"scrypt${kdf.n}${kdf.r}${kdf.p}${_b64(salt)}${_b64(verifier)}", sealing)


def open_credentials(password: str, password_hash: str) -> bytes | None:
    """The sealing key when `password` matches `password_hash`, else None."""
    try:
        scheme, n, r, p, salt, verifier = password_hash.split("$")
        if scheme != "scrypt":
            return None
        kdf = KdfParams(int(n), int(r), int(p))
        mine, sealing = _subkeys(kdf.derive(password, _unb64(salt)))
    except (ValueError, TypeError):
        return None
    return sealing if hmac.compare_digest(mine, _unb64(verifier)) else None


# ---------------------------------------------------------------- users

def user_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User))


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise InputError(f"用户“{username}”不存在。", f"no user {username!r}")
    return user


def _check_grant(session: Session, role: UserRole, region_code: str) -> None:
    region = find_region(session, region_code)  # '44' is the province; raises NotFound with a Chinese message
    town_roles = (UserRole.town_officer, UserRole.town_leader, UserRole.team_leader)
    if role in town_roles and region.level != "town":
        raise InputError(f"“{role.label}”必须授权到具体乡镇（9 位区划代码），而“{region.name}”不是乡镇。",
                         f"{role} needs a town, got {region_code}")
    if role in COUNTY_ROLES and not (region.level == "county" or region.code in CITIES_WITHOUT_COUNTIES):
        raise InputError(f"“{role.label}”必须授权到县（市、区）（6 位区划代码；东莞市、中山市授权到市），"
                         f"而“{region.name}”不是。", f"{role} needs a county, got {region_code}")
    if role is UserRole.city_finance and region.level != "city":
        raise InputError(f"“{role.label}”必须授权到地级市（4 位区划代码），而“{region.name}”不是。",
                         f"{role} needs a city, got {region_code}")
    if role is UserRole.province_finance and region.level != "province":
        raise InputError(f"“{role.label}”只能授权到全省（区划代码 44）。", f"{role} needs the province")


def _add_key(session: Session, user: User, sealing_key: bytes) -> UserKey:
    private_key = Ed25519PrivateKey.generate()
    key = UserKey(user=user, public_key=public_key_text(private_key),
                  sealed_private_key=seal_private_key(private_key, sealing_key))
    session.add(key)
    return key


def create_user(session: Session, actor: User | None, username: str, display_name: str, password: str,
                grants: list[tuple[UserRole, str]], kdf: KdfParams = DEFAULT_KDF) -> User:
    """A new user with a fresh signing key. `actor` None is allowed only for the very first user,
    who must be an administrator (the first-run set-up)."""
    username, display_name = username.strip(), display_name.strip()
    grants = [(role, code.strip()) for role, code in grants]
    if actor is None:
        if user_count(session):
            raise PermissionDenied("已有用户，新增用户须由系统管理员操作。", "first-user path used twice")
        if not any(role is UserRole.admin for role, _ in grants):
            raise InputError("第一个用户必须是系统管理员。", "first user is not an admin")
    for role, code in grants:
        if actor is not None:
            require(session, actor, Action.manage_users, code)
        _check_grant(session, role, code)
    if not username or len(username) > 40 or any(c.isspace() for c in username):
        raise InputError("用户名不能为空、不能含空格，且不超过 40 个字符。", f"bad username {username!r}")
    if not display_name:
        raise InputError("请填写姓名。", "no display name")
    if not grants:
        raise InputError("请至少授予一个角色。", "no grants")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise InputError(f"用户名“{username}”已被使用。", f"duplicate username {username!r}")
    check_password_strength(password)
    credentials = new_credentials(password, kdf)
    user = User(username=username, display_name=display_name, password_hash=credentials.password_hash,
                grants=[RoleGrant(role=role, region_code=code) for role, code in grants])
    session.add(user)
    key = _add_key(session, user, credentials.sealing_key)
    session.flush()
    if actor is None:  # the first administrator is logged in at once and makes the installation's root
        keyring.hold(key.public_key, unseal_private_key(key.sealed_private_key, credentials.sealing_key))
    else:
        trust.certify_key(session, user, key)
        for grant in user.grants:
            trust.certify_grant(session, user, grant)
        if any(role is UserRole.admin for role, _ in grants):
            trust.seal_for(session, user, credentials.sealing_key)
    audit.record(session, actor or user, "user_created", "user", user.uuid,
                 after={"username": username, "display_name": display_name,
                        "grants": sorted(f"{role.value}@{code}" for role, code in grants),
                        "public_key": key.public_key})
    if actor is None:
        trust.establish(session, user, credentials.sealing_key)
    return user


def authenticate(session: Session, username: str, password: str, now: datetime | None = None) -> User:
    """The user if the password is right, with their signing key opened for this process (and, for an
    administrator, the installation's root); counts failures and locks the account with back-off."""
    given, now = now, now or utcnow()
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.is_active:
        raise LoginFailed("用户名或密码错误。", f"login: unknown or inactive user {username!r}")
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() + 59) // 60)
        raise LoginFailed(f"密码错误次数过多，账户已锁定，请 {minutes} 分钟后再试，或请系统管理员重置密码。",
                          f"login: {username!r} locked")
    sealing_key = open_credentials(password, user.password_hash)
    if sealing_key is None:
        _count_failure(session, user, given)
        raise LoginFailed("用户名或密码错误。", f"login: wrong password for {username!r}")
    _open_keys(session, user, sealing_key)
    trust.note_root(session)
    failures = user.failed_logins
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session, user, "user_login", "user", user.uuid,
                 reason=f"此前连续 {failures} 次密码错误" if failures else "")
    return user


def _open_keys(session: Session, user: User, sealing_key: bytes) -> None:
    key = active_key(user)
    keyring.hold(key.public_key, unseal_private_key(key.sealed_private_key, sealing_key))
    trust.unlock(session, user, sealing_key)


def log_out(user: User) -> None:
    """Forget the user's opened keys (and the root, when no other administrator needs it here)."""
    keyring.log_out(user)


def _count_failure(session: Session, user: User, now: datetime | None = None) -> None:
    """Remember a wrong password, as an unsigned event (no key opens without the password). This commits:
    the action fails and its unit of work rolls back, but the count must survive, or the lockout could be
    dodged; so every caller checks the password before it changes anything. The count is raised in a
    transaction that takes SQLite's write lock before it reads (database.writing): parallel wrong
    passwords queue up instead of overwriting each other's count or failing."""
    session.rollback()
    with database.writing():
        session.execute(update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1))
    session.refresh(user)
    locks = user.failed_logins >= MAX_FAILED_LOGINS
    now = now or utcnow()  # counted now, after waiting for the write lock (tests may give the time)
    if locks:
        user.locked_until = now + min(LOCK_MAX, LOCK_BASE * 2 ** (user.failed_logins - MAX_FAILED_LOGINS))
    audit.record(session, user, "user_locked" if locks else "login_failed", "user", user.uuid,
                 reason=f"连续 {user.failed_logins} 次密码错误")
    session.commit()


def active_key(user: User) -> UserKey:
    key = keyring.active(user)
    if key is None:
        raise InputError(f"用户“{user.display_name}”没有可用的签名密钥，请联系系统管理员重置密码。",
                         f"user {user.username} has no active key")
    return key


def unlock_signing_key(session: Session, user: User, password: str) -> tuple[UserKey, Ed25519PrivateKey]:
    """The user's signing key, opened with the password typed for this one signature."""
    now = utcnow()
    if not user.is_active:
        raise LoginFailed("该账户已停用，不能签字。", f"sign: {user.username} inactive")
    if user.locked_until is not None and user.locked_until > now:
        raise LoginFailed("密码错误次数过多，账户已锁定，请稍后再试，或请系统管理员重置密码。", "sign: locked")
    sealing_key = open_credentials(password, user.password_hash)
    if sealing_key is None:
        _count_failure(session, user)
        raise LoginFailed("密码错误，未签字。", f"sign: wrong password for {user.username}")
    key = active_key(user)  # the failure count starts again at the next login, which is recorded
    return key, unseal_private_key(key.sealed_private_key, sealing_key)


def change_password(session: Session, user: User, old_password: str, new_password: str) -> None:
    """Re-seal the same signing key under the new password (signatures stay valid)."""
    if user.locked_until is not None and user.locked_until > utcnow():
        raise LoginFailed("密码错误次数过多，账户已锁定，请稍后再试，或请系统管理员重置密码。", "passwd: locked")
    if not user.is_active:
        raise LoginFailed("该账户已停用。", f"passwd: {user.username} inactive")
    sealing_key = open_credentials(old_password, user.password_hash)
    if sealing_key is None:
        _count_failure(session, user)
        raise LoginFailed("原密码错误。", f"passwd: wrong old password for {user.username}")
    user.failed_logins = 0
    if new_password == old_password:
        raise InputError("新密码不能与原密码相同。", "same password")
    check_password_strength(new_password)
    key = active_key(user)
    private_key = unseal_private_key(key.sealed_private_key, sealing_key)
    credentials = new_credentials(new_password, _kdf_of(user.password_hash))
    key.sealed_private_key = seal_private_key(private_key, credentials.sealing_key)
    user.password_hash = credentials.password_hash
    user.must_change_password = False
    keyring.hold(key.public_key, private_key)
    trust.unlock(session, user, sealing_key)
    trust.seal_for_admin(session, user, credentials.sealing_key)
    audit.record(session, user, "password_changed", "user", user.uuid)


def _kdf_of(password_hash: str) -> KdfParams:
    _, n, r, p, *_ = password_hash.split("$")
    return max(KdfParams(int(n), int(r), int(p)), DEFAULT_KDF, key=lambda k: k.n * k.r * k.p)


def reset_password(session: Session, admin: User, user: User, new_password: str) -> None:
    """An administrator sets a new password. The old private key cannot be opened without the old
    password, so the user is re-keyed: the old key is retired (its public half stays, so earlier
    signatures still verify) and a new one is made. The user must change the password at next login."""
    for grant in user.grants:
        require(session, admin, Action.manage_users, grant.region_code)
    check_password_strength(new_password)
    now = utcnow()
    for key in user.keys:
        if key.retired_at is None:
            key.retired_at = now
            key.sealed_private_key = None
    credentials = new_credentials(new_password, _kdf_of(user.password_hash))
    user.password_hash = credentials.password_hash
    user.failed_logins = 0
    user.locked_until = None
    user.must_change_password = True
    key = _add_key(session, user, credentials.sealing_key)
    trust.certify_key(session, user, key)
    trust.seal_for_admin(session, user, credentials.sealing_key)
    audit.record(session, admin, "password_reset", "user", user.uuid, reason="管理员重置密码并更换签名密钥",
                 after={"public_key": key.public_key})


def grant_role(session: Session, admin: User, user: User, role: UserRole, region_code: str) -> RoleGrant:
    """An administrator gives a user one more role in a region, certified by the root from now on."""
    region_code = region_code.strip()
    require(session, admin, Action.manage_users, region_code)
    _check_grant(session, role, region_code)
    if any(g.role is role and g.region_code == region_code for g in grants_in_force(user)):
        raise InputError(f"“{user.display_name}”已有“{role.label}（{region_code}）”授权。", "grant exists")
    grant = RoleGrant(user=user, role=role, region_code=region_code, valid_from=utcnow())
    session.add(grant)
    trust.certify_grant(session, user, grant)
    audit.record(session, admin, "role_granted", "user", user.uuid, after={"grant": f"{role.value}@{region_code}"})
    return grant


def revoke_role(session: Session, admin: User, user: User, role: UserRole, region_code: str) -> RoleGrant:
    """End a grant (it stays on record with its end, re-certified, so acts made under it still verify)."""
    grant = next((g for g in grants_in_force(user) if g.role is role and g.region_code == region_code.strip()), None)
    if grant is None:
        raise InputError(f"“{user.display_name}”没有“{role.label}（{region_code}）”授权。", "no such grant")
    require(session, admin, Action.manage_users, grant.region_code)
    if user.id == admin.id and role is UserRole.admin and sum(g.role is UserRole.admin for g in grants_in_force(user)) == 1:
        raise InputError("不能收回自己最后一个系统管理员授权。", "admin revoking own last admin grant")
    grant.valid_to = utcnow()
    trust.certify_grant(session, user, grant)
    audit.record(session, admin, "role_revoked", "user", user.uuid, after={"grant": f"{role.value}@{grant.region_code}"})
    return grant


def replace_root(session: Session, admin: User, password: str, reason: str, db_path: str):
    """An administrator replaces the installation's root (see trust.replace_root), typing their password."""
    if not trust.is_admin(admin) or not admin.is_active:
        raise PermissionDenied("只有系统管理员可以更换根密钥。", f"{admin.username} replacing the root")
    sealing_key = open_credentials(password, admin.password_hash)
    if sealing_key is None:
        _count_failure(session, admin)
        raise LoginFailed("密码错误，根密钥未更换。", "root replacement: wrong password")
    return trust.replace_root(session, admin, sealing_key, reason, db_path)


RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on paper


def make_recovery_code(session: Session, admin: User) -> str:
    """A new recovery code for the open root (the recovery sheet): the root sealed under it replaces any
    earlier recovery seal. Shown once; kept sealed in an envelope by the unit."""
    opened = trust.require_root(session)
    if opened is None or not trust.is_admin(admin):
        raise PermissionDenied("只有系统管理员在根密钥建立后才能制作恢复单。", "recovery code without root")
    code = "-".join("".join(RECOVERY_ALPHABET[b % len(RECOVERY_ALPHABET)] for b in os.urandom(5)) for _ in range(6))
    credentials = new_credentials(code)
    trust.seal_recovery(session, opened, credentials.password_hash,
                        seal_private_key(opened[1], credentials.sealing_key))
    audit.record(session, admin, "recovery_sheet_made", "installation", opened[0].installation,
                 reason="制作根密钥恢复单（旧恢复单作废）")
    return code


def recover_root(session: Session, admin: User, password: str, code: str) -> None:
    """An administrator without the root (a new one, or after the root was replaced) opens it with the
    recovery sheet's code and gets it sealed under their own password."""
    if not trust.is_admin(admin) or not admin.is_active:
        raise PermissionDenied("只有系统管理员可以用恢复单恢复根密钥。", "recover by non-admin")
    sealing_key = open_credentials(password, admin.password_hash)
    if sealing_key is None:
        _count_failure(session, admin)
        raise LoginFailed("密码错误，根密钥未恢复。", "recover: wrong password")
    root = trust.open_recovery(session, code.strip().upper())
    keyring.hold(active_key(admin).public_key, unseal_private_key(active_key(admin).sealed_private_key, sealing_key))
    keyring.hold(root[0].public_key, root[1])
    trust.seal_for(session, admin, sealing_key)
    audit.record(session, admin, "root_recovered", "installation", root[0].installation, reason="用恢复单恢复根密钥")


def set_active(session: Session, admin: User, user: User, active: bool) -> None:
    for grant in user.grants:
        require(session, admin, Action.manage_users, grant.region_code)
    if user.id == admin.id and not active:
        raise InputError("不能停用自己的账户。", "admin disabling self")
    user.is_active = active
    audit.record(session, admin, "user_enabled" if active else "user_disabled", "user", user.uuid)


# ---------------------------------------------------------------- permissions

def covers(grant_code: str, region_code: str) -> bool:
    """A grant on a region covers that region and everything inside it (NBS codes nest by prefix)."""
    return grant_code == PROVINCE_CODE or region_code.startswith(grant_code)


def grants_in_force(user: User) -> list[RoleGrant]:
    """The user's grants not ended (an ended grant stays on record, with its end)."""
    return [g for g in user.grants if g.valid_to is None]


def grant_codes(user: User, role: UserRole) -> list[str]:
    """The regions where an active user holds `role`."""
    return [g.region_code for g in grants_in_force(user) if g.role is role] if user.is_active else []


def towns_covered(query: Select, codes: list[str]) -> Select:
    """Narrow a query over `Town` to the towns these grant codes cover (`covers` in SQL)."""
    if PROVINCE_CODE in codes:
        return query
    return query.where(or_(*(Town.code.startswith(code, autoescape=True) for code in codes)))


def has_role(user: User, role: UserRole, region_code: str) -> bool:
    return user.is_active and any(g.role is role and covers(g.region_code, region_code) for g in grants_in_force(user))


def may(user: User, action: Action, region_code: str) -> bool:
    return any(has_role(user, role, region_code) for role in action.roles)


def require_role(session: Session, user: User, role: UserRole, region_code: str, doing: str) -> None:
    """Like `require`, for acts bound to one role at one level (issuing money as a city's finance)."""
    if not has_role(user, role, region_code):
        raise PermissionDenied(f"您没有权限{doing}：需要{_region_name(session, region_code)}的“{role.label}”角色。",
                               f"{user.username} lacks {role.value} in {region_code} for {doing}")


def require(session: Session, user: User, action: Action, region_code: str) -> None:
    if not may(user, action, region_code):
        roles = "或".join(role.label for role in action.roles)
        county_level = all(role in COUNTY_ROLES for role in action.roles) and len(region_code) == 9
        where = _region_name(session, region_code[:6] if county_level else region_code)
        raise PermissionDenied(f"您没有权限{ACTION_LABELS[action]}：需要{where}的“{roles}”角色。",
                               f"{user.username} may not {action.name} in {region_code}")


def _region_name(session: Session, code: str) -> str:
    try:
        return find_region(session, code).name
    except NotFound:
        return code


def grants_text(user: User) -> str:
    return "、".join(f"{g.role.label}（{g.region_code}）" for g in grants_in_force(user))
