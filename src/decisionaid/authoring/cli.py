"""The rule author's commands: `rules check|test|docs` and `schema`. Argument parsing only.

Exit codes: 0 clean; 1 problems found (check, test, a stale file with --check); 2 usage errors
(a missing folder, bad options), one line each on stderr.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from ..plumbing.errors import UsageError, UserError, printable
from ..plumbing.resources import default_rules_dir
from ..plumbing.safeio import check_output, current_text, print_output, write_output

EXIT_PROBLEMS = 1
EXIT_USAGE = 2
MAX_PRINTED = 200  # problems printed at once; a generated pack can hold 100,000

rules_dir_argument = click.argument("rules_dir", metavar="[DIR]", required=False,
                                    type=click.Path(file_okay=False, path_type=Path))


def reports_user_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a UserError into one line per problem on stderr and exit code 2 (every command uses it)."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except UserError as exc:
            for line in capped(exc.diagnostics):
                click.echo(line, err=True)
            sys.exit(EXIT_USAGE)

    return wrapper


def capped(diagnostics: list[Any], limit: int = MAX_PRINTED) -> list[str]:
    """One line per problem, at most `limit` of them, then how many more there are."""
    lines = [str(d) for d in diagnostics[:limit]]
    if len(diagnostics) > limit:
        lines.append(f"... and {len(diagnostics) - limit} more problems (fix these first)")
    return lines


def _folder(rules_dir: Path | None) -> Path:
    root = rules_dir if rules_dir is not None else default_rules_dir()
    if not root.is_dir():
        raise UsageError.single(str(root), "rule pack folder not found", "not-found")
    return root


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def rules() -> None:
    """Check, test and document a rule pack (default: the shipped rules/)."""


@rules.command()
@rules_dir_argument
@click.option("--strict", is_flag=True, help="Treat warnings as errors (CI uses this).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Check the review date as of this day, YYYY-MM-DD (default: today).")
@reports_user_errors
def check(rules_dir: Path | None, strict: bool, fmt: str, today: dt.datetime | None) -> None:
    """Report every problem in the rule pack as file:line:col: level: message (code)."""
    from .checks import check_rules

    result = check_rules(_folder(rules_dir), today=today.date() if today else None, strict=strict)
    if fmt == "json":
        print_output(json.dumps({
            "files": result.files, "errors": result.errors, "warnings": result.warnings,
            "diagnostics": [{"file": d.file, "line": d.line, "column": d.column, "level": d.level, "code": d.code,
                             "message": d.message} for d in result.diagnostics],
        }, indent=2, ensure_ascii=False))
    else:
        if result.diagnostics:
            print_output("\n".join(capped(result.diagnostics)))
        click.echo(f"{result.errors} error(s), {result.warnings} warning(s) in {result.files} file(s)", err=True)
    sys.exit(EXIT_PROBLEMS if result.errors else 0)


@rules.command()
@rules_dir_argument
@click.option("--coverage", is_flag=True,
              help="Also list criteria, decision rows and risks never seen firing or never seen silent; fail if any.")
@reports_user_errors
def test(rules_dir: Path | None, coverage: bool) -> None:
    """Run the rule pack's named test cases (rules/tests/*.yaml)."""
    from ..evaluation.packs import rule_pack_and_engine
    from .ruletests import coverage as coverage_of
    from .ruletests import load_cases, run_cases

    root = _folder(rules_dir)
    pack, engine = rule_pack_and_engine(root)
    cases = load_cases(root)
    files = {(c.option, c.case.name): c.file for c in cases}
    failures = [r for r in run_cases(pack, engine, cases) if not r.passed]
    for failure in failures:
        print_output(_failure_text(failure, files.get((failure.option, failure.name), "")))
    gaps = coverage_of(pack, engine, cases).gaps() if coverage else []
    if gaps:
        print_output("coverage: never seen firing or never seen silent:")
        print_output("\n".join(f"  {gap}" for gap in gaps))
    summary = f"{len(cases) - len(failures)} passed, {len(failures)} failed"
    if coverage:
        summary += f", {len(gaps)} coverage gap(s)"
    click.echo(summary, err=True)
    sys.exit(EXIT_PROBLEMS if failures or gaps else 0)


