"""Which text of a rule-pack option a patient reads, with where it is in the option's file.

The rule check grades these passages with the measures of plumbing/readability.py.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..pack.models import STATEMENT_KINDS, Option, Quote

Path_ = tuple[str | int, ...]


def patient_texts(option: Option) -> Iterator[tuple[Path_, str]]:
    """Every passage of an option that the patient reads on the sheet, with where it is."""
    yield ("title",), option.title
    yield ("summary",), option.summary
    for i, line in enumerate(option.what_it_is_like):
        yield ("what_it_is_like", i), line
    yield ("availability",), option.availability
    yield ("evidence", "maturity"), option.evidence.maturity
    yield ("evidence", "summary"), option.evidence.summary
    for i, criterion in enumerate(option.criteria):
        yield ("criteria", i, "label"), criterion.label
        for state in ("met", "not_met", "unknown"):
            yield ("criteria", i, state), getattr(criterion, state)
    for i, row in enumerate(option.decision.rows):
        if row.reason:
            yield ("decision", "rows", i, "reason"), row.reason
    for kind in STATEMENT_KINDS:
        for i, statement in enumerate(getattr(option, kind)):
            yield (kind, i, "text"), statement.text
            for n, number in enumerate(statement.numbers):
                for part in ("outcome", "time_frame", "population"):
                    yield (kind, i, "numbers", n, part), getattr(number, part)
    for i, question in enumerate(option.questions):
        yield ("questions", i, "text"), question.text
    for at, quote in quotes_with_paths(option):
        yield (*at, "comment"), quote.comment


def quotes_with_paths(option: Option) -> Iterator[tuple[Path_, Quote]]:
    for i, quote in enumerate(option.quotes):
        yield ("quotes", i), quote
    for kind in ("criteria", *STATEMENT_KINDS):
        for i, item in enumerate(getattr(option, kind)):
            for q, quote in enumerate(item.quotes):
                yield (kind, i, "quotes", q), quote
