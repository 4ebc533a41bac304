"""Key/value settings kept in the database, so they travel with it: the home region, and the
choices a county makes about its own rules (each with its Chinese label, allowed values and default)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.models import Setting, User, UserRole
from app.services import audit, security
from app.services.errors import InputError
from app.services.regions import find_region

HOME_REGION = "home_region_code"  # the region this installation works for; the window opens on it
ALLOCATION_CHECK = "allocation_check"      # a 资金安排 beyond what reached the county: "stop" or "warn"
PUBLICITY_DAYS = "publicity_min_days"      # 事前公示 at least this many days before 审定
PUBLICITY_REQUIRED = "publicity_required"  # which 公示 must have run before 审定 (see services.publicity)
ALLOW_DRAFTER_SIGN = "allow_drafter_sign"  # "1": the officer who drafted may also sign (off by default)
LAG_MARGIN = "spending_lag_margin"         # percentage points behind 序时进度 that raise a flag
PROGRESS_BASIS = "progress_basis"          # 序时进度 over the fund's period ("fund_period") or "calendar"
DUTY_SEPARATION = "duty_separation"        # "relaxed": whoever drafted or signed may also approve, arrange, pay
DEMO_DATABASE = "demo_database"            # "1" in the built-in demo, whose passwords are published


@dataclass(frozen=True)
class SettingSpec:
    label: str
    default: str
    choices: dict[str, str] | None = None  # value -> Chinese; None: a whole number
    minimum: int = 0
    maximum: int = 100


COUNTY_SETTINGS = {
    ALLOCATION_CHECK: SettingSpec("资金安排超出到县资金时", "stop", {"stop": "阻止", "warn": "提醒"}),
    PUBLICITY_DAYS: SettingSpec("事前公示最少天数", "10", None, 1, 60),
    PUBLICITY_REQUIRED: SettingSpec("审定前须完成的公示", "village",
                                    {"village": "村级公示", "town": "乡镇公示", "both": "村级公示和乡镇公示",
                                     "none": "不要求"}),
    ALLOW_DRAFTER_SIGN: SettingSpec("允许经办人为自己起草的项目签字", "0", {"0": "不允许", "1": "允许"}),
    DUTY_SEPARATION: SettingSpec("起草或签署项目的人能否再审定、安排资金、支付", "strict",
                                 {"strict": "不能（职责分离）", "relaxed": "允许兼任（人手极少的单位）"}),
    LAG_MARGIN: SettingSpec("支出率落后序时进度多少个百分点时提示", "10", None, 0, 100),
    PROGRESS_BASIS: SettingSpec("序时进度的计算口径", "fund_period",
                                {"fund_period": "按资金实施期限", "calendar": "按自然年度（月份÷12）"}),
}


def get_setting(session: Session, key: str, default: str | None = None) -> str:
    row = session.get(Setting, key)
    if row is not None:
        return row.value
    if default is None and key in COUNTY_SETTINGS:
        return COUNTY_SETTINGS[key].default
    return default or ""


def set_setting(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def set_home_region(session: Session, admin: User, code: str) -> str:
    """The region this installation works for, set by an administrator of it (and of the one it
    replaces): it decides whose administrators may change the rules, so it is a signed act. Returns
    the region's name."""
    region = find_region(session, code)
    security.require(session, admin, security.Action.change_settings, region.code)
    before = get_setting(session, HOME_REGION)
    if before == region.code:
        return region.name
    if before:
        security.require(session, admin, security.Action.change_settings, before)
    set_setting(session, HOME_REGION, region.code)
    audit.record(session, admin, "setting_changed", "setting", HOME_REGION,
                 before={HOME_REGION: before}, after={HOME_REGION: region.code})
    return region.name


def change_setting(session: Session, admin: User, key: str, value: str) -> None:
    """A county rule changed by its administrator: checked, and audited."""
    spec = COUNTY_SETTINGS.get(key)
    if spec is None:
        raise InputError(f"没有名为“{key}”的设置。可用：{'、'.join(COUNTY_SETTINGS)}。", f"unknown setting {key}")
    home = get_setting(session, HOME_REGION)
    if home:  # the rules are the home county's: its administrators set them
        security.require(session, admin, security.Action.change_settings, home)
    elif not any(g.role is UserRole.admin for g in admin.grants):
        raise security.PermissionDenied("只有系统管理员可以修改设置。", "settings by non-admin")
    value = value.strip()
    if spec.choices is not None:
        by_label = {label: v for v, label in spec.choices.items()}
        value = by_label.get(value, value)
        if value not in spec.choices:
            raise InputError(f"“{spec.label}”只能是：{'、'.join(spec.choices.values())}。", f"bad value for {key}")
    elif not value.isdigit() or not spec.minimum <= int(value) <= spec.maximum:
        raise InputError(f"“{spec.label}”应为 {spec.minimum}–{spec.maximum} 之间的整数。", f"bad value for {key}")
    before = get_setting(session, key)
    set_setting(session, key, value)
    audit.record(session, admin, "setting_changed", "setting", key, before={key: before}, after={key: value})
