"""The engine adapter as it was before issue #7, kept only as the benchmark's "before" baseline.

It drives durable-rules through its Python `Host`: one Python action per fired rule (a closure,
a callback, the session state serialised to JSON and re-asserted), rulesets of 100 rules in
order, every fact posted in full, identical conditions matched once per occurrence.
"""

from __future__ import annotations

import copy
import itertools
import threading
from typing import Any

import durable_rules_engine
from durable import engine as durable

from decisionaid.evaluation.engine import Fired, to_fact
from decisionaid.pack.conditions import SENTINEL, TYPE_TAG, RuleKey


class LegacyEngine:
    def __init__(self, compiled: list[tuple[RuleKey, dict[str, Any]]], per_ruleset: int = 100) -> None:
        self._keys: dict[str, RuleKey] = {}
        rulesets: dict[str, dict[str, Any]] = {}
        for start in range(0, len(compiled), per_ruleset):
            ruleset: dict[str, Any] = {}
            for number, (key, condition) in enumerate(compiled[start : start + per_ruleset], start):
                name = f"r{number}"
                self._keys[name] = key
                ruleset[name] = {"all": [{"m": {"$and": [TYPE_TAG, condition]}}], "run": name}
            ruleset[SENTINEL] = {"all": [{"m": TYPE_TAG}], "run": SENTINEL}
            rulesets[f"rs{start // per_ruleset}"] = ruleset
        self._names = list(rulesets)
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self._fired: dict[str, list[str]] = {}
        self._host = _QuietHost(self._fired)
        self._host.set_rulesets(copy.deepcopy(rulesets))

    def evaluate(self, facts: dict[str, Any]) -> Fired:
        fact = to_fact(facts)
        with self._lock:
            sid = str(next(self._sids))
            fact["sid"] = sid
            self._fired[sid] = []
            try:
                for ruleset in self._names:
                    try:
                        self._host.assert_fact(ruleset, fact)
                    finally:
                        try:
                            self._host.delete_state(ruleset, sid)
                        except durable_rules_engine.error:
                            pass
            finally:
                names = self._fired.pop(sid, [])
        return Fired(frozenset(self._keys[name] for name in set(names)))

    def close(self) -> None:
        for ruleset in self._host._ruleset_list:
            durable_rules_engine.delete_ruleset(ruleset._handle)
        self._host._ruleset_list.clear()


class _QuietHost(durable.Host):  # type: ignore[misc]
    def __init__(self, fired: dict[str, list[str]]) -> None:
        self._fired_by_sid = fired
        super().__init__()

    def _run(self) -> None:
        pass

    def get_action(self, action_name: str) -> Any:
        if action_name == SENTINEL:
            return lambda context: None
        fired = self._fired_by_sid

        def action(context: Any) -> None:
            fired[context.s.sid].append(action_name)

        return action
