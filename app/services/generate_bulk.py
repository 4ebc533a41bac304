"""The generated year's many acts (services.generate) written a batch of projects at a time: the same
rows, column values, row versions, project signatures and audit events (with the record each act
left, signed by its actor) as services.generate_services writes one act at a time through the
services, in far fewer statements. Each act below names the service whose writes it repeats; tests
generate a small year both ways and compare every table.

Acts on one batch go phase by phase (all drafts, then all 公示, then the first signatures...), each
phase's rows written before its events, so every event carries its entity's record as that act left
it. Only the order of events in the chain differs from one act at a time.
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from app.models import (Asset, AssetType, Claim, ClaimStatus, Comparator, Expenditure, Money, Project,
                        ProjectIndicator, ProjectSignature, Publicity, PublicityKind, UserRole, Village)
from app.models.projects import project_village
from app.models.types import utcnow
from app.services import approval, audit, keyring
from app.services.audit import canonical_json
from app.services.content import project_contents
from app.services.crypto import sign_bytes
from app.services.generate_story import (CANCEL_REASON, PAY_PURPOSE, REJECT_REASON, RETURN_REASON, REVERSE_REASON, S,
                                         ProjectStory, Year)
from app.services.money.payments import REVERSAL_PREFIX
from app.services.sqlite_limits import pages

BATCH = 2000  # projects per batch
UPKEEP = Money.from_wan(2)
P, SIG, PUB = Project.__table__, ProjectSignature.__table__, Publicity.__table__
CLAIM, EXP, ASSET = Claim.__table__, Expenditure.__table__, Asset.__table__
# How many signatures a project reaching each state is given (town leader, team leader, reviewer).
SIGNATURES = {S.draft: 0, S.cancelled: 0, S.signed_once: 1, S.double_signed: 2, S.returned: 2, S.approved: 3,
              S.planned: 3, S.in_progress: 3, S.completed: 3, S.accepted: 3}


def _new_uuid() -> str:
    return str(uuid_module.uuid4())


class _Acts:
    """Events of one phase, appended once its rows are written (audit.append_recorded)."""

    def __init__(self, session: Session, signers: dict[int, tuple]) -> None:
        self.session, self.signers, self.events = session, signers, []

    def add(self, user, action: str, entity_type: str, entity_uuid: str, reason: str = "", before=None,
            after=None) -> None:
        self.events.append((user.id, action, entity_type, entity_uuid, reason, before, after))

    def flush(self) -> None:
        if self.events:
            audit.append_recorded(self.session, self.events, self.signers)
            self.events = []


def _signers(cast) -> dict[int, tuple]:
    people = [cast.admin, cast.province, *cast.cities.values(), *cast.reviewers.values(), *cast.finance.values(),
              *(user for town in cast.towns.values() for user in town.values())]
    signers = {}
    for user in people:
        key, private_key = keyring.signer(user)
        signers[user.id] = (key.id, private_key, user.uuid)
    return signers


def _update(session: Session, table, rows: list[dict], *columns: str) -> None:
    """UPDATE each row (by "id") setting `columns` from the row and the ORM's row version and
    timestamp, as a flush of the changed object does."""
    if not rows:
        return
    values = {name: bindparam(f"v_{name}", type_=table.c[name].type) for name in columns}
    if "version" in table.c:
        values |= {"version": table.c.version + 1, "updated_at": bindparam("v_updated_at", type_=table.c.updated_at.type)}
    now = utcnow()
    session.execute(update(table).where(table.c.id == bindparam("v_id")).values(values),
                    [{f"v_{k}": v for k, v in row.items()} | {"v_updated_at": now} for row in rows])


def _batches(stories: list[ProjectStory]):
    for start in range(0, len(stories), BATCH):
        yield start, stories[start:start + BATCH]


# ---------------------------------------------------------------- drafting, 公示, 双签, 审定

def draft_and_review(session: Session, cast, year: Year, progress) -> None:
    session.flush()
    signers = _signers(cast)
    keys = {user_id: signer[:2] for user_id, signer in signers.items()}
    villages = {(town_id, name): vid for vid, town_id, name in session.execute(
        select(Village.id, Village.town_id, Village.name))}
    next_id = (session.scalar(select(func.max(ProjectSignature.id))) or 0) + 1
    for story in year.projects:  # the ids one act at a time would give: each project's signatures in turn
        story.signature_ids = list(range(next_id, next_id + SIGNATURES[story.status]))
        next_id += len(story.signature_ids)
    for start, batch in _batches(year.projects):
        acts = _Acts(session, keys)
        _create(session, cast, batch, villages, acts)
        _publicity(session, cast, batch, acts)
        contents = project_contents(session, [story.project_id for story in batch])
        _cancel(session, cast, [s for s in batch if s.status is S.cancelled], acts)
        signing = [s for s in batch if s.status not in (S.draft, S.cancelled)]
        _sign(session, cast, signing, UserRole.town_leader, S.signed_once, contents, signers, acts)
        _sign(session, cast, [s for s in signing if s.status is not S.signed_once], UserRole.team_leader,
              S.double_signed, contents, signers, acts)
        _return(session, cast, [s for s in signing if s.status is S.returned], acts)
        _approve(session, cast, [s for s in signing if s.approve_on], contents, signers, acts)
        if progress:
            progress(start + len(batch), len(year.projects), "项目起草与审定")
    session.expire_all()


def _create(session: Session, cast, batch: list[ProjectStory], villages: dict, acts: _Acts) -> None:
    """approval.create_project: the draft with its indicators and villages."""
    first = (session.scalar(select(func.max(Project.id))) or 0) + 1
    fund_id = cast.fund.id
    now = utcnow()
    rows, indicators, links = [], [], []
    for n, story in enumerate(batch):
        story.project_id = first + n
        content = story.content
        row = {key: content[key] for key in ("name", "year", "location", "responsible_unit", "responsible_person",
                                             "content", "beneficiaries", "beneficiary_households",
                                             "beneficiary_people", "poverty_households", "poverty_people",
                                             "monitored_households", "monitored_people", "farmer_linkage",
                                             "purpose_category", "construction_nature", "spending_category",
                                             "support_method", "asset_type")}
        row |= {key: Money(content[key]) for key in ("amount_provincial", "amount_prd_city", "amount_local_city")}
        row |= {"id": story.project_id, "uuid": _new_uuid(), "version": 1, "created_at": now, "updated_at": now,
                "town_id": story.town.id, "fund_id": fund_id, "task_item_id": None,
                "starts_on": date.fromisoformat(content["starts_on"]),
                "ends_on": date.fromisoformat(content["ends_on"]),
                "amount_county": Money(0), "amount_other": Money(0), "status": S.draft,
                "drafted_by_id": cast.towns[story.town.code]["officer"].id, "content_version": 1}
        rows.append(row)
        for position, indicator in enumerate(content["indicators"]):
            comparator = Comparator(indicator["comparator"])
            indicators.append({"project_id": story.project_id, "position": position, "level1": indicator["level1"],
                               "level2": indicator["level2"], "level3": indicator["level3"], "unit": indicator["unit"],
                               "comparator": indicator["comparator"], "target_text": indicator["target_text"],
                               "target_value": None if comparator is Comparator.qualitative else
                               Decimal(indicator["target_text"]), "actual_text": "", "actual_value": None})
        links += [{"project_id": story.project_id, "village_id": villages[(story.town.id, name)]}
                  for name in dict.fromkeys(content["villages"])]
        story.uuid = row["uuid"]
    session.execute(P.insert(), rows)
    session.execute(ProjectIndicator.__table__.insert(), indicators)
    if links:
        session.execute(project_village.insert(), links)
    contents = project_contents(session, [story.project_id for story in batch])
    for story in batch:
        acts.add(cast.towns[story.town.code]["officer"], "project_created", "project", story.uuid,
                 after=contents[story.project_id])
    acts.flush()


def _publicity(session: Session, cast, batch: list[ProjectStory], acts: _Acts) -> None:
    """publicity.record: the village's 公示 before the project is signed."""
    now, rows = utcnow(), []
    for story in batch:
        starts, ends, place = story.publicity
        officer = cast.towns[story.town.code]["officer"]
        rows.append({"uuid": _new_uuid(), "version": 1, "created_at": now, "updated_at": now,
                     "project_id": story.project_id, "kind": PublicityKind.village, "starts_on": starts,
                     "ends_on": ends, "place": place, "result": "无异议", "entered_by_id": officer.id})
        acts.add(officer, "publicity_recorded", "publicity", rows[-1]["uuid"],
                 after={"project": story.uuid, "kind": PublicityKind.village.value, "starts_on": starts.isoformat(),
                        "ends_on": ends.isoformat(), "place": place, "result": "无异议"})
    session.execute(PUB.insert(), rows)
    acts.flush()


