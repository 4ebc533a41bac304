"""Who may do what, in the service layer: the role × action matrix written out from the issue (not
read back from `Action`), region scoping of grants, and the refusals happening in the services
themselves on the demo county (nothing changed after a refused unit of work)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import (AuditEvent, Expenditure, FundSource, Money, SupportMethod, Project, ProjectSignature, ProjectStatus, RoleGrant, Town,
                        User, UserRole)
from app.services import approval, demo, security
from app.services.content import project_content
from app.services.database import unit_of_work
from app.services.money import payments
from app.services.errors import InputError
from app.services.security import Action, PermissionDenied
from app.services.settings import ALLOW_DRAFTER_SIGN, set_setting

S = ProjectStatus
R = UserRole
COUNTY = demo.DEMO_COUNTY_CODE  # 和平县
PASSWORD = demo.DEMO_PASSWORD

# 乡镇经办人 drafts and edits projects, starts and completes them, files claims (报账) and may cancel those
# not yet approved; 乡镇主要负责人 and 驻镇帮扶工作队队长 only sign, each in their own capacity; 县级审核
# approves, returns, accepts (验收) and cancels before or after approval; 县级财政 pays and reverses (the
# town claims, county finance pays: 000:l.620); both county roles arrange the money (资金安排); 市级财政 and
# 省级财政 issue money down (checked per level by `require_role`, not by an Action); 系统管理员 manages
# users, settings, regions and the peers this installation exchanges with; whoever keeps the books at a
# level (not the two town signers) exports and imports packages. Nobody else anything.
ROLES = (R.town_officer, R.town_leader, R.team_leader, R.county_reviewer, R.county_finance, R.city_finance,
         R.province_finance, R.admin)
EXPECTED = {
    #                      officer  leader  team  reviewer finance city prov admin
    "draft_project":       "X       .       .     .        .       .    .    .",
    "edit_project":        "X       .       .     .        .       .    .    .",
    "sign_as_town_leader": ".       X       .     .        .       .    .    .",
    "sign_as_team_leader": ".       .       X     .        .       .    .    .",
    "approve_project":     ".       .       .     X        .       .    .    .",
    "return_project":      ".       .       .     X        .       .    .    .",
    "start_project":       "X       .       .     .        .       .    .    .",
    "complete_project":    "X       .       .     .        .       .    .    .",
    "accept_project":      ".       .       .     X        .       .    .    .",
    "cancel_draft":        "X       .       .     X        .       .    .    .",
    "cancel_approved":     ".       .       .     X        .       .    .    .",
    "spend":               ".       .       .     .        X       .    .    .",
    "reverse_expenditure": ".       .       .     .        X       .    .    .",
    "manage_users":        ".       .       .     .        .       .    .    X",
    "change_settings":     ".       .       .     .        .       .    .    X",
    "arrange_funds":       ".       .       .     X        X       .    .    .",
    "file_claim":          "X       .       .     .        .       .    .    .",
    "record_publicity":    "X       .       .     X        .       .    .    .",
    "manage_regions":      ".       .       .     .        .       .    .    X",
    "manage_peers":        ".       .       .     .        .       .    .    X",
    "exchange_data":       "X       .       .     X        X       X    X    X",
}
TOWN_ROLES = {R.town_officer, R.town_leader, R.team_leader}


def _allowed(action: str, role: UserRole) -> bool:
    return EXPECTED[action].split()[ROLES.index(role)] == "X"


def _user(*grants: tuple[UserRole, str], active: bool = True) -> User:
    """A user as the services see one (not saved: `may` looks only at the grants and the active flag)."""
    return User(username="u", display_name="某人", is_active=active,
                grants=[RoleGrant(role=role, region_code=code) for role, code in grants])


# ---------------------------------------------------------------- the matrix

def test_every_action_is_in_the_table():
    """19 distinct actions: none may be an alias of another (an Enum whose values were the role
    tuples would quietly merge draft/edit, approve/return/accept...)."""
    assert [action.name for action in Action] == list(EXPECTED)
    assert set(ROLES) == set(UserRole)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_permission_matrix(role, demo_engine):
    with unit_of_work(demo_engine) as session:
        town = session.scalar(select(Town).where(Town.code.startswith(COUNTY)).order_by(Town.code))
        code = town.code if role in TOWN_ROLES else {R.city_finance: COUNTY[:4], R.province_finance: "44",
                                                     R.admin: "44"}.get(role, COUNTY)
        users = [_user((role, code))]
        # and the demo county's real user holding that role
        users.append(session.scalar(select(User).join(RoleGrant).where(RoleGrant.role == role,
                                                                       RoleGrant.region_code == code)))
        for user in users:
            actual = {action.name: security.may(user, action, town.code) for action in Action}
            assert actual == {name: _allowed(name, role) for name in EXPECTED}


@pytest.mark.parametrize("role", [r for r in ROLES if r not in security.FINANCE_ROLE_BY_LEVEL.values()
                                  or r is R.county_finance], ids=lambda r: r.value)
def test_an_inactive_user_may_nothing(role):
    grant = (role, "441624100" if role in TOWN_ROLES else "44")
    assert any(security.may(_user(grant), action, "441624100") for action in Action)
    assert not any(security.may(_user(grant, active=False), action, "441624100") for action in Action)


def test_refusal_names_the_action_and_the_role(demo_engine):
    leader = _user((R.town_leader, "441624100"))
    labels = {Action.draft_project: "起草项目", Action.edit_project: "修改项目", Action.approve_project: "审定项目",
              Action.return_project: "退回项目", Action.accept_project: "组织验收",
              Action.cancel_approved: "终止已审定的项目", Action.reverse_expenditure: "红字冲销",
              Action.change_settings: "修改设置"}
    with unit_of_work(demo_engine) as session:
        for action, label in labels.items():
            with pytest.raises(PermissionDenied, match=f"^您没有权限{label}：需要") as refused:
                security.require(session, leader, action, "441624100")
            assert all(role.label in refused.value.user_message for role in action.roles)


# ---------------------------------------------------------------- region scoping

@pytest.fixture
def codes(engine):
    """Two towns of 和平县, a town of 龙川县 (same city, 河源), and a town of 广州."""
    with unit_of_work(engine) as session:
        def towns(prefix):
            return session.scalars(select(Town.code).where(Town.code.startswith(prefix)).order_by(Town.code)).all()
        here, neighbour, far = towns(COUNTY), towns("441622"), towns("4401")
        return {"a": here[0], "b": here[1], "other_county": neighbour[0], "other_city": far[0]}


def test_a_town_role_covers_its_own_town_only(codes):
    for role, action in ((R.town_officer, Action.draft_project), (R.town_leader, Action.sign_as_town_leader),
                         (R.team_leader, Action.sign_as_team_leader)):
        user = _user((role, codes["a"]))
        assert security.may(user, action, codes["a"])
        assert not security.may(user, action, codes["b"])
        assert not security.may(user, action, COUNTY)  # nor the county as a whole
        assert not security.may(user, action, codes["other_county"])


def test_a_county_role_covers_its_towns_only(codes):
    for role, action in ((R.county_reviewer, Action.approve_project), (R.county_finance, Action.spend),
                         (R.admin, Action.manage_users)):
        user = _user((role, COUNTY))
        assert security.may(user, action, codes["a"]) and security.may(user, action, codes["b"])
        assert security.may(user, action, COUNTY)
        assert not security.may(user, action, codes["other_county"])
        assert not security.may(user, action, codes["other_city"])
        assert not security.may(user, action, "44")


def test_city_and_province_grants(codes):
    city = _user((R.county_reviewer, COUNTY[:4]))
    assert security.may(city, Action.approve_project, codes["a"])
    assert security.may(city, Action.approve_project, codes["other_county"])
    assert not security.may(city, Action.approve_project, codes["other_city"])
    province = _user((R.county_reviewer, "44"))
    assert all(security.may(province, Action.approve_project, code) for code in (*codes.values(), COUNTY, "44"))
    assert not security.may(province, Action.spend, codes["a"])  # a wide region gives no other role


def test_grants_add_up_per_region(codes):
    """Two grants: each role counts only in its own region."""
    user = _user((R.town_officer, codes["a"]), (R.county_finance, "441622"))
    assert security.may(user, Action.draft_project, codes["a"])
    assert not security.may(user, Action.draft_project, codes["other_county"])
    assert security.may(user, Action.spend, codes["other_county"]) and not security.may(user, Action.spend, codes["a"])
    assert not security.may(user, Action.spend, codes["b"])


# ---------------------------------------------------------------- refusals in the services

def _project(session, status: ProjectStatus) -> Project:
    """The first project in `status` (one that may be paid before 验收, when it is to be paid)."""
    return session.scalar(select(Project).where(Project.status == status, Project.support_method
                                                != SupportMethod.build_then_subsidise).order_by(Project.id))


def _people(session, project: Project) -> dict[str, str]:
    """Usernames, by what they are to the project's town."""
    town = project.town.name
    other = session.scalar(select(Town.name).where(Town.code.startswith(COUNTY), Town.id != project.town_id)
                           .order_by(Town.code))
    names = {"officer": f"{town}经办", "town_leader": f"{town}书记", "team_leader": f"{town}队长",
             "other_officer": f"{other}经办", "other_town_leader": f"{other}书记", "other_team_leader": f"{other}队长",
             "reviewer": "县审核", "finance": "县财政", "admin": "admin"}
    assert all(security.find_user(session, name) for name in names.values())
    return names


