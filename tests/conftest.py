"""Shared fixtures. One rule pack and ONE RuleEngine per test session: durable-rules never frees
a compiled ruleset, so engines must not be built per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from decisionaid.pipeline import rule_pack_and_engine
from decisionaid.profile.model import Profile
from decisionaid.profile.read import parse_profile

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.fixture(scope="session")
def pack_and_engine():
    return rule_pack_and_engine(RULES)


@pytest.fixture(scope="session")
def pack(pack_and_engine):
    return pack_and_engine[0]


@pytest.fixture(scope="session")
def engine(pack_and_engine):
    return pack_and_engine[1]


@pytest.fixture(scope="session")
def make_profile(pack):
    def make(text: str, name: str = "test.yaml") -> Profile:
        return parse_profile(text, name, pack.catalogue, as_json=name.endswith(".json"))

    return make
