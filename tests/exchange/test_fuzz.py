"""Broken packages, made by hypothesis: whatever the file holds, reading and applying it ends in success or
a Chinese InputError, never another exception (which the command would show as 程序内部错误).

Three kinds: the genuine file with bytes changed, cut or added; the genuine parts with any JSON in a
manifest field (re-zipped, so the checks after the zip's are reached); and any events at all, signed by
the county's genuine key (so the events reach the appliers, which must refuse what is not right)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import BangzhenError
from app.services import database, exchange, keyring, peers, security
from installations import COUNTY, PASSWORD, TOWNS, register_in_process
from test_refusals import entries, resigned, rezip

JSON = st.recursive(st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.text(max_size=40),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                    max_leaves=12)
FIELDS = ("format", "kind", "sender", "receiver", "first", "last", "acknowledged", "head", "witness", "signer",
          "entries", "created_at")
KINDS = st.sampled_from(["identity", "fund", "project", "plan", "payment", "totals", "other"])


@pytest.fixture(scope="module")
def setting(installation_templates, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    county, town = folder / "county.sqlite", folder / "town.sqlite"
    shutil.copyfile(installation_templates[COUNTY], county)
    shutil.copyfile(installation_templates[TOWNS[0]], town)
    register_in_process(county, town)
    engine = database.connect(county)
    with database.unit_of_work(engine) as session:
        user = security.authenticate(session, "财政", PASSWORD)
        made = exchange.export_package(session, user, peers.find_peer(session, TOWNS[0]), folder / "genuine.bzpkg")
        key = keyring.signer(user)[1]
    made.publish()
    engine.dispose()
    engine = database.connect(town)
    yield folder, made.path, key, engine
    engine.dispose()


def outcome(engine, path: Path) -> str:
    """Read and apply `path` on the town, always rolled back: "ok" or the refusal (never an exception)."""
    with database.unit_of_work(engine) as session:
        try:
            user = security.authenticate(session, "经办", PASSWORD)
            exchange.apply(session, user, exchange.read_incoming(session, path))
            return "ok"
        except BangzhenError as error:
            assert error.user_message and "Traceback" not in error.user_message
            return "refused"
        finally:
            session.rollback()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 4000), flips=st.lists(st.tuples(st.integers(0, 4000), st.integers(1, 255)), max_size=4),
       extra=st.binary(max_size=20))
def test_changed_bytes(setting, cut, flips, extra):
    folder, genuine, _, engine = setting
    data = bytearray(genuine.read_bytes())
    for at, mask in flips:
        data[at % len(data)] ^= mask
    broken = folder / "bytes.bzpkg"
    broken.write_bytes(bytes(data[: max(cut, 1)] if cut < len(data) else data) + extra)
    outcome(engine, broken)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=JSON)
def test_any_value_in_the_manifest(setting, field, value):
    folder, genuine, _, engine = setting
    parts = entries(genuine)
    manifest = json.loads(parts["manifest.json"])
    manifest[field] = value
    parts["manifest.json"] = json.dumps(manifest).encode()
    assert outcome(engine, rezip(folder / "manifest.bzpkg", parts)) == "refused"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(st.fixed_dictionaries({"kind": KINDS, "uuid": st.text(max_size=40), "payload": JSON}),
                       max_size=3),
       keep=st.booleans())
def test_any_events_signed_by_the_genuine_key(setting, events, keep):
    folder, genuine, key, engine = setting
    original = json.loads(entries(genuine)["events.json"])
    first = original[0]["seq"] if original else 1
    numbered = [dict(event, seq=first + n) for n, event in enumerate((original if keep else []) + events)]
    path = resigned(genuine, folder / "events.bzpkg", key,
                    edit_events=lambda found: found.__setitem__(slice(None), numbered),
                    edit_manifest=lambda m: m.update(first=first, last=first + len(numbered) - 1))
    outcome(engine, path)
