"""Offline exchange: signed packages between neighbouring installations (issue 16).

Each installation numbers the events it sends to each peer 1, 2, 3... (`OutboxEvent`). An event is the
state of one record when it was exported (services.exchange_records); an export adds an event for each
record that changed since it was last sent to that peer, and the package carries every event the peer
has not yet acknowledged, so a lost package costs nothing: the next one carries its events again.

Import (`read_incoming`, then `apply`):
1. Everything is verified before anything is applied: the file (services.package), the sender (a
   registered peer with the root key it registered), the signer's key (certified by that root), the
   signature over the manifest, the receiver (this installation), and that the receiver's own audit
   head the sender last saw (`witness`) is still in this file's history (else this file was put back to
   an older copy; only a recorded restore from backup explains that).
2. Events are applied in sequence order, each exactly once by (sender, sequence): one already applied
   is skipped; one after a gap waits in the inbox until the gap is filled; each applied, refused or
   conflicting event is kept in the inbox with its reason. An event the sender had no authority for is
   refused, never applied (the rest of the package still is). Each applied record is recorded here
   as a signed act of the importing user (`record_received`), carrying the record as it now stands,
   so `verify` holds it to what it says like any other record.
3. A dry run is the same work, rolled back. The caller backs the file up first (services.backup) and
   commits the whole import as one transaction.

A receipt is a package with no events: it tells the sender how far its events were applied and the
receiver's new head. Every package carries the same (`acknowledged`, `head`), so a receipt is only
needed when nothing else goes back.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import func, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from app.models import AuditEvent, Fund, InboxEvent, OutboxEvent, Peer, PeerUser, Project, Town, User
from app.models.types import utcnow
from app.services import audit, keyring, package, peers, security, trust
from app.services import exchange_money as money_kinds
from app.services import exchange_records as kinds
from app.services.canonical import canonical_json
from app.services.crypto import sign_bytes, signature_valid
from app.services.errors import InputError

KIND_LABELS = {"identity": "人员", "fund": "资金", "project": "项目", "plan": "资金安排", "payment": "支出",
               "totals": "上报支出数"}
# The audit entity each kind's records are (services.records).
ENTITY = {"identity": "user", "fund": "fund", "project": "project", "plan": "plan", "payment": "expenditure",
          "totals": "reported"}
PROGRESS_EVERY = 200
Progress = Callable[[int, int, str], None]
STATE_LABELS = {"created": "新增", "updated": "更新", "unchanged": "无变化", "duplicate": "已接收过", "waiting": "等待前序",
                "refused": "拒绝", "conflict": "冲突"}


# ---------------------------------------------------------------- export

def _changed(session: Session, peer: Peer) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, uuid, payload) of every record `peer` should hold, in the order they must be applied."""
    home = peers.home_region(session)
    relation = _relation(session, home, peer)
    out: list[tuple[str, str, dict[str, Any]]] = []
    if relation == "child":
        for fund in session.scalars(select(Fund).order_by(Fund.id)):
            if peer.region_code.startswith(fund.region_code) and fund.region_code != peer.region_code:
                out.append(("fund", fund.uuid, kinds.fund_payload(fund)))
    town = peer.region_code if relation == "child" else home
    projects = []
    if len(town) == 9:
        query = select(Project).join(Town, Town.id == Project.town_id).where(Town.code == town).order_by(Project.id)
        for project in session.scalars(query):
            if relation == "parent" and kinds.RANK[project.status] < kinds.RANK[kinds.S.double_signed]:
                continue  # the town's work in progress stays at the town
            projects.append(kinds.project_payload(session, project))
    money: list[tuple[str, str, dict[str, Any]]] = []
    if relation == "child" and len(town) == 9:
        money += [("plan", plan.uuid, money_kinds.plan_payload(session, plan, town))
                  for plan in money_kinds.plans_for(session, town)]
        money += [("payment", payment.uuid, money_kinds.payment_payload(session, payment))
                  for payment in money_kinds.payments_for(session, town)]
    elif relation == "parent" and len(home) == 6:
        money += [("totals", payload["uuid"], payload) for payload in money_kinds.totals_payloads(session, home, date.today())]
    local = {u.uuid: u for u in session.scalars(select(User).where(User.id.not_in(select(PeerUser.user_id))))}
    people = {uuid for payload in projects for uuid in kinds.signer_uuids(payload)}
    people |= {payload.get("signed_by") or payload.get("entered_by") for _, _, payload in money}
    out[:0] = [("identity", uuid, kinds.identity_payload(local[uuid])) for uuid in sorted(people & set(local))]
    out += [("project", payload["uuid"], payload) for payload in projects]
    return out + money


