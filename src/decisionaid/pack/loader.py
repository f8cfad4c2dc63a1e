"""Loading a rule pack from a folder, checking everything, and reporting every problem at once.

Stages: YAML hygiene (syntax, duplicate keys) → structure and types (pydantic) → meaning
(known fields and operators, known criteria and sources, seed quotes found verbatim, a final
catch-all decision row). Every problem is a Diagnostic with file:line:col.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..plumbing.i18n import PACK, translations
from ..plumbing.errors import Diagnostic, InputError, RulePackError
from ..plumbing.resources import default_rules_dir
from ..plumbing.safeio import read_input
from ..plumbing.yamlpos import Document, Path_, ReadError, data_path, read_text
from .catalogue import DrugCatalogue
from .conditions import MAX_SAFE_NUMBER, compile_condition, engine_fits
from .models import (
    OPTION_IDS,
    STATEMENT_KINDS,
    AllOf,
    AnyOf,
    Condition,
    Leaf,
    NotOf,
    Option,
    PackMeta,
    Quote,
    RulePack,
    SafetyFile,
    SourcesFile,
)
from .safety import declared, weighing_criteria
from .vocabulary import FIELDS, FieldSpec

M = TypeVar("M", bound=BaseModel)
MAX_SEED_BYTES = 10_000_000  # a seed is a copied web page or paper, never more
MAX_VALUE_PROBLEMS = 5  # wrong values reported for one list; the rest are counted

OPS_BY_KIND = {
    "int": {"eq", "neq", "lt", "lte", "gt", "gte", "in", "not_in"},
    "number": {"eq", "neq", "lt", "lte", "gt", "gte"},
    "enum": {"eq", "neq", "in", "not_in"},
    "bool": {"eq"},
    "set": {"includes", "excludes"},
}


def load_rule_pack(rules_dir: str | Path | None = None) -> RulePack:
    """Load and check a rule pack; raise RulePackError listing every error."""
    pack, diagnostics = check_rule_pack(rules_dir)
    errors = [d for d in diagnostics if d.level == "error"]
    if errors or pack is None:
        raise RulePackError(errors or diagnostics)
    return pack


def check_rule_pack(rules_dir: str | Path | None = None) -> tuple[RulePack | None, list[Diagnostic]]:
    """Load a rule pack, returning it (when it has no errors) and every diagnostic found."""
    reading = read_rule_pack(rules_dir)
    return reading.pack, reading.diagnostics


@dataclass(frozen=True)
class PackReading:
    """Everything read from a rules folder, kept so that later checks can point at file:line:col."""

    root: Path
    pack: RulePack | None  # None when there are errors
    diagnostics: list[Diagnostic]
    documents: dict[Path, Document]  # every file that parsed as YAML
    meta: PackMeta | None
    sources: SourcesFile | None
    catalogue: DrugCatalogue | None
    options: dict[Path, Option]  # every option file that passed the structure stage
    seeds_dir: Path
    texts: dict[Path, str] = field(default_factory=dict)  # every file as read (never read twice)


def read_rule_pack(rules_dir: str | Path | None = None) -> PackReading:
    """Read and check a rules folder, keeping the documents and models that did load."""
    root = Path(rules_dir) if rules_dir is not None else default_rules_dir()
    if not root.is_dir():
        return PackReading(root, None, [Diagnostic(_display(root), None, None, "rule pack folder not found", "not-found")],
                           {}, None, None, None, {}, root.parent / "seeds")
    loading = Loading(root)
    meta = loading.model(root / "pack.yaml", PackMeta)
    sources = loading.model(root / "sources.yaml", SourcesFile)
    catalogue = loading.model(root / "drugs.yaml", DrugCatalogue)
    safety = loading.model(root / "safety.yaml", SafetyFile)
    options: dict[str, Option] = {}
    option_files: dict[Path, Option] = {}
    for path in sorted((root / "options").glob("*.yaml")):
        option = loading.model(path, Option)
        if option is None:
            continue
        option_files[path] = option
        if option.id in options:
            loading.report(path, ("id",), f"option '{option.id}' is defined twice", "duplicate-option")
            continue
        if path.stem != option.id:
            loading.report(path, ("id",), f"option '{option.id}' must live in options/{option.id}.yaml", "option-file-name")
        options[option.id] = option
    for missing in sorted(set(OPTION_IDS) - {o.id for o in option_files.values()}):
        if not (root / "options" / f"{missing}.yaml").exists():
            loading.diagnostics.append(Diagnostic(_display(root / "options"), None, None,
                                                  f"option '{missing}' has no file options/{missing}.yaml", "missing-option"))
    # Meaning is checked for every file that parsed, even when another file has errors.
    seeds_dir = _seeds_folder(loading, root, meta)
    if sources is not None:
        source_ids = {s.id for s in sources.sources}
        _check_sources(loading, root / "sources.yaml", sources, seeds_dir)
        if catalogue is not None:
            loading.check_source_refs(root / "drugs.yaml", loading.docs[root / "drugs.yaml"].data, source_ids)
        if safety is not None:
            _check_safety(loading, root / "safety.yaml", safety, source_ids)
        for path, option in option_files.items():
            _check_option(loading, path, option, source_ids, sources, seeds_dir)
            if safety is not None:
                _check_coverage(loading, path, option, safety)
    pack = None
    if (meta is not None and sources is not None and catalogue is not None and safety is not None
            and not loading.errors()):
        pack = RulePack(
            meta=meta,
            sources={s.id: s for s in sources.sources},
            catalogue=catalogue,
            options={i: options[i] for i in OPTION_IDS},
            safety=list(safety.facts),
            digest=_digest(root, loading.texts),
            seeds_dir=str(seeds_dir),
            rules_dir=str(root),
        )
        for language in meta.translations:  # a profile may name a drug as any shipped language does
            catalogue.learn_names(translations(root, language, PACK).gettext)
    return PackReading(root, pack, loading.diagnostics, loading.docs, meta, sources, catalogue, option_files, seeds_dir,
                       loading.texts)


class Loading:
    """The YAML files of a rules folder read so far, as models, with every problem found in them at
    file:line:col. The rule pack and the FHIR map (fhir/mapping.py) are both read through it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.docs: dict[Path, Document] = {}
        self.texts: dict[Path, str] = {}  # as read once, for the digest
        self.diagnostics: list[Diagnostic] = []

    def errors(self) -> bool:
        return any(d.level == "error" for d in self.diagnostics)

    def model(self, path: Path, model: type[M]) -> M | None:
        name = _display(path)
        try:
            text, _ = read_input(path, display=name)  # a folder, FIFO or device named *.yaml is refused here
            doc = read_text(text, name)
        except (InputError, ReadError) as exc:
            self.diagnostics.extend(exc.diagnostics)
            return None
        self.texts[path] = text
        self.docs[path] = doc
        try:
            return model.model_validate(doc.data)
        except ValidationError as exc:
            for error in exc.errors():
                loc = data_path(doc.data, error["loc"])
                diagnostic = doc.diagnostic(loc, _message(error, loc, model), _code(error))
                if diagnostic.line is None and doc.positions:  # a key missing at the top: point at the start
                    diagnostic = Diagnostic(diagnostic.file, 1, 1, diagnostic.message, diagnostic.code)
                self.diagnostics.append(diagnostic)
            return None

    def report(self, path: Path, at: Path_, message: str, code: str, level: str = "error") -> None:
        doc = self.docs.get(path)
        if doc is None:
            self.diagnostics.append(Diagnostic(_display(path), None, None, message, code, level))  # type: ignore[arg-type]
        else:
            self.diagnostics.append(doc.diagnostic(at, message, code, level))

    def check_source_refs(self, path: Path, data: Any, known: set[str]) -> None:
        """Every source id named in a file's data (as written: the model has checked its shape)."""
        for at, value in _walk(data, ()):
            if at and at[-1] in ("source",) and isinstance(value, str) or (
                len(at) >= 2 and at[-2] in ("sources", "better_sources", "what_it_is_like_sources") and isinstance(value, str)
            ):
                if value not in known:
                    hint = difflib.get_close_matches(value, sorted(known), n=1)
                    self.report(path, at, f"unknown source '{value}'" + (f" (did you mean '{hint[0]}'?)" if hint else ""),
                                "unknown-source")