def _cancel(session: Session, cast, stories: list[ProjectStory], acts: _Acts) -> None:
    """approval.cancel of a draft by the town."""
    _update(session, P, [{"id": s.project_id, "status": S.cancelled, "status_reason": CANCEL_REASON} for s in stories],
            "status", "status_reason")
    for story in stories:
        acts.add(cast.towns[story.town.code]["officer"], "project_cancelled", "project", story.uuid,
                 reason=CANCEL_REASON, before={"status": S.draft.value}, after={"status": S.cancelled.value})
    acts.flush()


def _signature(story: ProjectStory, user, role: UserRole, content: dict, signers: dict) -> dict:
    """approval.add_signature over the project's content at version 1."""
    key_id, private_key, user_uuid = signers[user.id]
    payload = approval.signed_payload(content, 1, role, user_uuid)
    position = (UserRole.town_leader, UserRole.team_leader, UserRole.county_reviewer).index(role)
    return {"id": story.signature_ids[position], "project_id": story.project_id, "user_id": user.id, "key_id": key_id, "role": role,
            "content_version": 1, "content_json": canonical_json(content),
            "signature": sign_bytes(private_key, payload), "signed_at": utcnow(), "voided_at": None,
            "void_reason": "", "amendment_id": None}


def _sign(session: Session, cast, stories: list[ProjectStory], role: UserRole, reached, contents: dict,
          signers: dict, acts: _Acts) -> None:
    """approval.sign: one of the 双签."""
    if not stories:
        return
    was = S.draft if reached is S.signed_once else S.signed_once
    rows = []
    for story in stories:
        signer = cast.towns[story.town.code][role.value]
        rows.append(_signature(story, signer, role, contents[story.project_id], signers))
        acts.add(signer, "project_signed", "project", story.uuid, reason=role.label, before={"status": was.value},
                 after={"status": reached.value, "content_version": 1})
    session.execute(SIG.insert(), rows)
    _update(session, P, [{"id": s.project_id, "status": reached, "status_reason": ""} for s in stories],
            "status", "status_reason")
    acts.flush()


