"""The root of trust from the command line: its fingerprint, the 密钥登记表 PDF (read back), and
`verify --root` / `--head` / `--json` against what was filed on paper."""

from __future__ import annotations

import json
import re
import subprocess

from helpers import assert_refused, bangzhen, ok

PW = "demo1234\n"


def _fingerprint(db: str) -> str:
    return re.search(r"根密钥指纹：([0-9A-F-]{39})", ok(bangzhen("root", "show", "--db", db))).group(1)


def test_key_register_pdf_carries_the_root_the_keys_and_the_printed_head(demo_path, tmp_path):
    db = str(demo_path)
    fingerprint = _fingerprint(db)
    out = tmp_path / "密钥登记表.pdf"
    assert fingerprint in ok(bangzhen("root", "sheet", "--db", db, "--out", str(out)))
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "密钥登记表" in text and fingerprint in text and "单位：和平县" in text
    assert "县财政" in text and "叶秀英" in text and "县级财政（441624）" in text and "有效" in text
    assert "系统管理员（签字）" in text and re.search(r"—\s*1\s*—", text)
    head = re.search(r"打印时审计记录头：(\d+:[0-9a-f]{16})", text).group(1)
    assert "核验通过" in ok(bangzhen("verify", "--db", db, "--head", head))
    from pypdf import PdfReader
    fonts = {str(font.get_object()["/BaseFont"]) for page in PdfReader(out).pages
             for font in page["/Resources"]["/Font"].get_object().values()}
    assert any("WenQuanYi" in font for font in fonts)  # the CJK font is embedded, not left to the reader's machine


def test_verify_against_the_fingerprint_from_paper(demo_path):
    db = str(demo_path)
    fingerprint = _fingerprint(db)
    assert "核验通过" in ok(bangzhen("verify", "--db", db, "--root", fingerprint))
    assert "核验通过" in ok(bangzhen("verify", "--db", db, "--root", fingerprint.lower().replace("-", " ")))
    wrong = fingerprint[:-1] + ("0" if fingerprint[-1] != "0" else "1")
    result = bangzhen("verify", "--db", db, "--root", wrong)
    assert_refused(result, "核验未通过")
    assert f"与核对的指纹 {wrong} 不符" in result.stdout


def test_verify_json_lists_every_problem_for_other_programs(demo_path):
    db = str(demo_path)
    report = json.loads(ok(bangzhen("verify", "--db", db, "--json")))
    assert report["ok"] is True and report["problems"] == [] and report["records"] > 1000
    assert re.fullmatch(r"[0-9A-F]{4}(-[0-9A-F]{4}){7}", report["root"])
    import sqlite3
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE expenditure SET amount = amount + 1 WHERE id = (SELECT min(id) FROM expenditure)")
    result = bangzhen("verify", "--db", db, "--json")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is False and any("改动了 amount" in p["message"] for p in report["problems"])


def test_an_act_records_the_head_beside_the_database_and_an_older_copy_is_caught(demo_path, tmp_path):
    db = str(demo_path)
    older = tmp_path / "older.sqlite"
    older.write_bytes(demo_path.read_bytes())
    claim = re.search(r"^\s*(\d+)\s.*待支付", ok(bangzhen("claim", "list", "--db", db, "--region", "441624")),
                      re.MULTILINE).group(1)
    ok(bangzhen("claim", "pay", "--db", db, "--as", "县财政", claim, "--voucher", "HEAD-1", stdin=PW))
    assert (tmp_path / "demo.sqlite.trust.json").exists()
    demo_path.write_bytes(older.read_bytes())
    result = bangzhen("verify", "--db", db)
    assert_refused(result, "核验未通过")
    assert "数据库被换成了旧的副本" in result.stdout


def test_root_commands_need_a_root(db_path):
    assert_refused(bangzhen("root", "show", "--db", str(db_path)), "还没有根密钥")


