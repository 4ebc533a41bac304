"""The exchange package file (`*.bzpkg`): a zip of exactly three entries, read with suspicion.

- `manifest.json`: canonical JSON: format, program version, kind ("package" or "receipt"), sender
  (installation, region, name, root key), receiver installation, the range of sequence numbers it
  carries, how far the sender has applied the receiver's events (`acknowledged`), the sender's audit
  head, the receiver's head as the sender last saw it (`witness`), when it was made, the user who made
  it with their key and the root's certificate on it, and each other entry's size and sha256.
- `manifest.sig`: that user's Ed25519 signature over the manifest's bytes.
- `events.json`: the events (a list of {seq, kind, uuid, payload}) or, in a receipt, what became of each.

Reading checks everything that needs no database: the zip itself (a truncated or foreign file), its
names (no folders, no `..`, nothing else), every entry's size before and while it is inflated (a zip
bomb stops at the limit), the manifest's shape and format version, and the entries' hashes. Whether
the sender is known and the signature holds is for services.exchange, which knows the peers.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import __version__
from app.services.canonical import canonical_json
from app.services.errors import InputError

FORMAT = 1
SUFFIX = ".bzpkg"
MANIFEST, SIGNATURE, EVENTS = "manifest.json", "manifest.sig", "events.json"
NAMES = (MANIFEST, SIGNATURE, EVENTS)
MAX_MANIFEST = 1024 * 1024
MAX_SIGNATURE = 200
MAX_EVENTS = 1024 * 1024 * 1024  # 1 GB of JSON: far above a province's year (about 400 bytes an event)
MAX_RATIO = 200                  # JSON compresses about 10:1; far more is a zip bomb
CHUNK = 1024 * 1024


class PackageError(InputError):
    """A package file that cannot be read as one: the message says why, in Chinese."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(f"数据包无效，未导入任何内容：{message}", detail or message)


@dataclass(frozen=True)
class RawPackage:
    manifest: dict[str, Any]
    manifest_bytes: bytes
    signature: str
    events_bytes: bytes


