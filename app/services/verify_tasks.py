"""The heavy part of `verify`, on every core: ranges of the audit log, of the checked records and of
the projects, each checked by a worker process that reads the database file itself (read-only), while
the main process replays the signed history (services.verify_trust).

SQLite builds the text each check compares (services.verify_sql): an event's hashed fields, a row's
record, a project's signed content. These are fast paths: whatever they flag is a *suspect*, which the
main process confirms with the program's own Python builders before it reports anything, so a
difference in how SQLite and Python write JSON can cost time but never raise a false alarm. (A false
match is impossible: for the values the program stores, integers, text and NULL, both write the same
text, and a REAL, which the program never stores, always carries a decimal point or exponent.)

A task returns plain tuples; the main process words them in Chinese. This module imports nothing of
the program, so a worker starts in a fraction of a second. Small databases are checked in the calling
process on its own connection (starting workers costs more than it saves); the workers are started
with "spawn" because `verify` may run on a GUI worker thread, where forking is unsafe.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import multiprocessing
import os
import sqlite3
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.services.sqlite_limits import limit_variables

INLINE_BELOW = 30_000  # signatures to check: fewer than this, and everything runs in the calling process


@dataclass
class Context:
    """What every task needs besides the database: the keys the root certified (id → (user id, raw
    public key)), user uuids, certified grants (user id → [(role, valid from, valid to)]), the roles
    each act needs, the acts that go unsigned, and the last event from before signing began."""
    keys: dict[int, tuple[int, bytes]]
    users: dict[int, str]
    grants: dict[int, list[tuple[str, str, str | None]]]
    action_roles: dict[str, frozenset[str]]
    unsigned: frozenset[str]
    signed_after: int | None   # events with a greater id are signed; None: nothing is (no root)
    sql: dict[str, tuple[str, str]]  # the queries (services.verify_sql), built once by the main process
    connection: Any = None
    verifiers: dict[int, Ed25519PublicKey | None] = field(default_factory=dict)
    _spans: dict[tuple[int, str], tuple] = field(default_factory=dict)

    def spans(self, user_id: int, action: str) -> tuple[tuple[str, str | None], ...]:
        """When `user_id` held a role `action` needs: (valid from, valid to) of each such grant."""
        try:
            return self._spans[user_id, action]
        except KeyError:
            needed = self.action_roles[action]
            found = self._spans[user_id, action] = tuple(
                (since, until) for role, since, until in self.grants.get(user_id, ()) if role in needed)
            return found

    def verifies(self, key_id: int, signature: bytes, message: bytes) -> bool:
        if key_id not in self.verifiers:
            try:
                self.verifiers[key_id] = Ed25519PublicKey.from_public_bytes(self.keys[key_id][1])
            except ValueError:
                self.verifiers[key_id] = None
        verifier = self.verifiers[key_id]
        try:
            if verifier is None:
                return False
            verifier.verify(signature, message)
            return True
        except Exception:  # noqa: BLE001 - any failure means the signature does not hold
            return False


def _b64(value: Any) -> bytes:
    try:
        return binascii.a2b_base64(value, strict_mode=True)  # what base64.b64decode(validate=True) accepts
    except (TypeError, ValueError):
        return b""


# ---------------------------------------------------------------- the tasks

Query = tuple[str, str]  # (fast, safe): see _rows


def _rows(context: Context, query: Query, params: dict) -> list:
    """All rows of `query`. Each query comes twice (services.verify_sql): fast, and safe for a BLOB
    where the program stores text or numbers (SQLite's JSON functions refuse a BLOB, and passing every
    value through a type test costs a fifth of the time); the safe one runs only when the fast one fails."""
    fast, safe = query
    try:
        return context.connection.execute(fast, params).fetchall()
    except sqlite3.OperationalError:
        return context.connection.execute(safe, params).fetchall()


@dataclass
class EventRange:
    """What one range of the audit log showed: rows seen, the first row's id and prev_hash and the last
    row's hash (to stitch ranges into one chain), the first broken link inside the range, events whose
    stored hash does not match SQLite's text of their fields (suspects, confirmed by the main process),
    signature and role findings (event id, action, code, user id) and how many signatures were checked."""
    rows: int = 0
    first: tuple[int, str] | None = None
    last_hash: str | None = None
    link_broken_at: tuple[int, int] | None = None     # (row number in the range, event id)
    hash_suspects: list[tuple[int, int]] = field(default_factory=list)
    findings: list[tuple[int, str, str, Any]] = field(default_factory=list)
    signatures: int = 0


def events(context: Context, low: int, high: int) -> EventRange:
    """Chain links and hashes, signatures by certified keys of the actor, and the actor's certified role
    at that moment, for the events with low ≤ id ≤ high. (An event's record is part of what its hash
    covers, so a record that is not even JSON shows as a changed hash.)"""
    result = EventRange()
    previous = None
    signed_after = context.signed_after
    sha256, verifies = hashlib.sha256, context.verifies
    for (event_id, prev_hash, stored_hash, user_id, key_id, signature, action, occurred_at, entity_type,
         entity_uuid, has_record, hashed) in _rows(context, context.sql["events"], {"low": low, "high": high}):
        result.rows += 1
        if previous is None:
            result.first = (event_id, prev_hash)
        elif prev_hash != previous and result.link_broken_at is None:
            result.link_broken_at = (result.rows, event_id)
        previous = stored_hash
        if sha256(hashed.encode() if isinstance(hashed, str) else b"").hexdigest() != stored_hash:
            result.hash_suspects.append((result.rows, event_id))
        if signed_after is None or event_id <= signed_after:
            continue
        if action in context.unsigned:
            if has_record or entity_type != "user" or entity_uuid is None:
                result.findings.append((event_id, action, "unsigned_forged", user_id))
            continue
        key = context.keys.get(key_id)
        if not signature or key is None:
            result.findings.append((event_id, action, "no_key", user_id))
            continue
        if key[0] != user_id:
            result.findings.append((event_id, action, "not_owner", user_id))
            continue
        result.signatures += 1
        if not verifies(key_id, _b64(signature), str(stored_hash).encode()):
            result.findings.append((event_id, action, "bad_signature", user_id))
        if action in context.action_roles:
            at = str(occurred_at)
            for since, until in context.spans(user_id, action):
                if since <= at and (until is None or at < until):
                    break
            else:
                result.findings.append((event_id, action, "no_role", user_id))
    result.last_hash = previous
    return result


def records(context: Context, changed: Query, unsigned: Query, count: Query, params: dict) -> tuple[list, list, int]:
    """([(key, has a signed record)] of rows whose record differs from their last signed one or have
    none, [key] of signed records whose row is gone, rows compared), for one kind and key range."""
    differ = _rows(context, changed, params)
    return ([(str(key), True) for key, gone in differ if not gone] +
            [(str(key), False) for (key,) in _rows(context, unsigned, params)],
            [str(key) for key, gone in differ if gone], _rows(context, count, params)[0][0])


def project_signatures(context: Context, low: int, high: int) -> tuple[list[int], int]:
    """([project id] whose current signature does not hold over SQLite's text of its content, number
    checked) for projects low ≤ id ≤ high. Only signatures that pass the cheap gates (a certified key of
    the signer, the project's content version) are checked here; the main process reports the rest."""
    contents = {project_id: (version, content) for project_id, version, content
                in _rows(context, context.sql["project_contents"], {"low": low, "high": high})}
    suspects: list[int] = []
    checked = 0
    for project_id, user_id, key_id, role, version, signature in _rows(
            context, context.sql["project_signatures"], {"low": low, "high": high}):
        key = context.keys.get(key_id)
        project = contents.get(project_id)
        if key is None or key[0] != user_id or project is None or version != project[0]:
            continue
        checked += 1
        payload = (f'{{"content":{project[1]},"content_version":{_json(version)},"role":{_json(role)},'
                   f'"signer":{_json(context.users.get(user_id, ""))}}}')  # canonical_json of the four
        if not context.verifies(key_id, _b64(signature), payload.encode()):
            if not suspects or suspects[-1] != project_id:
                suspects.append(project_id)
    return suspects, checked


def _json(value: Any) -> str:
    if isinstance(value, str):
        return encode_basestring(value)
    return str(value) if type(value) is int else json.dumps(value, ensure_ascii=False)


TASKS: dict[str, Callable] = {"events": events, "records": records, "project_signatures": project_signatures}


# ---------------------------------------------------------------- running them

_worker_context: Context | None = None


def _start_worker(path: str, context: Context) -> None:
    global _worker_context
    context.connection = open_read_only(path)
    _worker_context = context


def _run_in_worker(name: str, args: tuple) -> Any:
    return TASKS[name](_worker_context, *args)


def open_read_only(path: str) -> sqlite3.Connection:
    """A worker's connection. The file is mapped into memory: the record and content queries look rows
    up all over it, and through the map each look-up is a memory read instead of a system call."""
    connection = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    limit_variables(connection)
    connection.execute("PRAGMA mmap_size = 1099511627776")  # SQLite caps it at what the build allows
    return connection


class Runner:
    """Runs tasks on worker processes (each with its own read-only connection to `path`), or, for a
    small job or without a file, one after another here on `connection`. `submit` returns a Future
    either way; `wait_all` reports progress in `weight` units and stops early when cancelled."""

    def __init__(self, context: Context, connection: Any, path: str | None, signatures: int) -> None:
        self.context = context
        self._executor = None
        self._futures: list[tuple[Future, int]] = []
        if path is not None and signatures >= INLINE_BELOW and (os.cpu_count() or 1) > 1:
            self._executor = ProcessPoolExecutor(max_workers=os.cpu_count(),
                                                 mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_start_worker, initargs=(path, context))
        else:
            context.connection = connection

    def submit(self, name: str, *args: Any, weight: int = 1) -> Future:
        if self._executor is not None:
            future = self._executor.submit(_run_in_worker, name, args)
        else:
            future = Future()
            try:
                future.set_result(TASKS[name](self.context, *args))
            except Exception as error:  # noqa: BLE001 - delivered to whoever asks for the result
                future.set_exception(error)
        self._futures.append((future, weight))
        return future

    def report(self, progress: Callable[[int, int], None] | None) -> None:
        """Call `progress(done, total)` in weight units (it may raise to cancel)."""
        if progress is not None:
            progress(sum(weight for future, weight in self._futures if future.done()),
                     sum(weight for _, weight in self._futures))

    def wait_all(self, progress: Callable[[int, int], None] | None) -> None:
        """Until every task is done, reporting progress at least twice a second."""
        pending = {future for future, _ in self._futures}
        while pending:
            _, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            self.report(progress)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        self.context.connection = None