def test_roles_granted_and_revoked_stay_on_record_and_verify(demo_path):
    db = str(demo_path)
    assert "县级财政（441624）" in ok(bangzhen("user", "grant", "--db", db, "--as", "admin", "大坝镇书记",
                                            "县级财政:441624", stdin=PW))
    assert_refused(bangzhen("user", "grant", "--db", db, "--as", "admin", "大坝镇书记", "县级财政:441624", stdin=PW),
                   "已有")
    assert_refused(bangzhen("user", "grant", "--db", db, "--as", "县审核", "大坝镇书记", "县级审核:441624", stdin=PW),
                   "没有权限")
    held = ok(bangzhen("user", "revoke", "--db", db, "--as", "admin", "大坝镇书记", "县级财政:441624", stdin=PW))
    assert "现有角色：乡镇主要负责人（441624101）" in held
    import sqlite3
    with sqlite3.connect(db) as conn:
        ended = conn.execute("SELECT valid_to FROM role_grant WHERE role = 'county_finance' AND user_id = "
                             "(SELECT id FROM user_account WHERE username = '大坝镇书记')").fetchone()[0]
    assert ended is not None  # the ended grant stays, so what was done under it still verifies
    assert "核验通过" in ok(bangzhen("verify", "--db", db))


def test_replacing_the_root_is_explicit_audited_and_needs_registering_again(demo_path):
    db = str(demo_path)
    old = _fingerprint(db)
    ok(bangzhen("verify", "--db", db))  # a head and the root remembered beside the database... after an act:
    ok(bangzhen("user", "grant", "--db", db, "--as", "admin", "大坝镇书记", "县级财政:441624", stdin=PW))
    assert_refused(bangzhen("root", "replace", "--db", db, "--as", "县审核", "--reason", "试试", stdin=PW), "系统管理员")
    assert_refused(bangzhen("root", "replace", "--db", db, "--as", "admin", "--reason", " ", stdin=PW), "原因")
    out = ok(bangzhen("root", "replace", "--db", db, "--as", "admin", "--reason", "管理员电脑遗失", stdin=PW))
    new = re.search(r"新的根密钥指纹：([0-9A-F-]{39})", out).group(1)
    assert new != old and "重新登记" in out
    assert "核验通过" in ok(bangzhen("verify", "--db", db, "--root", new))
    assert_refused(bangzhen("verify", "--db", db, "--root", old), "核验未通过")
    assert "更换根密钥" in ok(bangzhen("audit", "--db", db, "--limit", "3"))
    # the administrator goes on working under the new root
    ok(bangzhen("user", "revoke", "--db", db, "--as", "admin", "大坝镇书记", "县级财政:441624", stdin=PW))
    assert "核验通过" in ok(bangzhen("verify", "--db", db))


def test_recovery_sheet_opens_the_root_for_an_administrator_who_lacks_it(demo_path, tmp_path):
    """admin replaces the root (sealed for admin alone); a second administrator then opens it with the
    recovery sheet's code, read back from the PDF."""
    db = str(demo_path)
    ok(bangzhen("user", "add", "--db", db, "--as", "admin", "admin2", "--name", "第二管理员", "--role", "系统管理员:441624",
                stdin=PW + "admin2 password\nadmin2 password\n"))
    ok(bangzhen("root", "replace", "--db", db, "--as", "admin", "--reason", "演练", stdin=PW))
    grant = ("user", "grant", "--db", db, "--as", "admin2", "大坝镇书记", "县级财政:441624")
    assert_refused(bangzhen(*grant, stdin="admin2 password\n"), "根密钥只在管理员登录时解开")
    sheet = tmp_path / "恢复单.pdf"
    ok(bangzhen("root", "recovery", "--db", db, "--as", "admin", "--out", str(sheet), stdin=PW))
    text = subprocess.run(["pdftotext", str(sheet), "-"], capture_output=True, text=True, check=True).stdout
    code = re.search(r"([A-Z2-9]{5}(?:-[A-Z2-9]{5}){5})", text).group(1)
    assert "根密钥恢复单" in text and _fingerprint(db) in text
    assert_refused(bangzhen("root", "recover", "--db", db, "--as", "admin2", stdin="admin2 password\nAAAAA-BBBBB\n"),
                   "恢复码不正确")
    ok(bangzhen("root", "recover", "--db", db, "--as", "admin2", stdin=f"admin2 password\n{code.lower()}\n"))
    ok(bangzhen(*grant, stdin="admin2 password\n"))
    assert "核验通过" in ok(bangzhen("verify", "--db", db))
