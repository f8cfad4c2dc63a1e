"""The command line: parses arguments and calls the library, nothing more.

Exit codes: 0 success; 1 `rules check`/`rules test` found problems; 2 invalid input (profile,
rules, arguments), one line per problem on stderr and no traceback; anything else is a bug.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

# decisionaid uses no pydantic plugins; looking for them reads the metadata of every installed
# package, about 20 ms of each cold start (set before pydantic is first imported; a user's own
# setting wins).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")

import click  # noqa: E402

from . import __version__  # noqa: E402
from .authoring.cli import reports_user_errors, rules, schema
from .pipeline import rule_pack_and_engine
from .plumbing.i18n import LANGUAGES, SOURCE_LANGUAGE, Language


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="decisionaid")
@click.pass_context
def main(ctx: click.Context) -> None:
    """decisionaid: the visit sheet and the booklet of MS treatment options, from a patient profile.

    It is a decision aid, not a recommender: it never tells anyone what to choose.
    """
    from .plumbing.scratch import run_folder

    ctx.with_resource(run_folder())  # removed when the command ends, Ctrl-C included
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM (a service manager stopping `serve`, `kill` on a batch) ends a command as Ctrl-C
    does: its workers are stopped and its temporary folder removed (uvicorn re-raises it after
    shutting down, and then it lands here)."""
    raise SystemExit(128 + signum)


language_option = click.option("--lang", "language", type=click.Choice(LANGUAGES), default=SOURCE_LANGUAGE,
                               show_default=True, help="The language of the document: en, es or de.")
rules_option = click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                            help="Rule pack folder (default: the shipped rules).")


def _load(profile_path: str, rules_dir: Path | None, day: dt.date | None = None) -> Any:
    """A profile file, or a FHIR record read as of `day` (default today)."""
    from .inputs import load_patient

    pack, _ = rule_pack_and_engine(rules_dir)
    return load_patient(profile_path, pack.catalogue, on=day, rules_dir=rules_dir)


date_option = click.option("--date", "sheet_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
                           help="The day to read a FHIR record as of (age, 12 and 24 months), YYYY-MM-DD "
                                "(default: today).")


@main.command()
@click.argument("profile", metavar="PROFILE")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PDF file to write, or - for standard output (default: sheet.pdf unless --html is given).")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also (or only) write the sheet as HTML.")
@click.option("--booklet", is_flag=True, help="The full booklet instead of the three-page visit sheet.")
@click.option("--large-print", is_flag=True, help="Body text 16 pt or more, same content.")
@language_option
@click.option("--date", "sheet_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Date printed on the sheet, YYYY-MM-DD (default: today).")
@rules_option
@reports_user_errors
def sheet(profile: str, output: Path | None, html_path: Path | None, booklet: bool, large_print: bool, language: Language,
          sheet_date: dt.datetime | None, rules_dir: Path | None) -> None:
    """Make the visit sheet (PDF, three pages) for PROFILE (a .yaml/.json file, or - for standard input);
    with --booklet, the full booklet."""
    from .pipeline import make_sheet
    from .plumbing.safeio import check_output, write_output
    from .sheet import render_html, render_pdf

    if output is None and html_path is None:
        output = Path("sheet.pdf")
    for target in (output, html_path):
        if target is not None:  # before any work: refuse to overwrite the profile, a folder, a device
            check_output(target, inputs=(profile,))
    day = sheet_date.date() if sheet_date else dt.date.today()
    patient = _load(profile, rules_dir, day)
    model = make_sheet(patient, sheet_date=day, large_print=large_print, document="booklet" if booklet else "visit",
                       rules_dir=rules_dir, language=language)
    if html_path is not None:
        write_output(html_path, render_html(model).encode("utf-8"), inputs=(profile,))
        click.echo(f"wrote {_shown(html_path)}", err=True)
    if output is not None:
        write_output(output, render_pdf(model), inputs=(profile,))
        click.echo(f"wrote {_shown(output)}", err=True)


def _shown(target: Path) -> str:
    from .plumbing.errors import printable

    return "standard output" if str(target) == "-" else printable(str(target))


@main.command()
@click.argument("profile", metavar="PROFILE")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", "language", type=click.Choice(LANGUAGES), default=SOURCE_LANGUAGE, show_default=True,
              help="The language of --format text (the JSON is data, always in English).")