def _check_sources(loading: Loading, path: Path, sources: SourcesFile, seeds_dir: Path) -> None:
    seen: set[str] = set()
    for index, source in enumerate(sources.sources):
        if source.id in seen:
            loading.report(path, ("sources", index, "id"), f"source '{source.id}' is listed twice", "duplicate-source")
        seen.add(source.id)
        if not source.seed:
            continue
        seed = seed_path(seeds_dir, source.seed)
        if seed is None:
            loading.report(path, ("sources", index, "seed"), f"seed file '{source.seed}' is outside the seeds folder "
                           f"{_display(seeds_dir)}: name a file inside it", "seed-outside")
        elif not seed.exists():
            loading.report(path, ("sources", index, "seed"), f"seed file '{source.seed}' not found in {_display(seeds_dir)}", "seed-not-found")
        else:
            try:
                _seed_text(seed)
            except InputError as exc:
                loading.report(path, ("sources", index, "seed"), f"seed file '{source.seed}' {exc.diagnostics[0].message}",
                               "seed-unreadable")


def _check_safety(loading: Loading, path: Path, safety: SafetyFile, source_ids: set[str]) -> None:
    loading.check_source_refs(path, loading.docs[path].data, source_ids)
    _unique(loading, path, [("facts", i, "id", f.id) for i, f in enumerate(safety.facts)], "safety-fact")
    for index, fact in enumerate(safety.facts):
        _check_condition(loading, path, ("facts", index, "when"), fact.when)
        spec = FIELDS.get(fact.when.field)
        if fact.band is not None and spec is not None and spec.kind not in ("int", "number"):
            loading.report(path, ("facts", index, "band"), f"'band' applies to number fields only, not to "
                           f"{spec.kind} field '{spec.name}'", "wrong-value")


