"""Assessments per second per core with the shipped pack, against the plain-Python reading of the
same rules (tests/oracle.py) and against the engine adapter as it was before (legacy_engine.py);
and memory over 100,000 evaluations."""

from __future__ import annotations

import gc
import sys

from .common import (
    ROOT,
    RULES,
    Result,
    alternate,
    median,
    per_call,
    random_profiles,
    rss_kib,
    spread,
)

TARGET_PER_SECOND = 10_000


def run(quick: bool = False) -> Result:
    sys.path.insert(0, str(ROOT))
    from decisionaid.evaluation.assess import assess
    from decisionaid.evaluation.engine import RuleEngine
    from decisionaid.pack.conditions import compile_pack
    from decisionaid.pack.loader import load_rule_pack
    from decisionaid.profile.facts import profile_facts
    from decisionaid.profile.model import Profile
    from tests import oracle

    from .legacy_engine import LegacyEngine

    result = Result("engine")
    pack = load_rule_pack(RULES)
    engine = RuleEngine(pack)
    compiled = compile_pack(pack)
    legacy = LegacyEngine(compiled)
    data = random_profiles(200 if quick else 500, seed=7)
    people = [Profile.model_validate(d, context={"catalogue": pack.catalogue}) for d in data]
    facts = [profile_facts(p, pack.catalogue) for p in people]

    # the same answers first: engine, oracle and the old adapter agree on every profile
    disagree = sum(oracle.read_engine(pack, engine.evaluate(f)) != oracle.read_pack(pack, f) for f in facts)
    legacy_disagree = sum(legacy.evaluate(f) != engine.evaluate(f) for f in facts[:100])
    fired = sum(len(engine.evaluate(f).keys) for f in facts) / len(facts)

    for f in facts:  # warm up
        engine.evaluate(f)
        oracle.read_pack(pack, f)
    from .closures import compile_pack as compile_closures

    closures = compile_closures(pack)
    closure_disagree = sum(closures(f) != oracle.read_pack(pack, f) for f in facts)
    c_floor = _c_calls_only(engine, facts)
    samples = alternate(
        5 if quick else 9,
        engine=per_call(engine.evaluate, facts),
        c_floor=c_floor,
        oracle=per_call(lambda f: oracle.read_pack(pack, f), facts),
        legacy=per_call(legacy.evaluate, facts[:60]),
        closures=per_call(closures, facts),
        assess=per_call(lambda p: assess(p, pack, engine), people[:150]),
    )
    t_engine, t_oracle, t_legacy, t_assess, t_floor, t_closures = (
        median(samples[k]) for k in ("engine", "oracle", "legacy", "assess", "c_floor", "closures"))
    per_second = 1 / t_engine
    result.figures.update({
        "rules in the pack (met and not-met rules, statements, questions)": len(compiled),
        "durable-rules rules after merging identical conditions": sum(engine.ruleset_sizes),
        "rulesets": len(engine.ruleset_sizes),
        "profiles (random, valid)": len(facts),
        "rule keys fired per evaluation (mean)": f"{fired:.1f}",
        "engine vs plain-Python reading: disagreements": f"{disagree} of {len(facts)}",
        "engine vs the old adapter: disagreements": f"{legacy_disagree} of 100",
        "compiled closures vs plain-Python reading: disagreements": f"{closure_disagree} of {len(facts)}",
    })
    result.tables.append((
        ["", "time per evaluation (median)", "noise", "per second per core", "ratio"],
        [
            ["durable-rules engine (this adapter)", f"{t_engine * 1e6:.0f} µs", spread(samples["engine"]),
             f"{per_second:,.0f}", "1.00"],
            ["… of which durable-rules' own C calls (assert, fire, delete)", f"{t_floor * 1e6:.0f} µs",
             spread(samples["c_floor"]), f"{1 / t_floor:,.0f}", f"{t_floor / t_engine:.0%} of the engine's time"],
            ["plain-Python reading of the same rules", f"{t_oracle * 1e6:.0f} µs", spread(samples["oracle"]),
             f"{1 / t_oracle:,.0f}", f"engine is {t_oracle / t_engine:.2f}× its speed"],
            ["the adapter before #7 (durable Host, Python actions)", f"{t_legacy * 1e6:.0f} µs", spread(samples["legacy"]),
             f"{1 / t_legacy:,.0f}", f"engine is {t_legacy / t_engine:.1f}× faster"],
            ["(what would reach the target) the same conditions compiled to Python closures",
             f"{t_closures * 1e6:.0f} µs", spread(samples["closures"]), f"{1 / t_closures:,.0f}",
             f"{t_engine / t_closures:.1f}× the engine's speed"],
            ["full assess() (engine + decision tables + pydantic models)", f"{t_assess * 1e6:.0f} µs",
             spread(samples["assess"]), f"{1 / t_assess:,.0f}", f"engine is {t_engine / t_assess:.0%} of it"],
        ],
    ))
    result.figures["evaluations per second per core"] = round(per_second)
    result.figures["ratio to the plain-Python reading (speed)"] = round(t_oracle / t_engine, 2)
    result.figures["speed-up over the adapter before #7"] = round(t_legacy / t_engine, 1)
    result.figures["assess() per second per core"] = round(1 / t_assess)
    result.figures["durable-rules C calls alone per second"] = round(1 / t_floor)
    result.figures["C share"] = round(t_floor / t_engine, 2)
    result.figures["compiled closures per second"] = round(1 / t_closures)
    result.target(f"≥ {TARGET_PER_SECOND:,} evaluations per second per core", per_second >= TARGET_PER_SECOND,
                  f"{per_second:,.0f} per second ({t_oracle / t_engine:.2f}× the plain-Python reading)")
    legacy.close()

    # memory: 100,000 evaluations in one process
    count = 20_000 if quick else 100_000
    for f in facts * 10:
        engine.evaluate(f)
    gc.collect()
    before = rss_kib()
    done = 0
    checkpoints = []
    while done < count:
        for f in facts:
            engine.evaluate(f)
        done += len(facts)
        if done % (count // 4) < len(facts):
            gc.collect()
            checkpoints.append((done, rss_kib() - before))
    gc.collect()
    grown = rss_kib() - before
    result.figures[f"RSS growth over {count:,} evaluations"] = f"{grown} KiB"
    result.tables.append((["evaluations", "RSS growth since warm-up"],
                          [[f"{n:,}", f"{kib} KiB"] for n, kib in checkpoints]))
    result.target(f"memory flat over {count:,} evaluations", grown < 2048, f"grew {grown} KiB")
    engine.close()
    return result


def _c_calls_only(engine, facts):
    """Only durable-rules' C calls for the same posted facts: what any adapter must pay when
    durable-rules matches one rule per criterion and polarity."""
    import itertools
    import time

    import durable_rules_engine as c

    texts = [engine._poster.json(f, "SID") for f in facts]
    handles = engine._handles
    sids = itertools.count(10**9)

    def run() -> float:
        prepared = []
        for text in texts:
            sid = str(next(sids))
            prepared.append((sid, text.replace('"SID"', f'"{sid}"', 1)))
        start = time.perf_counter()
        for sid, text in prepared:
            for handle in handles:
                _, state = c.assert_fact(handle, text)
                action = c.start_action_for_state(handle, state)
                message = action[1] if action else None
                while message:
                    message = c.complete_and_start_action(handle, state)
                c.delete_state(handle, sid)
        return (time.perf_counter() - start) / len(texts)

    return run