@dataclass
class Export:
    part: Path
    path: Path
    first: int
    last: int
    count: int

    def publish(self) -> None:
        """Give the package its name, once the unit of work that numbered its events has committed: a
        file whose events were not saved here would reuse their numbers later."""
        self.part.replace(self.path)

    def discard(self) -> None:
        self.part.unlink(missing_ok=True)


def export_package(session: Session, user: User, peer: Peer, path: str | Path, full: bool = False,
                   progress: Progress | None = None) -> Export:
    """Number the records changed since they were last sent to `peer` (all of them with `full`) and write
    every event it has not acknowledged into `path`'s `.part` file; `publish()` it after the commit.
    `progress(done, total, "记录")` is called as it goes (and may raise Cancelled)."""
    home = peers.home_region(session)
    security.require(session, user, security.Action.exchange_data, home)
    last_digest = dict(session.execute(
        select(OutboxEvent.entity_uuid + ":" + OutboxEvent.kind, OutboxEvent.digest)
        .where(OutboxEvent.peer_id == peer.id).order_by(OutboxEvent.seq)).all())
    received = _received_digests(session, peer)
    numbered_from = peer.last_sent + 1
    changed = _changed(session, peer)
    for done, (kind, uuid, payload) in enumerate(changed):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, len(changed), "记录")
        digest = kinds.digest(payload)
        key = f"{uuid}:{kind}"
        if not full and (last_digest.get(key) == digest or received.get(key) == digest):
            continue
        peer.last_sent += 1
        session.add(OutboxEvent(peer_id=peer.id, seq=peer.last_sent, kind=kind, entity_uuid=uuid, digest=digest,
                                payload=json.dumps(payload, ensure_ascii=False, separators=(",", ":"))))
    session.flush()
    first = peer.acknowledged + 1
    rows = session.execute(select(OutboxEvent.seq, OutboxEvent.kind, OutboxEvent.entity_uuid, OutboxEvent.payload)
                           .where(OutboxEvent.peer_id == peer.id, OutboxEvent.seq >= first)
                           .order_by(OutboxEvent.seq)).all()
    events = [{"seq": seq, "kind": kind, "uuid": uuid, "payload": json.loads(payload)} for seq, kind, uuid, payload in rows]
    audit.record(session, user, "package_exported", "peer", peer.installation,
                 after={"first": first, "last": peer.last_sent, "events": len(events),
                        "numbered": [numbered_from, peer.last_sent],
                        "digest": stored_digest(session, "outbox_event", peer.id, numbered_from, peer.last_sent)})
    path = Path(path)
    part = path.with_name(path.name + ".part")
    _write(session, user, peer, part, "package", first, peer.last_sent, events)
    return Export(part, path, first, peer.last_sent, len(events))


def _received_digests(session: Session, peer: Peer) -> dict[str, str]:
    """What `peer` itself sent us, last version per record: sending it back would only echo it."""
    found: dict[str, str] = {}
    for uuid, kind, payload in session.execute(
            select(InboxEvent.entity_uuid, InboxEvent.kind, InboxEvent.payload)
            .where(InboxEvent.peer_id == peer.id, InboxEvent.state.in_(("created", "updated", "unchanged")))
            .order_by(InboxEvent.seq)):
        found[f"{uuid}:{kind}"] = kinds.digest(json.loads(payload))
    return found


