"""Worker processes that evaluate profiles and render sheets for the web form.

Each worker is a *spawned* process (never forked: durable-rules and WeasyPrint/Pango must not be
shared across a fork) that builds its own rule engine and warms WeasyPrint once, then serves one
job at a time over a pipe. The server process imports neither.

Why not `concurrent.futures.ProcessPoolExecutor`: it cannot stop one job that runs too long.
Here a job that passes its time limit has its worker killed and replaced, and the others go on.
Workers also run under an address-space limit and are replaced after a number of jobs (WeasyPrint
memory grows slowly). Jobs carry an id that the answer must echo, so one patient's sheet can never
be handed to another.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import logging
import multiprocessing
import os
import queue
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from ..plumbing.scratch import remove_folder, use_folder, worker_folder

JobKind = Literal["sheet", "view", "assess"]
log = logging.getLogger("decisionaid.web")


class WorkerError(Exception):
    """A job failed inside a worker. The message names only the kind of failure, never patient data."""


class JobTimeout(WorkerError):
    """A job ran past its time limit; its worker was killed."""


class PoolBusy(WorkerError):
    """No worker became free in time."""


def _worker_main(conn: Connection, rules_dir: str | None, memory_limit: int | None, folder: str) -> None:
    """Runs in the spawned process: build the engine once, then answer jobs until told to stop."""
    use_folder(folder)  # WeasyPrint's font folder goes here; the server removes it when this worker ends
    if memory_limit:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    # Rendering problems must never print patient text to the server's log.
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).addHandler(logging.NullHandler())
        logging.getLogger(name).propagate = False
    from ..pipeline import assess_profile, rule_pack_and_engine, sheet_pdf, sheet_screen
    from ..plumbing.i18n import LANGUAGES, SOURCE_LANGUAGE
    from ..profile.model import Profile

    pack, _ = rule_pack_and_engine(rules_dir)
    sheet_pdf(Profile(age=40, ms_type="unknown"), sheet_date=dt.date(2000, 1, 1))  # warm WeasyPrint and fonts
    sheet_screen(Profile(age=40, ms_type="unknown"), sheet_date=dt.date(2000, 1, 1))  # and the page's templates
    # The rule pack, the engine and WeasyPrint's caches live as long as the worker: keep them out of
    # the garbage collector's full passes, which otherwise walk them during every render (5-8% of it).
    gc.collect()
    gc.freeze()
    conn.send(("ready", None, None))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        job_id, kind, payload = message
        try:
            profile = Profile.model_validate(payload["profile"], context={"catalogue": pack.catalogue})
            profile = profile.with_record_gaps(payload.get("not_in_record", ()))
            result: Any
            language = payload.get("language", SOURCE_LANGUAGE)
            if language not in LANGUAGES:
                raise ValueError("unknown language")
            if kind == "sheet":
                result = sheet_pdf(profile, sheet_date=dt.date.fromisoformat(payload["sheet_date"]),
                                   large_print=bool(payload["large_print"]),
                                   document="booklet" if payload.get("document") == "booklet" else "visit",
                                   rules_dir=rules_dir, language=language)
            elif kind == "view":
                result = sheet_screen(profile, sheet_date=dt.date.fromisoformat(payload["sheet_date"]),
                                      large_print=bool(payload["large_print"]),
                                      carried=[(str(name), str(value)) for name, value in payload["carried"]],
                                      rules_dir=rules_dir, language=language)
            elif kind == "assess":
                result = assess_profile(profile, rules_dir).model_dump(mode="json")
            else:
                raise ValueError("unknown job kind")
            conn.send(("ok", job_id, result))
        except BaseException as exc:  # noqa: BLE001 - MemoryError from RLIMIT_AS lands here too
            conn.send(("error", job_id, type(exc).__name__))


class _Worker:
    """One spawned process and its end of the pipe; used by one thread at a time."""

    def __init__(self, pool: RenderPool) -> None:
        self.pool = pool
        self.process: Any = None
        self.conn: Connection | None = None
        self.folder: Path | None = None  # the worker's temporary folder
        self.jobs = 0

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        rules = str(self.pool.rules_dir) if self.pool.rules_dir is not None else None
        self.folder = worker_folder()
        self.process = context.Process(target=_worker_main, args=(child, rules, self.pool.memory_limit,
                                                                  str(self.folder)),
                                       name="decisionaid-render", daemon=True)
        self.process.start()
        child.close()
        self.jobs = 0

    def wait_ready(self, timeout: float) -> None:
        assert self.conn is not None
        try:
            ready = self.conn.poll(timeout) and self.conn.recv()[0] == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.stop()
            raise WorkerError("a render worker did not start")

    def stop(self, grace: float = 0.0) -> None:
        if self.process is not None:
            self.process.join(grace)
            self.process.kill()
            self.process.join(5)
            self.process = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        remove_folder(self.folder)
        self.folder = None

    def run(self, job_id: int, kind: JobKind, payload: dict[str, Any], timeout: float) -> Any:
        assert self.conn is not None
        self.jobs += 1
        try:
            self.conn.send((job_id, kind, payload))
            if not self.conn.poll(timeout):
                self.stop()
                raise JobTimeout(f"a {kind} job ran past {timeout:.0f} s")
            status, answered_id, result = self.conn.recv()
        except (EOFError, OSError):
            self.stop()
            raise WorkerError(f"a render worker stopped during a {kind} job") from None
        if answered_id != job_id:  # never hand one patient's result to another
            self.stop()
            raise WorkerError("a render worker answered the wrong job")
        if status != "ok":
            raise WorkerError(f"{kind} job failed in the worker: {result}")
        return result

    @property
    def healthy(self) -> bool:
        return self.process is not None and self.process.is_alive() and self.jobs < self.pool.max_jobs


class RenderPool:
    """A fixed number of render workers; `run` is blocking and safe to call from many threads."""

    def __init__(self, size: int | None = None, rules_dir: str | Path | None = None, *, job_timeout: float = 60.0,
                 max_jobs: int = 200, memory_limit: int | None = 2 * 1024**3, start_timeout: float = 120.0) -> None:
        self.size = size or default_size()
        self.rules_dir = rules_dir
        self.job_timeout = job_timeout
        self.max_jobs = max_jobs
        self.memory_limit = memory_limit
        self.start_timeout = start_timeout
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._workers: list[_Worker] = []
        self._ids = itertools.count(1)
        self._closed = False

    def start(self) -> None:
        """Start every worker at once, and return when all are ready."""
        self._workers = [_Worker(self) for _ in range(self.size)]
        for worker in self._workers:
            worker.start()
        try:
            for worker in self._workers:
                worker.wait_ready(self.start_timeout)
        except WorkerError:
            self.close()
            raise
        for worker in self._workers:
            self._idle.put(worker)

    def run(self, kind: JobKind, payload: dict[str, Any], *, wait: float = 90.0) -> Any:
        """Run one job on a free worker; raises PoolBusy, JobTimeout or WorkerError."""
        if self._closed:
            raise WorkerError("the render pool is closed")
        try:
            worker = self._idle.get(timeout=wait)
        except queue.Empty:
            raise PoolBusy("no render worker became free in time") from None
        started = time.perf_counter()
        try:
            if worker.process is None or not worker.process.is_alive():  # an earlier restart failed
                worker.stop()
                worker.start()
                worker.wait_ready(self.start_timeout)
            return worker.run(next(self._ids), kind, payload, self.job_timeout)
        finally:
            log.debug("%s job took %.0f ms", kind, (time.perf_counter() - started) * 1000)
            self._give_back(worker)

    def _give_back(self, worker: _Worker) -> None:
        if worker.healthy or self._closed:
            self._idle.put(worker)
            return

        def replace() -> None:  # outside the request: the next patient need not wait for a restart
            worker.stop()
            if self._closed:
                return
            try:
                worker.start()
                worker.wait_ready(self.start_timeout)
            except WorkerError:
                log.error("a render worker could not be restarted")
            self._idle.put(worker)

        threading.Thread(target=replace, name="decisionaid-render-restart", daemon=True).start()

    def workers_up(self) -> int:
        """How many render workers are alive now (for /readyz)."""
        return 0 if self._closed else sum(1 for w in self._workers if w.process is not None and w.process.is_alive())

    def close(self) -> None:
        self._closed = True
        for worker in self._workers:
            if worker.conn is not None:
                try:
                    worker.conn.send(None)
                except OSError:
                    pass
        for worker in self._workers:
            worker.stop(grace=2.0)


def default_size() -> int:
    """One worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
