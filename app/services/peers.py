"""The installations this one exchanges packages with (issue 16): key files and their registration.

An installation is known to another by its **key file** (`bangzhen key export`): its installation id,
its region and the public half of its root key, signed by that root (so the region cannot be changed
without the root's private key). Whoever registers it (`bangzhen peer add`) compares the fingerprint the
program shows with the one on the sender's filed 密钥登记表, or reads it out over the phone, like an SSH
host key; a fingerprint given on the command line must match or nothing is registered.

Only neighbours exchange: a town's installation with its county's (or, in 东莞 and 中山, its city's), a
county's with its towns' and its city's, a city's with its counties' and the province's. One installation
per region: a second key file for a region already registered is refused (a replaced root key is a new
registration after the old peer is removed, which is not built yet). Registering is a signed act of an
administrator, and the peer's row is a checked record (services.records), so `verify` shows a root key
swapped in the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import City, County, Peer, Town, User
from app.services import audit, security, trust
from app.services.canonical import canonical_json
from app.services.crypto import sign_bytes, signature_valid
from app.services.errors import InputError, NotFound
from app.services.regions import PROVINCE_CODE, find_region
from app.services.settings import HOME_REGION, get_setting

KEY_FILE_FORMAT = "bangzhen-key/1"
MAX_KEY_FILE = 64 * 1024
LEVELS = {2: "省", 4: "市", 6: "县", 9: "乡镇"}


@dataclass(frozen=True)
class KeyFile:
    installation: str
    region_code: str
    name: str          # the region's name, as the sender's program wrote it
    public_key: str

    @property
    def fingerprint(self) -> str:
        return trust.fingerprint(self.public_key)


def _statement(installation: str, region_code: str, name: str, public_key: str) -> bytes:
    return canonical_json({"format": KEY_FILE_FORMAT, "installation": installation, "region": region_code,
                           "name": name, "public_key": public_key}).encode("utf-8")


def home_region(session: Session) -> str:
    """The region this installation works for; exchange needs it set (`bangzhen setting home`)."""
    code = get_setting(session, HOME_REGION, "")
    if not code:
        raise InputError("本安装尚未设置本地区，无法交换数据。请系统管理员先设置本地区（bangzhen setting home 区划代码）。",
                         "no home region")
    return code


def key_file_bytes(session: Session, admin: User) -> bytes:
    """This installation's key file, signed by its root (open only while an administrator is logged in)."""
    code = home_region(session)
    security.require(session, admin, security.Action.manage_peers, code)
    opened = trust.require_root(session)
    if opened is None:
        raise InputError("本安装还没有根密钥。", "no root")
    root, private_key = opened
    name = find_region(session, code).name
    statement = _statement(root.installation, code, name, root.public_key)
    data = json.loads(statement) | {"signature": sign_bytes(private_key, statement)}
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def read_key_file(data: bytes) -> KeyFile:
    """A key file's content, checked: well formed, and signed by the root key it carries."""
    bad = InputError("这不是有效的密钥文件（应由对方 bangzhen key export 生成，且未经改动）。", "bad key file")
    if len(data) > MAX_KEY_FILE:
        raise bad
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise bad from None
    fields = ("installation", "region", "name", "public_key", "signature")
    if (not isinstance(raw, dict) or raw.get("format") != KEY_FILE_FORMAT
            or not all(isinstance(raw.get(f), str) for f in fields)):
        raise bad
    key = KeyFile(raw["installation"], raw["region"], raw["name"], raw["public_key"])
    try:
        statement = _statement(*(raw[f] for f in fields[:4]))
    except UnicodeError:
        raise bad from None
    if not signature_valid(key.public_key, statement, raw["signature"]):
        raise InputError("密钥文件的签名不符：文件被改动过，或不是对方程序生成的。", "key file signature")
    return key


def parent_code(session: Session, code: str) -> str | None:
    """The region one level up: a town's county (or city, in 东莞 and 中山), a county's city, a city's province."""
    if len(code) == 9:
        row = session.execute(select(County.code, City.code).select_from(Town).join(City, City.id == Town.city_id)
                              .outerjoin(County, County.id == Town.county_id).where(Town.code == code)).first()
        return None if row is None else row[0] or row[1]
    if len(code) == 6:
        return session.scalar(select(City.code).join(County, County.city_id == City.id).where(County.code == code))
    return PROVINCE_CODE if len(code) == 4 else None


def relation(session: Session, own: str, other: str) -> str | None:
    """"parent" when `other` is the region directly above `own`, "child" when directly below, else None."""
    if parent_code(session, own) == other:
        return "parent"
    if parent_code(session, other) == own:
        return "child"
    return None


def region_label(session: Session, code: str) -> str:
    try:
        return f"{find_region(session, code).name}（{code}）"
    except NotFound:
        return code


def add_peer(session: Session, admin: User, key: KeyFile, fingerprint: str | None = None) -> Peer:
    """Register `key`'s installation as a peer; `fingerprint`, when given, must be the key's."""
    own = home_region(session)
    security.require(session, admin, security.Action.manage_peers, own)
    root = trust.current_root(session)
    if root is not None and key.installation == root.installation:
        raise InputError("这是本安装自己的密钥文件，应登记对方的密钥文件。", "own key file")
    if fingerprint is not None and not trust.same_fingerprint(fingerprint, key.fingerprint):
        raise InputError(f"密钥文件的根密钥指纹是 {key.fingerprint}，与您核对的 {fingerprint} 不符：不要登记，"
                         "请与对方核实。", "fingerprint mismatch")
    try:
        find_region(session, key.region_code)
    except NotFound:
        raise InputError(f"密钥文件中的地区代码“{key.region_code}”不存在。", "unknown peer region") from None
    if relation(session, own, key.region_code) is None:
        raise InputError(f"{region_label(session, key.region_code)}不是本地区 {region_label(session, own)} "
                         "的上级或直属下级，不能直接交换数据。", "not a neighbour")
    same = session.scalar(select(Peer).where((Peer.installation == key.installation)
                                             | (Peer.region_code == key.region_code)
                                             | (Peer.public_key == key.public_key)))
    if same is not None:
        raise InputError(f"{region_label(session, same.region_code)}已登记（根密钥指纹 "
                         f"{trust.fingerprint(same.public_key)}），不能重复登记。", "peer exists")
    peer = Peer(installation=key.installation, region_code=key.region_code, name=key.name, public_key=key.public_key)
    session.add(peer)
    session.flush()
    audit.record(session, admin, "peer_added", "peer", peer.installation,
                 after={"region": key.region_code, "name": key.name, "fingerprint": key.fingerprint})
    return peer


def find_peer(session: Session, text: str) -> Peer:
    """A peer by its region code, region name or installation id."""
    text = text.strip()
    peer = session.scalar(select(Peer).where((Peer.region_code == text) | (Peer.installation == text)
                                             | (Peer.name == text)))
    if peer is None:
        known = "、".join(f"{p.name}（{p.region_code}）" for p in session.scalars(select(Peer).order_by(Peer.region_code)))
        raise InputError(f"没有登记“{text}”这个数据交换单位。" + (f"已登记：{known}。" if known else
                                                         "请先用 bangzhen peer add 登记对方的密钥文件。"),
                         f"unknown peer {text!r}")
    return peer


def list_peers(session: Session) -> list[Peer]:
    return list(session.scalars(select(Peer).order_by(Peer.region_code)))