def _write(session: Session, user: User, peer: Peer, path: Path, kind: str, first: int, last: int,
           events: list[dict[str, Any]]) -> None:
    root = trust.current_root(session)
    opened = keyring.signer(user)
    if root is None or opened is None:
        raise InputError("签发数据包须先登录（本安装须已建立根密钥）。", "no key to sign the package")
    key, private_key = opened
    count, head = audit._head(session)
    manifest = {
        "kind": kind, "receiver": peer.installation, "first": first, "last": last,
        "acknowledged": peer.received, "head": f"{count}:{head}", "witness": peer.peer_head,
        "created_at": utcnow().isoformat(),
        "sender": {"installation": root.installation, "region": peers.home_region(session),
                   "name": peers.find_region(session, peers.home_region(session)).name, "root_key": root.public_key},
        "signer": {"user": user.uuid, "username": user.username, "display_name": user.display_name,
                   "public_key": key.public_key, "created_at": trust._time(key.created_at),
                   "certificate": key.certificate},
    }
    package.write(path, manifest, events, lambda data: sign_bytes(private_key, data))


def write_receipt(session: Session, user: User, peer: Peer, path: str | Path, results: list[dict[str, Any]]) -> None:
    """A receipt for what was just imported from `peer`: how far its events are applied, and our head."""
    _write(session, user, peer, Path(path), "receipt", 1, 0, results)


# ---------------------------------------------------------------- import

@dataclass
class Incoming:
    peer: Peer
    manifest: dict[str, Any]
    events: list[dict[str, Any]]

    @property
    def is_receipt(self) -> bool:
        return self.manifest["kind"] == "receipt"


def read_incoming(session: Session, path: str | Path) -> Incoming:
    """The package at `path`, verified through and through (see the module's docstring), or an InputError."""
    raw = package.read(path)
    manifest = raw.manifest
    sender = manifest["sender"]
    peer = session.scalar(select(Peer).where(Peer.installation == sender["installation"]))
    if peer is None:
        raise package.PackageError(f"发送方“{sender['name'][:40]}”（{sender['region'][:9]}）未登记为数据交换单位"
                                   "（请系统管理员先登记对方的密钥文件）。", "unknown sender")
    if sender["root_key"] != peer.public_key:
        raise package.PackageError(f"发送方的根密钥指纹 {trust.fingerprint(sender['root_key'])} 与登记的 "
                                   f"{trust.fingerprint(peer.public_key)} 不符（伪造的数据包，或对方更换了根密钥）。",
                                   "root key differs")
    signer = manifest["signer"]
    try:
        statement = trust.key_statement(signer["user"], signer["username"], signer["display_name"],
                                        signer["public_key"], signer["created_at"])
    except UnicodeError:
        raise package.PackageError("签发人信息含有无效字符。", "signer not encodable") from None
    if not signature_valid(peer.public_key, statement, signer["certificate"]):
        raise package.PackageError("签发人的密钥没有对方根密钥的证书（数据包被他人重新签名）。", "signer not certified")
    if not signature_valid(signer["public_key"], raw.manifest_bytes, raw.signature):
        raise package.PackageError("签名与清单不符（数据包被改动或伪造）。", "manifest signature")
    root = trust.current_root(session)
    if root is None or manifest["receiver"] != root.installation:
        raise package.PackageError("这个数据包不是发给本安装的。", "other receiver")
    events = package.events(raw)
    if manifest["kind"] == "package":
        _check_events(events, manifest["first"], manifest["last"])
    _check_witness(session, manifest["witness"])
    return Incoming(peer, manifest, events)


