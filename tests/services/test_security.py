"""Passwords, users and signing keys, through the security services on a real SQLite file:
scrypt hashes, the first-user path, password rules, login failures and lockout with back-off,
password change (same key, re-sealed) and administrator reset (re-keyed, old signatures still verify)."""

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.models import AuditEvent, ProjectSignature, User, UserKey, UserRole
from app.services import demo, security, verify
from app.services.database import unit_of_work
from app.services.errors import InputError
from app.services.security import LoginFailed, PermissionDenied

COUNTY = demo.DEMO_COUNTY_CODE  # 和平县, present in every initialised database
PASSWORD = "Hp-2023-ok"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _first_admin(session, password=PASSWORD) -> User:
    return security.create_user(session, None, "admin", "系统管理员", password, [(UserRole.admin, COUNTY)],
                                kdf=security.DEMO_KDF)


@pytest.fixture
def county(engine):
    """An initialised database with its first administrator and one county reviewer."""
    with unit_of_work(engine) as session:
        admin = _first_admin(session)
        security.create_user(session, admin, "reviewer", "黄振宇", PASSWORD, [(UserRole.county_reviewer, COUNTY)],
                             kdf=security.DEMO_KDF)
    return engine


def _user(engine, username) -> User:
    with unit_of_work(engine) as session:
        user = security.find_user(session, username)
        _ = user.keys, user.grants  # loaded before the session closes
        return user


# ---------------------------------------------------------------- hashes

def test_password_hash_is_salted_scrypt_and_never_holds_the_password(engine):
    with unit_of_work(engine) as session:
        admin = _first_admin(session)
        twin = security.create_user(session, admin, "twin", "李海燕", PASSWORD, [(UserRole.county_finance, COUNTY)],
                                    kdf=security.DEMO_KDF)
        slow = security.create_user(session, admin, "slow", "陈建华", PASSWORD, [(UserRole.county_finance, COUNTY)])
        for user in (admin, twin, slow):
            assert user.password_hash.startswith("scrypt$")
            assert PASSWORD not in user.password_hash
            assert PASSWORD not in user.keys[0].sealed_private_key
            assert security.open_credentials(PASSWORD, user.password_hash) is not None
            assert security.open_credentials(PASSWORD + "x", user.password_hash) is None
        # same password, different salt: nothing to tell two users with the same password apart
        assert len({admin.password_hash, twin.password_hash, slow.password_hash}) == 3
        assert admin.password_hash.split("$")[4] != twin.password_hash.split("$")[4]
        # the default cost is OWASP's scrypt setting, recorded in the hash
        assert slow.password_hash.startswith("scrypt$32768$8$3$")
        assert admin.password_hash.startswith("scrypt$1024$8$1$")
        assert len({u.keys[0].public_key for u in (admin, twin, slow)}) == 3


# ---------------------------------------------------------------- first user

def test_first_user_is_an_admin_created_by_nobody(engine):
    with pytest.raises(InputError, match="第一个用户必须是系统管理员"):
        with unit_of_work(engine) as session:
            security.create_user(session, None, "officer", "张志强", PASSWORD, [(UserRole.county_reviewer, COUNTY)],
                                 kdf=security.DEMO_KDF)
    with unit_of_work(engine) as session:
        assert security.user_count(session) == 0
        admin = _first_admin(session)
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user_created"))
        assert event.user_id == admin.id and event.entity_uuid == admin.uuid
    with pytest.raises(PermissionDenied, match="须由系统管理员"):
        with unit_of_work(engine) as session:
            security.create_user(session, None, "admin2", "第二个", PASSWORD, [(UserRole.admin, COUNTY)],
                                 kdf=security.DEMO_KDF)
    with unit_of_work(engine) as session:
        assert security.user_count(session) == 1