def _state(session, project_id: int) -> tuple:
    """What a refused action must leave as it was."""
    project = session.get(Project, project_id)
    count = lambda model, *where: session.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
    return (project.status, project.content_version, project.name, project.approved_on,
            count(ProjectSignature, ProjectSignature.project_id == project_id, ProjectSignature.voided_at.is_(None)),
            count(Expenditure), count(Project), count(AuditEvent))


def _new_content(session, project: Project) -> dict:
    content = project_content(session, project.id)
    del content["uuid"]
    return content | {"name": "权限测试项目", "amount_provincial": 100, "amount_prd_city": 0, "amount_local_city": 0}


def _expenditure(session, project: Project) -> int:
    reversed_ = select(Expenditure.reversal_of_id).where(Expenditure.reversal_of_id.is_not(None))
    return session.scalar(select(Expenditure.id).where(Expenditure.project_id == project.id,
                                                       Expenditure.reversal_of_id.is_(None),
                                                       Expenditure.id.not_in(reversed_)).order_by(Expenditure.id))


CALLS = {
    "draft": lambda s, u, p: approval.create_project(s, u, _new_content(s, p)),
    "edit": lambda s, u, p: approval.edit_project(s, u, p.id, {"content": "按权限测试修改的建设内容。"}),
    "sign_town": lambda s, u, p: approval.sign(s, u, p.id, R.town_leader, PASSWORD),
    "sign_team": lambda s, u, p: approval.sign(s, u, p.id, R.team_leader, PASSWORD),
    "approve": lambda s, u, p: approval.approve(s, u, p.id, PASSWORD),
    "return": lambda s, u, p: approval.return_project(s, u, p.id, "公示材料不全。"),
    "start": lambda s, u, p: approval.start(s, u, p.id),
    "complete": lambda s, u, p: approval.complete(s, u, p.id),
    "accept": lambda s, u, p: approval.accept(s, u, p.id, "村股份经济合作社"),
    "cancel": lambda s, u, p: approval.cancel(s, u, p.id, "权限测试终止。"),
    "spend": lambda s, u, p: payments.spend(s, u, p.id, spent_on=date(2023, 12, 1), amount=Money(100),
                                            payee="和平县供销合作社", voucher_no="PERM-0001",
                                            source=FundSource.provincial),
    "reverse": lambda s, u, p: payments.reverse(s, u, _expenditure(s, p), "凭证录错。"),
}