def _check_coverage(loading: Loading, path: Path, option: Option, safety: SafetyFile) -> None:
    """Every safety fact is weighed by a criterion of the decision table, or declared not relevant."""
    known = {f.id for f in safety.facts}
    listed = [(("not_relevant", i, "facts", k), name) for i, entry in enumerate(option.not_relevant)
              for k, name in enumerate(entry.facts)]
    for at, name in listed:
        if name not in known:
            hint = difflib.get_close_matches(name, sorted(known), n=1)
            loading.report(path, at, f"unknown safety fact '{name}'" + (f" (did you mean '{hint[0]}'?)" if hint else ""),
                           "unknown-safety-fact")
    _unique(loading, path, [(*at, name) for at, name in listed], "not-relevant-fact")
    for fact in safety.facts:
        weighing, excuse = weighing_criteria(option, fact), declared(option, fact)
        if not weighing and excuse is None:
            loading.report(path, ("id",), f"option '{option.id}' does not weigh the safety fact '{fact.id}' "
                           f"({fact.label}): use '{fact.when.field}' in a criterion that the decision table reads, "
                           "or list it under 'not_relevant' with a reason and a source", "safety-not-weighed")
        elif weighing and excuse is not None:
            at = ("not_relevant", option.not_relevant.index(excuse))
            loading.report(path, at, f"'{fact.id}' is declared not relevant, but criterion '{weighing[0]}' weighs "
                           "it: remove one of the two", "safety-declared-but-weighed", "warning")


def _check_option(
    loading: Loading, path: Path, option: Option, source_ids: set[str], sources: SourcesFile, seeds_dir: Path
) -> None:
    loading.check_source_refs(path, loading.docs[path].data, source_ids)
    criteria = {c.id for c in option.criteria}
    _unique(loading, path, [("criteria", i, "id", c.id) for i, c in enumerate(option.criteria)], "criterion")
    _unique(loading, path,
            [(kind, i, "id", s.id) for kind in STATEMENT_KINDS for i, s in enumerate(getattr(option, kind))],
            "statement")
    for at, condition in _conditions(option):
        found = len(loading.diagnostics)
        _check_condition(loading, path, at, condition)
        if len(loading.diagnostics) == found:  # over a broken condition this would only echo its errors
            _check_engine_fit(loading, path, at, condition, both=at[0] == "criteria" or at[-1] == "population_when")
    rows = option.decision.rows
    for index, row in enumerate(rows):
        for criterion in row.when:
            if criterion not in criteria:
                hint = difflib.get_close_matches(criterion, sorted(criteria), n=1)
                loading.report(path, ("decision", "rows", index, "when", criterion),
                               f"unknown criterion '{criterion}'" + (f" (did you mean '{hint[0]}'?)" if hint else ""),
                               "unknown-criterion")
        if not row.when and index < len(rows) - 1:
            loading.report(path, ("decision", "rows", index + 1),
                           "this row can never match: an earlier row matches every profile", "unreachable-row")
    if rows[-1].when:
        loading.report(path, ("decision", "rows", len(rows) - 1),
                       "the last decision row must be a catch-all (no 'when'), so every profile gets a status",
                       "no-catch-all")
    by_id = {s.id: s for s in sources.sources}
    for at, quote in _quotes(option):
        _check_quote(loading, path, at, quote, by_id, seeds_dir)