def write(path: str | Path, manifest: dict[str, Any], events: list[dict[str, Any]], sign) -> dict[str, Any]:
    """Write the package to `path` (complete or not at all: a `.part` file renamed at the end).
    `sign(bytes) -> str` signs the manifest. Returns the manifest as written."""
    events_bytes = json.dumps(events, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    manifest = manifest | {"format": FORMAT, "program": __version__,
                           "entries": [{"name": EVENTS, "size": len(events_bytes),
                                        "sha256": hashlib.sha256(events_bytes).hexdigest()}]}
    manifest_bytes = canonical_json(manifest).encode("utf-8")
    path = Path(path)
    part = path.with_name(path.name + ".part")
    try:
        with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            archive.writestr(MANIFEST, manifest_bytes)
            archive.writestr(SIGNATURE, sign(manifest_bytes))
            archive.writestr(EVENTS, events_bytes)
        with part.open("rb") as file:
            os.fsync(file.fileno())
        os.replace(part, path)
    except OSError as error:
        part.unlink(missing_ok=True)
        raise InputError(f"无法写入数据包“{path}”：{error.strerror or error}。", str(error)) from None
    return manifest


def read(path: str | Path) -> RawPackage:
    """The package's parts, after every check that needs no database (see the module's docstring)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"找不到文件“{path}”。", f"no file {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = [info.filename for info in infos]
            if sorted(names) != sorted(NAMES):
                odd = [n for n in names if n not in NAMES or names.count(n) > 1]
                raise PackageError(f"内容不是数据包应有的三个文件（多出或缺少：{'、'.join(odd or set(NAMES) - set(names))}）。",
                                   f"entries {names}")
            by_name = {info.filename: info for info in infos}
            manifest_bytes = _entry(archive, by_name[MANIFEST], MAX_MANIFEST)
            signature = _entry(archive, by_name[SIGNATURE], MAX_SIGNATURE)
            manifest = _manifest(manifest_bytes)
            declared = {entry["name"]: entry for entry in manifest["entries"]}
            if set(declared) != {EVENTS}:
                raise PackageError("清单所列文件不对。", "manifest entries")
            events_bytes = _entry(archive, by_name[EVENTS], min(MAX_EVENTS, declared[EVENTS]["size"]))
    except zipfile.BadZipFile as error:
        raise PackageError("文件不完整或不是数据包（zip 文件损坏或被截断）。", str(error)) from None
    except (zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError, OSError, zlib.error) as error:
        if isinstance(error, InputError):
            raise
        raise PackageError("文件无法读出（压缩方式不支持或内容损坏）。", repr(error)) from None
    if len(events_bytes) != declared[EVENTS]["size"] or \
            hashlib.sha256(events_bytes).hexdigest() != declared[EVENTS]["sha256"]:
        raise PackageError("内容与清单中的哈希不符（文件被改动或损坏）。", "events hash")
    try:
        signature_text = signature.decode("ascii")
    except UnicodeDecodeError:
        raise PackageError("签名文件损坏。", "signature not ascii") from None
    return RawPackage(manifest, manifest_bytes, signature_text, events_bytes)


def _entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """An entry's bytes, refused when it says or turns out to be bigger than `limit`, or inflates too much."""
    if info.file_size > limit or info.file_size > max(info.compress_size, 1) * MAX_RATIO:
        raise PackageError(f"“{info.filename}”过大（{info.file_size:,} 字节），不是正常的数据包。", "entry too large")
    parts, size = [], 0
    with archive.open(info) as file:
        while chunk := file.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise PackageError(f"“{info.filename}”解压后超过声明的大小，不是正常的数据包。", "entry inflates")
            parts.append(chunk)
    return b"".join(parts)


_MANIFEST_FIELDS = {"format": int, "program": str, "kind": str, "sender": dict, "receiver": str, "first": int,
                    "last": int, "acknowledged": int, "head": str, "witness": str, "created_at": str, "signer": dict,
                    "entries": list}
_SENDER_FIELDS = ("installation", "region", "name", "root_key")
SIGNER_FIELDS = ("user", "username", "display_name", "public_key", "created_at", "certificate")


def _manifest(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PackageError("清单不是有效的 JSON。", "manifest json") from None
    if not isinstance(manifest, dict):
        raise PackageError("清单格式不对。", "manifest not an object")
    if manifest.get("format") != FORMAT:
        raise PackageError(f"数据包格式版本为 {str(manifest.get('format'))[:20]}，本程序只认第 {FORMAT} 版"
                           "（请双方使用相同版本的程序）。", "format version")
    for name, kind in _MANIFEST_FIELDS.items():
        value = manifest.get(name)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise PackageError(f"清单缺少或写错了“{name}”。", f"manifest field {name}")
    if manifest["kind"] not in ("package", "receipt"):
        raise PackageError("清单中的数据包类别不对。", "manifest kind")
    if not all(isinstance(manifest["sender"].get(f), str) for f in _SENDER_FIELDS) or \
            not all(isinstance(manifest["signer"].get(f), str) for f in SIGNER_FIELDS):
        raise PackageError("清单中的发送方或签发人信息不全。", "manifest sender")
    if not 0 <= manifest["first"] <= manifest["last"] + 1 or manifest["last"] > 2 ** 53 \
            or not 0 <= manifest["acknowledged"] <= 2 ** 53:
        raise PackageError("清单中的序号范围不对。", "manifest range")
    entries = manifest["entries"]
    if not all(isinstance(e, dict) and isinstance(e.get("name"), str) and isinstance(e.get("sha256"), str)
               and isinstance(e.get("size"), int) and 0 <= e["size"] <= MAX_EVENTS for e in entries):
        raise PackageError("清单所列文件不对。", "manifest entries")
    return manifest


def events(raw: RawPackage) -> list[Any]:
    try:
        value = json.loads(raw.events_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PackageError("事件内容不是有效的 JSON。", "events json") from None
    if not isinstance(value, list):
        raise PackageError("事件内容格式不对。", "events not a list")
    return value
