"""The installation's root of trust.

When the first administrator is set up (or, in a database from an older version, when an administrator
first logs in) the program makes the installation's root key: an Ed25519 key whose private half is
sealed under each administrator's password (and, once printed, under the recovery sheet's code), so it
is open only while an administrator is logged in. The root certifies every user key (who holds it) and
every role grant (who, what role, which region, from when until when). `verify` trusts a key or a grant
only through such a certificate, and an event only through a trusted key; an insider who can write the
file but knows no administrator's password cannot make a key or a grant the root did not certify.

The root's fingerprint is printed on the 密钥登记表 the county files on paper, kept in the trust file
beside the database (`<database>.trust.json`, which also remembers the newest audit head this program
has seen, so putting back an older copy of the database shows) and, later, carried by every exchange
package. `bangzhen verify --root` checks against a fingerprint typed from paper.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, RoleGrant, RootSeal, TrustRoot, User, UserKey, UserRole
from app.models.types import utcnow
from app.services import adoption, audit, keyring
from app.services.canonical import canonical_json
from app.services.crypto import public_key_text, seal_private_key, sign_bytes, signature_valid, unb64, unseal_private_key
from app.services.errors import InputError


# ---------------------------------------------------------------- what the root signs

def fingerprint(public_key: str) -> str:
    """What a person compares: the first 128 bits of SHA-256 over the raw key, in 8 groups of 4."""
    try:
        digest = hashlib.sha256(unb64(public_key)).hexdigest()[:32].upper()
    except ValueError:
        digest = "0" * 32
    return "-".join(digest[i:i + 4] for i in range(0, 32, 4))


def same_fingerprint(a: str, b: str) -> bool:
    """Two fingerprints as people write them: case, dashes and spaces aside."""
    return _normal(a) == _normal(b)


def _normal(fingerprint: str) -> str:
    return "".join(c for c in fingerprint.upper() if c.isalnum())


def _time(value) -> str | None:
    """A timestamp as SQLite stores it, so `verify` can compare the raw column."""
    return None if value is None else value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


# What each certificate covers, from plain values: timestamps as SQLite stores them, so `verify` builds the
# same bytes from the raw columns (verify_trust) as the program did from its objects (the *_payload below).

def root_statement(installation: str, public_key: str, created_at: str | None, legacy_events: int,
                   replaces: str | None) -> bytes:
    return canonical_json({"kind": "root", "installation": installation, "public_key": public_key,
                           "created_at": created_at, "legacy_events": legacy_events,
                           "replaces": replaces}).encode("utf-8")


def key_statement(user_uuid: str, username: str, display_name: str, public_key: str, created_at: str | None) -> bytes:
    return canonical_json({"kind": "user_key", "user": user_uuid, "username": username,
                           "display_name": display_name, "public_key": public_key,
                           "created_at": created_at}).encode("utf-8")


def grant_statement(grant_uuid: str, user_uuid: str, role: str, region: str, valid_from: str | None,
                    valid_to: str | None) -> bytes:
    return canonical_json({"kind": "role_grant", "grant": grant_uuid, "user": user_uuid, "role": role,
                           "region": region, "valid_from": valid_from, "valid_to": valid_to}).encode("utf-8")


def root_payload(root: TrustRoot, replaces: str | None) -> bytes:
    return root_statement(root.installation, root.public_key, _time(root.created_at), root.legacy_events, replaces)


def key_payload(user: User, key: UserKey) -> bytes:
    return key_statement(user.uuid, user.username, user.display_name, key.public_key, _time(key.created_at))


def grant_payload(user_uuid: str, grant: RoleGrant) -> bytes:
    return grant_statement(grant.uuid, user_uuid, grant.role.value, grant.region_code, _time(grant.valid_from),
                           _time(grant.valid_to))


# ---------------------------------------------------------------- the root

def current_root(session: Session) -> TrustRoot | None:
    return session.scalar(select(TrustRoot).where(TrustRoot.retired_at.is_(None)).order_by(TrustRoot.id.desc()))


def _open_root(session: Session) -> tuple[TrustRoot, Ed25519PrivateKey] | None:
    root = current_root(session)
    if root is None:
        return None
    private_key = keyring.private_key(root.public_key)
    return None if private_key is None else (root, private_key)


def require_root(session: Session) -> tuple[TrustRoot, Ed25519PrivateKey] | None:
    """The open root (None while the database has none yet: it certifies everything when it is made)."""
    if current_root(session) is None:
        return None
    opened = _open_root(session)
    if opened is None:
        raise InputError("本操作须由系统管理员登录后办理（根密钥只在管理员登录时解开）。", "root key not open")
    return opened


def certify_key(session: Session, user: User, key: UserKey) -> None:
    opened = require_root(session)
    if opened is not None:
        session.flush()
        key.certificate = sign_bytes(opened[1], key_payload(user, key))


def certify_grant(session: Session, user: User, grant: RoleGrant) -> None:
    opened = require_root(session)
    if opened is not None:
        session.flush()
        grant.certificate = sign_bytes(opened[1], grant_payload(user.uuid, grant))


def _legacy_events(session: Session) -> int:
    """Events before the first signed one: written by a version that did not sign."""
    first_signed = session.scalar(select(func.min(AuditEvent.id)).where(AuditEvent.signature != ""))
    query = select(func.count(AuditEvent.id))
    if first_signed is not None:
        query = query.where(AuditEvent.id < first_signed)
    return session.scalar(query) or 0


def establish(session: Session, admin: User, sealing_key: bytes) -> TrustRoot:
    """Make the installation's root, sealed for `admin` (whose key must be open), certify every key and
    grant there is, and adopt every record that has no signed event yet (data from an older version)."""
    private_key = Ed25519PrivateKey.generate()
    root = TrustRoot(installation=str(uuid.uuid4()), public_key=public_key_text(private_key), created_at=utcnow(),
                     legacy_events=_legacy_events(session), certificate="")
    root.certificate = sign_bytes(private_key, root_payload(root, None))
    session.add(root)
    session.flush()
    session.add(RootSeal(root_id=root.id, user_id=admin.id, sealed=seal_private_key(private_key, sealing_key)))
    keyring.hold(root.public_key, private_key)
    _certify_everyone(session, private_key)
    adoption.adopt_unrecorded(session, admin)
    audit.record(session, admin, "root_created", "installation", root.installation,
                 after={"fingerprint": fingerprint(root.public_key), "legacy_events": root.legacy_events,
                        "record_layout": adoption.LAYOUT})
    note_root(session, root)
    return root


def _certify_everyone(session: Session, root_key: Ed25519PrivateKey) -> None:
    for user in session.scalars(select(User)):
        for key in user.keys:
            key.certificate = sign_bytes(root_key, key_payload(user, key))
        for grant in user.grants:
            grant.certificate = sign_bytes(root_key, grant_payload(user.uuid, grant))


def replace_root(session: Session, admin: User, sealing_key: bytes, reason: str, db_path: str | Path) -> TrustRoot:
    """Retire the root and make a new one (a key feared lost or copied): an explicit, audited act by an
    administrator who has the old root open. The old root endorses the new one in the event; every key
    and grant is certified again; the new root is sealed for this administrator only (others get it when
    they are reset or re-sealed); the trust file beside the database is rewritten, and the county must
    print the new 密钥登记表 and register it again."""
    reason = (reason or "").strip()
    if not reason:
        raise InputError("更换根密钥必须填写原因。", "root replacement without reason")
    old, old_key = require_root(session) or (None, None)
    if old is None:
        raise InputError("本数据库还没有根密钥，无需更换。", "no root to replace")
    private_key = Ed25519PrivateKey.generate()
    root = TrustRoot(installation=old.installation, public_key=public_key_text(private_key), created_at=utcnow(),
                     legacy_events=old.legacy_events, replaces_id=old.id, certificate="")
    root.certificate = sign_bytes(private_key, root_payload(root, old.public_key))
    old.retired_at = root.created_at
    session.add(root)
    session.flush()
    session.add(RootSeal(root_id=root.id, user_id=admin.id, sealed=seal_private_key(private_key, sealing_key)))
    keyring.drop([old.public_key])
    keyring.hold(root.public_key, private_key)
    _certify_everyone(session, private_key)
    new_fingerprint = fingerprint(root.public_key)
    audit.record(session, admin, "root_replaced", "installation", root.installation, reason=reason,
                 before={"fingerprint": fingerprint(old.public_key)},
                 after={"fingerprint": new_fingerprint,
                        "endorsed_by_old_root": sign_bytes(old_key, root_payload(root, old.public_key))})
    count, last = audit._head(session)
    write_trust_file(db_path, root.installation, new_fingerprint, count, last, force=True)  # names another root
    note_root(session, root)
    return root


def unlock(session: Session, user: User, sealing_key: bytes) -> None:
    """At an administrator's login: open the root sealed for them (or make it, in a database without one)."""
    if not is_admin(user):
        return
    root = current_root(session)
    if root is None:
        establish(session, user, sealing_key)
        return
    seal = session.scalar(select(RootSeal).where(RootSeal.root_id == root.id, RootSeal.user_id == user.id))
    if seal is not None:
        keyring.hold(root.public_key, unseal_private_key(seal.sealed, sealing_key))
    adoption.extend(session, user)  # once, after an upgrade that made records cover more


