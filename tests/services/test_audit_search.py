"""The audit log's text search through the FTS5 index (services.audit_search): it finds exactly what a
plain substring test over the viewer's names and reasons finds, for filters of any length, and stays
in step when events are appended or a project or user is renamed; verify watches its triggers."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select, text

from app.models import AuditEvent, Project, User
from app.services import audit, audit_search, verify
from app.services.database import unit_of_work

# One and two characters (looked up by the index's terms), three and more (a phrase), a reason's words,
# a kind's label, ASCII in another case, LIKE's wildcards, and words that occur nowhere.
WORDS = ("院", "卫生", "卫生院", "和平县阳明镇", "公示材料", "报账", "用户", "县审核", "100%_", "_", "不存在的词",
         "pdf", "Pd", "f")


def _corpus(session) -> list[tuple[AuditEvent, str, str]]:
    """Every event, newest first, with the name it is shown under and its kind's label."""
    everything = [event for event, _ in audit.events(session)]
    names = audit.entity_names(session, everything)
    return [(event, names.get(event.entity_uuid, "").split(" · ")[-1], audit.ENTITY_LABELS.get(event.entity_type, ""))
            for event in everything]


def _expected(corpus, words: str, user_id: int | None = None, since=None) -> list[int]:
    """Newest first, every event whose shown name, reason or kind's label contains `words` (ASCII case
    folded, as the index does), read the slow way."""
    low = words.lower()
    return [event.id for event, name, label in corpus
            if (low in name.lower() or low in event.reason.lower() or words in label)
            and user_id in (None, event.user_id) and (since is None or event.occurred_at >= since)]


def _found(session, words: str, **filters) -> list[int]:
    return [event.id for event, _ in audit.events(session, text=words, **filters)]


@pytest.mark.parametrize("way", ["terms", "scan", "wide"])
def test_search_finds_what_a_substring_test_finds(demo_engine, monkeypatch, way):
    """Every filter, including the short ones the trigram index cannot hold as a term, finds exactly
    the events a substring test finds, alone and with a user or a time; counts and pages agree. The
    ways a search can go: "terms" as the demo's size chooses (a user or a time leaves few events, so
    they drive); "scan": a short filter with too many terms is scanned for; "wide": the text index
    drives even with a user or a time given (as on a province)."""
    if way == "scan":
        monkeypatch.setattr(audit_search, "MAX_TERMS", 0)
    if way == "wide":
        monkeypatch.setattr(audit, "NARROW", 0)
    with unit_of_work(demo_engine) as session:
        admin = session.scalars(select(User).where(User.username == "admin")).one()
        audit.record(session, admin, "setting_changed", "setting", "x", reason="附件为PDF扫描件")
        times = sorted(session.scalars(select(AuditEvent.occurred_at)))
        middle = times[len(times) // 2]
        reviewer = session.scalars(select(User.id).where(User.username == "县审核")).one()
        corpus = _corpus(session)
        for words in WORDS:
            expected = _expected(corpus, words)
            assert _found(session, words) == expected, words
            assert audit.count_events(session, text=words) == len(expected), words
            if len(expected) > 3:
                first = _found(session, words, limit=3)
                assert first + _found(session, words, before_id=first[-1]) == expected, words
            assert _found(session, words, user_id=reviewer) == _expected(corpus, words, reviewer), words
            assert audit.count_events(session, text=words, user_id=reviewer) == len(_expected(corpus, words, reviewer))
            assert _found(session, words, since=middle) == _expected(corpus, words, since=middle), words


def test_appended_and_renamed_are_found(demo_engine):
    """A new event is searchable at once; renaming a project (or a user) re-indexes every event about
    it and its 支出, 报账, 公示 and 资产, so the new name finds them and the old one no longer does."""
    with unit_of_work(demo_engine) as session:
        admin = session.scalars(select(User).where(User.username == "admin")).one()
        audit.record(session, admin, "setting_changed", "setting", "x", reason="测试原因甲乙丙")
        assert len(_found(session, "甲乙丙")) == 1 and len(_found(session, "甲乙")) == 1
        project = session.scalars(select(Project).join(AuditEvent, AuditEvent.entity_uuid == Project.uuid)
                                  .where(AuditEvent.entity_type == "project").limit(1)).one()
        old_name = project.name
        before = set(_found(session, old_name))
        session.execute(text("UPDATE project SET name = :name WHERE id = :id"),
                        {"name": "改名后的项目丁戊", "id": project.id})
        session.execute(text("UPDATE user_account SET display_name = '新名字己庚' WHERE id = :id"), {"id": admin.id})
        renamed = set(_found(session, "改名后的项目丁戊"))
        assert renamed and renamed == set(_expected(_corpus(session), "改名后的项目丁戊"))
        assert renamed <= before and not set(_found(session, old_name)) & renamed
        assert set(_found(session, "己庚")) == set(_expected(_corpus(session), "己庚")) != set()


def test_the_index_and_the_viewer_name_the_same_records():
    assert {kind: model.__tablename__ for kind, model in audit._PROJECT_PARTS.items()} == audit_search.PROJECT_PARTS


def _problems(engine) -> list[str]:
    with unit_of_work(engine) as session:
        return [problem.message for problem in verify.verify_database(session).problems]


def test_verify_watches_the_search_triggers(demo_path, demo_engine):
    """The index's own triggers pass; one edited to write elsewhere, or dropped, is reported, and so is an
    event taken out of the index."""
    assert not [p for p in _problems(demo_engine) if "触发器" in p]
    demo_engine.dispose()
    with sqlite3.connect(demo_path) as raw:
        raw.execute("DROP TRIGGER audit_search_user_renamed")
        raw.execute("DROP TRIGGER audit_search_event_added")
        raw.execute(audit_search.TRIGGERS["audit_search_event_added"].replace(
            "BEGIN ", "BEGIN UPDATE expenditure SET amount = amount * 2; "))
        raw.execute("DELETE FROM audit_search WHERE rowid = (SELECT max(id) FROM audit_event)")
    found = [p for p in _problems(demo_engine) if "触发器" in p]
    assert len(found) == 2
    assert "audit_search_event_added" in found[0] + found[1] and "被改动过" in found[0] + found[1]
    assert any("audit_search_user_renamed" in p and "被删除" in p for p in found)
    assert any("搜索索引有" in p for p in _problems(demo_engine))  # the newest event taken out of the index
