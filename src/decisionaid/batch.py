"""Sheets for a whole clinic list: every profile in a folder, made across worker processes.

Workers are *spawned* (never forked: forking after durable-rules or WeasyPrint are loaded can
crash), each builds its rule engine once and then makes sheets one after another. Every PDF is
written to a temporary file beside its target and renamed into place, so an interrupted run
never leaves half a PDF. Every *.yaml, *.yml and *.json entry gets a sheet or a one-line reason
(a folder, a FIFO or a link to a device named like a profile included), and a bad profile never
stops the others. Each worker makes one sheet at a time, so the pool knows which profile a worker
that dies was making: it is reported, retried once, and the worker is replaced at once (the batch
keeps its width). A sheet that takes longer than `sheet_timeout` (60 s, as in the web server) has
its worker killed and replaced, and is reported: a stopped or stuck worker cannot hang the
batch. On Ctrl-C the workers are told to stop (a sheet being written removes its
temporary file), killed if they do not, and the sheets on disk are counted.
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
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .plumbing.i18n import SOURCE_LANGUAGE, Language
from .plumbing.errors import UsageError, UserError, printable
from .plumbing.scratch import remove_folder, use_folder, worker_folder

if TYPE_CHECKING:
    from .sheet import Document

PROFILE_SUFFIXES = (".yaml", ".yml", ".json")
SHEET_TIMEOUT = 60.0  # seconds one sheet may take, as a render job of the web server


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
class Crash:
    """A worker process that died, and the profile it was making."""

    source: Path
    how: str  # "killed by signal 9", "exit code 3"


@dataclass(frozen=True)
class BatchResult:
    outcomes: list[Outcome]  # in the order of the profile files
    jobs: int
    seconds: float
    crashes: list[Crash] = field(default_factory=list)
    written: list[Path] = field(init=False)
    failed: list[Outcome] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "written", [o.output for o in self.outcomes if o.output is not None])
        object.__setattr__(self, "failed", [o for o in self.outcomes if not o.ok])

    @property
    def worker_crashes(self) -> int:
        return len(self.crashes)

    @property
    def peak_worker_rss_kib(self) -> int:
        """The most memory any one worker process used (its peak resident set)."""
        return max((o.worker_peak_rss_kib for o in self.outcomes), default=0)


def find_profiles(folder: Path) -> list[Path]:
    """The entries named like profiles (.yaml, .yml, .json) directly inside `folder`, in name order."""
    if not folder.is_dir():
        raise UsageError.single(str(folder), "no such folder" if not folder.exists() else "is not a folder", "not-a-folder")
    # Every entry named like a profile, whatever it is: a folder, FIFO or dangling link gets its reason.
    found = sorted(p for p in folder.iterdir() if p.suffix.lower() in PROFILE_SUFFIXES and not p.name.startswith("."))
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
    language: Language = SOURCE_LANGUAGE,
    sheet_timeout: float = SHEET_TIMEOUT,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[Outcome], None] | None = None,
) -> BatchResult:
    """Make a sheet (the visit sheet, or `document="booklet"`) for every profile in `profile_dir`,
    writing `out_dir/<name>.pdf`.

    Raises UserError for problems with the call itself (folders, rule pack); problems with single
    profiles are in the result.
    """
    from .pack.loader import load_rule_pack

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
    before = {target: _identity(target) for _, target in tasks}
    init = (str(rules_dir) if rules_dir is not None else None, sheet_date.isoformat(), large_print, document, language)
    try:
        done, crashes = run_in_workers(tasks, _make_sheet, jobs=jobs, initializer=_start_worker, initargs=init,
                                       on_done=on_done, timeout=sheet_timeout)
    except KeyboardInterrupt:  # the workers have stopped: what is on disk now stays as it is
        written = sum(_identity(target) not in (None, was) for target, was in before.items())
        raise BatchInterrupted(written, len(tasks), out_dir) from None
    by_source = {o.source: o for o in done}
    outcomes = [by_source[p] for p in profiles]
    return BatchResult(outcomes, jobs, time.perf_counter() - started, crashes)


class BatchInterrupted(Exception):
    """Ctrl-C (or SIGTERM) stopped the batch after its workers had stopped; `written` sheets are on disk."""

    def __init__(self, written: int, total: int, out_dir: Path) -> None:
        self.written, self.total, self.out_dir = written, total, out_dir
        super().__init__(f"interrupted: {written} of {total} sheets written to {out_dir}, each one whole")


def _identity(path: str) -> tuple[int, int, int] | None:
    """Which file is at `path` now (a sheet is renamed into place, so a new one is a new inode)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino, found.st_mtime_ns