def _return(session: Session, cast, stories: list[ProjectStory], acts: _Acts) -> None:
    """approval.return_project: both signatures voided, back to the town with the reason."""
    if not stories:
        return
    now = utcnow()
    session.execute(update(SIG).where(SIG.c.project_id == bindparam("pid"), SIG.c.voided_at.is_(None))
                    .values(voided_at=bindparam("at", type_=SIG.c.voided_at.type), void_reason=f"县级退回：{RETURN_REASON}"),
                    [{"pid": s.project_id, "at": now} for s in stories])
    _update(session, P, [{"id": s.project_id, "status": S.returned, "status_reason": RETURN_REASON} for s in stories],
            "status", "status_reason")
    for story in stories:
        acts.add(cast.reviewers[story.town.region_code], "project_returned", "project", story.uuid,
                 reason=RETURN_REASON, before={"status": S.double_signed.value}, after={"status": S.returned.value})
    acts.flush()


def _approve(session: Session, cast, stories: list[ProjectStory], contents: dict, signers: dict,
             acts: _Acts) -> None:
    """approval.approve: the county reviewer's signature, into the library."""
    if not stories:
        return
    rows = []
    for story in stories:
        reviewer = cast.reviewers[story.town.region_code]
        rows.append(_signature(story, reviewer, UserRole.county_reviewer, contents[story.project_id], signers))
        acts.add(reviewer, "project_approved", "project", story.uuid, before={"status": S.double_signed.value},
                 after={"status": S.approved.value, "approved_on": story.approve_on.isoformat(), "content_version": 1})
    session.execute(SIG.insert(), rows)
    _update(session, P, [{"id": s.project_id, "status": S.approved, "approved_on": s.approve_on} for s in stories],
            "status", "approved_on")
    acts.flush()


# ---------------------------------------------------------------- implementation and money

def implement(session: Session, cast, year: Year, progress) -> None:
    """After the plans: starts, the claims of projects under way, completions, 验收 with the assets,
    then the claims of 先建后补 projects (paid only after 验收)."""
    session.flush()
    signers = _signers(cast)
    keys = {user_id: signer[:2] for user_id, signer in signers.items()}
    uuids = dict(session.execute(select(Project.id, Project.uuid)).all()) if year.projects else {}
    for story in year.projects:
        story.uuid = uuids[story.project_id]
    _number_claims(session, year)
    for start, batch in _batches(year.projects):
        acts = _Acts(session, keys)
        _move(session, cast, [s for s in batch if s.started_on], S.planned, S.in_progress, "project_started",
              "started_on", acts)
        _claims(session, cast, [s for s in batch if not s.build_then_subsidise], acts)
        _move(session, cast, [s for s in batch if s.completed_on], S.in_progress, S.completed, "project_completed",
              "completed_on", acts)
        _accept(session, cast, [s for s in batch if s.accepted_on], acts)
        _claims(session, cast, [s for s in batch if s.build_then_subsidise], acts)
        if progress:
            progress(start + len(batch), len(year.projects), "实施与支付")
    session.expire_all()