def seal_recovery(session: Session, opened: tuple[TrustRoot, Ed25519PrivateKey], code_hash: str,
                  sealed: str) -> None:
    """Keep the root sealed under a recovery code (the seal with no user), replacing an earlier one."""
    root = opened[0]
    for seal in session.scalars(select(RootSeal).where(RootSeal.root_id == root.id, RootSeal.user_id.is_(None))):
        session.delete(seal)
    session.add(RootSeal(root_id=root.id, user_id=None, sealed=json.dumps({"code": code_hash, "sealed": sealed})))


def open_recovery(session: Session, code: str) -> tuple[TrustRoot, Ed25519PrivateKey]:
    from app.services.security import open_credentials  # security builds on this module

    root = current_root(session)
    seal = None if root is None else session.scalar(select(RootSeal).where(RootSeal.root_id == root.id,
                                                                           RootSeal.user_id.is_(None)))
    if seal is None:
        raise InputError("本数据库没有有效的根密钥恢复单（从未制作，或根密钥已更换）。", "no recovery seal")
    box = json.loads(seal.sealed)
    sealing_key = open_credentials(code, box["code"])
    if sealing_key is None:
        raise InputError("恢复码不正确。请核对恢复单上的 6 组字符（不含 0、O、1、I）。", "wrong recovery code")
    return root, unseal_private_key(box["sealed"], sealing_key)


