"""Isolation under load: patients never mix, whatever runs at the same time, and memory stays flat.

Thousands of evaluations across threads (one shared engine) and across spawned processes (one
engine each) must give exactly the sequential results; 100,000 evaluations in one process must
not grow its memory.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import threading
from concurrent.futures import ProcessPoolExecutor

import pytest

from decisionaid.evaluation.assess import assess
from decisionaid.plumbing.errors import EngineError
from decisionaid.profile.facts import profile_facts
from decisionaid.profile.model import Profile

from .conftest import RULES
from .generate import random_profile
from .workers import assess_all

PEOPLE = 200


@pytest.fixture(scope="module")
def people(pack):
    rnd = random.Random(4242)
    data = [random_profile(rnd, pack.catalogue) for _ in range(PEOPLE)]
    return data, [Profile.model_validate(d, context={"catalogue": pack.catalogue}) for d in data]


@pytest.fixture(scope="module")
def sequential(people, pack, engine):
    _, profiles = people
    facts = [profile_facts(p, pack.catalogue) for p in profiles]
    return facts, [engine.evaluate(f) for f in facts], [assess(p, pack, engine) for p in profiles]


def test_threads_sharing_one_engine_give_the_sequential_results(people, sequential, pack, engine):
    _, profiles = people
    facts, fired, assessments = sequential
    mismatches: list[str] = []
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        order = list(range(PEOPLE)) * 3
        random.Random(seed).shuffle(order)
        try:
            for index in order:  # 600 evaluations per thread, in a different order in each
                if engine.evaluate(facts[index]) != fired[index]:
                    mismatches.append(f"thread {seed}: profile {index}")
            for index in order[:40]:
                if assess(profiles[index], pack, engine) != assessments[index]:
                    mismatches.append(f"thread {seed}: assessment {index}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and not mismatches, (errors, mismatches[:5])


def test_processes_with_their_own_engines_give_the_sequential_results(people, sequential):
    data, _ = people
    _, fired, assessments = sequential
    expected_fired = [sorted(map(repr, f.keys)) for f in fired]
    halves = [data[: PEOPLE // 2], data[PEOPLE // 2 :]]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        results = list(pool.map(assess_all, [str(RULES)] * 2, halves, [5, 5], timeout=300))
    assert len({pid for pid, _, _ in results}) == 2 and os.getpid() not in {pid for pid, _, _ in results}
    got_assessments = [a for _, chunk, _ in results for a in chunk]
    assert got_assessments == [a.model_dump(mode="json") for a in assessments]
    for half, (_, _, got_fired) in zip((expected_fired[: PEOPLE // 2], expected_fired[PEOPLE // 2 :]), results):
        assert got_fired == half * 5  # 1,000 evaluations per process, each equal to the sequential one


def test_a_failed_evaluation_leaves_nothing_behind(sequential, engine):
    facts, fired, _ = sequential
    with pytest.raises(EngineError):
        engine.evaluate({**facts[0], "edss": float("nan")})
    assert [engine.evaluate(f) for f in facts[:20]] == fired[:20]


def rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def test_memory_stays_flat_over_100_000_evaluations(sequential, engine):
    facts, fired, _ = sequential
    for f in facts * 25:  # warm up: 5,000 evaluations
        engine.evaluate(f)
    before = rss_kib()
    for round_ in range(500):  # 100,000 evaluations
        for f in facts:
            engine.evaluate(f)
    grown = rss_kib() - before
    assert engine.evaluate(facts[7]) == fired[7]
    assert grown < 2048, f"RSS grew by {grown} KiB over 100,000 evaluations"
