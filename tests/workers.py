"""Functions run in spawned worker processes by the isolation tests (kept light to import)."""

from __future__ import annotations

from typing import Any

from decisionaid.evaluation.assess import assess
from decisionaid.pipeline import rule_pack_and_engine
from decisionaid.profile.facts import profile_facts
from decisionaid.profile.model import Profile


def assess_all(rules_dir: str, profiles: list[dict[str, Any]], rounds: int) -> tuple[int, list[Any], list[Any]]:
    """Every profile's assessment (as JSON data) and fired rules, each evaluated `rounds` times;
    the first item is this process's id, to show the work really was spread."""
    import os

    pack, engine = rule_pack_and_engine(rules_dir)
    people = [Profile.model_validate(p, context={"catalogue": pack.catalogue}) for p in profiles]
    assessments: list[Any] = []
    fired: list[Any] = []
    for _ in range(rounds):
        for person in people:
            fired.append(sorted(map(repr, engine.evaluate(profile_facts(person, pack.catalogue)).keys)))
    for person in people:
        assessments.append(assess(person, pack, engine).model_dump(mode="json"))
    return os.getpid(), assessments, fired


def crash_on_request(source: str, target: str) -> Any:
    """A stand-in sheet maker for the batch pool: kills its own process for a source named 'crash'."""
    import os
    from pathlib import Path

    from decisionaid.batch import Outcome

    if Path(source).stem == "crash":
        os._exit(3)
    if Path(source).stem == "stuck":  # a render worker that was stopped (kill -STOP) mid-sheet
        import signal

        os.kill(os.getpid(), signal.SIGSTOP)
    Path(target).write_text(source)
    return Outcome(Path(source), Path(target), None, 1)