def forget_root(session: Session) -> None:
    """No administrator works here any more: the root's private key leaves this process."""
    root = current_root(session)
    if root is not None:
        keyring.drop([root.public_key])


def seal_for(session: Session, user: User, sealing_key: bytes) -> None:
    """Seal the open root for an administrator under their (new) password."""
    opened = _open_root(session)
    if opened is None:
        return
    root, private_key = opened
    seal = session.scalar(select(RootSeal).where(RootSeal.root_id == root.id, RootSeal.user_id == user.id))
    if seal is None:
        session.add(RootSeal(root_id=root.id, user_id=user.id, sealed=seal_private_key(private_key, sealing_key)))
    else:
        seal.sealed = seal_private_key(private_key, sealing_key)


def is_admin(user: User) -> bool:
    return any(g.role is UserRole.admin for g in user.grants if g.valid_to is None)


def seal_for_admin(session: Session, user: User, sealing_key: bytes) -> None:
    if is_admin(user):
        seal_for(session, user, sealing_key)


def root_valid(root: TrustRoot, replaces: str | None = None) -> bool:
    return signature_valid(root.public_key, root_payload(root, replaces), root.certificate)


# ---------------------------------------------------------------- the trust file beside the database

@dataclass(frozen=True)
class TrustFile:
    installation: str
    root: str               # fingerprint
    head_count: int         # the newest audit head this program has seen for this database
    head_hash: str


def trust_path(db_path: str | Path) -> Path:
    path = Path(db_path)
    return path.with_name(path.name + ".trust.json")


def read_trust_file(db_path: str | Path) -> TrustFile | None:
    """The trust file's content, None when there is none or it cannot be read as one."""
    try:
        data: Any = json.loads(trust_path(db_path).read_text("utf-8"))
        return TrustFile(str(data["installation"]), str(data["root"]), int(data["head"]["count"]),
                         str(data["head"]["hash"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_trust_file(db_path: str | Path, installation: str, root: str, head_count: int, head_hash: str,
                     force: bool = False) -> None:
    """Remember the root and the newest head: never an older head than the file holds, and never another
    root over the one it names (a replaced root must show in `verify`; someone who really made a new
    database at this path deletes the old trust file by hand, which `verify` then reports as missing).
    Only the two acts that must, replacing the root and restoring a backup, `force` it."""
    known = read_trust_file(db_path)
    if not force and known is not None and (known.installation != installation or known.root != root
                                            or known.head_count > head_count):
        return
    path = trust_path(db_path)
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(json.dumps({"installation": installation, "root": root,
                                         "head": {"count": head_count, "hash": head_hash}},
                                        ensure_ascii=False, indent=1), "utf-8")
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only folder: verify then reports that no trust file is kept


def remember(info: dict, db_path: str | Path) -> None:
    """After a commit: the newest audit head (and the root, once known in this session) into the trust file."""
    head = info.pop("audit_head", None)
    root = info.get("trust_root")
    if head is None:
        return
    if root is None:
        known = read_trust_file(db_path)
        if known is None:
            return
        root = (known.installation, known.root)
    write_trust_file(db_path, root[0], root[1], *head)


def note_root(session: Session, root: TrustRoot | None = None) -> None:
    """Let this session's commits write the trust file for `root` (the current one by default)."""
    root = root or current_root(session)
    if root is not None:
        session.info["trust_root"] = (root.installation, fingerprint(root.public_key))
