"""`rules docs`: a readable catalogue of a rule pack, in Markdown, generated from the rules.

First the safety facts and which criterion of each option weighs them (or why it need not). For
each option: what it is, the evidence, every criterion in plain words with its threshold, the
decision table, benefits and risks with their numbers, questions and seed quotes; then the drug
catalogue and every source. The output depends only on the rule pack, so the committed copy
(docs/rules.md) can be checked for freshness.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..pack.models import (
    AllOf,
    AnyOf,
    Condition,
    DecisionTable,
    Frequency,
    Leaf,
    NotOf,
    Option,
    RulePack,
    Statement,
)
from ..pack.safety import declared, weighing_criteria
from ..pack.vocabulary import FIELDS
from .readability import quotes_with_paths

_OP_WORDS = {
    "eq": "is", "neq": "is not", "lt": "is under", "lte": "is at most", "gt": "is over", "gte": "is at least",
    "in": "is one of", "not_in": "is none of", "includes": "include", "excludes": "do not include",
}
_STATE_WORDS = {"met": "met", "not_met": "not met", "unknown": "unknown"}


def rules_markdown(pack: RulePack, command: str = "decisionaid rules docs -o docs/rules.md") -> str:
    """The whole catalogue as Markdown text, ending in a newline."""
    meta = pack.meta
    out = [
        f"# Rule catalogue: {meta.title}",
        "",
        f"<!-- Generated from the rule pack by `{command}`. Do not edit by hand. -->",
        "",
        f"Rule pack `{meta.name}` version **{meta.version}**, reviewed {meta.reviewed}, next review due "
        f"**{meta.next_review}**.",
        "",
        f"- Authors: {'; '.join(meta.authors)}",
        f"- Reviewers: {'; '.join(meta.reviewers)}",
        f"- Clinical review by MS clinicians outside the team: {meta.review_statement}",
        f"- Funding: {meta.funding}",
        f"- Conflicts of interest: {meta.conflicts_of_interest}",
        f"- Updates: {meta.update_policy}",
        "",
        "Criteria are *met* when the profile provably fits, *not met* when it provably does not, and "
        "*unknown* when a fact they need is missing. Each decision table turns criterion states into a "
        "status; its rows are tried from the top.",
        "",
        "## Options",
        "",
        *(f"- [{o.title}](#option-{o.id}) (`{o.id}`): {o.evidence.maturity}" for o in pack.options.values()),
        "",
    ]
    out += _safety(pack)
    for option in pack.options.values():
        out += _option(option)
    out += _drugs(pack)
    out += _sources(pack)
    out += ["## Changes", ""]
    for change in meta.changelog:
        out += [f"- **{change.version}** ({change.date})", *(f"  - {c}" for c in change.changes)]
    return "\n".join(out).rstrip("\n") + "\n"


def condition_words(condition: Condition, top: bool = True) -> str:
    """A condition in plain words, e.g. `type of MS is RRMS and age in years is under 45`."""
    if isinstance(condition, NotOf):
        return f"not ({condition_words(condition.not_, top=False)})"
    if isinstance(condition, AllOf | AnyOf):
        children = condition.all if isinstance(condition, AllOf) else condition.any
        text = (" and " if isinstance(condition, AllOf) else " or ").join(condition_words(c, top=False) for c in children)
        return text if top or len(children) == 1 else f"({text})"
    assert isinstance(condition, Leaf)
    spec = FIELDS.get(condition.field)
    name = spec.description if spec else condition.field
    if spec is not None and spec.kind == "bool" and condition.op in ("eq", "neq"):
        return f"{name}: {'yes' if (condition.value is True) == (condition.op == 'eq') else 'no'}"
    value = ", ".join(map(_value, condition.value)) if isinstance(condition.value, list) else _value(condition.value)
    return f"{name} {_OP_WORDS[condition.op]} {value}"


def _value(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _option(option: Option) -> list[str]:
    evidence = option.evidence
    out = [
        f'<a id="option-{option.id}"></a>',
        "",
        f"## {option.title} (`{option.id}`)",
        "",
        option.summary,
        "",
        f"**Evidence:** certainty *{evidence.certainty.replace('_', ' ')}*; {evidence.maturity}. {evidence.summary} "
        f"{_refs(evidence.sources)}",
        "",
        f"**Availability:** {option.availability}",
        "",
        "**What it is like:**",
        "",
        *(f"- {line}" for line in option.what_it_is_like),
        "",
    ]
    if evidence.key_studies:
        out += ["| study | design | people | follow-up | result | sources |", "|---|---|---|---|---|---|"]
        out += [_row(s.name, s.design, s.size or "", s.follow_up, s.result, _refs(s.sources)) for s in evidence.key_studies]
        out.append("")
    if option.criteria:
        out += ["### Criteria", "", "| criterion | met when | threshold | sources |", "|---|---|---|---|"]
        out += [_row(f"**{c.label}** (`{c.id}`)", condition_words(c.when), c.threshold, _refs(c.sources))
                for c in option.criteria]
        out.append("")
    out += _table(option.decision)
    for kind, title in (("benefits", "Benefits"), ("risks", "Risks"), ("having_children", "Having children later")):
        statements: list[Statement] = getattr(option, kind)
        if statements:
            out += [f"### {title}", ""]
            for statement in statements:
                out += _statement(statement)
            out.append("")
    if option.questions:
        out += ["### Questions to ask", ""]
        out += [f"- {q.text}" + (f" *(when {condition_words(q.when)})*" if q.when else "") for q in option.questions]
        out.append("")
    quotes = [quote for _, quote in quotes_with_paths(option)]
    if quotes:
        out += ["### What the seed documents claim", "", "| claim | source | compared with the evidence |", "|---|---|---|"]
        out += [_row(f"“{q.text}”", q.source, f"*{q.assessment.replace('_', ' ')}*: {q.comment} {_refs(q.better_sources)}")
                for q in quotes]
        out.append("")
    return out


def _safety(pack: RulePack) -> list[str]:
    """The safety facts (rules/safety.yaml) against the options: the criteria that weigh each, or 'not relevant'."""
    options = list(pack.options.values())
    out = ["## Safety facts", "",
           "Every option must weigh each of these facts in a criterion its decision table reads, or say why "
           "the fact does not concern it (`rules check` refuses the pack otherwise).", "",
           _row("fact", "present when", *(f"`{o.id}`" for o in options)), "|---|---|" + "---|" * len(options)]
    notes: dict[str, str] = {}
    for fact in pack.safety:
        cells = []
        for option in options:
            excuse = declared(option, fact)
            if excuse is None:
                cells.append(", ".join(f"`{c}`" for c in weighing_criteria(option, fact)))
            else:
                mark = notes.setdefault(excuse.reason, f"n{len(notes) + 1}")
                cells.append(f"not relevant ({mark})")
        out.append(_row(f"**{fact.label}** (`{fact.id}`)", condition_words(fact.when), *cells))
    reasons = {excuse.reason: excuse for option in options for excuse in option.not_relevant}
    out += ["", *(f"- ({mark}) {reason} {_refs(reasons[reason].sources)}" for reason, mark in notes.items()), ""]
    return out


def _table(table: DecisionTable) -> list[str]:
    policy = ("the first matching row decides" if table.hit_policy == "first"
              else "at most one row above the last may match; the last row applies when none does")
    out = ["### Decision table", "", f"Hit policy *{table.hit_policy}*: {policy}.", "",
           "| # | when | status | reason |", "|---|---|---|---|"]
    for number, row in enumerate(table.rows, 1):
        when = "; ".join(f"`{c}` {' or '.join(_STATE_WORDS[s] for s in (w if isinstance(w, list) else [w]))}"
                         for c, w in row.when.items()) or "*any other profile*"
        out.append(_row(number, when, f"**{row.status}**", row.reason))
    return [*out, ""]


def _statement(statement: Statement) -> list[str]:
    head = f"- **{statement.text}**"
    if statement.when is not None:
        head += f" *(shown when {condition_words(statement.when)})*"
    if statement.matters_most_when is not None:
        head += f" *(leads the main risks when {condition_words(statement.matters_most_when)})*"
    details = [f"  - {_frequency(n)}" for n in statement.numbers]
    tail = f"  - certainty: *{statement.certainty.replace('_', ' ')}*; " if statement.certainty else "  - "
    return [head, *details, tail + f"sources {_refs(statement.sources)}"]


def _frequency(number: Frequency) -> str:
    people = f"{number.people:,} people" if number.people is not None else f"people not stated: {number.people_note}"
    counted = f"; counted in: {condition_words(number.population_when)}" if number.population_when is not None else ""
    unconfirmed = "; *not confirmed: never on the visit sheet's first two pages*" if not number.confirmed else ""
    return (f"{number.count:,} in {number.denominator:,} {number.outcome} {number.time_frame} "
            f"({number.population}; {people}{counted}{unconfirmed}) {_refs(number.sources)}")


def _drugs(pack: RulePack) -> list[str]:
    out = ["## Drug catalogue", "", "| drug | brand names | efficacy tier | class |", "|---|---|---|---|"]
    out += [_row(f"{d.generic} (`{d.id}`)", ", ".join(d.brands), d.tier, d.drug_class) for d in pack.catalogue.drugs]
    out += ["", *(f"- **{tier}**: {text}" for tier, text in pack.catalogue.tiers.items()), ""]
    return out


def _sources(pack: RulePack) -> list[str]:
    out = ["## Sources", "", "| id | title | kind | year | link |", "|---|---|---|---|---|"]
    for source in sorted(pack.sources.values(), key=lambda s: s.id.casefold()):
        kind = source.kind.replace("_", " ") + (" **(commercial)**" if source.commercial else "")
        if source.seed:
            kind += f"; seed `{source.seed}`"
        link = source.url or (f"https://doi.org/{source.doi}" if source.doi else "")
        out.append(_row(f'<a id="source-{source.id.lower()}"></a>`{source.id}`', source.title, kind, source.year or "", link))
    return [*out, ""]


def _refs(ids: Iterable[str]) -> str:
    return "[" + ", ".join(f"[{i}](#source-{i.lower()})" for i in ids) + "]" if ids else ""


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"