def test_only_an_admin_of_the_region_creates_users(county):
    with pytest.raises(PermissionDenied, match="管理用户"):
        with unit_of_work(county) as session:
            security.create_user(session, security.find_user(session, "reviewer"), "x1", "某人", PASSWORD,
                                 [(UserRole.county_finance, COUNTY)], kdf=security.DEMO_KDF)
    with pytest.raises(PermissionDenied):  # a county's admin cannot hand out province-wide roles
        with unit_of_work(county) as session:
            admin = security.find_user(session, "admin")
            security.create_user(session, admin, "x2", "某人", PASSWORD, [(UserRole.county_reviewer, "44")],
                                 kdf=security.DEMO_KDF)
    with unit_of_work(county) as session:
        assert security.user_count(session) == 2


def test_town_roles_need_a_town(engine):
    """乡镇 roles are granted to one town: not to its county, nor to the whole province."""
    with unit_of_work(engine) as session:
        security.create_user(session, None, "admin", "省管理员", PASSWORD, [(UserRole.admin, "44")],
                             kdf=security.DEMO_KDF)
    for role in (UserRole.town_officer, UserRole.town_leader, UserRole.team_leader):
        for code in (COUNTY, "44"):
            with pytest.raises(InputError, match="必须授权到具体乡镇"):
                with unit_of_work(engine) as session:
                    security.create_user(session, security.find_user(session, "admin"), "officer", "张志强",
                                         PASSWORD, [(role, code)], kdf=security.DEMO_KDF)
    for role in (UserRole.county_reviewer, UserRole.county_finance):  # county roles: a county, or 东莞/中山
        for code in ("44", COUNTY[:4], "441624100"):
            with pytest.raises(InputError, match="必须授权到县"):
                with unit_of_work(engine) as session:
                    security.create_user(session, security.find_user(session, "admin"), "auditor", "县审核", PASSWORD,
                                         [(role, code)], kdf=security.DEMO_KDF)
    with pytest.raises(InputError, match="必须授权到地级市"):
        with unit_of_work(engine) as session:
            security.create_user(session, security.find_user(session, "admin"), "city", "市财政", PASSWORD,
                                 [(UserRole.city_finance, COUNTY)], kdf=security.DEMO_KDF)
    with unit_of_work(engine) as session:
        for username, role, code in (("auditor", UserRole.county_reviewer, COUNTY),
                                     ("dongguan", UserRole.county_finance, "4419"),
                                     ("province", UserRole.province_finance, "44")):
            security.create_user(session, security.find_user(session, "admin"), username, "某人", PASSWORD,
                                 [(role, code)], kdf=security.DEMO_KDF)
        assert security.user_count(session) == 4


# ---------------------------------------------------------------- password rules

@pytest.mark.parametrize("password, message", [
    ("", "至少需要 8 个字符"),
    ("Ab3$xyz", "至少需要 8 个字符"),
    ("aaaaaaaa", "过于简单"),
    ("abababababab", "过于简单"),
    (" abc12345", "空格"),
    ("abc12345 ", "空格"),
])
def test_weak_passwords_are_refused_in_chinese(county, password, message):
    with pytest.raises(InputError, match=message) as refused:
        with unit_of_work(county) as session:
            admin = security.find_user(session, "admin")
            security.create_user(session, admin, "weak", "弱密码", password, [(UserRole.county_finance, COUNTY)],
                                 kdf=security.DEMO_KDF)
    assert CJK.search(refused.value.user_message)
    with unit_of_work(county) as session:
        assert session.scalar(select(User).where(User.username == "weak")) is None
    with pytest.raises(InputError, match=message):
        with unit_of_work(county) as session:
            security.change_password(session, security.find_user(session, "reviewer"), PASSWORD, password)
    with unit_of_work(county) as session:
        assert security.authenticate(session, "reviewer", PASSWORD).username == "reviewer"


# ---------------------------------------------------------------- login and lockout

def _fail(engine, username, password="wrong-password", now=None) -> LoginFailed:
    with pytest.raises(LoginFailed) as failed:
        with unit_of_work(engine) as session:
            security.authenticate(session, username, password, now=now)
    return failed.value


