"""The findings store: a list of findings that spills to disk past a threshold, in order, sorted stably
in bounded memory, within a disk budget whose overflow is counted exactly (never silently lost)."""

from __future__ import annotations

import random

import pytest

from conformance.results import Finding, Outcome
from conformance.results.store import DiskBudget, FindingStore, failing_count, has_error


def finding(n: int, line: int = 0, severity: str = "warning", outcome: Outcome = Outcome.FAIL) -> Finding:
    return Finding(f"check {n}", outcome, f"message {n}", severity, "x.code", f"Patient.name[{n}]", "a.ndjson",
                   line or None, n % 7 or None)


def test_past_the_threshold_findings_go_to_disk_and_come_back_whole_and_in_order() -> None:
    originals = [finding(n, line=n) for n in range(1, 2001)]
    store = FindingStore(originals, in_memory=100)
    assert store.spilled
    assert list(store) == originals
    assert list(store) == originals  # iterating twice reads the disk twice, same answer
    assert (len(store), store.total, store.failing, store.errors) == (2000, 2000, 2000, 0)
    assert store[0] == originals[0] and store[-1] == originals[-1] and store[1500] == originals[1500]
    assert store[:3] == originals[:3]
    assert store == originals and store != originals[:-1]


def test_a_store_below_the_threshold_never_touches_the_disk() -> None:
    store = FindingStore([finding(1), finding(2)], in_memory=100)
    assert not store.spilled and list(store) == [finding(1), finding(2)]


@pytest.mark.parametrize("key_up_front", [True, False])
def test_sort_is_the_stable_sort_a_list_gives_with_front_findings_first_among_equals(key_up_front: bool) -> None:
    rng = random.Random(7)
    originals = [finding(n, line=rng.randint(1, 40)) for n in range(3000)]  # many ties: stability matters

    def key(f: Finding) -> tuple[int, int]:
        return (f.line or 0, f.column or 0)

    store = FindingStore(key=key if key_up_front else None, in_memory=128)
    store.extend(originals)
    front = [finding(9000 + n, line=rng.randint(1, 40)) for n in range(5)]
    store.insert_front(front)
    store.sort(key=key)
    assert store.spilled
    assert list(store) == sorted(front + originals, key=key)
    assert (len(store), store.total) == (3005, 3005)


def test_over_the_disk_budget_later_findings_are_counted_not_kept_and_still_decide_the_verdict() -> None:
    budget = DiskBudget(20_000)  # bytes: room for a few blocks only
    originals = [finding(n, line=n, severity="error" if n == 4999 else "warning") for n in range(5000)]
    store = FindingStore(originals, in_memory=256, budget=budget)
    kept = list(store)
    assert 0 < len(kept) < 5000 and store.dropped == 5000 - len(kept)
    assert kept == originals[:len(kept)]  # what is kept is a prefix: nothing after the gap
    assert store.dropped_by_severity == {"warning": store.dropped - 1, "error": 1}
    assert has_error(store) and store.errors == 1 and failing_count(store) == 5000
    assert budget.used <= budget.limit
    store.close()
    assert budget.used == 0


def test_the_counters_match_what_a_list_would_say() -> None:
    mixed = [finding(1, severity="error"), finding(2, outcome=Outcome.PASS), finding(3)]
    store = FindingStore(mixed, in_memory=2)
    assert (failing_count(store), has_error(store)) == (failing_count(mixed), has_error(mixed)) == (2, True)
    assert not has_error(FindingStore([finding(3)]))


def test_the_thresholds_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFORMANCE_FINDINGS_IN_MEMORY", "3")
    store = FindingStore([finding(n) for n in range(4)])
    assert store.spilled
    monkeypatch.setenv("CONFORMANCE_FINDINGS_IN_MEMORY", "not a number")
    assert not FindingStore([finding(n) for n in range(4)]).spilled


def test_sorting_many_runs_merges_a_bounded_number_at_once_and_stays_stable(monkeypatch: pytest.MonkeyPatch) -> None:
    import heapq

    from conformance.results import store as store_module

    widest: list[int] = []
    real_merge = heapq.merge

    def counting_merge(*iterables, key=None):  # type: ignore[no-untyped-def]
        widest.append(len(iterables))
        return real_merge(*iterables, key=key)

    monkeypatch.setattr(store_module.heapq, "merge", counting_merge)
    rng = random.Random(11)
    originals = [finding(n, line=rng.randint(1, 30)) for n in range(4000)]

    def key(f: Finding) -> tuple[int, int]:
        return (f.line or 0, f.column or 0)

    store = FindingStore(originals, key=key, in_memory=20)  # 200 runs on disk
    store.sort(key=key)
    assert list(store) == sorted(originals, key=key)
    assert max(widest) <= store_module.MERGE_FAN_IN
    assert len(widest) > 1 + 200 // store_module.MERGE_FAN_IN  # more than one pass