def _unique(loading: Loading, path: Path, items: list[tuple[Any, ...]], what: str) -> None:
    seen: set[str] = set()
    for *at, value in items:
        if value in seen:
            loading.report(path, tuple(at), f"{what} id '{value}' is used twice", f"duplicate-{what}")
        seen.add(value)


def _conditions(option: Option) -> Iterator[tuple[Path_, Condition]]:
    """Every condition of an option, where it is written; the engine compiles each (a criterion's and a
    number's population both ways: met and not met)."""
    for index, criterion in enumerate(option.criteria):
        yield ("criteria", index, "when"), criterion.when
    for kind in STATEMENT_KINDS:
        for index, statement in enumerate(getattr(option, kind)):
            if statement.when is not None:
                yield (kind, index, "when"), statement.when
            if statement.matters_most_when is not None:
                yield (kind, index, "matters_most_when"), statement.matters_most_when
            for number_index, number in enumerate(statement.numbers):
                if number.population_when is not None:
                    yield (kind, index, "numbers", number_index, "population_when"), number.population_when
    for index, question in enumerate(option.questions):
        if question.when is not None:
            yield ("questions", index, "when"), question.when


def _check_condition(loading: Loading, path: Path, at: Path_, condition: Condition) -> None:
    if isinstance(condition, AllOf | AnyOf):
        key = "all" if isinstance(condition, AllOf) else "any"
        for index, child in enumerate(condition.all if isinstance(condition, AllOf) else condition.any):
            _check_condition(loading, path, at + (key, index), child)
        return
    if isinstance(condition, NotOf):
        _check_condition(loading, path, at + ("not",), condition.not_)
        return
    assert isinstance(condition, Leaf)
    spec = FIELDS.get(condition.field)
    if spec is None:
        hint = difflib.get_close_matches(condition.field, sorted(FIELDS), n=1, cutoff=0.5)
        loading.report(path, at + ("field",), f"unknown field '{condition.field}'" + (f" (did you mean '{hint[0]}'?)" if hint else ""),
                       "unknown-field")
        return
    allowed = OPS_BY_KIND[spec.kind]
    if condition.op not in allowed:
        loading.report(path, at + ("op",), f"operator '{condition.op}' does not apply to {spec.kind} field '{spec.name}'; "
                       f"use one of {', '.join(sorted(allowed))}", "wrong-operator")
        return
    problems = _value_problems(spec, condition)
    for problem in problems[:MAX_VALUE_PROBLEMS]:
        loading.report(path, at + ("value",), problem, "wrong-value")
    if len(problems) > MAX_VALUE_PROBLEMS:  # a generated list can hold 100,000 wrong values
        loading.report(path, at + ("value",), f"... and {len(problems) - MAX_VALUE_PROBLEMS} more wrong values in "
                       "this list", "wrong-value")


def _check_engine_fit(loading: Loading, path: Path, at: Path_, condition: Condition, *, both: bool) -> None:
    """The condition, compiled as the engine compiles it (a criterion both ways: met and not met),
    fits durable-rules. The engine splits rulesets so that they fit; what it cannot split is one
    rule too wide for durable-rules' fixed match stack, child lists or expression slots
    (engineering notes §1.7), which would otherwise fail only when a sheet is made."""
    if not all(engine_fits(compile_condition(condition, negate)) for negate in ((False, True) if both else (False,))):
        loading.report(path, at, "this condition is too wide for the rule engine (durable-rules hangs or fails past "
                       "a few hundred alternatives on one node, a 64-deep match stack or 15 all/any groups in one "
                       "rule): split it, or add a derived fact to facts.py", "engine-limit")