# ----------------------------------------------------------------------------- the pool
Task = tuple[str, str]  # (profile, sheet)
RETRIES = 1  # a profile whose worker died is tried once more in a fresh worker


def run_in_workers(
    tasks: list[Task],
    work: Callable[[str, str], Outcome],
    *,
    jobs: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    on_done: Callable[[Outcome], None] | None = None,
    timeout: float = SHEET_TIMEOUT,
) -> tuple[list[Outcome], list[Crash]]:
    """Run `work(*task)` for every task in `jobs` spawned processes, one task per process at a
    time; return the outcomes and the crashes. A worker that dies is replaced at once; the task it
    was running is retried once, then reported. A task still running after `timeout` seconds is
    reported (never retried: it would only stall again) and its worker killed and replaced."""
    context = multiprocessing.get_context("spawn")
    queue, outcomes, crashes = list(reversed(tasks)), [], []
    tries: dict[Task, int] = {}
    workers: list[_Worker] = []

    def finish(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome)

    try:
        workers = [_Worker(context, work, initializer, initargs) for _ in range(min(jobs, len(tasks)))]
        while queue or any(w.task is not None for w in workers):
            for worker in workers:
                if worker.task is None and queue:
                    worker.give(queue.pop())
            busy = [w for w in workers if w.task is not None]
            first_deadline = min(w.started for w in busy) + timeout
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                         timeout=max(0.0, first_deadline - time.monotonic()))
            for index, worker in enumerate(workers):
                if worker.task is None:
                    continue
                if worker.conn not in ready and worker.process.sentinel not in ready:
                    if time.monotonic() - worker.started >= timeout:
                        task = worker.task
                        worker.kill()
                        finish(Outcome(Path(task[0]), None, f"{task[0]}: making this sheet took longer than "
                                       f"{timeout:g} s; it was stopped and its worker replaced"))
                        workers[index] = _Worker(context, work, initializer, initargs)
                    continue
                task, outcome = worker.task, worker.collect()
                if outcome is not None:
                    finish(outcome)
                    continue
                crashes.append(Crash(Path(task[0]), worker.how_it_died()))
                tries[task] = tries.get(task, 0) + 1
                if tries[task] <= RETRIES:
                    queue.append(task)
                else:
                    finish(Outcome(Path(task[0]), None, f"{task[0]}: the worker process died while making this sheet "
                                   f"({crashes[-1].how}) (a bug; please report it)"))
                workers[index] = _Worker(context, work, initializer, initargs)  # at full strength again
    except BaseException:
        _stop(workers)
        raise
    for worker in workers:
        worker.close()
    return outcomes, crashes


class _Worker:
    """One spawned process making one sheet at a time over a pipe."""

    def __init__(self, context: Any, work: Callable[[str, str], Outcome], initializer: Callable[..., None] | None,
                 initargs: tuple[Any, ...]) -> None:
        self.conn, child = context.Pipe()
        self.folder = worker_folder()  # its temporary files (WeasyPrint's fonts), removed when it ends
        self.process = context.Process(target=_serve, args=(child, work, initializer, initargs, str(self.folder)),
                                       name="decisionaid-batch", daemon=True)
        with _sigint_blocked():  # it starts deaf to Ctrl-C, which is the parent's to handle
            self.process.start()
        child.close()
        self.task: Task | None = None
        self.started = 0.0  # when the current task was given

    def give(self, task: Task) -> None:
        self.task, self.started = task, time.monotonic()
        with suppress(OSError):  # a worker that died already is found by its sentinel
            self.conn.send(task)

    def collect(self) -> Outcome | None:
        """The finished task's outcome, or None when the worker died."""
        try:
            outcome: Outcome | None = self.conn.recv() if self.conn.poll() else None
        except (EOFError, OSError):
            outcome = None
        if outcome is None:
            self.process.join(5)
            self.conn.close()
            remove_folder(self.folder)
        else:
            self.task = None
        return outcome

    def how_it_died(self) -> str:
        code = self.process.exitcode
        return f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"

    def kill(self) -> None:
        """End a worker stuck on its task at once (SIGKILL ends a stopped process too), and remove
        the temporary file of the sheet it may have been writing."""
        self.process.kill()
        self.process.join(5)
        if self.task is not None:
            _remove_temporary(self.task[1])
        self.release()

    def close(self) -> None:
        with suppress(OSError):
            self.conn.send(None)
        self.process.join(10)
        if self.process.is_alive():
            self.kill()
        else:
            self.release()

    def release(self) -> None:
        """The pipe and the scratch folder of a worker that has ended."""
        self.conn.close()
        remove_folder(self.folder)


