"""One cell of a signed database, edited by an insider with sqlite3: `verify` catches it, or the edit is
proven harmless below, or it is a gap listed below (and shown by a strict xfail, so the suite stays green
while the gap is open and turns red once it is closed and the list is not updated).

The database is the signed demo county plus one claim with a scanned voucher attached (the demo has no
attachments), filed through the service. Every table in `sqlite_master` and every column in it is
covered two ways:

- `test_every_column_edited_once`: a deterministic sweep, one edit per (table, column) on the first row
  the rules below do not cover (for a primary key, a row something refers to), with the first plausible
  value the database accepts: an integer ±1 or another row's id, a text swapped for another row's value
  or changed in one character, a date moved a day, a flag flipped, NULL where allowed. Columns that are
  harmless on every row are left to hypothesis (the sweep would take too long with them).
- `test_random_single_cell_edits`: hypothesis picks a table, a row, a column and a value of that kind.

Each check copies the database afresh, edits one cell and runs `verify.verify_database`; a database the
program refuses to open (an edited schema version) counts as caught. For speed, Ed25519 verifications are
remembered by their exact inputs (public key, message, signature) across checks, and one engine is kept
for SQLAlchemy's statement cache; both change nothing a check computes.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Base, FundSource, Project, ProjectStatus
from app.services import audit_search, crypto, database, demo, security, verify, verify_tasks, verify_trust
from app.services.money import payments
import installations

EXAMPLES = int(os.environ.get("BANGZHEN_CELL_EXAMPLES", "40"))  # raise it for a long hunt


@dataclass(frozen=True)
class Rule:
    """Edits of `table`.`column` ("*": every column) that verify may let pass: on the rows matching the
    SQL condition `rows` ("" for every row) and, with `edit`, only the edits (old, new) it accepts."""
    table: str
    column: str
    why: str
    rows: str = ""
    edit: Callable[[Any, Any], bool] | None = None

    def covers_column(self, table: str, column: str) -> bool:
        return self.table == table and self.column in ("*", column)

    @property
    def everywhere(self) -> bool:
        return not self.rows and self.edit is None


def _same_bytes(old: Any, new: Any) -> bool:
    """Another spelling of the same base64 value (the unused low bits of the last character)."""
    try:
        return crypto.unb64(old) == crypto.unb64(new)
    except (ValueError, TypeError, AttributeError, UnicodeError):
        return False


def _raised(old: Any, new: Any) -> bool:
    return isinstance(old, int) and isinstance(new, int) and new >= old


# A signature or certificate is used only decoded, so respelling it is no change.
_SIGNATURES = [("audit_event", "signature"), ("project_signature", "signature"), ("fund_plan", "signature"),
               ("user_key", "certificate"), ("role_grant", "certificate"), ("trust_root", "certificate")]
_PROJECT_SIGNATURE = "amendment_id IS NULL"
_STANDING_SIGNATURE = f"{_PROJECT_SIGNATURE} AND voided_at IS NULL"

# Edits that cannot move money, assets or authority, nor forge anyone's act, and why. (Also harmless and
# not listed: renumbering a row's integer `id` when no foreign key refers to that row. Records leave `id`
# out and name rows by uuid, code or key, no signature or content contains it, and the audit chain fixes
# the order of events, so such a row still says exactly what was signed. A renumbered row that something
# refers to must be caught, or be a gap below.)
HARMLESS = [
    *(Rule(table, column, "the same signature bytes, spelled differently in base64 (verify decodes them)",
           edit=_same_bytes) for table, column in _SIGNATURES),
    Rule("root_seal", "*", "the root's private key sealed for an administrator: a changed seal or link only "
                           "fails to open (AES-GCM), and nothing it could sign is trusted without the root's "
                           "public key and certificates, which verify checks; at worst the administrator "
                           "re-seals the root from the recovery sheet"),
    Rule("trust_root", "id", "the current root is found as the one not retired, never by id; renumbering it "
                             "only orphans its root_seal rows (see root_seal)"),
    Rule("trust_root", "replaces_id", "covered by the root's self-certificate through the replaced root's "
                                      "public key: naming a real root breaks the certificate, naming none "
                                      "reads as 'replaces none', which is what this root certified"),
    Rule("user_account", "failed_logins", "a higher count only locks the account sooner (a lower one is "
                                          "checked against the recorded wrong passwords)", edit=_raised),
    Rule("user_account", "locked_until", "a lock only keeps its user out; a lock that recorded wrong "
                                         "passwords call for is checked (the demo has none)"),
    Rule("setting", "value", "'demo_database' only shows the published demo password on the login screen; "
                             "it opens nothing (passwords are checked against their hashes)",
         rows="key = 'demo_database'"),
    Rule("project_signature", "content_json",
         "a standing signature is checked against the project's current content; its stored copy is read "
         "only once the signature is voided (changes since signing), and verify checks it from then on",
         rows=_STANDING_SIGNATURE),
    Rule("work_team", "*", "read by nothing but `bangzhen stats` row counts: who signs as 队长 is decided by "
                           "certified team_leader grants, not by this list (make it a checked kind once "
                           "anything reads it)"),
    Rule("work_team_member", "*", "as work_team: read by nothing but row counts"),
]

# Edits verify lets pass although they matter: open gaps, each shown by a strict xfail in the sweep (none
# open: the home region, a project's own signatures and the villages are in signed records since layout 2).
GAPS: list[Rule] = []

# Columns where SQLite itself refuses every single-cell edit the sweep can make.
REFUSED = {("allocation", "town_id"): "the demo has no allocation to a town, and CHECK ck_allocation_one_region "
                                      "refuses a town beside the row's city or county"}


# ---------------------------------------------------------------- the database and its schema

@dataclass(frozen=True)
class Column:
    table: str
    name: str
    kind: str          # int, bool, text, date, datetime or blob
    notnull: bool
    primary: bool      # the table's only primary key column (a surrogate key when an int)


@dataclass(frozen=True)
class Edit:
    table: str
    column: str
    rowid: int
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.table}.{self.column} row {self.rowid}: {_short(self.old)} → {_short(self.new)}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _kind(declared: str) -> str:
    declared = declared.upper()
    if declared.startswith("BOOL"):
        return "bool"
    if declared in ("INTEGER", "BIGINT"):
        return "int"
    if declared in ("DATE", "DATETIME", "BLOB"):
        return declared.lower()
    return "text"


class Cells:
    """The unedited database (read only) and a scratch copy to edit one cell of and verify."""

    def __init__(self, template: Path, folder: Path) -> None:
        self.template = template
        self.path = folder / "edited.sqlite"
        self.source = sqlite3.connect(f"{template.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        self.engine = None
        self.columns: dict[str, list[Column]] = {}
        self.foreign: list[tuple[str, str, str, str]] = []   # (table, column, target table, target column)
        for (table,) in self.source.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            if table in audit_search.TABLES:  # derived, not evidence: verify checks how it is kept, not each text
                continue
            info = self.source.execute(f'PRAGMA table_info("{table}")').fetchall()
            keys = sum(1 for row in info if row[5])
            self.columns[table] = [Column(table, name, _kind(declared), bool(notnull), primary == 1 and keys == 1)
                                   for _, name, declared, notnull, _, primary in info]
            for row in self.source.execute(f'PRAGMA foreign_key_list("{table}")'):
                self.foreign.append((table, row[3], row[2], row[4] or "id"))
        self._rowids: dict[str, list[int]] = {}
        self._referenced: dict[str, set] = {}

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
        self.source.close()

    def column(self, table: str, name: str) -> Column:
        return next(c for c in self.columns[table] if c.name == name)

    def rowids(self, table: str) -> list[int]:
        if table not in self._rowids:
            self._rowids[table] = [r for (r,) in self.source.execute(f'SELECT rowid FROM "{table}" ORDER BY rowid')]
        return self._rowids[table]

    def value(self, table: str, column: str, rowid: int) -> Any:
        return self.source.execute(f'SELECT "{column}" FROM "{table}" WHERE rowid = ?', (rowid,)).fetchone()[0]

    def others(self, table: str, column: str, old: Any, limit: int = 20) -> list[Any]:
        """Other values the column holds in other rows."""
        return [v for (v,) in self.source.execute(
            f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL AND "{column}" IS NOT ? '
            f"ORDER BY rowid LIMIT {limit}", (old,))]

    def targets(self, table: str, column: str, old: Any, limit: int = 20) -> list[Any]:
        """Other rows' keys the column could point at, when it is a foreign key."""
        found = []
        for source, name, target, key in self.foreign:
            if (source, name) == (table, column):
                found += [v for (v,) in self.source.execute(
                    f'SELECT "{key}" FROM "{target}" WHERE "{key}" IS NOT ? ORDER BY rowid LIMIT {limit}', (old,))]
        return found

    def referenced(self, table: str, key: Any) -> bool:
        """Whether any foreign key refers to the row of `table` whose primary key is `key`."""
        if table not in self._referenced:
            self._referenced[table] = {value for source, name, target, _ in self.foreign if target == table
                                       for (value,) in self.source.execute(f'SELECT DISTINCT "{name}" FROM "{source}"')}
        return key in self._referenced[table]

    def matches(self, table: str, rowid: int, rows: str) -> bool:
        return not rows or self.source.execute(f'SELECT 1 FROM "{table}" WHERE rowid = ? AND ({rows})',
                                               (rowid,)).fetchone() is not None

    def fresh(self) -> None:
        """The scratch copy made the unedited database again."""
        if self.engine is not None:
            self.engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, self.path)

    def edit(self, table: str, column: str, rowid: int, new: Any) -> Edit | None:
        """A fresh copy with the one cell changed: the edit as stored, or None when SQLite refuses it or
        stores the old value again."""
        self.fresh()
        old = self.value(table, column, rowid)
        conn = sqlite3.connect(self.path)
        try:
            (stored,) = conn.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ? RETURNING "{column}"',
                                     (new, rowid)).fetchone()
            conn.commit()
        except sqlite3.IntegrityError:
            return None
        finally:
            conn.close()
        if (type(stored), stored) == (type(old), old):
            return None
        return Edit(table, column, rowid, old, stored)

    def verify(self) -> tuple[bool, str]:
        """(ok, the problems) for the edited copy; a file the program refuses to open is not ok."""
        try:
            database.connect(self.path).dispose()
        except database.DatabaseError as error:
            return False, f"refused to open: {error}"
        if self.engine is None:
            self.engine = database.connect(self.path)
        with Session(self.engine) as session:
            report = verify.verify_database(session)
        problems = [f"{p.where}：{p.message}" for p in report.problems]
        if report.chain is not None and not report.chain.ok:
            problems.append(report.chain.message)
        return report.ok, "\n".join(problems)

    def verdict(self, edit: Edit) -> tuple[str, str]:
        """("harmless" | "gap" | "caught", why) for an edit of the unedited database."""
        for rule in HARMLESS:
            if self._applies(rule, edit):
                return "harmless", rule.why
        column = self.column(edit.table, edit.column)
        if column.primary and column.kind == "int" and not self.referenced(edit.table, edit.old):
            return "harmless", "a renumbered row nothing refers to"
        for rule in GAPS:
            if self._applies(rule, edit):
                return "gap", rule.why
        return "caught", ""

    def _applies(self, rule: Rule, edit: Edit) -> bool:
        return (rule.covers_column(edit.table, edit.column) and self.matches(edit.table, edit.rowid, rule.rows)
                and (rule.edit is None or rule.edit(edit.old, edit.new)))


