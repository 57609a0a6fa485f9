"""The function every executor runs: one partition in, one PartitionResult out.

A worker (a process of the pool, a thread of a Dask worker, or the main process) compiles a
CheckPlan the first time it meets it and keeps it for every later partition of the run — the
validator's plans, the FHIRPath expressions and the patterns are built once per worker, never per
file or line. The cache is per thread because a validator keeps per-walk state, and Dask runs
tasks on several threads of one process. A bug of ours in a partition becomes an
`internal.error` finding for its file; the run goes on.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

from conformance.files.bounded import prefold
from conformance.files.partials import EXPORT_FILES, PartitionResult
from conformance.files.partitions import Partition
from conformance.files.rules import CheckPlan, ResourceChecks
from conformance.files.sources import ExportFile
from conformance.issues import make_issue
from conformance.packages import PackageError
from conformance.results import Finding

_KEEP = 2  # compiled plans kept per thread (a long-lived Dask worker serves run after run)
_local = threading.local()


@dataclass(frozen=True, slots=True)
class Job:
    plan: CheckPlan
    partition: Partition
    file: ExportFile
    max_repeats: int = 0  # findings kept per rule, file and code (0: all); the rest sent folded (`bounded.prefold`)


def compiled(plan: CheckPlan) -> ResourceChecks:
    """This thread's compiled form of the plan, built on first use."""
    cache: dict[str, ResourceChecks] | None = getattr(_local, "plans", None)
    if cache is None:
        cache = _local.plans = {}
    checks = cache.get(plan.key)
    if checks is None:
        while len(cache) >= _KEEP:
            cache.pop(next(iter(cache)))
        checks = cache[plan.key] = ResourceChecks(plan)
    return checks


def run_job(job: Job) -> PartitionResult:
    try:
        result = compiled(job.plan).check(job.file, job.partition)
        if job.max_repeats:
            result.findings = {rule_id: prefold(found, job.max_repeats) for rule_id, found in result.findings.items()}
        return result
    except PackageError:  # a damaged package is not the export's fault: it stops the check (exit 2)
        raise
    except Exception as exc:  # a bug of ours must not lose the other partitions
        where = traceback.extract_tb(exc.__traceback__)[-1]
        issue = make_issue("internal.error", line=0, column=0,
                           reason=f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})")
        result = PartitionResult(job.partition.seq)
        result.add(EXPORT_FILES, Finding.from_issue(issue, job.file.display, path=job.file.display))
        return result