# (what, project status, who is refused, who may): the second half shows the refusal is about the
# person, not about the project's state.
REFUSALS = [
    ("draft", S.draft, "finance", "officer"),
    ("draft", S.draft, "other_officer", "officer"),
    ("draft", S.draft, "reviewer", "officer"),
    ("edit", S.draft, "town_leader", "officer"),
    ("edit", S.double_signed, "reviewer", "officer"),
    ("sign_town", S.draft, "team_leader", "town_leader"),
    ("sign_town", S.draft, "officer", "town_leader"),
    ("sign_town", S.draft, "other_town_leader", "town_leader"),
    ("sign_team", S.signed_once, "other_team_leader", "team_leader"),
    ("sign_team", S.draft, "reviewer", "team_leader"),
    ("approve", S.double_signed, "officer", "reviewer"),
    ("approve", S.double_signed, "admin", "reviewer"),
    ("approve", S.double_signed, "town_leader", "reviewer"),
    ("return", S.double_signed, "officer", "reviewer"),
    ("start", S.approved, "reviewer", "officer"),
    ("start", S.approved, "other_officer", "officer"),
    ("complete", S.in_progress, "finance", "officer"),
    ("accept", S.completed, "officer", "reviewer"),
    ("cancel", S.draft, "town_leader", "officer"),
    ("cancel", S.signed_once, "finance", "reviewer"),
    ("spend", S.planned, "town_leader", "finance"),
    ("spend", S.in_progress, "team_leader", "finance"),
    ("spend", S.in_progress, "officer", "finance"),
    ("spend", S.in_progress, "reviewer", "finance"),
    ("spend", S.in_progress, "admin", "finance"),
    ("reverse", S.in_progress, "town_leader", "finance"),
    ("reverse", S.completed, "officer", "finance"),
    ("reverse", S.completed, "reviewer", "finance"),
]