class _RememberedKey:
    """Ed25519PublicKey for verify_tasks, remembering the (signature, message) pairs that verified:
    verification is a pure function of its inputs, so a pair seen to hold holds again."""
    held: set[tuple[bytes, bytes, bytes]] = set()

    def __init__(self, raw: bytes) -> None:
        self.raw, self.key = raw, Ed25519PublicKey.from_public_bytes(raw)

    @classmethod
    def from_public_bytes(cls, raw: bytes) -> _RememberedKey:
        return cls(raw)

    def verify(self, signature: bytes, data: bytes) -> None:
        if (self.raw, signature, data) not in self.held:
            self.key.verify(signature, data)
            self.held.add((self.raw, signature, data))


def _remembered(check: Callable[[str, bytes, str], bool]) -> Callable[[str, bytes, str], bool]:
    seen: dict[tuple, bool] = {}

    def signature_valid(public_key: Any, data: Any, signature: Any) -> bool:
        try:
            return seen[(public_key, data, signature)]
        except KeyError:
            seen[(public_key, data, signature)] = result = check(public_key, data, signature)
            return result
        except TypeError:  # something unhashable read from an edited row
            return check(public_key, data, signature)
    return signature_valid


@pytest.fixture(scope="module")
def cells(demo_template, initialised_template, tmp_path_factory):
    """The demo plus a claim with an attachment and an exchange of packages with its town 阳明镇's own
    installation (so the peer, its people, the outbox and the inbox have rows), and the helper that edits
    and verifies copies of it."""
    folder = tmp_path_factory.mktemp("cells")
    template = folder / "template.sqlite"
    shutil.copyfile(demo_template, template)
    scan = folder / "发票扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4 scanned voucher\n" * 20)
    engine = database.connect(template)
    try:
        with database.unit_of_work(engine) as session:
            project = session.scalar(select(Project).where(Project.status == ProjectStatus.in_progress)
                                     .order_by(Project.id))
            officer = security.authenticate(session, f"{project.town.name}经办", demo.DEMO_PASSWORD)
            payments.file_claim(session, officer, project.id, amount=payments.Money(100_00), payee="某施工队",
                                purpose="材料款", voucher_numbers="CELLS-1", source=FundSource.provincial,
                                attachments=[scan])
    finally:
        engine.dispose()
    _exchange_with_a_town(template, initialised_template, folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verify_tasks, "Ed25519PublicKey", _RememberedKey)
        remembered = _remembered(crypto.signature_valid)
        patch.setattr(verify_trust, "signature_valid", remembered)
        patch.setattr(verify, "signature_valid", remembered)
        helper = Cells(template, folder)
        yield helper
        helper.close()


