"""Rule-pack load and compile time: the shipped pack, and synthetic packs 10x and 100x larger.

A synthetic pack copies the shipped one and repeats every criterion of every option (with its
texts, sources and seed quotes) 10 or 100 times. The copies get new ids and shifted numeric
thresholds, so they are new rules for durable-rules too, not merged as identical conditions.
The baseline is the plain YAML parse (libyaml) of the same files, in the same run.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from .common import ROOT, RULES, Result, median

TARGET_SECONDS = 0.5


def synthetic_pack(factor: int, folder: Path) -> Path:
    """A copy of the shipped pack (and its seeds) with `factor` times as many rules, by adding criteria.

    The copies are spread evenly over the seven option files (a rule file may not exceed 1 MB)
    and kept lean: the same condition with shifted thresholds, short texts, one source, no quotes.
    """
    rules = folder / "rules"
    shutil.copytree(RULES, rules)
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    shutil.rmtree(rules / "tests", ignore_errors=True)  # the rule test cases are not part of loading
    paths = sorted((rules / "options").glob("*.yaml"))
    options = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in paths]
    originals = [c for option in options for c in option.get("criteria", [])]
    # each criterion is two rules (met, not met); statements and questions with a condition one each
    rules_now = sum(_rule_count(option) for option in options)
    for number in range((factor - 1) * rules_now // 2):
        index, k = number % len(originals), number // len(originals) + 1
        options[(index + k) % len(options)].setdefault("criteria", []).append(_lean_copy(originals[index], k, index))
    for path, option in zip(paths, options):
        text = yaml.dump(option, Dumper=_NoAliases, allow_unicode=True, sort_keys=False, width=1000)
        path.write_text(text, encoding="utf-8")
    return rules


def _rule_count(option: dict[str, Any]) -> int:
    conditional = [s for kind in ("benefits", "risks", "questions") for s in option.get(kind, []) if "when" in s]
    return 2 * len(option.get("criteria", [])) + len(conditional)


def _lean_copy(criterion: dict[str, Any], k: int, index: int) -> dict[str, Any]:
    return {"id": f"{criterion['id'][:40]}_{index}_x{k}", "label": "copy", "when": _shift(criterion["when"], k),
            "met": "m", "not_met": "n", "unknown": "u", "sources": criterion["sources"][:1]}


class _NoAliases(yaml.SafeDumper):
    """Rule files may not use anchors and aliases: write shared parts out in full."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _shift(condition: Any, k: int) -> Any:
    if isinstance(condition, dict) and "field" in condition:
        value = condition.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return condition
        return dict(condition, value=value + (k if isinstance(value, int) else k / 2))
    if isinstance(condition, dict):
        return {key: _shift(value, k) for key, value in condition.items()}
    if isinstance(condition, list):
        return [_shift(item, k) for item in condition]
    return condition


def _files(rules: Path) -> list[Path]:
    return [rules / "pack.yaml", rules / "sources.yaml", rules / "drugs.yaml", *sorted((rules / "options").glob("*.yaml"))]