@pytest.mark.parametrize("what, status, refused, allowed", REFUSALS,
                         ids=[f"{w}-{s.value}-{r}" for w, s, r, _ in REFUSALS])
def test_services_refuse_the_wrong_person(demo_engine, what, status, refused, allowed):
    with unit_of_work(demo_engine) as session:
        project = _project(session, status)
        project_id, people = project.id, _people(session, project)
        before = _state(session, project_id)
    with pytest.raises(PermissionDenied):
        with unit_of_work(demo_engine) as session:
            CALLS[what](session, security.find_user(session, people[refused]), session.get(Project, project_id))
    with unit_of_work(demo_engine) as session:
        assert _state(session, project_id) == before
        CALLS[what](session, security.find_user(session, people[allowed]), session.get(Project, project_id))
    with unit_of_work(demo_engine) as session:
        assert _state(session, project_id) != before


def test_a_returned_project_is_revised_before_it_is_signed_again(demo_engine):
    """退回 means "change it": the signers cannot simply sign the returned content again."""
    with unit_of_work(demo_engine) as session:
        project = _project(session, S.returned)
        project_id, people = project.id, _people(session, project)
    with pytest.raises(InputError, match="已退回的项目须先修改"):
        with unit_of_work(demo_engine) as session:
            approval.sign(session, security.find_user(session, people["team_leader"]), project_id,
                          UserRole.team_leader, demo.DEMO_PASSWORD)
    with unit_of_work(demo_engine) as session:
        approval.edit_project(session, security.find_user(session, people["officer"]), project_id,
                              {"location": "按县审核意见补充后的地点"}, "按退回意见修改")
        outcome = approval.sign(session, security.find_user(session, people["team_leader"]), project_id,
                                UserRole.team_leader, demo.DEMO_PASSWORD)
        assert outcome.project.status is S.signed_once


def test_a_signer_signs_the_version_they_read(demo_engine):
    """Content changed between opening the sign dialog and signing: refused, nothing signed."""
    with unit_of_work(demo_engine) as session:
        project = _project(session, S.draft)
        project_id, people, read = project.id, _people(session, project), project.content_version
        approval.edit_project(session, security.find_user(session, people["officer"]), project_id,
                              {"location": "另一处"}, "")
        before = _state(session, project_id)
    with pytest.raises(InputError, match="审阅期间已被修改"):
        with unit_of_work(demo_engine) as session:
            approval.sign(session, security.find_user(session, people["town_leader"]), project_id,
                          UserRole.town_leader, demo.DEMO_PASSWORD, expected_version=read)
    with unit_of_work(demo_engine) as session:
        assert _state(session, project_id) == before


def test_only_the_county_cancels_an_approved_project(demo_engine):
    with unit_of_work(demo_engine) as session:
        project = _project(session, S.in_progress)
        project_id, people = project.id, _people(session, project)
        while (expenditure_id := _expenditure(session, project)) is not None:
            payments.reverse(session, security.find_user(session, "县财政"), expenditure_id, "项目拟终止，冲回支出。")
    with pytest.raises(PermissionDenied, match="终止已审定的项目"):
        with unit_of_work(demo_engine) as session:
            approval.cancel(session, security.find_user(session, people["officer"]), project_id, "不再实施。")
    with unit_of_work(demo_engine) as session:
        assert session.get(Project, project_id).status is S.in_progress
        approval.cancel(session, security.find_user(session, "县审核"), project_id, "不再实施。")
    with unit_of_work(demo_engine) as session:
        assert session.get(Project, project_id).status is S.cancelled