def _value_problems(spec: FieldSpec, leaf: Leaf) -> list[str]:
    many = leaf.op in ("in", "not_in")
    values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
    if many != isinstance(leaf.value, list):
        return [f"operator '{leaf.op}' needs " + ("a list of values" if many else "a single value")]
    problems = []
    for value in values:
        if spec.kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append(f"'{spec.name}' is a whole number; {value!r} is not")
        elif spec.kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
            problems.append(f"'{spec.name}' is a number; {value!r} is not")
        elif spec.kind in ("int", "number") and isinstance(value, int | float) and not _engine_holds(value):
            problems.append(f"{_shortened(value)} is past the numbers the rule engine holds exactly "
                            f"(-{MAX_SAFE_NUMBER:,} to {MAX_SAFE_NUMBER:,})")
        elif spec.kind == "bool" and not isinstance(value, bool):
            problems.append(f"'{spec.name}' is true or false; {value!r} is not")
        elif spec.kind in ("enum", "set") and value not in spec.values:
            hint = difflib.get_close_matches(str(value), spec.values, n=1)
            problems.append(f"{value!r} is not a value of '{spec.name}'" + (f" (did you mean '{hint[0]}'?)" if hint else
                            f"; use one of {', '.join(spec.values)}"))
    return problems


def _engine_holds(value: float) -> bool:
    """durable-rules keeps numbers as doubles: a whole number past 2**53 (9007199254740993, 2**64)
    or an infinite one would be changed or refused when the engine is built, not in `rules check`."""
    return abs(value) <= MAX_SAFE_NUMBER if isinstance(value, int) else math.isfinite(value) and abs(value) <= MAX_SAFE_NUMBER


def _shortened(value: float) -> str:
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:12]}...{text[-4:]} ({len(text.lstrip('-'))} digits)"


def _quotes(option: Option) -> Iterator[tuple[Path_, Quote]]:
    for index, quote in enumerate(option.quotes):
        yield ("quotes", index), quote
    for kind in ("criteria", *STATEMENT_KINDS):
        for index, item in enumerate(getattr(option, kind)):
            for q, quote in enumerate(item.quotes):
                yield (kind, index, "quotes", q), quote


def _seeds_folder(loading: Loading, root: Path, meta: PackMeta | None) -> Path:
    """The seeds folder that pack.yaml names, which must lie in the pack's own tree (the rules
    folder's parent, where the shipped pack keeps `seeds/`): a quote check reads every file there,
    so `seeds: /etc` or `/proc/self` is refused (and the default folder used for the other checks)."""
    tree = root.resolve().parent
    default = (root / "../seeds").resolve()
    if meta is None:
        return default
    folder = (root / meta.seeds).resolve()
    if folder != tree and tree not in folder.parents:
        loading.report(root / "pack.yaml", ("seeds",), f"seeds folder '{meta.seeds}' is outside the pack's own tree "
                       f"(the folder that holds {root.resolve().name}/): name a folder inside it", "seeds-outside")
        return default
    return folder


def seed_path(seeds_dir: Path, name: str) -> Path | None:
    """The seed file `name` inside `seeds_dir`, or None when it would lie outside (`../../etc/passwd`,
    an absolute path, or a link that leads out)."""
    root = seeds_dir.resolve()
    candidate = (root / name).resolve()
    return candidate if candidate != root and root in candidate.parents else None


def _seed_text(path: Path) -> tuple[str, str]:
    """A seed's text, as is and with its spaces normalised (read once per check: rules quote seeds often)."""
    key = (path, path.stat().st_mtime_ns)
    if key not in _SEEDS:
        text, _ = read_input(path, cap=MAX_SEED_BYTES)
        _SEEDS[key] = (text, normalise_space(text))
    return _SEEDS[key]


_SEEDS: dict[tuple[Path, int], tuple[str, str]] = {}


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _check_quote(loading: Loading, path: Path, at: Path_, quote: Quote, sources: dict[str, Any], seeds_dir: Path) -> None:
    source = sources.get(quote.source)
    if source is None:
        return  # reported as an unknown source
    if not source.seed:
        loading.report(path, at + ("source",), f"source '{quote.source}' is not a seed document; quotes must come from seeds",
                       "quote-not-seed")
        return
    seed = seed_path(seeds_dir, source.seed)
    try:
        if seed is None:
            return  # reported with the source
        seed_text, flat_seed = _seed_text(seed)
    except (OSError, InputError):
        return  # reported with the source
    if normalise_space(quote.text) not in flat_seed:
        loading.report(path, at + ("text",), f"quote not found verbatim in seed '{source.seed}'{_quote_hint(quote.text, seed_text)}",
                       "quote-not-verbatim")


