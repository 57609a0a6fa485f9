"""Everything a finished run leaves behind, in one call the CLI makes for `run` and `check`.

Two steps, so that a mistake in the options costs nothing: `prepare(options)` checks them before
the run starts (report format names, the baseline file, the signing key) and raises
`PublishError`, and claims the report folder (`dirlock.py`: a second run into the same folder is
refused); `publish(result, plan)` then applies the baseline, writes `--write-baseline`,
the `--report` files, the `--evidence` pack and, under GitHub Actions, the annotations and job
summary. An output that cannot be written does not stop the others; `Published.problems` lists
it (the CLI reports them and exits 2). The exit code of the run is
`Published.result.exit_code()` (the verdict of `conformance.results.verdict`): with a baseline,
accepted failures no longer fail it and an expired entry does.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from conformance.errors import ConformanceError
from conformance.reports import github
from conformance.reports.baseline import (
    Baseline,
    BaselineError,
    apply_baseline,
    check_profile,
    load_baseline,
    write_baseline,
)
from conformance.reports.dirlock import Claim, FolderBusy, claim
from conformance.reports.writer import ReportError, parse_formats, write_reports
from conformance.results import RunResult

if TYPE_CHECKING:  # the evidence pack (cryptography, the HTML report) is imported only when one is asked for
    from conformance.reports.evidence import PackageLike, Written


class PublishError(ConformanceError):
    """An option that cannot work (unknown format, unreadable baseline or key); exit 2 before the run."""


@dataclass(frozen=True)
class PublishOptions:
    formats: Sequence[str] = ()  # --report, e.g. ["junit,html"]
    report_dir: Path | None = None  # --report-dir (default: the current folder when --report is given)
    evidence: Path | None = None  # --evidence FILE.zip
    sign_key: Path | None = None  # --sign-key PEM
    include_inputs: bool = False  # --include-inputs
    baseline: Path | None = None  # --baseline FILE
    write_baseline: Path | None = None  # --write-baseline FILE
    require_all: bool = False  # --require-all
    profile_dir: Path | None = None  # the profile's folder, copied and hashed into the evidence pack
    packages: Sequence[PackageLike] = ()  # the FHIR packages used (id, version, path), hashed into the pack
    inputs: Sequence[Path] = ()  # the files checked (`check`), hashed into the pack
    profile_ids: frozenset[str] = frozenset()  # the profile's id and aliases: a baseline for another is refused


@dataclass(frozen=True)
class Plan:
    options: PublishOptions
    formats: list[str]
    baseline: Baseline | None
    signing_key: bytes | None
    claim: Claim | None = None  # the report folder, held until the reports are written


@dataclass
class Published:
    result: RunResult  # the run with the baseline applied: use its exit_code
    reports: dict[str, Path] = field(default_factory=dict)
    evidence: Written | None = None
    baseline_written: tuple[Path, int] | None = None  # the file and how many entries it has
    annotated: bool = False
    problems: list[str] = field(default_factory=list)


def prepare(options: PublishOptions) -> Plan:
    """Check the options before anything runs; PublishError with one clear line when one cannot work."""
    try:
        formats = parse_formats(options.formats)
    except ValueError as exc:
        raise PublishError(f"--report: {exc}") from exc
    baseline = None
    if options.baseline is not None:
        try:
            baseline = load_baseline(options.baseline)
            check_profile(baseline, set(options.profile_ids))
        except BaselineError as exc:
            raise PublishError(str(exc)) from exc
    key = None
    if options.sign_key is not None:
        if options.evidence is None:
            raise PublishError("--sign-key signs the evidence pack: give --evidence FILE.zip too")
        try:
            key = options.sign_key.read_bytes()
        except OSError as exc:
            raise PublishError(f"cannot read --sign-key {options.sign_key}: {exc.strerror or exc}") from exc
        from conformance.reports.signing import load_private_key

        try:
            load_private_key(key)
        except ValueError as exc:
            raise PublishError(f"--sign-key {options.sign_key}: {exc}") from exc
    if options.include_inputs and options.evidence is None:
        raise PublishError("--include-inputs puts the checked files into the evidence pack: give --evidence too")
    held = None
    if formats:
        try:
            held = claim(options.report_dir or Path("."))
        except FolderBusy as exc:
            raise PublishError(str(exc)) from None
        except OSError:  # the folder cannot be written: writing the reports will say so, located
            held = None
    return Plan(options, formats, baseline, key, held)


def publish(result: RunResult, plan: Plan, *, env: Mapping[str, str] | None = None,
            annotations: TextIO | None = None, today: date | None = None, now: datetime | None = None) -> Published:
    """Apply the baseline and write every requested output (see the module docstring)."""
    options = plan.options
    published = Published(result)
    if plan.baseline is not None:
        try:
            published.result = apply_baseline(result, plan.baseline, today=today)
        except BaselineError as exc:
            published.problems.append(str(exc))
    if options.write_baseline is not None:
        try:
            published.baseline_written = (options.write_baseline, write_baseline(result, options.write_baseline,
                                                                                 today=today))
        except OSError as exc:
            published.problems.append(f"cannot write --write-baseline {options.write_baseline}: {exc.strerror or exc}")
    if plan.formats:
        try:
            published.reports = write_reports(published.result, plan.formats, options.report_dir or Path("."))
        except ReportError as exc:
            published.reports = exc.written
            published.problems.extend(exc.problems)
    if options.evidence is not None:
        from conformance.reports.evidence import EvidenceError, write_evidence

        try:
            published.evidence = write_evidence(
                options.evidence, published.result, profile_dir=options.profile_dir, packages=options.packages,
                inputs=options.inputs, include_inputs=options.include_inputs, baseline_file=options.baseline,
                signing_key=plan.signing_key, now=now)
        except EvidenceError as exc:
            published.problems.append(str(exc))
    try:
        published.annotated = github.emit(published.result, annotations or sys.stdout, env)
    except OSError as exc:
        published.problems.append(f"cannot write the GitHub job summary: {exc.strerror or exc}")
    if plan.claim is not None:
        plan.claim.release()
    return published
