"""`conformance check` on a bulk NDJSON export, clean and with findings: throughput, parallel speed-up, memory, a peer.

    python benchmarks/bulk_check.py [--count N] [--workers 1,2] [--corpora clean,findings] [--repeat 3]
                                    [--seed S] [--peer-count K] [--json]
    python benchmarks/bulk_check.py --memory-scaling [--small 100000] [--large 1000000] [--workers 2]

The export is written once per corpus into a temporary folder, streaming (never held in memory): the
shared corpus's Patients and Observations (`corpus.py`, same seed, same bytes) in `Patient.ndjson` and
`Observation.ndjson`, plus the 400 Organizations and 900 Practitioners they reference, and a Bulk
Data `manifest.json`. `clean` conforms; `findings` is changed as `corpus.with_findings` changes it (no
narrative, extensible-binding misses, every fourth Observation's subject missing from the export).
Both are checked against a profile written next to them: every resource validated against base R4
(warnings are findings of the run), every reference and subject resolved across files, no duplicate
`Type/id`, NHS numbers unique, counts and files present.

Each check runs in a child process (the engine's API and its process pool), so its memory
is measured alone: **peak RSS of the process tree** (the child and its workers, summed) sampled
every 50 ms with psutil or, without it, from /proc. Time is taken over the check itself (collecting
inputs to the RunResult; interpreter start and package loading excluded), so the 1-worker and
2-worker runs do the same work: wall seconds (min and median of `--repeat` runs, corpora and worker
counts interleaved), and CPU seconds of the parent (reading, planning, merging) and of each worker.
On a machine shared with other work the wall-clock speed-up shows the load as much as the code, so
the speed-up an idle machine would give is also estimated from the CPU times (`quiet_speed_up`).
The peer is fhir.resources 8 (`json.loads` + R4B `model_validate`, one process, CPU seconds) over
the first `--peer-count` lines of the same files, in the same mix of Patients and Observations.

Targets: 2 workers at least 1.7x faster than 1; peak memory at 1,000,000 resources at most 1.2x
that at 100,000 (`--memory-scaling`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from corpus import DEFAULT_SEED, _observation, _patient, iter_with_findings  # noqa: E402

ORGANIZATIONS, PRACTITIONERS = 400, 900
PROFILE = """id: bulk-check-benchmark
title: Bulk check benchmark
version: "1.0.0"
publisher: conformance benchmarks
status: draft
fhirVersion: "4.0.1"
packages:
  - name: r4-core
    package: "hl7.fhir.r4.core#4.0.1"
requirements: requirements.csv
scenarios: []
file_checks:
  files:
    - {match: "Patient.ndjson", resource_types: [Patient]}
    - {match: "Observation.ndjson", resource_types: [Observation]}
    - {match: "Organization.ndjson", resource_types: [Organization]}
    - {match: "Practitioner.ndjson", resource_types: [Practitioner]}
  rules:
    - {id: PRESENT, requirements: [B-1], type: files-present, patterns: [manifest.json, Patient.ndjson, Observation.ndjson]}
    - {id: VALID, requirements: [B-1], type: validate, severity: warning}
    - {id: COUNTS, requirements: [B-1], type: resource-counts, minimum: {Patient: 1, Observation: 1}}
    - {id: IDS, requirements: [B-1], type: unique-ids}
    - {id: REFS, requirements: [B-1], type: references-resolve}
    - {id: SUBJECTS, requirements: [B-1], type: subject-exists}
    - {id: NHS, requirements: [B-1], type: identifier-unique, resource_type: Patient, system: "https://fhir.nhs.uk/Id/nhs-number"}