def test_authenticate_and_count_failures_beyond_the_failed_unit_of_work(county):
    with unit_of_work(county) as session:
        assert security.authenticate(session, " reviewer ", PASSWORD).display_name == "黄振宇"
    assert "用户名或密码错误" in _fail(county, "reviewer").user_message
    assert "用户名或密码错误" in _fail(county, "nobody").user_message  # no hint whether the user exists
    # the unit of work that raised rolled back, yet the failure was kept
    assert _user(county, "reviewer").failed_logins == 1
    with unit_of_work(county) as session:
        security.authenticate(session, "reviewer", PASSWORD)
    assert _user(county, "reviewer").failed_logins == 0


def test_lockout_with_back_off_and_release(county):
    t0 = datetime.now(timezone.utc)
    for _ in range(security.MAX_FAILED_LOGINS):
        _fail(county, "reviewer", now=t0)
    user = _user(county, "reviewer")
    assert user.failed_logins == security.MAX_FAILED_LOGINS
    assert user.locked_until == t0 + security.LOCK_BASE
    with unit_of_work(county) as session:
        locked_event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user_locked"))
        assert locked_event.entity_uuid == user.uuid

    # locked: even the right password is refused, and guesses while locked are not even tried
    assert "锁定" in _fail(county, "reviewer", PASSWORD, now=t0 + timedelta(seconds=30)).user_message
    assert "锁定" in _fail(county, "reviewer", now=t0 + timedelta(seconds=30)).user_message
    assert _user(county, "reviewer").failed_logins == security.MAX_FAILED_LOGINS
    with pytest.raises(LoginFailed, match="锁定"):  # signing and changing the password are locked too
        with unit_of_work(county) as session:
            security.unlock_signing_key(session, security.find_user(session, "reviewer"), PASSWORD)
    with pytest.raises(LoginFailed, match="锁定"):
        with unit_of_work(county) as session:
            security.change_password(session, security.find_user(session, "reviewer"), PASSWORD, "Another-pw-1")

    # each failure after a lock has run out locks for twice as long, up to LOCK_MAX
    now, locks = t0, [security.LOCK_BASE]
    for _ in range(8):
        now = _user(county, "reviewer").locked_until + timedelta(seconds=1)
        _fail(county, "reviewer", now=now)
        locks.append(_user(county, "reviewer").locked_until - now)
    assert locks[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert all(a < b for a, b in zip(locks[:7], locks[1:7]))
    assert locks[-1] == security.LOCK_MAX

    # once the lock has run out the right password works and clears the count
    after = _user(county, "reviewer").locked_until + timedelta(seconds=1)
    with unit_of_work(county) as session:
        security.authenticate(session, "reviewer", PASSWORD, now=after)
    user = _user(county, "reviewer")
    assert user.failed_logins == 0 and user.locked_until is None


def test_inactive_user_cannot_log_in(county):
    with unit_of_work(county) as session:
        admin = security.find_user(session, "admin")
        security.set_active(session, admin, security.find_user(session, "reviewer"), False)
    assert "用户名或密码错误" in _fail(county, "reviewer", PASSWORD).user_message
    with pytest.raises(InputError, match="不能停用自己"):
        with unit_of_work(county) as session:
            admin = security.find_user(session, "admin")
            security.set_active(session, admin, admin, False)


# ---------------------------------------------------------------- change and reset

def test_change_password_keeps_the_signing_key(county):
    before = _user(county, "reviewer")
    public_key = security.active_key(before).public_key
    with pytest.raises(LoginFailed, match="原密码错误"):
        with unit_of_work(county) as session:
            security.change_password(session, security.find_user(session, "reviewer"), "not-the-old-1", "New-pass-88")
    assert _user(county, "reviewer").failed_logins == 1
    with pytest.raises(InputError, match="不能与原密码相同"):
        with unit_of_work(county) as session:
            security.change_password(session, security.find_user(session, "reviewer"), PASSWORD, PASSWORD)
    with unit_of_work(county) as session:
        security.change_password(session, security.find_user(session, "reviewer"), PASSWORD, "New-pass-88")

    with unit_of_work(county) as session:
        user = security.find_user(session, "reviewer")
        assert len(user.keys) == 1 and user.password_hash != before.password_hash
        key, private_key = security.unlock_signing_key(session, user, "New-pass-88")
        assert key.public_key == public_key == security.public_key_text(private_key)
        signature = security.sign_bytes(private_key, b"payload")
        assert security.signature_valid(public_key, b"payload", signature)
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "password_changed")).user_id == user.id
    with pytest.raises(LoginFailed):
        with unit_of_work(county) as session:
            security.unlock_signing_key(session, security.find_user(session, "reviewer"), PASSWORD)
    _fail(county, "reviewer", PASSWORD)
    with unit_of_work(county) as session:
        security.authenticate(session, "reviewer", "New-pass-88")


