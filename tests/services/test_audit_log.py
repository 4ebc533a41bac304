"""Reading the audit log: filtering by text and paging (`audit.events`, `count_events`), naming what
each event is about (`entity_names`), and showing its change in Chinese (`audit_display`)."""

from __future__ import annotations

from sqlalchemy import select

from app.models import AuditEvent, User
from app.services import audit, audit_display, settings
from app.services.database import unit_of_work


def _admin(session) -> User:
    return session.scalars(select(User).where(User.username == "admin")).one()


def test_text_matches_object_names_and_reasons(demo_engine):
    """`text` finds events by project name (also a project's 支出, 报账, 公示, 资产), user name, type or reason."""
    with unit_of_work(demo_engine) as session:
        found = audit.events(session, text="卫生院")
        names = audit.entity_names(session, [event for event, _ in found])
        assert found and audit.count_events(session, text="卫生院") == len(found)
        assert all("卫生院" in names[event.entity_uuid] + event.reason for event, _ in found)
        assert {event.entity_type for event, _ in found} == {"project", "expenditure", "claim", "publicity", "asset"}
        returned = audit.events(session, text="公示材料")
        assert returned and {event.action for event, _ in returned} == {"project_returned"}
        users = audit.events(session, text="用户")
        assert users and {event.entity_type for event, _ in users} == {"user"}
        assert audit.count_events(session, text="100%_") == 0  # LIKE wildcards are taken literally


def test_paging_before_an_event(demo_engine):
    """Pages with `before_id` continue exactly where the previous one stopped."""
    with unit_of_work(demo_engine) as session:
        everything = [event.id for event, _ in audit.events(session)]
        first = [event.id for event, _ in audit.events(session, limit=300)]
        second = [event.id for event, _ in audit.events(session, before_id=first[-1], limit=300)]
        rest = [event.id for event, _ in audit.events(session, before_id=second[-1])]
        assert first + second + rest == everything
        assert audit.count_events(session) == len(everything)


def test_entity_names(demo_engine):
    with unit_of_work(demo_engine) as session:
        shown = [event for event, _ in audit.events(session)]
        names = audit.entity_names(session, shown)
        kinds = {event.entity_type: names[event.entity_uuid] for event in shown
                 if event.entity_type in ("project", "expenditure", "user")}
        assert kinds["expenditure"].startswith("支出 · ") and kinds["user"].startswith("用户 · ")
        assert not kinds["project"].startswith(("支出", "用户"))


def test_changes_read_in_chinese(demo_engine):
    """Statuses, roles, money and settings are shown by their Chinese names and values."""
    with unit_of_work(demo_engine) as session:
        settings.change_setting(session, _admin(session), settings.ALLOCATION_CHECK, "warn")
    with unit_of_work(demo_engine) as session:
        latest = {}
        for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            latest[event.action] = event

    def summary(action):
        event = latest[action]
        return audit_display.summary(event.entity_type, event.before_json, event.after_json)
    assert summary("setting_changed") == "资金安排超出到县资金时：阻止 → 提醒"
    assert summary("project_approved").startswith("状态：已双签 → 已审定入库；审定日期：")
    assert "角色：驻镇帮扶工作队队长（4416" in summary("user_created")  # the demo creates a town's 队长 last
    assert " 元；" in summary("expenditure_added") and summary("expenditure_added").startswith("金额：")
    created = summary("project_created")
    assert created.startswith("项目名称：") and created.endswith("项）")
    event = latest["project_signed"]
    full = audit_display.changes(event.entity_type, event.before_json, event.after_json)
    assert [c.label for c in full] == ["状态", "内容版本"] and full[1].before is None
    assert audit_display.pretty_json(event.after_json).startswith("{\n  ")


def test_named_changes_show_references_by_name(demo_engine):
    """For one event, a project's town and fund appear by name, not by code or uuid."""
    with unit_of_work(demo_engine) as session:
        created = session.scalars(select(AuditEvent).where(AuditEvent.action == "project_created")).first()
        plain = {c.key: c.after for c in audit_display.changes("project", "", created.after_json)}
        named = {c.key: c.after for c in audit_display.named_changes(session, "project", "", created.after_json)}
    assert plain["town"].isdigit() and named["town"].endswith(f"（{plain['town']}）") and "镇" in named["town"]
    assert "资金" in named["fund"] and named["fund"] != plain["fund"]