def _move(session: Session, cast, stories: list[ProjectStory], was, to, action: str, field: str,
          acts: _Acts) -> None:
    """approval.start / complete: the state and its date."""
    _update(session, P, [{"id": s.project_id, "status": to, field: getattr(s, field)} for s in stories],
            "status", field)
    for story in stories:
        acts.add(cast.towns[story.town.code]["officer"], action, "project", story.uuid, before={"status": was.value},
                 after={"status": to.value, field: getattr(story, field).isoformat()})
    acts.flush()


def _accept(session: Session, cast, stories: list[ProjectStory], acts: _Acts) -> None:
    """approval.accept and money.assets.register: 验收, and the asset handed over (valued at what the
    ledger paid, or for 先建后补 the arranged subsidy)."""
    if not stories:
        return
    _update(session, P, [{"id": s.project_id, "status": S.accepted, "asset_receiver": s.receiver,
                          "accepted_on": s.accepted_on} for s in stories], "status", "asset_receiver", "accepted_on")
    for story in stories:
        acts.add(cast.reviewers[story.town.region_code], "project_accepted", "project", story.uuid,
                 before={"status": S.completed.value},
                 after={"status": S.accepted.value, "asset_type": story.content["asset_type"],
                        "asset_receiver": story.receiver, "accepted_on": story.accepted_on.isoformat()})
    acts.flush()
    spent: dict[int, int] = {}
    for page in pages([s.project_id for s in stories]):
        spent.update(session.execute(select(Expenditure.project_id, func.sum(Expenditure.amount))
                                     .where(Expenditure.project_id.in_(page)).group_by(Expenditure.project_id)).all())
    now, rows = utcnow(), []
    for story in stories:
        asset_type = AssetType(story.content["asset_type"])
        if not asset_type.forms_asset:
            continue
        value = spent[story.project_id].fen if story.project_id in spent else 0
        if story.build_then_subsidise:
            value = max(value, sum(story.by_source().values()))
        reviewer = cast.reviewers[story.town.region_code]
        rows.append({"uuid": _new_uuid(), "version": 1, "created_at": now, "updated_at": now,
                     "project_id": story.project_id, "name": story.content["name"], "asset_type": asset_type,
                     "value": Money(value), "owner": story.receiver, "custodian": story.receiver,
                     "upkeep_yearly": UPKEEP, "handed_over_on": story.accepted_on, "note": "",
                     "entered_by_id": reviewer.id})
        acts.add(reviewer, "asset_registered", "asset", rows[-1]["uuid"],
                 after={"project": story.uuid, "asset_type": asset_type.value, "value": value, "owner": story.receiver,
                        "custodian": story.receiver, "upkeep_yearly": UPKEEP.fen,
                        "handed_over_on": story.accepted_on.isoformat()})
    if rows:
        session.execute(ASSET.insert(), rows)
    acts.flush()


def _number_claims(session: Session, year: Year) -> None:
    """The ids one act at a time would give the claims and their expenditures: the projects under way
    in turn, then the 先建后补 ones; a paid claim's payment, a reversed one's payment, 红字冲销 and
    payment again."""
    claim_id = (session.scalar(select(func.max(Claim.id))) or 0) + 1
    expenditure_id = (session.scalar(select(func.max(Expenditure.id))) or 0) + 1
    for late in (False, True):
        for story in year.projects:
            if story.build_then_subsidise is not late:
                continue
            for payment in story.payments:
                payment.claim_id, claim_id = claim_id, claim_id + 1
                booked = {"paid": 1, "reversed": 3}.get(payment.outcome, 0)
                payment.expenditure_ids = list(range(expenditure_id, expenditure_id + booked))
                expenditure_id += booked


