"""Regions: the tree, code look-ups, and the administrator setting each town's category as the
province's annex allows."""

import pytest
from sqlalchemy import select

from app.models import AuditEvent, City, HelperType, Town, TownCategory, User, UserRole
from app.services import regions, security, town_categories
from app.services.database import unit_of_work
from app.services.errors import InputError, NotFound


def test_tree_has_every_unit(engine):
    """Province → 21 cities → counties → towns; Dongguan's towns hang straight off the city."""
    with unit_of_work(engine) as session:
        root = regions.region_tree(session)
    assert len(root.children) == 21

    def count(node, level):
        return (node.ref.level == level) + sum(count(c, level) for c in node.children)

    assert count(root, "county") == 122 and count(root, "town") == 1757
    dongguan = next(c for c in root.children if c.ref.name == "东莞市")
    assert dongguan.children and all(c.ref.level == "town" for c in dongguan.children)


def test_find_region_by_code(engine):
    with unit_of_work(engine) as session:
        assert regions.find_region(session, "441624").name == "和平县"
        assert regions.find_region(session, "4416").level == "city"
        assert regions.find_region(session, "441624101").name == "大坝镇"
        with pytest.raises(NotFound, match="未知的区划代码"):
            regions.find_region(session, "441699")


@pytest.fixture
def admin(engine) -> int:
    with unit_of_work(engine) as session:
        return security.create_user(session, None, "admin", "管理员", "admin password 1", [(UserRole.admin, "44")],
                                    kdf=security.DEMO_KDF).id


def _set(engine, admin_id, *args):
    with unit_of_work(engine) as session:
        return town_categories.set_town_category(session, session.get(User, admin_id), *args)


def test_set_category(engine, admin):
    """A PRD helper records its city for the pairing returns; inconsistent choices are refused."""
    result = _set(engine, admin, "441624101", TownCategory.key_support, HelperType.prd_city, "深圳市福田区")
    assert result.town.helper_city.name == "深圳市" and result.warnings == []
    for args, message in (
            (("441624101", TownCategory.consolidation, HelperType.prd_city, "深圳市福田区"), "巩固提升镇"),
            (("441624101", TownCategory.key_support, HelperType.prd_city, "福田区"), "应以帮扶市的名称开头"),
            (("441624101", TownCategory.key_support, HelperType.prd_city, "广州市天河区"), "结对帮扶市是深圳市"),
            (("441624101", TownCategory.pilot_demo), "先行示范镇只设在珠三角 7 市"),
            (("440114103", TownCategory.key_support), "重点帮扶镇只设在粤东粤西粤北 12 市和肇庆市"),
            (("440114103", TownCategory.pilot_demo, HelperType.local_city, "广州市"), "不设帮扶类型"),
            (("441521102", TownCategory.key_support), "不在驻镇帮镇扶村范围内")):
        with pytest.raises(InputError, match=message):
            _set(engine, admin, *args)
    assert _set(engine, admin, "440114103", TownCategory.pilot_demo).town.category is TownCategory.pilot_demo
    with pytest.raises(NotFound):
        _set(engine, admin, "000000000", TownCategory.key_support)


def test_only_the_administrator_sets_categories_and_it_is_audited(engine, admin):
    with unit_of_work(engine) as session:
        clerk = security.create_user(session, session.get(User, admin), "clerk", "经办", "clerk password 1",
                                     [(UserRole.town_officer, "441624101")], kdf=security.DEMO_KDF).id
    with pytest.raises(security.PermissionDenied, match="设置乡镇类别、行政村和财政体制"):
        _set(engine, clerk, "441624101", TownCategory.key_support)
    _set(engine, admin, "441624101", TownCategory.consolidation, HelperType.local_county, "和平县")
    with unit_of_work(engine) as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "town_category_set"))
        assert event.entity_uuid == "441624101" and '"category":"consolidation"' in event.after_json


def test_more_towns_than_the_annex_is_a_warning(engine, admin):
    """河源 has 32 巩固提升镇 in the annex: a 33rd is allowed, with a warning to check."""
    with unit_of_work(engine) as session:
        codes = session.scalars(select(Town.code).join(City, City.id == Town.city_id).where(
            City.name == "河源市", Town.in_programme.is_(True)).order_by(Town.code).limit(33)).all()
    results = [_set(engine, admin, code, TownCategory.consolidation, HelperType.local_county, "县") for code in codes]
    assert all(r.warnings == [] for r in results[:32])
    assert results[32].warnings == ["河源市现有巩固提升镇 33 个，多于省工作方案附件的 32 个，请核实。"]


def _categories(engine):
    with unit_of_work(engine) as session:
        return {t.code: t.category for t in session.scalars(select(Town).where(Town.category.is_not(None)))}


def test_import_categories_all_or_nothing(engine, admin, tmp_path):
    """A CSV with one bad line sets nothing; a good one sets every line."""
    bad = tmp_path / "bad.csv"
    bad.write_text("town_code,category,helper_type,helper_unit\n"
                   "441624101,重点帮扶镇,珠三角帮扶,深圳市福田区\n"
                   "441624999,重点帮扶镇,,\n", encoding="utf-8")
    with pytest.raises(InputError, match="第 3 行：未知的乡镇区划代码"):
        with unit_of_work(engine) as session:
            town_categories.import_town_categories(session, session.get(User, admin), bad)
    assert _categories(engine) == {}

    good = tmp_path / "good.csv"
    good.write_text("\ufefftown_code,category,helper_type,helper_unit\n"
                    "441624101,重点帮扶镇,珠三角帮扶,深圳市福田区\n"
                    "441624100,巩固提升镇,属地县（市、区）自行组团帮扶,和平县\n", encoding="utf-8")
    with unit_of_work(engine) as session:
        assert town_categories.import_town_categories(session, session.get(User, admin), good) == []
    assert _categories(engine) == {"441624101": TownCategory.key_support, "441624100": TownCategory.consolidation}


def test_import_wrong_header(engine, admin, tmp_path):
    """A CSV with the wrong header is refused before any line is read, naming both headers."""
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("code,type\n441624101,重点帮扶镇\n", encoding="utf-8")
    with pytest.raises(InputError, match="表头不正确") as caught:
        with unit_of_work(engine) as session:
            town_categories.import_town_categories(session, session.get(User, admin), wrong)
    assert "town_code,category,helper_type,helper_unit" in caught.value.user_message
    assert _categories(engine) == {}


def test_import_not_utf8(engine, admin, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("town_code,category,helper_type,helper_unit\n441624101,重点帮扶镇,,\n".encode("gbk"))
    with pytest.raises(InputError, match="UTF-8"):
        with unit_of_work(engine) as session:
            town_categories.import_town_categories(session, session.get(User, admin), path)