def run(quick: bool = False) -> Result:
    from decisionaid.evaluation.engine import RuleEngine
    from decisionaid.pack.loader import load_rule_pack

    result = Result("load")
    rows = []
    base: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="decisionaid-bench-") as tmp:
        packs = {1: RULES}
        for factor in (10, 100):
            packs[factor] = synthetic_pack(factor, Path(tmp) / f"x{factor}")
        for factor, rules in packs.items():
            repeats = 1 if factor == 100 else 3 if factor == 10 or quick else 7
            loads, builds, parses = [], [], []
            for _ in range(repeats):
                start = time.perf_counter()
                for path in _files(rules):
                    yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
                parses.append(time.perf_counter() - start)
                start = time.perf_counter()
                pack = load_rule_pack(rules)
                loads.append(time.perf_counter() - start)
                start = time.perf_counter()
                engine = RuleEngine(pack)
                builds.append(time.perf_counter() - start)
                rule_count, durable_rules, rulesets = engine.rule_count, sum(engine.ruleset_sizes), len(engine.ruleset_sizes)
                engine.close()
            load, build, parse = median(loads), median(builds), median(parses)
            total = load + build
            if factor == 1:
                base = {"total": total, "rules": rule_count}
            size_kib = sum(p.stat().st_size for p in _files(rules)) / 1024
            rows.append([f"{factor}×", f"{size_kib:,.0f} KiB", f"{rule_count:,}", f"{durable_rules:,} in {rulesets}",
                         f"{load * 1000:,.0f} ms", f"{build * 1000:,.0f} ms", f"{total * 1000:,.0f} ms",
                         f"{total / parse:.1f}×", f"{total / base['total']:.1f}× for {rule_count / base['rules']:.0f}× the rules"])
            result.figures[f"{factor}× pack: load + compile"] = f"{total:.3f} s"
            if factor == 1:
                result.target(f"shipped pack loads and compiles in < {TARGET_SECONDS} s", total < TARGET_SECONDS,
                              f"{total:.3f} s ({total / parse:.1f}× a bare YAML parse of its files)")
            else:
                growth = (total / base["total"]) / (rule_count / base["rules"])
                result.target(f"{factor}× pack: no worse than linear", growth <= 1.15,
                              f"{total / base['total']:.1f}× the time for {rule_count / base['rules']:.0f}× the rules "
                              f"(time per rule {growth:.2f}× the shipped pack's)")
    result.tables.append((["pack", "YAML", "rules", "durable-rules rules in rulesets", "load + check", "compile + build",
                           "total", "÷ bare YAML parse", "growth"], rows))
    return result


# ----------------------------------------------------------------------------- rules check on large decision tables
TABLE_SIZES = (50, 100, 200, 400)
#: integer facts the generated criteria test; each criterion is "field = value", several per field
_TABLE_FIELDS = ("age", "relapses_last_12_months", "relapses_last_24_months", "failed_dmts_low", "failed_dmts_high",
                 "mri_last_12_months.new_or_enlarging_t2_lesions", "mri_last_12_months.gadolinium_enhancing_lesions",
                 "current_dmt_months")