# ---------------------------------------------------------------- plausible new values

PLAIN = {"int": 1, "bool": 1, "text": "x", "date": "2024-01-01", "datetime": "2024-01-01 00:00:00.000000",
         "blob": b"x"}
_HEX = "0123456789abcdef"


def _one_character(value: str) -> str:
    """The first letter or digit changed to its neighbour (hex stays hex)."""
    chars = list(value)
    at = next((i for i, c in enumerate(chars) if c.isalnum()), None)
    if at is None:
        return value + "x"
    c = chars[at]
    if c.isdigit():
        chars[at] = str((int(c) + 1) % 10)
    elif c in _HEX:
        chars[at] = _HEX[(_HEX.index(c) + 1) % 16]
    elif "a" <= c.lower() <= "z":
        base = ord("a") if c.islower() else ord("A")
        chars[at] = chr((ord(c) - base + 1) % 26 + base)
    else:
        chars[at] = chr(ord(c) + 1)
    return "".join(chars)


def _shifted(kind: str, value: str, days: int = 0, seconds: int = 0) -> str:
    if kind == "date":
        return (date.fromisoformat(value) + timedelta(days=days)).isoformat()
    moved = datetime.fromisoformat(value) + timedelta(days=days, seconds=seconds)
    return moved.isoformat(sep=" ", timespec="microseconds" if "." in value else "seconds")