@date_option
@rules_option
@reports_user_errors
def assess(profile: str, fmt: str, language: Language, sheet_date: dt.datetime | None, rules_dir: Path | None) -> None:
    """Print the assessment of PROFILE (a profile file, a FHIR Bundle, or -): every option's status and why."""
    from .pipeline import assess_profile
    from .plumbing.i18n import speaking
    from .plumbing.safeio import print_output

    if fmt == "json" and language != SOURCE_LANGUAGE:
        raise click.UsageError("--lang applies to --format text; the JSON is data, always in English")
    patient = _load(profile, rules_dir, sheet_date.date() if sheet_date else None)
    result = assess_profile(patient, rules_dir, language)
    if fmt == "json":
        print_output(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    from .textreport import assessment_text

    with speaking(language):
        print_output(assessment_text(result))


def _serve_option(*names: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A `serve` option that may also come from the environment: `--max-requests` from
    DECISIONAID_SERVE_MAX_REQUESTS (named in --help and in its error messages)."""
    envvar = "DECISIONAID_SERVE_" + names[0].removeprefix("--").replace("-", "_").upper()
    return click.option(*names, envvar=envvar, show_envvar=True, **kwargs)


@main.command()
@_serve_option("--host", default="127.0.0.1", show_default=True,
               help="Address to listen on; the default lets only this computer in.")
@_serve_option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@_serve_option("--render-workers", type=click.IntRange(1, 64), default=None,
               help="Processes that make sheets at the same time (default: one per CPU).")
@_serve_option("--max-requests", type=click.IntRange(1, 10_000), default=64, show_default=True,
               help="Requests handled at once; more are answered 503 (busy).")
@_serve_option("--cds-hooks", "cds_hooks", type=click.Path(dir_okay=False, path_type=Path), default=None,
               metavar="CONFIG", help="Also offer the CDS Hooks service, for the EHRs this file trusts (off by default).")
@_serve_option("--root-path", default="", metavar="PREFIX",
               help="The path prefix a reverse proxy serves the app under, e.g. /decisionaid (default: none).")
@_serve_option("--forwarded-allow-ips", default=None, metavar="IPS",
               help="Addresses of the reverse proxies whose X-Forwarded-For/-Proto headers are believed, "
                    "comma-separated (default: none are).")
@_serve_option("--log-format", type=click.Choice(["plain", "json"]), default="plain", show_default=True,
               help="One line per request as text, or as a JSON object.")
@_serve_option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
               help="Rule pack folder (default: the shipped rules).")
@reports_user_errors
def serve(host: str, port: int, render_workers: int | None, max_requests: int, cds_hooks: Path | None,
          root_path: str, forwarded_allow_ips: str | None, log_format: str, rules_dir: Path | None) -> None:
    """Run the web form, where a patient or carer fills in the profile and downloads the sheet.

    Every option can also be set in the environment, as the variable named in its help.
    """
    from .web import serve as run_server

    if root_path and (not root_path.startswith("/") or root_path.endswith("/")):
        raise click.BadParameter("a path such as /decisionaid: starting with / and not ending with one",
                                 param_hint="'--root-path'")
    run_server(host=host, port=port, rules_dir=rules_dir, render_workers=render_workers, max_requests=max_requests,
               cds_hooks=cds_hooks, root_path=root_path, forwarded_allow_ips=forwarded_allow_ips,
               log_format=log_format)


@main.command()
@click.argument("profile_dir", metavar="PROFILE_DIR", type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Folder for the sheets, OUT/<profile name>.pdf (made if missing).")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
              help="Processes making sheets at the same time (default: all cores).")
@click.option("--booklet", is_flag=True, help="The full booklet instead of the three-page visit sheet.")
@click.option("--large-print", is_flag=True, help="Body text 16 pt or more, same content.")
@language_option
@click.option("--date", "sheet_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Date printed on the sheets, YYYY-MM-DD (default: today).")
@click.option("--sheet-timeout", type=click.IntRange(1, 3600), default=60, show_default=True, metavar="SECONDS",
              help="Stop a sheet that takes longer, and report it (as the web server does).")
@rules_option
@reports_user_errors
def batch(profile_dir: Path, out_dir: Path, jobs: int | None, booklet: bool, large_print: bool, language: Language,
          sheet_date: dt.datetime | None, sheet_timeout: int, rules_dir: Path | None) -> None:
    """Make a visit sheet (or with --booklet the booklet) for every profile (.yaml, .yml, .json) in PROFILE_DIR.

    A profile that cannot be used is reported (file and reason) and the others still get their
    sheets; the exit code is then 1.
    """
    from .batch import BatchInterrupted, run_with_progress

    day = sheet_date.date() if sheet_date else dt.date.today()
    try:
        result = run_with_progress(profile_dir, out_dir, jobs=jobs, sheet_date=day, large_print=large_print,
                                   document="booklet" if booklet else "visit", rules_dir=rules_dir,
                                   sheet_timeout=sheet_timeout, language=language)
    except BatchInterrupted as stopped:
        click.echo(str(stopped), err=True)
        sys.exit(130)
    except KeyboardInterrupt:  # before any sheet was started
        click.echo("interrupted: no sheets were written", err=True)
        sys.exit(130)
    sys.exit(1 if result.failed or result.crashes else 0)


@main.group()
def profile() -> None:
    """Make a profile from somewhere else: a FHIR record."""


@profile.command("from-fhir")
@click.argument("record", metavar="RECORD.json")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Profile file to write (default: standard output).")
@date_option
@rules_option
@reports_user_errors
def from_fhir(record: str, output: Path | None, sheet_date: dt.datetime | None, rules_dir: Path | None) -> None:
    """Write the profile a FHIR R4 Bundle gives, each field commented with the resource it came from.

    What the record does not hold stays unknown; codes the map does not know are listed as ignored.
    """
    from .fhir import read_record_file
    from .fhir.write import profile_yaml
    from .plumbing.safeio import check_output, print_output, write_output

    if output is not None:
        check_output(output, inputs=(record,))
    pack, _ = rule_pack_and_engine(rules_dir)
    reading = read_record_file(record, pack.catalogue, on=sheet_date.date() if sheet_date else None,
                               rules_dir=rules_dir)
    for note in reading.notes:
        click.echo(str(note), err=True)
    text = profile_yaml(reading, record, f"decisionaid {__version__}")
    if output is None:
        print_output(text, newline=False)
    else:
        write_output(output, text.encode("utf-8"), inputs=(record,))
        click.echo(f"wrote {_shown(output)}", err=True)


main.add_command(rules)
main.add_command(schema)

if __name__ == "__main__":
    main()