def table_pack(criteria: int, folder: Path) -> Path:
    """The shipped pack with `criteria` generated criteria and as many decision rows in one option.

    Row i needs criterion i met and criterion i+7 not met or unknown: every row is reachable, so
    the check must prove each one live (the case issue 13 measured at 2 s for 50 and over 150 s
    for 400 criteria, when rows were compared box by box).
    """
    rules = folder / "rules"
    shutil.copytree(RULES, rules)
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    shutil.rmtree(rules / "tests", ignore_errors=True)
    path = rules / "options" / "nsc.yaml"
    option = yaml.safe_load(path.read_text(encoding="utf-8"))
    source = option["evidence"]["sources"][:1]
    option["criteria"] = [{"id": f"c{i}", "label": "generated", "met": "m", "not_met": "n", "unknown": "u",
                           "when": {"field": _TABLE_FIELDS[i % len(_TABLE_FIELDS)], "op": "eq",
                                    "value": 10 + i // len(_TABLE_FIELDS)}, "sources": source}
                          for i in range(criteria)]
    rows = [{"when": {f"c{i}": "met", f"c{(i + 7) % criteria}": ["not_met", "unknown"]}, "status": "discuss"}
            for i in range(criteria)]
    option["decision"] = {"hit_policy": "first", "rows": [*rows, {"status": "research_only"}]}
    # the generated table weighs no safety fact on purpose (a few age criteria may: a warning then)
    safety = yaml.safe_load((rules / "safety.yaml").read_text(encoding="utf-8"))["facts"]
    option["not_relevant"] = [{"facts": [f["id"] for f in safety], "reason": "A generated benchmark table.",
                               "sources": source}]
    path.write_text(yaml.dump(option, Dumper=_NoAliases, allow_unicode=True, sort_keys=False, width=1000),
                    encoding="utf-8")
    return rules


ROW_SIZES = (300, 3000)
ROW_CRITERIA = 300


def rows_pack(rows: int, folder: Path) -> Path:
    """`table_pack` with ROW_CRITERIA criteria and `rows` decision rows (issue 24 measured 1.6 s for
    100 rows, 7.9 s for 600 and over 300 s for 3,000). The first row takes the usual answer of one
    criterion, so no row is shown live by the quiet profile alone; row i then needs one criterion
    met and another not, so the table holds live rows, rows dead behind one earlier row, and rows
    dead only behind many earlier rows together."""
    rules = table_pack(ROW_CRITERIA, folder)
    path = rules / "options" / "nsc.yaml"
    option = yaml.safe_load(path.read_text(encoding="utf-8"))
    k = ROW_CRITERIA - 1
    table = [{"when": {"c0": ["not_met", "unknown"]}, "status": "discuss"}]
    table += [{"when": {f"c{1 + i % k}": "met", f"c{1 + (i * 7 + 3) % k}": ["not_met", "unknown"]}, "status": "discuss"}
              for i in range(rows) if i % k != (i * 7 + 3) % k]
    option["decision"] = {"hit_policy": "first", "rows": [*table, {"status": "research_only"}]}
    path.write_text(yaml.dump(option, Dumper=_NoAliases, allow_unicode=True, sort_keys=False, width=1000),
                    encoding="utf-8")
    return rules


def run_check(quick: bool = False) -> Result:
    """`rules check` time for 50-400 criteria with as many decision rows, against the shipped pack's."""
    from decisionaid.authoring.checks import check_rules

    result = Result("check")
    repeats = 1 if quick else 3
    with tempfile.TemporaryDirectory(prefix="decisionaid-bench-") as tmp:
        packs = {n: table_pack(n, Path(tmp) / f"t{n}") for n in TABLE_SIZES}

        def timed(rules: Path, dead_rows: bool = False) -> float:
            start = time.perf_counter()
            found = check_rules(rules)
            problems = [d for d in found.diagnostics if d.level == "error" and not (dead_rows and d.code == "unreachable-row")]
            assert not problems, [str(d) for d in problems][:5]
            return time.perf_counter() - start

        base = median([timed(RULES) for _ in range(repeats)])
        times = {n: median([timed(rules) for _ in range(repeats)]) for n, rules in packs.items()}
        row_packs = {n: rows_pack(n, Path(tmp) / f"r{n}") for n in ROW_SIZES}
        row_times = {n: median([timed(rules, dead_rows=True) for _ in range(repeats)]) for n, rules in row_packs.items()}
    first = TABLE_SIZES[0]
    rows = []
    for n, seconds in times.items():
        rows.append([f"{n}", f"{n + 1}", f"{seconds * 1000:,.0f} ms", f"{seconds / base:.1f}×",
                     f"{seconds / n * 1000:.2f} ms", f"{seconds / times[first]:.1f}× for {n / first:.0f}× the criteria"])
        result.figures[f"{n} criteria, {n + 1} rows"] = f"{seconds:.3f} s"
    growth = times[TABLE_SIZES[-1]] / times[first]
    scale = TABLE_SIZES[-1] / first
    result.target(f"rules check: {TABLE_SIZES[-1]} criteria no worse than linear from {first}", growth <= scale,
                  f"{growth:.1f}× the time for {scale:.0f}× the criteria and rows")
    small, large = ROW_SIZES
    row_growth = row_times[large] / row_times[small]
    for n, seconds in row_times.items():
        result.figures[f"{ROW_CRITERIA} criteria, {n} rows"] = f"{seconds:.3f} s"
    result.target(f"rules check: {large:,} decision rows within 15x the time of {small}", row_growth <= 15,
                  f"{row_growth:.1f}x the time for {large / small:.0f}x the rows")
    rows.extend([[f"{ROW_CRITERIA}", f"{n:,}", f"{seconds * 1000:,.0f} ms", f"{seconds / base:.1f}×",
                  f"{seconds / n * 1000:.2f} ms per row", f"{seconds / row_times[small]:.1f}× for {n / small:.0f}× the rows"]
                 for n, seconds in row_times.items()])
    result.figures["shipped pack (baseline)"] = f"{base:.3f} s"
    result.tables.append((["criteria", "decision rows", "rules check", "÷ shipped pack", "per criterion",
                           "growth"], rows))
    return result