def _claims(session: Session, cast, stories: list[ProjectStory], acts: _Acts) -> None:
    """money.payments.file_claim, then pay_claim (its payment, then the claim paid), reject_claim, or
    pay_claim, reverse and spend (红字冲销 and paid again directly); a waiting claim stays filed."""
    now = utcnow()
    claims, decided = [], []
    for story in stories:
        officer = cast.towns[story.town.code]["officer"]
        for payment in story.payments:
            row = {"id": payment.claim_id, "uuid": _new_uuid(), "version": 1, "created_at": now, "updated_at": now,
                   "project_id": story.project_id, "source": payment.source, "amount": Money(payment.amount),
                   "payee": payment.payee, "purpose": PAY_PURPOSE, "voucher_numbers": f"发票 {payment.voucher}",
                   "filed_on": payment.filed_on, "filed_by_id": officer.id, "status": ClaimStatus.filed,
                   "decided_on": None, "decided_by_id": None, "reason": "", "expenditure_id": None}
            claims.append(row)
            acts.add(officer, "claim_filed", "claim", row["uuid"],
                     after={"project": story.uuid, "source": payment.source.value, "amount": payment.amount,
                            "payee": payment.payee, "purpose": PAY_PURPOSE, "voucher_numbers": row["voucher_numbers"],
                            "filed_on": payment.filed_on.isoformat(), "attachments": []})
            decided.append((story, payment, row))
    if not claims:
        return
    session.execute(CLAIM.insert(), claims)
    acts.flush()
    paid = [(story, payment, row) for story, payment, row in decided if payment.outcome in ("paid", "reversed")]
    originals = _book(session, cast, [(payment.expenditure_ids[0], story, payment.source, payment.spent_on,
                                       payment.amount, payment.payee, payment.voucher, PAY_PURPOSE, None, "")
                                      for story, payment, _ in paid], acts)
    updates, rejected = [], []
    for (story, payment, row), expenditure in zip(paid, originals):
        updates.append({"id": row["id"], "status": ClaimStatus.paid, "decided_on": payment.spent_on,
                        "decided_by_id": cast.finance[story.town.region_code].id, "expenditure_id": expenditure[0]})
        acts.add(cast.finance[story.town.region_code], "claim_paid", "claim", row["uuid"],
                 after={"status": "paid", "expenditure": expenditure[1], "spent_on": payment.spent_on.isoformat()})
    _update(session, CLAIM, updates, "status", "decided_on", "decided_by_id", "expenditure_id")
    for story, payment, row in decided:
        if payment.outcome == "rejected":
            rejected.append({"id": row["id"], "status": ClaimStatus.rejected, "reason": REJECT_REASON,
                             "decided_on": payment.spent_on, "decided_by_id": cast.finance[story.town.region_code].id})
            acts.add(cast.finance[story.town.region_code], "claim_rejected", "claim", row["uuid"], reason=REJECT_REASON,
                     after={"status": "rejected"})
    _update(session, CLAIM, rejected, "status", "reason", "decided_on", "decided_by_id")
    acts.flush()
    reversed_ = [(story, payment, expenditure) for (story, payment, _), expenditure in zip(paid, originals)
                 if payment.outcome == "reversed"]
    again = [(story, payment, payment.spent_on + timedelta(days=1), expenditure)
             for story, payment, expenditure in reversed_]
    _book(session, cast, [(payment.expenditure_ids[1], story, payment.source, on, -payment.amount, payment.payee,
                           f"{payment.voucher}-冲", f"{REVERSAL_PREFIX}{REVERSE_REASON}", expenditure, REVERSE_REASON)
                          for story, payment, on, expenditure in again], acts)
    _book(session, cast, [(payment.expenditure_ids[2], story, payment.source, on, payment.amount, payment.payee,
                           f"{payment.voucher}-重付", PAY_PURPOSE, None, "") for story, payment, on, _ in again], acts)


def _book(session: Session, cast, entries: list[tuple], acts: _Acts) -> list[tuple[int, str]]:
    """money.payments._book (a payment) or reverse (a 红字冲销 of `reversal_of`, (id, uuid)): the
    expenditures with their events; returns each one's (id, uuid)."""
    if not entries:
        return []
    now, rows, booked = utcnow(), [], []
    for expenditure_id, story, source, spent_on, amount, payee, voucher, purpose, reversal_of, reason in entries:
        finance = cast.finance[story.town.region_code]
        row = {"id": expenditure_id, "uuid": _new_uuid(), "version": 1, "created_at": now, "updated_at": now,
               "project_id": story.project_id, "fund_id": cast.fund.id, "source": source, "spent_on": spent_on,
               "amount": Money(amount), "payee": payee, "voucher_no": voucher, "purpose": purpose,
               "reversal_of_id": reversal_of[0] if reversal_of else None, "entered_by_id": finance.id}
        rows.append(row)
        booked.append((row["id"], row["uuid"]))
        acts.add(finance, "expenditure_reversed" if reversal_of else "expenditure_added", "expenditure", row["uuid"],
                 reason=reason,
                 after={"project": story.uuid, "spent_on": spent_on.isoformat(), "amount": amount, "payee": payee,
                        "voucher_no": voucher, "purpose": purpose, "source": source.value, "fund": cast.fund.uuid,
                        "reversal_of": reversal_of[1] if reversal_of else None})
    session.execute(EXP.insert(), rows)
    acts.flush()
    return booked