def _stop(workers: list[_Worker], grace: float = 10.0) -> None:
    """After Ctrl-C: ask every worker to stop (SIGTERM; the sheet being written removes its
    temporary file), kill those still running after `grace`, and wait for all of them. Further
    Ctrl-Cs are ignored meanwhile: stopping is already under way."""
    with suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    for worker in workers:
        if worker.process.is_alive():
            worker.process.terminate()
    deadline = time.monotonic() + grace
    for worker in workers:
        worker.process.join(max(0.0, deadline - time.monotonic()))
        if worker.process.is_alive():
            worker.kill()  # and the temporary file of the sheet it was writing
        else:
            worker.release()


def _remove_temporary(target: str) -> None:
    """A killed worker may leave the temporary file of the sheet it was writing (safeio's name)."""
    from .plumbing.safeio import temporary_prefix

    path = Path(target)
    prefix = temporary_prefix(path.name)
    with suppress(OSError):
        for leftover in path.parent.iterdir():
            if leftover.name.startswith(prefix) and leftover.name.endswith(".tmp"):
                with suppress(OSError):
                    leftover.unlink()


def _serve(conn: Connection, work: Callable[[str, str], Outcome], initializer: Callable[..., None] | None,
           initargs: tuple[Any, ...], folder: str) -> None:
    """The worker's loop: set up once, then make one sheet per task until told to stop."""
    use_folder(folder)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # a pending one is now ignored
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        conn.send(work(*task))


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds through safeio, which removes a half-written temporary file


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


def _start_worker(rules_dir: str | None, sheet_date: str, large_print: bool, document: Document,
                  language: Language) -> None:
    from .pipeline import rule_pack_in

    _settings.update(rules_dir=rules_dir, sheet_date=dt.date.fromisoformat(sheet_date), large_print=large_print,
                     document=document, language=language)
    rule_pack_in(language, rules_dir)  # once per worker


def _make_sheet(source: str, target: str) -> Outcome:
    from .inputs import load_patient
    from .pipeline import make_sheet, rule_pack_and_engine
    from .plumbing.safeio import write_output
    from .sheet import render_pdf

    problem: str | None = None
    try:
        pack, _ = rule_pack_and_engine(_settings["rules_dir"])
        profile = load_patient(source, pack.catalogue, on=_settings["sheet_date"], rules_dir=_settings["rules_dir"])
        sheet = make_sheet(profile, sheet_date=_settings["sheet_date"], large_print=_settings["large_print"],
                           document=_settings["document"], rules_dir=_settings["rules_dir"],
                           language=_settings["language"])
        write_output(target, render_pdf(sheet), inputs=(source,))
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
    for outcome in result.failed:  # a file name's control characters escaped, as in every Diagnostic
        console.print(printable(outcome.problem or ""), markup=False, highlight=False, emoji=False, soft_wrap=True)
    total = len(result.outcomes)
    summary = (f"made {len(result.written)} of {total} sheets in {out_dir} ({result.jobs} "
               f"{'job' if result.jobs == 1 else 'jobs'}, {result.seconds:.1f} s)")
    for crash in result.crashes:
        console.print(f"{printable(str(crash.source))}: a worker process died while making this sheet ({crash.how}); "
                      "it was replaced", markup=False, highlight=False, emoji=False, soft_wrap=True)
    if result.failed:
        summary += f"; {len(result.failed)} {'profile' if len(result.failed) == 1 else 'profiles'} could not be used (listed above)"
    if result.crashes:
        summary += f"; {len(result.crashes)} worker {'crash' if len(result.crashes) == 1 else 'crashes'} (listed above)"
    console.print(summary, markup=False, highlight=False, emoji=False, soft_wrap=True)
    return result