def _sweep_values(cells: Cells, column: Column, rowid: int, old: Any) -> list[Any]:
    """The sweep's candidates, most plausible first."""
    targets = cells.targets(column.table, column.name, old)[:1]
    if old is None:
        return targets + [PLAIN[column.kind]]
    if column.primary and column.kind == "int":
        top = cells.source.execute(f'SELECT max("{column.name}") FROM "{column.table}"').fetchone()[0]
        return [top + 1]
    if column.kind == "bool":
        return [1 - old]
    if column.kind == "int":
        return targets + [old + 1, old - 1]
    if column.kind in ("date", "datetime"):
        return [_shifted(column.kind, old, 1), _shifted(column.kind, old, -1)]
    if column.kind == "blob":
        return [bytes([old[0] ^ 1]) + old[1:] if old else b"x"]
    others = cells.others(column.table, column.name, old, limit=1)
    return others + [_one_character(old), old + "x"] + ([None] if not column.notnull else [])


@st.composite
def _new_value(draw, cells: Cells, column: Column, old: Any) -> Any:
    options = [st.sampled_from(found) for found in (cells.others(column.table, column.name, old),
                                                     cells.targets(column.table, column.name, old)) if found]
    if not column.notnull:
        options.append(st.none())
    if old is None:
        options.append(st.just(PLAIN[column.kind]))
    elif column.kind == "bool":
        options.append(st.sampled_from([0, 1, 2]))
    elif column.kind == "int":
        options += [st.sampled_from([old + 1, old - 1]), st.integers(-2 ** 40, 2 ** 40)]
    elif column.kind in ("date", "datetime"):
        options.append(st.integers(-400, 400).filter(bool).map(lambda days: _shifted(column.kind, old, days)))
        if column.kind == "datetime":
            options.append(st.integers(-7200, 7200).filter(bool)
                           .map(lambda seconds: _shifted(column.kind, old, seconds=seconds)))
    elif column.kind == "blob":
        options.append(st.integers(0, max(len(old) - 1, 0)).map(
            lambda i: old[:i] + bytes([old[i] ^ 1]) + old[i + 1:] if old else b"x"))
    else:
        options.append(_text_edit(old))
    return draw(st.one_of(options))


