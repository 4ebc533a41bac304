"""A town's villages and the installation's home region are signed acts of an administrator of that
region: refused to anyone else and with a Chinese reason, recorded, and checked by verify."""

from __future__ import annotations

import sqlite3

import pytest

from app.services import database, security, settings, verify, villages
from app.services.choices import editor_choices
from app.services.errors import InputError, NotFound
from app.services.security import PermissionDenied

TOWN = "441624101"  # 大坝镇, in the demo county 和平县


def _login(session, username: str):
    return security.authenticate(session, username, "demo1234")


def test_an_administrator_adds_villages_that_projects_may_then_name(demo_engine):
    with database.unit_of_work(demo_engine) as session:
        added = villages.add_villages(session, _login(session, "admin"), TOWN, ["新丰村", " 上坪村 "])
        assert [v.name for v in added] == ["新丰村", "上坪村"]
    with database.unit_of_work(demo_engine) as session:
        assert {"新丰村", "上坪村"} <= set(editor_choices(session, TOWN).villages)
        assert verify.verify_database(session).ok


@pytest.mark.parametrize("names, message", [
    (["大田村"], "已有或重复填写了行政村“大田村”"),   # the demo gave 大坝镇 大田村
    (["新丰村", "新丰村"], "重复填写了行政村“新丰村”"),
    (["  "], "请填写“行政村名称”"),
    ([], "请填写行政村名称"),
])
def test_bad_village_names_are_refused_and_nothing_is_added(demo_engine, names, message):
    with database.unit_of_work(demo_engine) as session:
        admin = _login(session, "admin")
        before = len(editor_choices(session, TOWN).villages)
        with pytest.raises(InputError, match=message):
            villages.add_villages(session, admin, TOWN, names)
        assert len(editor_choices(session, TOWN).villages) == before


def test_only_an_administrator_of_the_town_adds_villages(demo_engine):
    with database.unit_of_work(demo_engine) as session:
        with pytest.raises(PermissionDenied, match="系统管理员"):
            villages.add_villages(session, _login(session, "县审核"), TOWN, ["新丰村"])
    with database.unit_of_work(demo_engine) as session:
        with pytest.raises(NotFound, match="未知的乡镇区划代码"):
            villages.add_villages(session, _login(session, "admin"), "441624999", ["新丰村"])


def test_home_region_is_set_by_an_administrator_of_both_regions_and_verified(demo_engine, demo_path):
    with database.unit_of_work(demo_engine) as session:
        with pytest.raises(PermissionDenied, match="系统管理员"):
            settings.set_home_region(session, _login(session, "县审核"), "441625")
        with pytest.raises(NotFound, match="未知的区划代码"):
            settings.set_home_region(session, _login(session, "admin"), "4499")
    with database.unit_of_work(demo_engine) as session:
        assert settings.set_home_region(session, _login(session, "admin"), "4416") == "河源市"
    with database.unit_of_work(demo_engine) as session:
        assert settings.get_setting(session, settings.HOME_REGION) == "4416"
        assert verify.verify_database(session).ok
    demo_engine.dispose()
    with sqlite3.connect(demo_path) as conn:  # emptied by hand: any administrator could change the rules
        conn.execute("UPDATE setting SET value = '' WHERE key = 'home_region_code'")
    engine = database.connect(demo_path)
    try:
        with database.unit_of_work(engine) as session:
            problems = verify.verify_database(session).problems
            assert any("设置记录" in p.message and "改动了 value" in p.message for p in problems), problems
    finally:
        engine.dispose()