"""


# -- the export ----------------------------------------------------------------------------------

def write_export(folder: Path, count: int, seed: int, findings: bool = False) -> dict[str, Any]:
    """`count` corpus resources (as corpus.generate_resources makes them) plus what they reference;
    with `findings`, changed as `corpus.with_findings` changes them (streamed, never held)."""
    rng = random.Random(seed)
    patients: list[str] = []

    def resources() -> Iterator[dict[str, Any]]:
        for i in range(count):
            if i % 3 == 0:
                pid = f"pat-{i:07d}"
                patients.append(pid)
                yield _patient(rng, pid)
            else:
                yield _observation(rng, f"obs-{i:07d}", rng.choice(patients))

    with open(folder / "Patient.ndjson", "w", encoding="utf-8") as pat, \
            open(folder / "Observation.ndjson", "w", encoding="utf-8") as obs:
        for r in (iter_with_findings(resources()) if findings else resources()):
            (pat if r["resourceType"] == "Patient" else obs).write(_line(r))
    with open(folder / "Organization.ndjson", "w", encoding="utf-8") as out:
        for n in range(1, ORGANIZATIONS + 1):
            out.write(_line({"resourceType": "Organization", "id": f"gp-{n:04d}", "name": f"Practice {n}",
                             "text": {"status": "generated",
                                      "div": f'<div xmlns="http://www.w3.org/1999/xhtml">Practice {n}</div>'}}))
    with open(folder / "Practitioner.ndjson", "w", encoding="utf-8") as out:
        for n in range(1, PRACTITIONERS + 1):
            out.write(_line({"resourceType": "Practitioner", "id": f"pr-{n:04d}", "name": [{"family": f"Doctor{n}"}],
                             "text": {"status": "generated",
                                      "div": f'<div xmlns="http://www.w3.org/1999/xhtml">Doctor {n}</div>'}}))
    output = [{"type": t, "url": f"https://example.org/bulk/{t}.ndjson"}
              for t in ("Patient", "Observation", "Organization", "Practitioner")]
    (folder / "manifest.json").write_text(json.dumps({"transactionTime": "2024-03-01T00:00:00Z",
                                                      "request": "https://example.org/fhir/$export",
                                                      "requiresAccessToken": False, "output": output}))
    size = sum(p.stat().st_size for p in folder.iterdir())
    return {"resources": count + ORGANIZATIONS + PRACTITIONERS, "bytes": size}


def _line(resource: dict[str, Any]) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_profile(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profile.yaml").write_text(PROFILE, encoding="utf-8")
    (folder / "requirements.csv").write_text("identifier,level,description\nB-1,MUST,The export conforms.\n",
                                             encoding="utf-8")
    return folder


# -- one check, in a child process ----------------------------------------------------------------

def _timed(fn: Any, log: str, job: Any) -> Any:
    """Run one job in a worker and append `pid cpu-seconds-so-far` to `log` (the worker's own CPU, load-independent)."""
    result = fn(job)
    with open(log, "a", encoding="ascii") as handle:
        handle.write(f"{os.getpid()} {time.process_time()}\n")
    return result


def child(profile: str, export: str, workers: int) -> None:
    """Run the check through the engine's API and print its figures as JSON (the child's side).

    Besides wall time, the CPU time of this process (reading, planning, merging: the part no worker
    shares) and of each worker (from a log each appends to after every job), so the speed-up that
    2 workers can reach on a quiet machine can be told apart from what a busy machine allowed."""
    import functools

    from conformance.files.engine import check_export
    from conformance.files.executors import ProcessExecutor
    from conformance.files.sources import collect_inputs
    from conformance.files.validators import load_check_packages
    from conformance.packages import PackageCache
    from conformance.profiles import load_profile

    class TimedExecutor(ProcessExecutor):
        def map(self, fn: Any, jobs: Any) -> Any:
            return super().map(functools.partial(_timed, fn, log), jobs)

    loaded = load_profile(Path(profile))
    packages = load_check_packages(loaded, [], PackageCache.default())
    with tempfile.NamedTemporaryFile(prefix="conformance-bench-cpu-", delete=False) as handle:
        log = handle.name
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        inputs = collect_inputs([export])
        executor = TimedExecutor(workers)
        result = check_export(loaded, inputs, executor, packages=packages)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        per_pid: dict[int, float] = {}
        for line in Path(log).read_text(encoding="ascii").splitlines():
            pid, used = line.split()
            if int(pid) != os.getpid():
                per_pid[int(pid)] = max(per_pid.get(int(pid), 0.0), float(used))
    finally:
        os.unlink(log)
    findings = sum(len(t.findings) for g in result.groups for t in g.tests)
    print(json.dumps({"seconds": seconds, "exit": result.exit_code(), "findings": findings,
                      "summary": result.groups[0].message, "parent_cpu": cpu,
                      "worker_cpu": sorted(per_pid.values(), reverse=True)}))


def quiet_speed_up(one: dict[str, Any], more: dict[str, Any], cores: int) -> float:
    """The speed-up `more` reaches over `one` on an idle machine of `cores` cores, from CPU times alone.

    One worker runs in this process, so its CPU time is the whole job. With a pool, the run cannot end
    before its busiest process (the parent's reading and merging, or the busiest worker) has had its
    CPU time, nor before all of them shared `cores` cores; the larger of these bounds is the estimate. It
    is capped at the cores and workers used (CPU times move a few percent between runs on a busy machine)."""
    workers = more["worker_cpu"] or [0.0]
    bound = max(more["parent_cpu"], max(workers), (more["parent_cpu"] + sum(workers)) / cores)
    return min(one["parent_cpu"] / bound if bound else 0.0, float(min(cores, len(workers))))


def _tree_rss(pid: int) -> int:
    """RSS in bytes of a process and all its descendants."""
    try:
        import psutil
    except ImportError:
        return _proc_tree_rss(pid)
    try:
        top = psutil.Process(pid)
        procs = [top, *top.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def _proc_tree_rss(pid: int) -> int:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {pid}, [pid]
    while frontier:
        current = frontier.pop()
        for p, parent in parents.items():
            if parent == current and p not in tree:
                tree.add(p)
                frontier.append(p)
    total = 0
    for p in tree:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def run_check(profile: Path, export: Path, workers: int) -> dict[str, Any]:
    """The child's figures plus the peak RSS of its process tree."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(profile), str(export),
               "--workers", str(workers)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"the check failed (exit {proc.returncode}):\n{err}")
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    figures["peak_tree_rss"] = peak
    figures["max_single_rss"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return figures


# -- the peer -------------------------------------------------------------------------------------

def peer(export: Path, count: int) -> dict[str, Any]:
    """fhir.resources (R4B) model_validate over the first `count` lines, Patients and Observations 1:2."""
    try:
        import fhir.resources
        from fhir.resources.R4B import get_fhir_model_class
    except ImportError as exc:
        return {"available": False, "note": f"install the bench extra (fhir.resources>=8,<9): {exc}"}
    lines: list[bytes] = []
    with open(export / "Patient.ndjson", "rb") as pat, open(export / "Observation.ndjson", "rb") as obs:
        while len(lines) < count:
            got = [pat.readline(), obs.readline(), obs.readline()]
            got = [g for g in got if g]
            if not got:
                break
            lines.extend(got)
    lines = lines[:count]
    models: dict[str, Any] = {}
    invalid = 0
    started = time.process_time()
    for raw in lines:
        data = json.loads(raw)
        rt = data["resourceType"]
        model = models.get(rt) or models.setdefault(rt, get_fhir_model_class(rt))
        try:
            model.model_validate(data)
        except Exception:  # noqa: BLE001 - a rejection is a verdict, not a failure of the benchmark
            invalid += 1
    seconds = time.process_time() - started
    return {"available": True, "version": fhir.resources.__version__, "resources": len(lines), "seconds": seconds,
            "resources_per_second": len(lines) / seconds if seconds else 0.0, "invalid": invalid}


# -- reports --------------------------------------------------------------------------------------

def _mib(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MiB"


def throughput(args: argparse.Namespace) -> dict[str, Any]:
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="conformance-bulk-") as tmp:
        folder = Path(tmp)
        exports, facts = {}, {}
        for corpus in args.corpora:
            exports[corpus] = folder / f"export-{corpus}"
            exports[corpus].mkdir()
            print(f"writing an export of {args.count:,} corpus resources ({corpus}) ...", file=sys.stderr)
            facts[corpus] = write_export(exports[corpus], args.count, args.seed, findings=corpus == "findings")
        profile = write_profile(folder / "profile")
        got: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for attempt in range(args.repeat):  # interleaved (ABAB), so a slow spell of the machine hits every run alike
            for corpus in args.corpora:
                for workers in args.workers:
                    print(f"checking {corpus} with {workers} worker(s) (run {attempt + 1} of {args.repeat}) ...",
                          file=sys.stderr)
                    got.setdefault((corpus, workers), []).append(run_check(profile, exports[corpus], workers))
        print(f"fhir.resources on {min(args.peer_count, args.count):,} lines ...", file=sys.stderr)
        the_peer = {corpus: peer(exports[corpus], min(args.peer_count, args.count)) for corpus in args.corpora}
    runs = []
    for (corpus, workers), series in got.items():
        walls = [r["seconds"] for r in series]
        cpus = [r["parent_cpu"] + sum(r["worker_cpu"]) for r in series]
        fastest = min(series, key=lambda r: r["seconds"])
        runs.append({"corpus": corpus, "workers": workers, "seconds_min": min(walls),
                     "seconds_median": statistics.median(walls), "cpu_median": statistics.median(cpus),
                     "resources_per_second": facts[corpus]["resources"] / min(walls),
                     "peak_tree_rss": max(r["peak_tree_rss"] for r in series),
                     "max_single_rss": fastest["max_single_rss"], "findings": fastest["findings"],
                     "parent_cpu": statistics.median(r["parent_cpu"] for r in series),
                     "worker_cpu": [statistics.median(w) for w in zip(*(r["worker_cpu"] for r in series), strict=False)],
                     "quiet_speed_up": 1.0})
    for r in runs:
        one = next(o for o in runs if o["corpus"] == r["corpus"] and o["workers"] == args.workers[0])
        r["speed_up"] = one["seconds_min"] / r["seconds_min"]
        r["speed_up_median"] = one["seconds_median"] / r["seconds_median"]
        if r is not one:
            r["quiet_speed_up"] = quiet_speed_up(one, r, cores)
    report = {"export": facts, "cores": cores, "repeat": args.repeat, "load": os.getloadavg(), "runs": runs,
              "peer": the_peer}
    if args.json:
        print(json.dumps(report, indent=2))
        return report
    print(f"export: {args.count:,} corpus resources + {ORGANIZATIONS + PRACTITIONERS:,} referenced, "
          f"{facts[args.corpora[0]]['bytes'] / (1 << 20):,.0f} MiB of NDJSON; {cores} cores; {args.repeat} interleaved "
          f"runs each, load average at the end {os.getloadavg()[0]:.1f}")
    print(f"{'corpus':<9} {'workers':>7}  {'wall min':>8}  {'median':>6}  {'resources/s':>11}  {'speed-up':>8}  "
          f"{'quiet est.':>10}  {'CPU parent':>10}  {'CPU workers':>11}  {'peak RSS':>9}  findings")
    for r in runs:
        workers_cpu = "+".join(f"{w:.1f}" for w in r["worker_cpu"]) or "-"
        print(f"{r['corpus']:<9} {r['workers']:>7}  {r['seconds_min']:>8.1f}  {r['seconds_median']:>6.1f}  "
              f"{r['resources_per_second']:>11,.0f}  {r['speed_up']:>7.2f}x  {r['quiet_speed_up']:>9.2f}x  "
              f"{r['parent_cpu']:>10.1f}  {workers_cpu:>11}  {_mib(r['peak_tree_rss']):>9}  {r['findings']}")
    for corpus, found in the_peer.items():
        if not found["available"]:
            print(f"peer ({corpus}): unavailable: {found['note']}")
            continue
        rate = found["resources_per_second"]
        one = next(r for r in runs if r["corpus"] == corpus and r["workers"] == args.workers[0])
        mine = facts[corpus]["resources"] / one["parent_cpu"]
        print(f"peer ({corpus}): fhir.resources {found['version']} model_validate (R4B, 1 process): {rate:,.0f} "
              f"resources per CPU second on {found['resources']:,} lines ({found['invalid']} rejected); ours, "
              f"{args.workers[0]} worker: {mine:,.0f} per CPU second, {mine / rate:.2f}x")
    if len(args.workers) > 1:
        for r in runs:
            if r["workers"] == args.workers[-1]:
                verdict = "met" if r["speed_up"] >= 1.7 else "NOT met"
                quiet = "met" if r["quiet_speed_up"] >= 1.7 else "NOT met"
                print(f"target ({r['corpus']}): {r['workers']}-worker speed-up >= 1.7x: measured {r['speed_up']:.2f}x "
                      f"(min wall), {verdict}; estimated from CPU times on an idle machine {r['quiet_speed_up']:.2f}x, "
                      f"{quiet}")
    return report


def memory_scaling(args: argparse.Namespace) -> dict[str, Any]:
    sizes = [args.small, args.large]
    peaks: list[dict[str, Any]] = []
    workers = args.workers[-1]
    for count in sizes:
        with tempfile.TemporaryDirectory(prefix="conformance-bulk-") as tmp:
            folder = Path(tmp)
            export = folder / "export"
            export.mkdir()
            print(f"writing an export of {count:,} corpus resources ...", file=sys.stderr)
            facts = write_export(export, count, args.seed)
            profile = write_profile(folder / "profile")
            print(f"checking with {workers} worker(s) ...", file=sys.stderr)
            figures = run_check(profile, export, workers)
            peaks.append({"count": count, "resources": facts["resources"], "bytes": facts["bytes"], **figures})
            shutil.rmtree(export, ignore_errors=True)
    ratio = peaks[1]["peak_tree_rss"] / peaks[0]["peak_tree_rss"]
    report = {"workers": workers, "runs": peaks, "ratio": ratio}
    if args.json:
        print(json.dumps(report, indent=2))
        return report
    for p in peaks:
        print(f"{p['resources']:>10,} resources ({p['bytes'] / (1 << 20):,.0f} MiB): {p['seconds']:.1f} s, "
              f"{p['resources'] / p['seconds']:,.0f}/s, peak RSS (tree) {_mib(p['peak_tree_rss'])}, "
              f"{p['findings']} findings")
    verdict = "met" if ratio <= 1.2 else "NOT met"
    print(f"peak memory {sizes[1]:,} / {sizes[0]:,}: {ratio:.3f}x (target <= 1.2x: {verdict})")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200_000, help="corpus resources in the export (default 200000)")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare, comma-separated (default 1,2)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs of each worker count (default 3)")
    parser.add_argument("--corpora", default="clean,findings", help="clean, findings or both (default both)")
    parser.add_argument("--peer-count", type=int, default=20_000, help="lines fhir.resources validates (default 20000)")
    parser.add_argument("--memory-scaling", action="store_true", help="compare peak memory at --small and --large")
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--child", nargs=2, metavar=("PROFILE", "EXPORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workers = [int(w) for w in str(args.workers).split(",") if w.strip()]
    args.corpora = [c for c in str(args.corpora).split(",") if c in ("clean", "findings")]
    if args.child:
        child(args.child[0], args.child[1], args.workers[-1])
    elif args.memory_scaling:
        memory_scaling(args)
    else:
        throughput(args)


if __name__ == "__main__":
    main()
