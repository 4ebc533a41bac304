"""A package that is not exactly what its registered sender signed, or asks for what its sender may not
do, is refused with its reason in Chinese, and the receiving database is byte-for-byte the same in every
table (a dump before and after); the same package twice, or an older one after a newer, changes nothing."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.services import database, keyring, security, trust
from app.services.canonical import canonical_json
from app.services.crypto import public_key_text, sign_bytes
from helpers import assert_refused, ok
from installations import COUNTY, PASSWORD, TOWNS, dump, register_in_process, send_in_process, sign_in_process


@pytest.fixture
def sent(offices, tmp_path) -> tuple:
    """The county and 阳明镇 registered with each other, and the county's first package to the town."""
    county, town = offices[COUNTY], offices[TOWNS[0]]
    register_in_process(county.db, town.db)
    package = tmp_path / "fund.bzpkg"
    ok(county.run("package", "export", "--to", town.region, "--out", str(package), user="财政"))
    return county, town, package


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def resigned(source: Path, target: Path, private_key, edit_events=None, edit_manifest=None) -> Path:
    """`source` with its events and manifest edited, hashed again and signed by `private_key`."""
    parts = entries(source)
    events = json.loads(parts["events.json"])
    if edit_events:
        edit_events(events)
    events_bytes = json.dumps(events, ensure_ascii=False).encode()
    manifest = json.loads(parts["manifest.json"])
    manifest["entries"] = [{"name": "events.json", "size": len(events_bytes),
                            "sha256": hashlib.sha256(events_bytes).hexdigest()}]
    if edit_manifest:
        edit_manifest(manifest)
    manifest_bytes = canonical_json(manifest).encode()
    return rezip(target, {"manifest.json": manifest_bytes, "manifest.sig": sign_bytes(private_key, manifest_bytes).encode(),
                          "events.json": events_bytes})


def county_signer(county) -> Ed25519PrivateKey:
    """The county finance officer's own private key: what an insider with their password could sign with."""
    engine = database.connect(county.db)
    try:
        with database.unit_of_work(engine) as session:
            user = security.authenticate(session, "财政", PASSWORD)
            return keyring.signer(user)[1]
    finally:
        engine.dispose()


def refused(town, package: Path, message: str) -> None:
    before = dump(town.db)
    assert_refused(town.run("package", "import", str(package), "--dry-run", user="经办"), message)
    assert_refused(town.run("package", "import", str(package), user="经办"), message)
    assert dump(town.db) == before


