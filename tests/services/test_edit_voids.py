"""Editing signed content voids the signatures, for every signed field.

Property: for any field of a project's signed content (all of `content.FIELD_LABELS` but the town,
which cannot change) and any valid new value, an edit through `approval.edit_project` of a
double-signed or approved demo project by its town's officer voids all its current signatures,
puts it back to 草稿, bumps its content version by one, records a `project_edited` audit event
naming just that field, and `changes_since_signing` lists exactly that field. An edit that changes
nothing does nothing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (AMOUNT_COLUMNS, AuditEvent, City, Project, ProjectStatus, RoleGrant, SpendingCategory,
                        TaskItem, User, UserRole, Village)
from app.services import approval, database, verify
from app.services.content import project_content
from app.services.content_text import ENUM_FIELDS, FIELD_LABELS
from app.services.drafting import COUNT_FIELDS, DATE_FIELDS, TEXT_FIELDS
from app.services.errors import InputError

S = ProjectStatus
EDITABLE_FIELDS = tuple(f for f in FIELD_LABELS if f != "town")
SIGNED_STATES = (S.signed_once, S.double_signed)  # after 审定 a change is a 项目调整 (test_amendments)


@dataclass(frozen=True)
class Target:
    """A signed demo project, as read from the template before any edit."""
    project_id: int
    status: ProjectStatus
    content: dict[str, Any]
    officer: str                # username of the town's 经办人
    villages: tuple[str, ...]   # every village of the project's town
    task_items: tuple[str, ...]  # task item keys the project could serve instead


@pytest.fixture(scope="module")
def targets(demo_template, tmp_path_factory) -> dict[ProjectStatus, Target]:
    path = tmp_path_factory.mktemp("edit_voids") / "read.sqlite"
    shutil.copyfile(demo_template, path)  # never open the shared template itself
    engine = database.connect(path)
    try:
        with Session(engine) as session:
            task_items = tuple(f"{code}/{year}/{position}" for code, year, position in session.execute(
                select(City.code, TaskItem.year, TaskItem.position).join(City, City.id == TaskItem.city_id)
                .order_by(TaskItem.id).limit(30)))
            found = {}
            for status in SIGNED_STATES:
                project = session.scalar(select(Project).where(Project.status == status).order_by(Project.id))
                officer = session.scalar(select(User.username).join(RoleGrant).where(
                    RoleGrant.role == UserRole.town_officer, RoleGrant.region_code == project.town.code))
                villages = tuple(session.scalars(select(Village.name).where(Village.town_id == project.town_id)
                                                 .order_by(Village.name)))
                found[status] = Target(project.id, status, project_content(session, project.id), officer, villages,
                                       task_items)
            return found
    finally:
        engine.dispose()


# ---------------------------------------------------------------- values valid for each field

# Valid text: what the drafting keeps as typed (control and format characters are cleaned out, see
# services.text and tests/cli/test_cli_hardening.py).
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp")), max_size=40).map(str.strip)
SOME_TEXT = TEXT.filter(bool)
ALLOWED_SPENDING = [c.value for c in SpendingCategory if not c.negative]


def _iso(low: date | None = None, high: date | None = None) -> st.SearchStrategy[str]:
    return st.dates(min_value=low or date(2020, 1, 1), max_value=high or date(2027, 12, 31)).map(date.isoformat)


def _changed_indicators(current: list[dict[str, Any]]) -> st.SearchStrategy[list[dict[str, Any]]]:
    @st.composite
    def change(draw) -> list[dict[str, Any]]:
        rows = [dict(row) for row in current]
        row = rows[draw(st.integers(0, len(rows) - 1))]
        if draw(st.booleans()):
            row["level3"] = draw(SOME_TEXT)
        elif row["comparator"] == "qualitative":
            row["target_text"] = draw(SOME_TEXT)
        else:
            number = draw(st.decimals(min_value=0, max_value=100_000, places=2))
            row["target_text"] = row["target_value"] = str(number)
        return rows
    return change()


def value_for(field: str, target: Target) -> st.SearchStrategy[Any]:
    """Valid new values for `field` of the target project (the save-stage rules must pass)."""
    content = target.content
    if field == "name":
        return SOME_TEXT
    if field in TEXT_FIELDS:
        return TEXT
    if field == "year":
        return st.integers(2015, 2035)
    if field in COUNT_FIELDS:
        # 其中脱贫户数/人数 may not exceed 受益户数/人数.
        if field.startswith("poverty_"):
            return st.integers(0, content[field.replace("poverty_", "beneficiary_")])
        if field.startswith("beneficiary_"):
            return st.integers(content[field.replace("beneficiary_", "poverty_")], 1_000_000)
        return st.integers(0, 1_000_000)
    if field in AMOUNT_COLUMNS.values():
        return st.integers(0, 300_000_00)  # up to 30 万元 in 分
    if field in DATE_FIELDS:
        if field == "starts_on":
            return _iso(high=date.fromisoformat(content["ends_on"]))
        if field == "ends_on":
            return _iso(low=date.fromisoformat(content["starts_on"]))
        return _iso() | st.none()
    if field == "spending_category":
        return st.sampled_from(ALLOWED_SPENDING) | st.none()
    if field in ENUM_FIELDS:
        values = st.sampled_from([member.value for member in ENUM_FIELDS[field]])
        return values | st.none() if field == "asset_type" else values
    if field == "fund":
        return st.none()  # the demo has one fund; a project may be saved without one
    if field == "task_item":
        return st.sampled_from((None, *target.task_items))
    if field == "villages":
        return st.lists(st.sampled_from(target.villages), unique=True, max_size=len(target.villages)).map(sorted)
    if field == "indicators":
        return _changed_indicators(content["indicators"])
    raise AssertionError(f"no strategy for signed field {field!r}: add one")


def test_every_editable_field_has_a_strategy(targets):
    """A new signed field must not silently escape the property below."""
    for field in EDITABLE_FIELDS:
        assert value_for(field, targets[S.double_signed]) is not None


# ---------------------------------------------------------------- the property

def _copy_of(template: Path, folder: str) -> Path:
    path = Path(folder) / "demo.sqlite"
    shutil.copyfile(template, path)
    return path


def _current_signature_ids(project: Project) -> set[int]:
    return {s.id for s in approval.current_signatures(project)}


def _edit_and_check(template: Path, target: Target, field: str, value: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = database.connect(_copy_of(template, folder))
        try:
            with database.unit_of_work(engine) as session:
                project = session.get(Project, target.project_id)
                assert project.status is target.status and project.content_version == 1
                signed = _current_signature_ids(project)
                assert len(signed) == (2 if target.status is S.double_signed else 1)
                events = session.scalar(select(func.count()).select_from(AuditEvent))
                officer = session.scalar(select(User).where(User.username == target.officer))
                outcome = approval.edit_project(session, officer, project.id, {field: value}, reason="调整")
                assert outcome.warnings[0].startswith(f"项目原为“{target.status.label}”")

            with Session(engine) as session:
                project = session.get(Project, target.project_id)
                after = project_content(session, project.id)
                assert after[field] == value  # the edit took
                assert {f: v for f, v in after.items() if f != field} == \
                       {f: v for f, v in target.content.items() if f != field}  # and nothing else moved
                assert project.status is S.draft
                assert project.approved_on is None
                assert project.content_version == 2
                assert approval.current_signatures(project) == []
                voided = [s for s in project.signatures if s.id in signed]
                assert len(voided) == len(signed) and all(s.voided_at is not None for s in voided)
                assert [c.field for c in approval.changes_since_signing(session, project.id)] == [field]

                new_events = session.scalars(select(AuditEvent).order_by(AuditEvent.id).offset(events)).all()
                assert [(e.action, e.entity_uuid, e.user_id) for e in new_events] == \
                       [("project_edited", project.uuid, officer.id)]
                before_json, after_json = json.loads(new_events[0].before_json), json.loads(new_events[0].after_json)
                assert before_json == {field: target.content[field], "status": target.status.value}
                assert after_json == {field: value, "status": S.draft.value}

                report = verify.verify_database(session)
                assert report.ok, report.problems or report.chain
        finally:
            engine.dispose()


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_editing_a_signed_field_voids_the_signatures(demo_template, targets, data):
    target = targets[data.draw(st.sampled_from(SIGNED_STATES), label="status")]
    field = data.draw(st.sampled_from(EDITABLE_FIELDS), label="field")
    value = data.draw(value_for(field, target), label="value")
    assume(value != target.content[field])
    _edit_and_check(demo_template, target, field, value)


@pytest.mark.parametrize("field", EDITABLE_FIELDS)
@settings(max_examples=1, deadline=None)
@given(data=st.data())
def test_each_signed_field_at_least_once(demo_template, targets, field, data):
    """The property above draws fields at random; this makes sure none of them is never drawn."""
    target = targets[data.draw(st.sampled_from(SIGNED_STATES), label="status")]
    value = data.draw(value_for(field, target), label="value")
    assume(value != target.content[field])
    _edit_and_check(demo_template, target, field, value)


@pytest.mark.parametrize("status", SIGNED_STATES)
def test_editing_with_identical_values_changes_nothing(demo_template, targets, tmp_path, status):
    target = targets[status]
    engine = database.connect(_copy_of(demo_template, str(tmp_path)))
    try:
        with database.unit_of_work(engine) as session:
            project = session.get(Project, target.project_id)
            signed = _current_signature_ids(project)
            events = session.scalar(select(func.count()).select_from(AuditEvent))
            officer = session.scalar(select(User).where(User.username == target.officer))
            unchanged = {field: target.content[field] for field in FIELD_LABELS}  # every field, town included
            outcome = approval.edit_project(session, officer, project.id, unchanged, reason="原样保存")
            assert outcome.warnings == []

        with Session(engine) as session:
            project = session.get(Project, target.project_id)
            assert project.status is status and project.content_version == 1
            assert _current_signature_ids(project) == signed
            assert approval.changes_since_signing(session, project.id) == []
            assert project_content(session, project.id) == target.content
            assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
            report = verify.verify_database(session)
            assert report.ok, report.problems or report.chain
    finally:
        engine.dispose()


def test_changing_the_town_is_refused(demo_template, targets, tmp_path):
    target = targets[S.double_signed]
    engine = database.connect(_copy_of(demo_template, str(tmp_path)))
    try:
        with pytest.raises(InputError, match="所属乡镇不能修改"):
            with database.unit_of_work(engine) as session:
                officer = session.scalar(select(User).where(User.username == target.officer))
                other_town = str(int(target.content["town"]) + 1)
                approval.edit_project(session, officer, target.project_id, {"town": other_town})
        with Session(engine) as session:
            project = session.get(Project, target.project_id)
            assert project.status is S.double_signed and len(approval.current_signatures(project)) == 2
    finally:
        engine.dispose()
