"""Sheets for a whole clinic list: every profile in a folder, made across worker processes.

Workers are *spawned* (never forked: forking after durable-rules or WeasyPrint are loaded can
crash), each builds its rule engine once and then makes sheets one after another. Every PDF is
written to a temporary file beside its target and renamed into place, so an interrupted run
never leaves half a PDF. A bad profile is reported (file and a one-line reason) and never stops
the others. If a worker process dies, the sheets it may have been making are retried one at a
time in a fresh worker, so the profile that kills it is singled out and reported.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import UsageError, UserError

if TYPE_CHECKING:
    from .sheet import Document

PROFILE_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Outcome:
    """What became of one profile: the sheet written, or the one-line reason it was not."""

    source: Path
    output: Path | None
    problem: str | None = None
    worker_peak_rss_kib: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class BatchResult:
    outcomes: list[Outcome]  # in the order of the profile files
    jobs: int
    seconds: float
    worker_crashes: int = 0
    written: list[Path] = field(init=False)
    failed: list[Outcome] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "written", [o.output for o in self.outcomes if o.output is not None])
        object.__setattr__(self, "failed", [o for o in self.outcomes if not o.ok])

    @property
    def peak_worker_rss_kib(self) -> int:
        """The most memory any one worker process used (its peak resident set)."""
        return max((o.worker_peak_rss_kib for o in self.outcomes), default=0)


def find_profiles(folder: Path) -> list[Path]:
    """The profile files (.yaml, .yml, .json) directly inside `folder`, in name order."""
    if not folder.is_dir():
        raise UsageError.single(str(folder), "no such folder" if not folder.exists() else "is not a folder", "not-a-folder")
    found = sorted(p for p in folder.iterdir()
                   if p.suffix.lower() in PROFILE_SUFFIXES and not p.name.startswith(".") and p.is_file())
    if not found:
        raise UsageError.single(str(folder), "has no profile files (*.yaml, *.yml, *.json)", "no-profiles")
    return found


def output_paths(profiles: list[Path], out_dir: Path) -> list[Path]:
    """`name.pdf` for `name.yaml`; when two profiles share a name (`a.yaml`, `a.json`), `a.yaml.pdf`."""
    stems = [p.stem.casefold() for p in profiles]
    return [out_dir / (f"{p.stem}.pdf" if stems.count(p.stem.casefold()) == 1 else f"{p.name}.pdf") for p in profiles]


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def render_batch(
    profile_dir: Path,
    out_dir: Path,
    *,
    sheet_date: dt.date,
    jobs: int | None = None,
    large_print: bool = False,
    document: Document = "visit",
    rules_dir: Path | None = None,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[Outcome], None] | None = None,
) -> BatchResult:
    """Make a sheet (the visit sheet, or `document="booklet"`) for every profile in `profile_dir`,
    writing `out_dir/<name>.pdf`.

    Raises UserError for problems with the call itself (folders, rule pack); problems with single
    profiles are in the result.
    """
    from .loader import load_rule_pack

    profiles = find_profiles(profile_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError.single(str(out_dir), "exists and is not a folder", "not-a-folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError.single(str(out_dir), f"cannot be created ({exc.strerror})", "no-output-folder") from None
    load_rule_pack(rules_dir)  # a broken rule pack is one error up front, not one per profile
    jobs = max(1, min(jobs or default_jobs(), len(profiles)))
    if on_start is not None:
        on_start(len(profiles))
    started = time.perf_counter()
    tasks = [(str(p), str(o)) for p, o in zip(profiles, output_paths(profiles, out_dir))]
    init = (str(rules_dir) if rules_dir is not None else None, sheet_date.isoformat(), large_print, document)
    done, crashes = run_in_workers(tasks, _make_sheet, jobs=jobs, initializer=_start_worker, initargs=init,
                                   on_done=on_done)
    by_source = {o.source: o for o in done}
    outcomes = [by_source[p] for p in profiles]
    return BatchResult(outcomes, jobs, time.perf_counter() - started, crashes)


# ----------------------------------------------------------------------------- the pool
def run_in_workers(
    tasks: list[tuple[str, str]],
    work: Callable[[str, str], Outcome],
    *,
    jobs: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    on_done: Callable[[Outcome], None] | None = None,
) -> tuple[list[Outcome], int]:
    """Run `work(*task)` for every task in spawned processes; return the outcomes and the number
    of worker crashes. After a crash the unfinished tasks run one at a time, each in a worker of
    its own if needed, so a task that kills its worker is reported and the others still run."""
    context = multiprocessing.get_context("spawn")
    outcomes: list[Outcome] = []
    crashes = 0
    remaining = list(tasks)
    one_at_a_time = False
    while remaining:
        width = 1 if one_at_a_time else jobs
        with ProcessPoolExecutor(max_workers=width, mp_context=context, initializer=initializer,
                                 initargs=initargs) as pool:
            unfinished, crashed = _drain(pool, remaining, work, 1 if one_at_a_time else 2 * width, outcomes, on_done)
        if crashed is None:
            break
        crashes += 1
        if one_at_a_time:  # exactly one task was running: it killed its worker
            outcome = Outcome(Path(crashed[0]), None, f"{crashed[0]}: the worker process died while making this "
                              "sheet (a bug; please report it)")
            outcomes.append(outcome)
            if on_done is not None:
                on_done(outcome)
            unfinished = [t for t in unfinished if t != crashed]
        one_at_a_time = True
        remaining = unfinished
    return outcomes, crashes


def _drain(pool: ProcessPoolExecutor, tasks: list[tuple[str, str]], work: Callable[[str, str], Outcome],
           in_flight: int, outcomes: list[Outcome], on_done: Callable[[Outcome], None] | None,
           ) -> tuple[list[tuple[str, str]], tuple[str, str] | None]:
    """Feed `tasks` to `pool`, at most `in_flight` at a time. Returns the tasks not finished and,
    if the pool broke, one task that was running then."""
    queue = list(reversed(tasks))
    running: dict[Future[Outcome], tuple[str, str]] = {}
    try:
        while queue or running:
            while queue and len(running) < in_flight:
                task = queue.pop()
                with _sigint_blocked():  # a worker may be spawned here: it starts deaf to Ctrl-C
                    running[pool.submit(work, *task)] = task
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                task = running.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    return [task, *running.values(), *reversed(queue)], task
                outcomes.append(outcome)
                if on_done is not None:
                    on_done(outcome)
    except BaseException:  # Ctrl-C: let running sheets finish (their files stay whole), start no more
        for future in running:
            future.cancel()
        raise
    return [], None


# ----------------------------------------------------------------------------- in the worker
_settings: dict[str, Any] = {}


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block SIGINT while workers may be spawned: they inherit the blocked signal, so a Ctrl-C that
    reaches the whole process group before a worker ignores SIGINT cannot interrupt its start-up
    (and print a traceback). The parent sees the Ctrl-C as soon as it is unblocked."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _start_worker(rules_dir: str | None, sheet_date: str, large_print: bool, document: Document) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # a pending one is now ignored
    from .pipeline import rule_pack_and_engine

    _settings.update(rules_dir=rules_dir, sheet_date=dt.date.fromisoformat(sheet_date), large_print=large_print,
                     document=document)
    rule_pack_and_engine(rules_dir)  # once per worker


def _make_sheet(source: str, target: str) -> Outcome:
    from .pipeline import make_sheet, rule_pack_and_engine
    from .profile import load_profile
    from .sheet import render_pdf
    from .sheet.render import write_atomically

    problem: str | None = None
    try:
        pack, _ = rule_pack_and_engine(_settings["rules_dir"])
        profile = load_profile(source, pack.catalogue)
        sheet = make_sheet(profile, sheet_date=_settings["sheet_date"], large_print=_settings["large_print"],
                           document=_settings["document"], rules_dir=_settings["rules_dir"])
        write_atomically(Path(target), render_pdf(sheet))
        if not _settings.get("frozen"):  # after the first sheet: see web/workers.py on gc.freeze
            gc.collect()
            gc.freeze()
            _settings["frozen"] = True
    except UserError as exc:
        problem = one_line(exc.diagnostics)
    except Exception as exc:  # noqa: BLE001 - one broken sheet must not stop the batch
        problem = f"{source}: internal error (a bug; please report it): {type(exc).__name__}: {exc}"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return Outcome(Path(source), None if problem else Path(target), problem, peak)


def one_line(diagnostics: Iterable[Any]) -> str:
    """The first problem of a profile, and how many more there are."""
    problems = list(diagnostics)
    more = len(problems) - 1
    return str(problems[0]) + (f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else "")


def run_with_progress(profile_dir: Path, out_dir: Path, **options: Any) -> BatchResult:
    """`render_batch` with a progress bar on a terminal, then every bad profile (one line each,
    in file order) and a summary, on standard error."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    columns = (TextColumn("making sheets"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not console.is_terminal) as progress:
        task = progress.add_task("sheets", total=None)
        result = render_batch(profile_dir, out_dir, on_start=lambda total: progress.update(task, total=total),
                              on_done=lambda outcome: progress.advance(task), **options)
    for outcome in result.failed:
        console.print(outcome.problem or "", markup=False, highlight=False, emoji=False, soft_wrap=True)
    total = len(result.outcomes)
    summary = (f"made {len(result.written)} of {total} sheets in {out_dir} ({result.jobs} "
               f"{'job' if result.jobs == 1 else 'jobs'}, {result.seconds:.1f} s)")
    if result.failed:
        summary += f"; {len(result.failed)} {'profile' if len(result.failed) == 1 else 'profiles'} could not be used (listed above)"
    console.print(summary, markup=False, highlight=False, emoji=False, soft_wrap=True)
    return result