def test_a_changed_byte_or_a_cut_file_is_refused(sent, tmp_path):
    _, town, package = sent
    data = bytearray(package.read_bytes())
    data[len(data) // 3] ^= 0x01
    flipped = tmp_path / "flipped.bzpkg"
    flipped.write_bytes(bytes(data))
    refused(town, flipped, "数据包无效")
    cut = tmp_path / "cut.bzpkg"
    cut.write_bytes(package.read_bytes()[: package.stat().st_size // 2])
    refused(town, cut, "文件不完整或不是数据包")
    parts = entries(package)
    parts["events.json"] = parts["events.json"].replace("县级配套".encode(), "省级配套".encode())
    refused(town, rezip(tmp_path / "edited.bzpkg", parts), "内容与清单中的哈希不符")
    parts = entries(package)
    manifest = json.loads(parts["manifest.json"])
    manifest["acknowledged"] = 99
    parts["manifest.json"] = canonical_json(manifest).encode()
    refused(town, rezip(tmp_path / "manifest.bzpkg", parts), "签名与清单不符")


def test_a_package_signed_by_an_unknown_key_is_refused(sent, tmp_path):
    _, town, package = sent
    stranger = Ed25519PrivateKey.generate()
    refused(town, resigned(package, tmp_path / "stranger.bzpkg", stranger,
                           edit_manifest=lambda m: m["signer"].update(public_key=public_key_text(stranger))),
            "签发人的密钥没有对方根密钥的证书")
    # A whole forged installation: its own root certifies the signer, and the manifest names that root.
    fake_root = Ed25519PrivateKey.generate()

    def forge(manifest):
        signer = manifest["signer"] | {"public_key": public_key_text(stranger)}
        signer["certificate"] = sign_bytes(fake_root, trust.key_statement(
            signer["user"], signer["username"], signer["display_name"], signer["public_key"], signer["created_at"]))
        manifest["signer"] = signer
        manifest["sender"]["root_key"] = public_key_text(fake_root)
    refused(town, resigned(package, tmp_path / "forged.bzpkg", stranger, edit_manifest=forge), "不符（伪造的数据包")


def test_an_event_outside_the_senders_authority_refuses_the_package(sent, tmp_path):
    county, town, package = sent
    key = county_signer(county)

    resigned(package, tmp_path / "genuine.bzpkg", key)  # the same key re-signing the same content is accepted
    assert "资金：新增 1" in ok(town.run("package", "import", str(tmp_path / "genuine.bzpkg"), "--dry-run", user="经办"))

    def other_county(events):  # a fund another county issued, passed off as its own
        fund = next(e for e in events if e["kind"] == "fund")
        fund["payload"]["region_code"] = "441625"
    refused(town, resigned(package, tmp_path / "other-county.bzpkg", key, edit_events=other_county), "超出发送方的权限")

    def project_of_another_town(events):
        events.append({"seq": events[-1]["seq"] + 1, "kind": "project", "uuid": "0" * 36, "payload": {
            "uuid": "0" * 36, "content": {"uuid": "0" * 36, "town": TOWNS[1], "name": "彭寨镇的项目"},
            "content_version": 1, "status": "approved", "status_reason": "", "asset_receiver": "",
            "drafted_by": None, "signatures": []}})
    refused(town, resigned(package, tmp_path / "town.bzpkg", key, edit_events=project_of_another_town,
                           edit_manifest=lambda m: m.update(last=m["last"] + 1)), "超出发送方的权限")
    assert not (tmp_path / "town-回执.bzpkg").exists()


def test_paths_outside_the_archive_and_oversized_entries_are_refused(sent, tmp_path):
    _, town, package = sent
    parts = entries(package)
    refused(town, rezip(tmp_path / "traversal.bzpkg", parts | {"../../escaped.txt": b"x"}), "三个文件")
    assert not (tmp_path.parent / "escaped.txt").exists()
    renamed = {("../" + name if name == "events.json" else name): data for name, data in parts.items()}
    refused(town, rezip(tmp_path / "renamed.bzpkg", renamed), "三个文件")
    bomb = parts | {"events.json": b"[" + b" " * (60 * 1024 * 1024) + b"]"}
    refused(town, rezip(tmp_path / "bomb.bzpkg", bomb), "过大")
    big_manifest = parts | {"manifest.json": b" " * (2 * 1024 * 1024)}
    refused(town, rezip(tmp_path / "manifest.bzpkg", big_manifest), "过大")


def test_the_same_package_twice_or_an_older_one_changes_nothing(sent, tmp_path):
    county, town, first = sent
    ok(town.run("package", "import", str(first), user="经办"))
    before = dump(town.db)
    assert "未作任何改动" in ok(town.run("package", "import", str(first), user="经办"))
    assert dump(town.db) == before
    # A newer package (after the town's receipt was imported), then the older one again.
    ok(county.run("package", "import", str(tmp_path / "fund-回执.bzpkg"), user="财政"))
    second = tmp_path / "second.bzpkg"
    ok(county.run("package", "export", "--to", town.region, "--out", str(second), user="财政"))
    ok(town.run("package", "import", str(second), user="经办"))
    before = dump(town.db)
    assert "比已导入的更早" in ok(town.run("package", "import", str(first), user="经办"))
    assert dump(town.db) == before


def signer_key(db: Path, username: str) -> Ed25519PrivateKey:
    """A person's own private key, opened with their password (what that insider could sign with)."""
    engine = database.connect(db)
    try:
        with database.unit_of_work(engine) as session:
            return keyring.signer(security.authenticate(session, username, PASSWORD))[1]
    finally:
        engine.dispose()


def test_a_town_cannot_take_over_skip_or_rename_a_project(offices, tmp_path):
    """Signed by the town's own officer, yet refused: another town's project claimed as its own, a status
    its acts cannot reach (实施 before the county's 审定), an event whose number names another record."""
    county, yangming, pengzhai = offices[COUNTY], offices[TOWNS[0]], offices[TOWNS[1]]
    for town in (yangming, pengzhai):
        register_in_process(county.db, town.db)
        send_in_process(county.db, town.db, "财政", "经办", tmp_path)
        sign_in_process(town.db, f"{town.region}项目", tmp_path)
        send_in_process(town.db, county.db, "经办", "审核", tmp_path)
    with sqlite3.connect(county.db) as conn:
        other = conn.execute("SELECT uuid FROM project WHERE name = ?", (f"{TOWNS[1]}项目",)).fetchone()[0]
        following = conn.execute("SELECT received + 1 FROM peer WHERE region_code = ?", (TOWNS[0],)).fetchone()[0]
    conn.close()
    genuine = tmp_path / "full.bzpkg"
    ok(yangming.run("package", "export", "--to", COUNTY, "--out", str(genuine), "--full", user="经办"))
    key = signer_key(yangming.db, "经办")

    def crafted(name: str, change) -> Path:
        def edit(events):
            event = next(e for e in events if e["kind"] == "project")
            change(event)
            events[:] = [dict(event, seq=following)]
        return resigned(genuine, tmp_path / name, key, edit_events=edit,
                        edit_manifest=lambda m: m.update(first=following, last=following))

    def take_over(event):
        event["uuid"] = event["payload"]["uuid"] = event["payload"]["content"]["uuid"] = other
    county_projects = dump(county.db)
    assert_refused(county.run("package", "import", str(crafted("take.bzpkg", take_over)), user="审核"), "属于另一乡镇")
    assert_refused(county.run("package", "import", str(crafted("skip.bzpkg", lambda e: e["payload"].update(
        status="in_progress"))), user="审核"), "无权将项目从“已双签”改为“实施中”")
    assert_refused(county.run("package", "import", str(crafted("rename.bzpkg", lambda e: e.update(uuid=other))),
                           user="审核"), "格式不对")
    assert dump(county.db) == county_projects


def test_a_dry_run_leaves_no_head_behind(sent):
    """The trust file beside the database keeps the newest audit head; a dry run's events never happened."""
    _, town, package = sent
    ok(town.run("package", "import", str(package), "--dry-run", user="经办"))
    assert "核验通过" in ok(town.run("verify"))
