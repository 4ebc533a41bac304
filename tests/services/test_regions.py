"""Regions: the tree, code look-ups, and the county setting each town's category."""

import pytest
from sqlalchemy import select

from app.models import City, HelperType, Town, TownCategory
from app.services import regions
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


def test_set_category(engine):
    """A PRD helper records its city for the pairing returns; inconsistent choices are refused."""
    with unit_of_work(engine) as session:
        town = regions.set_town_category(session, "441624101", TownCategory.key_support, HelperType.prd_city,
                                         "深圳市福田区")
        assert town.helper_city.name == "深圳市"
        with pytest.raises(InputError, match="巩固提升镇"):
            regions.set_town_category(session, "441624101", TownCategory.consolidation, HelperType.prd_city,
                                      "深圳市福田区")
        with pytest.raises(InputError, match="应以帮扶市的名称开头"):
            regions.set_town_category(session, "441624101", TownCategory.key_support, HelperType.prd_city, "福田区")
        with pytest.raises(NotFound):
            regions.set_town_category(session, "000000000", TownCategory.key_support)


def _categories(engine):
    with unit_of_work(engine) as session:
        return {t.code: t.category for t in session.scalars(select(Town).where(Town.category.is_not(None)))}


def test_import_categories_all_or_nothing(engine, tmp_path):
    """A CSV with one bad line sets nothing; a good one sets every line."""
    bad = tmp_path / "bad.csv"
    bad.write_text("town_code,category,helper_type,helper_unit\n"
                   "441624101,重点帮扶镇,珠三角帮扶,深圳市福田区\n"
                   "441624999,重点帮扶镇,,\n", encoding="utf-8")
    with pytest.raises(InputError, match="第 3 行：未知的乡镇区划代码"):
        with unit_of_work(engine) as session:
            regions.import_town_categories(session, bad)
    assert _categories(engine) == {}

    good = tmp_path / "good.csv"
    good.write_text("\ufefftown_code,category,helper_type,helper_unit\n"
                    "441624101,重点帮扶镇,珠三角帮扶,深圳市福田区\n"
                    "441624100,巩固提升镇,属地县（市、区）自行组团帮扶,和平县\n", encoding="utf-8")
    with unit_of_work(engine) as session:
        assert regions.import_town_categories(session, good) == 2
    assert _categories(engine) == {"441624101": TownCategory.key_support, "441624100": TownCategory.consolidation}


def test_import_wrong_header(engine, tmp_path):
    """A CSV with the wrong header is refused before any line is read, naming both headers."""
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("code,type\n441624101,重点帮扶镇\n", encoding="utf-8")
    with pytest.raises(InputError, match="表头不正确") as caught:
        with unit_of_work(engine) as session:
            regions.import_town_categories(session, wrong)
    assert "town_code,category,helper_type,helper_unit" in caught.value.user_message
    assert _categories(engine) == {}


def test_import_not_utf8(engine, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("town_code,category,helper_type,helper_unit\n441624101,重点帮扶镇,,\n".encode("gbk"))
    with pytest.raises(InputError, match="UTF-8"):
        with unit_of_work(engine) as session:
            regions.import_town_categories(session, path)