def _text_edit(old: str) -> st.SearchStrategy[str]:
    character = st.characters(exclude_categories=["Cs"])
    at = st.integers(0, max(len(old) - 1, 0))
    edits = [st.tuples(st.integers(0, len(old)), character).map(lambda p: old[:p[0]] + p[1] + old[p[0]:]),
             st.just("")]
    if old:
        edits += [st.tuples(at, character).map(lambda p: old[:p[0]] + p[1] + old[p[0] + 1:]),
                  at.map(lambda i: old[:i] + old[i + 1:]), st.just(_one_character(old))]
    return st.one_of(edits)


# ---------------------------------------------------------------- the sweep

def _schema_columns() -> list[tuple[str, str]]:
    """Every (table, column) the migrations make: the models' tables and Alembic's own."""
    pairs = [(table.name, column.name) for table in Base.metadata.sorted_tables for column in table.columns]
    return sorted(pairs + [("alembic_version", "version_num")])


def _renumbering_harmless(table: str, column: str) -> bool:
    """A surrogate key no foreign key in the schema points at (see HARMLESS)."""
    model = Base.metadata.tables.get(table)
    return (model is not None and [c.name for c in model.primary_key.columns] == [column]
            and not any(fk.column.table is model for t in Base.metadata.tables.values() for fk in t.foreign_keys))


def _sweep_params() -> list:
    params = []
    for table, column in _schema_columns():
        whole = [rule for rule in HARMLESS + GAPS if rule.covers_column(table, column) and rule.everywhere]
        if not whole and not _renumbering_harmless(table, column):
            params.append(pytest.param(table, column, None, id=f"{table}.{column}"))
    for rule in GAPS:
        for table, column in _schema_columns():
            if rule.covers_column(table, column):
                params.append(pytest.param(table, column, rule, id=f"gap:{table}.{column}",
                                           marks=pytest.mark.xfail(strict=True, reason=rule.why)))
    return params


def _sweep_rows(cells: Cells, column: Column, rule: Rule | None) -> list[int]:
    """Rows to edit, best first: those the rule covers (none of the rules' own rows when `rule` is None),
    with a value before empty ones and, for a primary key, rows something refers to first."""
    if rule is not None:
        where = f"({rule.rows})" if rule.rows else "1"
    else:
        where = " AND ".join(f"NOT ({r.rows})" for r in HARMLESS + GAPS
                             if r.covers_column(column.table, column.name) and r.rows and r.edit is None) or "1"
    rows = cells.source.execute(f'SELECT rowid, "{column.name}" FROM "{column.table}" WHERE {where} '
                                f'ORDER BY "{column.name}" IS NULL, rowid').fetchall()
    if column.primary and column.kind == "int":
        rows.sort(key=lambda row: not cells.referenced(column.table, row[1]))
    return [rowid for rowid, _ in rows[:50]]


