"""Installations built once per session (services.exchange tests): copied into each test's folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from installations import CITY, COUNTY, TOWNS, Installation, make_installation


@pytest.fixture(scope="session")
def installation_templates(tmp_path_factory, initialised_template) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("installations")
    return {region: make_installation(initialised_template, folder / f"{region}.sqlite", region)
            for region in (COUNTY, *TOWNS, CITY)}


@pytest.fixture
def offices(tmp_path, installation_templates) -> dict[str, Installation]:
    """The county, its two towns and its city, each a fresh copy in this test's folder."""
    found = {}
    for region, template in installation_templates.items():
        path = tmp_path / template.name
        shutil.copyfile(template, path)
        trust = template.with_name(template.name + ".trust.json")
        if trust.exists():
            shutil.copyfile(trust, path.with_name(path.name + ".trust.json"))
        found[region] = Installation(path, region)
    return found