def _check_events(events: list[Any], first: int, last: int) -> None:
    if len(events) != last - first + 1:
        raise package.PackageError("事件个数与清单中的序号范围不符。", "event count")
    for n, event in enumerate(events, start=first):
        if not (isinstance(event, dict) and event.get("seq") == n and event.get("kind") in kinds.KINDS
                and isinstance(event.get("uuid"), str) and len(event["uuid"]) <= 36
                and isinstance(event.get("payload"), dict)
                and event["payload"].get("user" if event["kind"] == "identity" else "uuid") == event["uuid"]):
            raise package.PackageError(f"第 {n} 号事件格式不对。", f"event {n}")


def _check_witness(session: Session, witness: str) -> None:
    """The head of ours the sender last saw must still be in our history: else this file was put back
    to an older copy (which only a recorded restore from backup explains)."""
    if not witness:
        return
    number, _, digest = witness.partition(":")
    if not (number.isascii() and number.isdigit()) or int(number) == 0:
        return
    stored = session.scalar(select(text("hash")).select_from(text("audit_event")).order_by(text("id"))
                            .offset(int(number) - 1).limit(1))
    if stored == digest:
        return
    restored = session.scalar(select(func.count()).select_from(text("audit_event"))
                              .where(text("action = 'database_restored'")))
    if not restored:
        raise package.PackageError(f"对方见过本库的第 {number} 条审计记录，而本库{'没有这一条' if stored is None else '的这一条已不同'}："
                                   "本数据库被换成了旧的副本或被改写（如确系从备份恢复，请用程序的“恢复”功能）。",
                                   "witness not in history")


@dataclass
class Result:
    """What an import did (or, dry, would do): each event's state, and the counts per kind."""
    sender: str
    is_receipt: bool = False
    rows: list[dict[str, Any]] = field(default_factory=list)  # seq, kind, label, state, note
    acknowledged: int = 0

    def counts(self) -> Counter:
        return Counter((row["kind"], row["state"]) for row in self.rows)

    def summary(self) -> list[str]:
        lines = []
        for kind in kinds.KINDS:
            parts = [f"{STATE_LABELS[state]} {n}" for (k, state), n in sorted(self.counts().items()) if k == kind]
            if parts:
                lines.append(f"{KIND_LABELS[kind]}：{'，'.join(parts)}")
        return lines


def apply(session: Session, user: User, incoming: Incoming, progress: Progress | None = None) -> Result:
    """Apply `incoming` in the caller's unit of work (commit it, or roll it back for a dry run);
    `progress(done, total, "事件")` is called as it goes (and may raise Cancelled)."""
    home = peers.home_region(session)
    security.require(session, user, security.Action.exchange_data, home)
    peer, manifest = incoming.peer, incoming.manifest
    result = Result(f"{peer.name}（{peer.region_code}）", incoming.is_receipt)
    _acknowledge(peer, manifest["acknowledged"])
    first = peer.received + 1
    if incoming.is_receipt:
        result.rows = [{"seq": r.get("seq"), "kind": str(r.get("kind")), "state": r["state"], "note": str(r.get("note"))[:500]}
                       for r in incoming.events[:100_000]
                       if isinstance(r, dict) and r.get("state") in STATE_LABELS and r.get("kind") in kinds.KINDS]
    else:
        relation = _relation(session, home, peer)
        kept = _kept_digests(session, peer, incoming.events)
        for done, event in enumerate(incoming.events):
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, len(incoming.events), "事件")
            if event["seq"] <= peer.received and kept.get(event["seq"]) not in (None, kinds.digest(event["payload"])):
                result.rows.append(_row(event, "conflict", f"对方重复使用了第 {event['seq']} 号（内容与此前收到的不同），"
                                                           "对方数据库可能从备份恢复过：请对方先导入本单位的最新数据包，"
                                                           "再重新导出。"))
            elif event["seq"] <= peer.received:
                result.rows.append(_row(event, "duplicate", "此前已接收。"))
            elif event["seq"] > peer.received + 1:
                result.rows.append(_row(event, "waiting", f"缺少第 {peer.received + 1} 号起的事件：对方下次发送时会"
                                                          "一并补发，届时再处理。"))
            else:
                result.rows.append(_apply_event(session, user, peer, event, home, relation))
                peer.received = event["seq"]
    session.flush()
    peer.peer_head = manifest["head"][:80]
    peer.witnessed = manifest["witness"][:80]
    audit.record(session, user, "package_imported", "peer", peer.installation,
                 after={"kind": manifest["kind"], "stored": [first, peer.received],
                        "digest": stored_digest(session, "inbox_event", peer.id, first, peer.received),
                        "acknowledged": peer.acknowledged} | dict(Counter(row["state"] for row in result.rows)))
    result.acknowledged = peer.received
    return result