@pytest.mark.parametrize("table, column, gap", _sweep_params())
def test_every_column_edited_once(cells, table, column, gap):
    """One edit of the column: caught by verify (or, for a gap, shown not to be)."""
    wanted = "caught" if gap is None else "gap"
    described = cells.column(table, column)
    tried = applied = 0
    for rowid in _sweep_rows(cells, described, gap):
        old = cells.value(table, column, rowid)
        for new in _sweep_values(cells, described, rowid, old):
            edit = cells.edit(table, column, rowid, new)
            tried += 1
            applied += edit is not None
            if edit is None or cells.verdict(edit)[0] != wanted:
                continue
            ok, problems = cells.verify()
            assert not ok, f"verify passed {edit}" + (f" ({gap.why})" if gap else "")
            assert problems
            return
    if (table, column) in REFUSED and tried and not applied:
        return
    pytest.fail(f"no edit of {table}.{column} of the kind this case needs ({wanted}) after {tried} tries")


def _exchange_with_a_town(county: Path, initialised_template: Path, folder: Path) -> None:
    """The demo county and 阳明镇's installation register each other; the county sends its fund (and its
    projects of the town, which the town refuses: it never reported them); the town reports a 双签 project."""
    town = installations.make_installation(initialised_template, folder / "town.sqlite", "441624100")
    installations.register_in_process(county, town, password_a=demo.DEMO_PASSWORD)
    installations.send_in_process(county, town, "县财政", "经办", folder, sender_password=demo.DEMO_PASSWORD)
    installations.sign_in_process(town, "阳明镇交换项目", folder, demo.FUND_NAME)
    result = installations.send_in_process(town, county, "经办", "县审核", folder, receiver_password=demo.DEMO_PASSWORD)
    assert ("project", "created") in result.counts()


# ---------------------------------------------------------------- random edits

@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                         HealthCheck.filter_too_much])
@given(data=st.data())
def test_random_single_cell_edits(cells, data):
    table = data.draw(st.sampled_from(sorted(t for t in cells.columns if cells.rowids(t))), label="table")
    rowid = data.draw(st.sampled_from(cells.rowids(table)), label="rowid")
    column = data.draw(st.sampled_from(cells.columns[table]), label="column")
    old = cells.value(table, column.name, rowid)
    edit = cells.edit(table, column.name, rowid, data.draw(_new_value(cells, column, old), label="new"))
    assume(edit is not None)  # SQLite refused it (unique, check, not null) or nothing changed
    verdict, why = cells.verdict(edit)
    event(verdict)
    note(f"{edit}: {verdict} {why}")
    ok, problems = cells.verify()
    if verdict == "caught":
        assert not ok, f"verify passed {edit}"


# ---------------------------------------------------------------- the lists themselves

def test_the_edited_database_starts_clean_and_has_a_row_in_every_table(cells):
    cells.fresh()
    assert cells.verify() == (True, "")
    empty = [table for table in cells.columns if not cells.rowids(table)]
    assert empty == [], f"no row to edit in {empty}"


def test_the_sweep_covers_every_column_in_sqlite_master(cells):
    in_file = sorted((table, column.name) for table, columns in cells.columns.items() for column in columns)
    assert in_file == _schema_columns()


def test_every_rule_names_a_column_and_rows_that_exist(cells):
    for rule in HARMLESS + GAPS:
        columns = [c for c in cells.columns.get(rule.table, []) if rule.covers_column(c.table, c.name)]
        assert columns, f"{rule.table}.{rule.column} is not in the schema"
        if rule.rows:
            assert cells.source.execute(f'SELECT 1 FROM "{rule.table}" WHERE {rule.rows}').fetchone(), rule
