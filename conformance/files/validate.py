"""Validates files: discovery results in, one `FileResult` per input file out.

A file may hold one resource (JSON, XML) or many (NDJSON); its issues are reported together,
each located by line. A reader or validator failure on one file becomes an `internal.error`
issue for that file and the run goes on.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conformance.fhir.collector import per_document
from conformance.fhir.read import read_file
from conformance.files.bounded import DEFAULT_MAX_REPEATS, RepeatLimit
from conformance.issues import Issue, Severity, make_issue
from conformance.packages import PackageError
from conformance.validation.cdshooks import validate_cds_hooks
from conformance.validation.validator import Validator


@dataclass(slots=True)
class FileResult:
    path: str
    resource_type: str | None
    issues: list[Issue] = field(default_factory=list)
    resources: int = 0

    @property
    def valid(self) -> bool:
        # (read several times per file by the reports: the severities listed once, then two scans in C)
        severities = [i.severity for i in self.issues]
        return Severity.ERROR not in severities and Severity.FATAL not in severities

    def count(self, *severities: str) -> int:
        return sum(1 for i in self.issues if i.severity in severities)  # (a StrEnum equals its value)


def validate_file(path: Path, validator: Validator, profiles: Sequence[str] = (), display: str | None = None,
                  max_repeats: int = DEFAULT_MAX_REPEATS) -> FileResult:
    """Read and validate every resource in one file; past `max_repeats` findings of one code, the rest
    of that code are folded into one (see `bounded`)."""
    result = FileResult(display or str(path), None)
    types: set[str] = set()
    limit = RepeatLimit(max_repeats)

    def keep(found: Iterable[Issue]) -> None:
        if not max_repeats:  # (0: every finding is kept, none is counted)
            result.issues.extend(found)
            return
        result.issues.extend(i for i in found if limit.admit(i.code, i.code, i.severity.value, i.line, i.location))

    try:
        for parsed in per_document(read_file(path)):
            if parsed.root is None:
                cds_hooks = validate_cds_hooks(parsed, validator)  # JSON that is not a resource may be a CDS Hooks body
                keep(parsed.issues if cds_hooks is None else cds_hooks)
                continue
            keep(parsed.issues)
            result.resources += 1
            if parsed.root.resource_type:
                types.add(parsed.root.resource_type)
            keep(validator.validate(parsed.root, profiles))
            parsed.done()  # the findings hold no nodes: the tree is freed now, not by the cyclic collector
    except PackageError:  # a damaged package is the package's fault, not the file's: it stops the run (exit 2)
        raise
    except Exception as exc:  # a bug of ours must not lose the other files
        where = traceback.extract_tb(exc.__traceback__)[-1]
        result.issues.append(make_issue("internal.error",
                                        reason=f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"))
    for _, fold in limit.folds():
        result.issues.append(Issue(Severity(fold.severity), fold.code, fold.message, fold.location or "",
                                   fold.first_line, 1 if fold.first_line else 0))
    if len(types) == 1:
        result.resource_type = next(iter(types))
    result.issues.sort(key=lambda i: i.sort_key)
    return result


# -- parallel execution: each worker builds its validator once ------------------------------------

_worker_validator: Validator | None = None


def _init_worker(factory: Callable[[], Validator]) -> None:
    global _worker_validator
    _worker_validator = factory()


def _validate_in_worker(args: tuple[Path, tuple[str, ...], str, int]) -> FileResult:
    assert _worker_validator is not None
    path, profiles, display, max_repeats = args
    return validate_file(path, _worker_validator, profiles, display, max_repeats)


def validate_files(
    files: Iterable[tuple[Path, str]],
    factory: Callable[[], Validator],
    profiles: Sequence[str] = (),
    workers: int = 1,
    max_repeats: int = DEFAULT_MAX_REPEATS,
) -> Iterator[FileResult]:
    """Results in input order, whatever the number of workers."""
    items = [(p, tuple(profiles), display, max_repeats) for p, display in files]
    if workers <= 1 or len(items) <= 1:
        validator = factory()
        for path, profs, display, repeats in items:
            yield validate_file(path, validator, profs, display, repeats)
        return
    # imported only with workers: it imports multiprocessing (10 ms of every run's start-up)
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(factory,)) as pool:
        yield from pool.map(_validate_in_worker, items, chunksize=max(1, len(items) // (workers * 8)))