def _kept_digests(session: Session, peer: Peer, events: list[dict[str, Any]]) -> dict[int, str]:
    """The digests of the payloads already kept for the numbers `events` repeat."""
    numbers = [e["seq"] for e in events if e["seq"] <= peer.received]
    if not numbers:
        return {}
    rows = session.execute(select(InboxEvent.seq, InboxEvent.payload).where(
        InboxEvent.peer_id == peer.id, InboxEvent.seq.between(min(numbers), max(numbers))))
    return {seq: kinds.digest(json.loads(payload)) for seq, payload in rows}


def is_stale(incoming: Incoming) -> bool:
    """Nothing in `incoming` is news: every event was applied before, and it acknowledges and shows no
    more than an earlier package did (the same package again, or an older one after a newer)."""
    peer, manifest = incoming.peer, incoming.manifest
    head = _count(manifest["head"])
    return (manifest["last"] <= peer.received and manifest["acknowledged"] <= peer.acknowledged
            and head is not None and head <= (_count(peer.peer_head) or 0))


def _count(head: str) -> int | None:
    number = head.partition(":")[0]
    return int(number) if number.isascii() and number.isdigit() else None


def _relation(session: Session, home: str, peer: Peer) -> str:
    relation = peers.relation(session, home, peer.region_code)
    if relation is None:
        raise InputError(f"{peer.name}（{peer.region_code}）已不是本地区的上级或直属下级（本地区设置改过？），"
                         "不能与其交换数据。", "peer no longer a neighbour")
    return relation


def _acknowledge(peer: Peer, acknowledged: int) -> None:
    """The peer says how far it applied our events; the next package carries every event after that. More
    than we ever sent means our file is older than what we sent (restored from a backup): number on from
    there, so no number is used twice. Less than it said before means its file was restored: we send again."""
    if acknowledged > peer.last_sent:
        peer.last_sent = acknowledged
    peer.acknowledged = acknowledged


def _apply_event(session: Session, user: User, peer: Peer, event: dict[str, Any], home: str,
                 relation: str) -> dict[str, Any]:
    """Apply one event (in a savepoint: a refused one leaves nothing behind) and keep it in the inbox."""
    payload, kind = event["payload"], event["kind"]
    try:
        with session.begin_nested():
            outcome = _apply_one(session, peer, kind, payload, home, relation, user)
            if outcome.state != "unchanged":
                audit.record(session, user, "record_received", ENTITY[kind], outcome.uuid or event["uuid"],
                             reason=f"来自{peer.name}第 {event['seq']} 号事件",
                             after={"state": outcome.state} | _status_of(kind, payload))
        state, note = outcome.state, outcome.label
    except (kinds.Unresolved, kinds.Conflict) as error:
        state, note = ("conflict" if isinstance(error, kinds.Conflict) else "refused"), error.user_message
    except kinds.Refused as error:
        raise package.PackageError(f"第 {event['seq']} 号事件超出发送方的权限或不可信：{error.user_message}",
                                   error.log_message) from None
    except (KeyError, IndexError, ValueError, TypeError, AttributeError, OverflowError, UnicodeError,
            StatementError) as error:  # a value no field can hold: the sender's program is not ours
        raise package.PackageError(f"第 {event['seq']} 号事件的内容无法读出（{type(error).__name__}）。",
                                   repr(error)[:200]) from None
    session.add(InboxEvent(peer_id=peer.id, seq=event["seq"], kind=kind, entity_uuid=event["uuid"],
                           payload=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
                           state=state, note=note if state in ("refused", "conflict") else ""))
    return _row(event, state, note)