def test_admin_reset_rekeys_the_user(county):
    old = _user(county, "reviewer")
    old_key = security.active_key(old)
    with unit_of_work(county) as session:
        admin = security.find_user(session, "admin")
        security.reset_password(session, admin, security.find_user(session, "reviewer"), "Reset-pass-1")
    with unit_of_work(county) as session:
        user = security.find_user(session, "reviewer")
        retired = session.get(UserKey, old_key.id)
        assert retired.retired_at is not None and retired.sealed_private_key is None
        assert retired.public_key == old_key.public_key  # kept, so earlier signatures still verify
        new_key = security.active_key(user)
        assert new_key.id != old_key.id and new_key.public_key != old_key.public_key
        assert user.must_change_password is True
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "password_reset"))
        assert event.entity_uuid == user.uuid and event.user_id == admin.id
        assert new_key.public_key in event.after_json
        key, private_key = security.unlock_signing_key(session, user, "Reset-pass-1")
        assert key.id == new_key.id and security.public_key_text(private_key) == new_key.public_key
    _fail(county, "reviewer", PASSWORD)
    with unit_of_work(county) as session:
        security.authenticate(session, "reviewer", "Reset-pass-1")


def test_only_an_admin_resets_passwords(county):
    with unit_of_work(county) as session:
        admin = security.find_user(session, "admin")
        security.create_user(session, admin, "finance", "叶秀英", PASSWORD, [(UserRole.county_finance, COUNTY)],
                             kdf=security.DEMO_KDF)
    before = _user(county, "finance")
    with pytest.raises(PermissionDenied, match="管理用户"):
        with unit_of_work(county) as session:
            reviewer = security.find_user(session, "reviewer")
            security.reset_password(session, reviewer, security.find_user(session, "finance"), "Reset-pass-1")
    after = _user(county, "finance")
    assert after.password_hash == before.password_hash and len(after.keys) == 1
    assert after.keys[0].retired_at is None and not after.must_change_password
    with unit_of_work(county) as session:
        security.authenticate(session, "finance", PASSWORD)


def test_signatures_made_before_a_reset_still_verify(demo_engine):
    with unit_of_work(demo_engine) as session:
        signature = session.scalar(select(ProjectSignature).where(ProjectSignature.role == UserRole.town_leader,
                                                                  ProjectSignature.voided_at.is_(None)))
        leader = session.get(User, signature.user_id)
        signed = session.scalars(select(ProjectSignature).where(ProjectSignature.user_id == leader.id,
                                                                ProjectSignature.voided_at.is_(None))).all()
        assert leader.username.endswith("书记") and len(signed) >= 2
        old_key_id = signature.key_id
        security.reset_password(session, security.find_user(session, "admin"), leader, "Reset-pass-1")
    with unit_of_work(demo_engine) as session:
        leader = session.get(User, signature.user_id)
        assert session.get(UserKey, old_key_id).retired_at is not None
        assert security.active_key(leader).id != old_key_id
        report = verify.verify_database(session)
        assert report.ok, report.problems[:3]
        assert report.signatures > 0
        # and the old password no longer opens anything
        with pytest.raises(LoginFailed):
            security.unlock_signing_key(session, leader, demo.DEMO_PASSWORD)