def _failure_text(result: Any, file: str) -> str:
    """A failed case: its name and file, expected and actual status, what differed, every criterion's state."""
    by_state = {state: [c for c, s in result.states.items() if s == state] for state in ("met", "not_met", "unknown")}
    lines = [f"FAIL {result.option}::{result.name}" + (f" ({file})" if file else ""),
             f"  status: expected {result.expected_status}, got {result.actual_status}"
             + (f" (decision row {result.row})" if result.row is not None else ""),
             *(f"  - {failure}" for failure in result.failures if not failure.startswith("status:")),
             *(f"  criteria {state.replace('_', ' ')}: {', '.join(ids) or '(none)'}" for state, ids in by_state.items())]
    return "\n".join(lines)


@rules.command()
@rules_dir_argument
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Markdown file to write (default: standard output).")
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if OUTPUT is not up to date.")
@reports_user_errors
def docs(rules_dir: Path | None, output: Path | None, check_only: bool) -> None:
    """Write a readable catalogue of the rule pack (options, criteria, tables, risks, sources)."""
    from ..pack.loader import load_rule_pack
    from .docs import rules_markdown

    root = _folder(rules_dir)
    if output is not None and not check_only:  # before any work: never onto the pack it reads
        check_output(output, inputs=_pack_files(root))
    pack = load_rule_pack(root)
    text = rules_markdown(pack)
    if output is None:
        if check_only:
            raise UsageError.single("--check", "--check needs -o FILE", "usage")
        print_output(text, newline=False)
        return
    if check_only:
        if current_text(output) != text:
            click.echo(printable(f"{output}: out of date; run: decisionaid rules docs -o {output}"), err=True)
            sys.exit(EXIT_PROBLEMS)
        return
    write_output(output, text.encode("utf-8"), inputs=_pack_files(root) + _pack_files(Path(pack.seeds_dir)))
    click.echo(printable(f"wrote {output}"), err=True)


def _pack_files(root: Path) -> list[Path]:
    """The files of a rules folder (its YAML, options and tests) or of its seeds, which no output may replace."""
    return [path for pattern in ("*", "*/*") for path in root.glob(pattern) if path.is_file()]


@click.command()
@click.argument("name", required=False, type=click.Choice(["profile", "rules", "rules-option", "rules-pack",
                                                            "rules-sources", "rules-drugs", "rules-safety",
                                                            "rules-tests", "rules-fhir-map"]))
@click.option("--write", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write every schema into this folder (the repository keeps them in schema/).")
@click.option("--check", "check_only", is_flag=True, help="With --write: write nothing; exit 1 if a file is stale.")
@reports_user_errors
def schema(name: str | None, folder: Path | None, check_only: bool) -> None:
    """Print the JSON Schema of profiles or rule files, generated from the models.

    `rules` covers every kind of rule-pack file at once; `rules-option`, `rules-pack`,
    `rules-sources`, `rules-drugs`, `rules-safety` and `rules-tests` are the schemas of one kind each, which
    editors use for completion.
    """
    from .schemas import schema_text, stale_schemas, write_schemas

    if folder is None:
        if name is None:
            raise UsageError.single("schema", "name a schema (profile or rules) or give --write FOLDER", "usage")
        print_output(schema_text(name), newline=False)
        return
    if check_only:
        stale = stale_schemas(folder)
        for path in stale:
            click.echo(printable(f"{path}: out of date; run: decisionaid schema --write {folder}"), err=True)
        sys.exit(EXIT_PROBLEMS if stale else 0)
    for path in write_schemas(folder):
        click.echo(printable(f"wrote {path}"), err=True)
