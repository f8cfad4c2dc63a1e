"""The examples show every option in every status it can have.

An option "can have" a status when a row of its decision table gives it; the examples in
examples/ must reach each of them at least once, so a reader sees every kind of answer.
"""

from __future__ import annotations

import pytest

from decisionaid.evaluation.assess import assess
from decisionaid.profile.read import load_profile

from .conftest import EXAMPLES


@pytest.fixture(scope="module")
def statuses_seen(pack, engine):
    seen: dict[str, dict[str, list[str]]] = {option: {} for option in pack.options}
    for path in EXAMPLES:
        for option in assess(load_profile(str(path), pack.catalogue), pack, engine).options:
            seen[option.id].setdefault(option.status, []).append(path.name)
    return seen


def test_every_option_reaches_every_status_it_can_have(pack, statuses_seen):
    missing = {
        option.id: sorted({row.status for row in option.decision.rows} - set(statuses_seen[option.id]))
        for option in pack.options.values()
    }
    assert not any(missing.values()), f"no example reaches these statuses: {missing}"

