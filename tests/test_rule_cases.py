"""The rule pack's named test cases (rules/tests/*.yaml), one test each, and their coverage.

Uses the session's one rule pack and ONE RuleEngine (conftest): durable-rules never frees a
compiled ruleset, so no test here builds an engine of its own.
"""

from __future__ import annotations

import pytest

from decisionaid.authoring.ruletests import coverage, load_cases, run_cases

from .conftest import RULES

CASES = load_cases(RULES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_case(case, pack, engine):
    [result] = run_cases(pack, engine, [case])
    assert result.passed, f"{case.case.description}\n" + "\n".join(result.failures)


def test_every_option_has_cases(pack):
    assert {c.option for c in CASES} == set(pack.options)


def test_coverage_is_complete(pack, engine):
    report = coverage(pack, engine, CASES)
    assert report.complete, "\n".join(report.gaps())


def test_cases_include_published_trial_entry_criteria():
    names = {c.case.name for c in CASES}
    for trial in ("mist", "halt_ms", "stems", "mesems", "msc_np_phase2"):
        assert any(trial in name for name in names), f"no case built from the {trial} entry criteria"