def test_drafter_signs_own_project_only_when_the_county_allows(demo_engine):
    with unit_of_work(demo_engine) as session:
        template = _project(session, S.draft)
        town = template.town
        drafter = security.create_user(session, security.find_user(session, "admin"), "经办兼书记", "陈丽娟", PASSWORD,
                                       [(R.town_officer, town.code), (R.town_leader, town.code)],
                                       kdf=security.DEMO_KDF)
        project_id = approval.create_project(session, drafter, _new_content(session, template)).project.id
    with pytest.raises(InputError, match="经办人不能为自己起草的项目签字"):
        with unit_of_work(demo_engine) as session:
            approval.sign(session, security.find_user(session, "经办兼书记"), project_id, R.town_leader, PASSWORD)
    with unit_of_work(demo_engine) as session:
        assert session.get(Project, project_id).status is S.draft
        set_setting(session, ALLOW_DRAFTER_SIGN, "1")
    with unit_of_work(demo_engine) as session:
        approval.sign(session, security.find_user(session, "经办兼书记"), project_id, R.town_leader, PASSWORD)
    with unit_of_work(demo_engine) as session:
        assert session.get(Project, project_id).status is S.signed_once


def test_a_reviewer_who_signed_may_not_approve(demo_engine):
    with unit_of_work(demo_engine) as session:
        project = _project(session, S.signed_once)
        project_id, town_code = project.id, project.town.code
        both = security.create_user(session, security.find_user(session, "admin"), "队长兼审核", "罗振宇", PASSWORD,
                                    [(R.team_leader, town_code), (R.county_reviewer, COUNTY)], kdf=security.DEMO_KDF)
        assert security.may(both, Action.approve_project, town_code)
        assert approval.sign(session, both, project_id, R.team_leader, PASSWORD).project.status is S.double_signed
    with pytest.raises(InputError, match="曾在本项目签字"):
        with unit_of_work(demo_engine) as session:
            approval.approve(session, security.find_user(session, "队长兼审核"), project_id, PASSWORD)
    with unit_of_work(demo_engine) as session:
        assert session.get(Project, project_id).status is S.double_signed
        approval.approve(session, security.find_user(session, "县审核"), project_id, PASSWORD)
    with unit_of_work(demo_engine) as session:
        assert session.get(Project, project_id).status is S.approved


def test_an_inactive_user_is_refused_by_the_services(demo_engine):
    with unit_of_work(demo_engine) as session:
        project = _project(session, S.approved)
        project_id, officer = project.id, f"{project.town.name}经办"
        security.set_active(session, security.find_user(session, "admin"), security.find_user(session, officer), False)
    with unit_of_work(demo_engine) as session:
        user = security.find_user(session, officer)
        assert not any(security.may(user, action, project.town.code) for action in Action)
        before = _state(session, project_id)
    for what in ("start", "spend", "edit", "cancel"):
        with pytest.raises(PermissionDenied):
            with unit_of_work(demo_engine) as session:
                CALLS[what](session, security.find_user(session, officer), session.get(Project, project_id))
    with unit_of_work(demo_engine) as session:
        assert _state(session, project_id) == before


def test_the_admin_does_no_project_work(demo_engine):
    """系统管理员 manages users; it holds no role in the 双签 or the ledger."""
    with unit_of_work(demo_engine) as session:
        admin = security.find_user(session, "admin")
        draft, approved = _project(session, S.draft), _project(session, S.approved)
        calls = [("draft", draft), ("edit", draft), ("sign_town", draft), ("sign_team", draft), ("cancel", draft),
                 ("start", approved), ("spend", approved), ("reverse", _project(session, S.in_progress))]
        before = session.scalar(select(func.count()).select_from(AuditEvent))
        for what, project in calls:
            with pytest.raises(PermissionDenied):
                CALLS[what](session, admin, project)
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == before