# The columns of the outbox and the inbox that the export's and import's signed events vouch for, by
# a digest over the rows they numbered or stored (services.verify_exchange checks it).
STORED_COLUMNS = {"outbox_event": "seq, kind, entity_uuid, digest, payload, created_at",
                  "inbox_event": "seq, kind, entity_uuid, payload, state, note, received_at"}


def stored_digest(session: Session, table: str, peer_id: int, first: int, last: int) -> str:
    """sha256 over rows `first`..`last` of `table` for the peer, as SQLite stores them."""
    session.flush()
    rows = session.execute(text(f"SELECT {STORED_COLUMNS[table]} FROM {table} WHERE peer_id = :peer "
                                "AND seq BETWEEN :first AND :last ORDER BY seq"),
                           {"peer": peer_id, "first": first, "last": last}).all()
    return range_digest(rows)


def range_digest(rows: list) -> str:
    return hashlib.sha256(canonical_json([[None if v is None else str(v) for v in row] for row in rows])
                          .encode("utf-8")).hexdigest()


def _status_of(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A project's status goes into the event's after-values: `verify` replays the status from them."""
    return {"status": payload["status"]} if kind == "project" else {}


def _apply_one(session: Session, peer: Peer, kind: str, payload: dict[str, Any], home: str, relation: str,
               importer: User) -> kinds.Outcome:
    if kind == "identity":
        return kinds.apply_identity(session, peer, payload)
    if kind == "totals":
        return money_kinds.apply_totals(session, peer, payload, home, relation, importer)
    apply_kind = {"fund": kinds.apply_fund, "project": kinds.apply_project, "plan": money_kinds.apply_plan,
                  "payment": money_kinds.apply_payment}[kind]
    return apply_kind(session, peer, payload, home, relation)


def _row(event: dict[str, Any], state: str, note: str) -> dict[str, Any]:
    return {"seq": event["seq"], "kind": event["kind"], "state": state, "note": note}


# ---------------------------------------------------------------- reading the state of the exchange

@dataclass
class PeerState:
    peer: Peer
    fingerprint: str
    relation: str | None  # "parent" (上级), "child" (下级), None when no longer a neighbour
    pending: int        # our events it has not acknowledged
    problems: int       # its events refused or in conflict
    last_exported: datetime | None
    last_imported: datetime | None


def peer_state(session: Session, peer: Peer) -> PeerState:
    problems = session.scalar(select(func.count()).select_from(InboxEvent).where(
        InboxEvent.peer_id == peer.id, InboxEvent.state.in_(("refused", "conflict")))) or 0

    def last(action: str) -> datetime | None:
        return session.scalar(select(func.max(AuditEvent.occurred_at)).where(
            AuditEvent.entity_type == "peer", AuditEvent.entity_uuid == peer.installation, AuditEvent.action == action))

    return PeerState(peer, trust.fingerprint(peer.public_key),
                     peers.relation(session, peers.home_region(session), peer.region_code),
                     peer.last_sent - peer.acknowledged, problems, last("package_exported"), last("package_imported"))


def problems(session: Session, peer: Peer) -> list[InboxEvent]:
    return list(session.scalars(select(InboxEvent).where(InboxEvent.peer_id == peer.id,
                                                         InboxEvent.state.in_(("refused", "conflict")))
                                .order_by(InboxEvent.seq)))