def _quote_hint(quote: str, seed: str) -> str:
    """Where the quote stops matching its seed: the longest opening found, and what the seed says next."""
    words, flat = normalise_space(quote).split(" "), normalise_space(seed)
    low, high = 0, len(words)  # the longest prefix found (by words) lies in [low, high)
    while low < high:
        mid = (low + high + 1) // 2
        if " ".join(words[:mid]) in flat:
            low = mid
        else:
            high = mid - 1
    if low < 3:
        return ": not even its first words are in the seed"
    match = re.search(r"\s+".join(map(re.escape, words[:low])), seed)
    if match is None:  # pragma: no cover - the prefix was found in the normalised seed
        return ""
    rest = seed[match.end():]
    line = seed.count("\n", 0, match.end() + len(rest) - len(rest.lstrip())) + 1  # where the seed's next word is
    seed_next = " ".join(rest.split()[:4])
    return (f": it matches up to '{_tail(words[:low])}', then the quote has '{' '.join(words[low:low + 4])}' "
            f"where the seed (line {line}) has '{seed_next}'")


def _tail(words: list[str], count: int = 5) -> str:
    return ("... " if len(words) > count else "") + " ".join(words[-count:])


def _walk(data: Any, at: Path_) -> Iterator[tuple[Path_, Any]]:
    yield at, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _walk(value, at + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _walk(value, at + (index,))


def _message(error: Any, loc: Path_, model: type[BaseModel]) -> str:
    field = ".".join(str(p) for p in loc) or "file"
    if error["type"] == "extra_forbidden":
        key = str(loc[-1]) if loc else field
        hint = difflib.get_close_matches(key, _known_keys(model), n=1, cutoff=0.7)
        return f"unknown key '{key}'" + (f" (did you mean '{hint[0]}'?)" if hint else "")
    if error["type"] == "missing" and loc and loc[-1] in ("denominator", "time_frame"):
        return (f"'{field}' is required: every number needs " +
                ("a denominator (10, 100, 1000 or 10000)" if loc[-1] == "denominator" else "a time frame"))
    if error["type"] == "missing":
        return f"'{field}' is required"
    if error["type"] == "literal_error" and isinstance(error.get("input"), str):
        allowed = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
        hint = difflib.get_close_matches(error["input"], allowed, n=1, cutoff=0.5)
        what = "operator" if loc and loc[-1] == "op" else "value"
        return (f"unknown {what} '{error['input']}' for {field}" + (f" (did you mean '{hint[0]}'?)" if hint else "")
                + f"; use one of {', '.join(allowed)}")
    return f"{field}: {error['msg']}"


@functools.cache
def _known_keys(model: type[BaseModel]) -> list[str]:
    """Every key a file of this kind may use anywhere, for "did you mean" hints."""
    schema = model.model_json_schema()
    found = set(schema.get("properties", {}))
    for definition in schema.get("$defs", {}).values():
        found.update(definition.get("properties", {}))
    return sorted(found)


def _code(error: Any) -> str:
    loc = [p for p in error["loc"] if isinstance(p, str)]
    if error["type"] == "missing" and len(loc) >= 2 and loc[-2] == "numbers" and loc[-1] in ("denominator", "time_frame"):
        return "number-without-" + loc[-1].replace("_", "-")
    if error["type"] == "literal_error":
        return "unknown-operator" if loc and loc[-1] == "op" else "wrong-value"
    return {"extra_forbidden": "unknown-key", "missing": "missing-key"}.get(error["type"], "wrong-type")


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _digest(root: Path, texts: dict[Path, str]) -> str:
    """A fingerprint of everything that can change an assessment (rule tests excluded), from the
    bytes as they were read and checked: the files are not read a second time."""
    hasher = hashlib.sha256()
    for path in sorted(texts):
        hasher.update(path.relative_to(root).as_posix().encode() + b"\0" + texts[path].encode("utf-8") + b"\0")
    return "sha256:" + hasher.hexdigest()
