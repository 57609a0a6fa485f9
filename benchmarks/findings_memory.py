"""Peak memory of `conformance check` as findings grow: 100,000 vs 1,000,000 resources, every finding kept.

    python benchmarks/findings_memory.py [--small 100000] [--large 1000000] [--outputs json,reports]
                                         [--workers 1] [--repeat 3] [--json]

The export is `bulk_check.py`'s (Patients, Observations, the Organizations and Practitioners they
reference, a Bulk Data manifest), written streaming into a temporary folder, **with the typical
findings** of `corpus.with_findings`: no narrative anywhere (a dom-6 warning on every resource),
extensible-binding misses, every fourth Observation's subject missing from the export (an unresolved
reference). The profile is `bulk_check.py`'s (its validate rule fails on warnings, so every warning is a
finding of the run). `--max-repeats 0` keeps **every** finding (nothing folded), so the
findings store and the streaming writers carry them all.

Each output is a separate whole-process run of the real CLI (`--workers 1`: one process, whose peak
resident memory GNU time measures exactly; with more workers the pool's processes are not summed):
- `json`: `--format json`, the results document on stdout (redirected to a file);
- `reports`: the console summary plus `--report all --report-dir DIR` (results.json, JUnit, HTML,
  TestReport, SARIF, Markdown, OperationOutcome).

Printed per size and output: CPU seconds and peak RSS (min and median of the rounds), the findings in
results.json, then the ratio peak(large)/peak(small) per output, of the medians and of the maxima (target
≤ 1.2). Sizes run interleaved (small, large, small, …) over `--repeat` rounds. The machine these figures
come from is shared; peak memory does not depend on its load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bulk_check import write_export, write_profile  # noqa: E402
from corpus import DEFAULT_SEED  # noqa: E402
from harness import measure, mib, ours  # noqa: E402


def count_findings(results: Path) -> int:
    """Findings in a results document, streamed (the document can be hundreds of MB)."""
    total = 0
    with results.open("rb") as handle:
        for line in handle:
            if line.lstrip().startswith(b'"check": '):
                total += 1
    return total


def run(profile: Path, export: Path, output: str, out_dir: Path, workers: int) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    command = ours("check", str(profile), str(export), "--workers", str(workers), "--max-repeats", "0",
                   "--progress", "none")
    if output == "json":
        results = out_dir / "stdout.json"
        shell = [*command, "--format", "json"]
        wrapped = ["/bin/sh", "-c", 'exec "$@" > "$0"', str(results), *shell]
        figures = measure(wrapped)
    else:
        results = out_dir / "results.json"
        figures = measure([*command, "--report", "all", "--report-dir", str(out_dir)])
    sizes = {p.name: p.stat().st_size for p in out_dir.iterdir() if p.is_file()}
    found = count_findings(results) if results.is_file() else -1
    for p in out_dir.iterdir():
        if p.is_file():
            p.unlink()
    return {"cpu": figures.cpu_seconds, "peak": figures.peak_rss, "exit": figures.exit_code, "findings": found,
            "bytes": sizes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--outputs", default="json,reports")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    outputs = [o for o in args.outputs.split(",") if o]
    sizes = [args.small, args.large]
    runs: dict[tuple[int, str], list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="conformance-findings-memory-") as tmp:
        folder = Path(tmp)
        profile = write_profile(folder / "profile")
        exports = {}
        for size in sizes:
            exports[size] = folder / f"export-{size}"
            exports[size].mkdir()
            print(f"writing an export of {size:,} resources with findings ...", file=sys.stderr)
            write_export(exports[size], size, args.seed, findings=True)
        for attempt in range(args.repeat):
            for output in outputs:
                for size in sizes:
                    print(f"round {attempt + 1}: {output} at {size:,} ...", file=sys.stderr)
                    runs.setdefault((size, output), []).append(
                        run(profile, exports[size], output, folder / "out", args.workers))
    rows = []
    for (size, output), got in runs.items():
        rows.append({"resources": size, "output": output, "cpu_min": min(r["cpu"] for r in got),
                     "cpu_median": statistics.median(r["cpu"] for r in got),
                     "peak_min": min(r["peak"] for r in got), "peak_max": max(r["peak"] for r in got),
                     "peak_median": statistics.median(r["peak"] for r in got),
                     "findings": got[0]["findings"], "exit": got[0]["exit"], "bytes": got[0]["bytes"]})
    ratios = {}
    for output in outputs:
        small = next(r for r in rows if r["resources"] == args.small and r["output"] == output)
        large = next(r for r in rows if r["resources"] == args.large and r["output"] == output)
        ratios[output] = large["peak_median"] / small["peak_median"]
        ratios[f"{output} (maxima)"] = large["peak_max"] / small["peak_max"]
    report = {"workers": args.workers, "repeat": args.repeat, "load": os.getloadavg(), "rows": rows,
              "ratios": ratios}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"conformance check --max-repeats 0 --workers {args.workers}; {args.repeat} round(s); "
          f"load average at the end {os.getloadavg()[0]:.1f} (shared machine)")
    print(f"{'resources':>10} {'output':>8} {'CPU s min':>9} {'median':>8} {'peak min':>10} {'median':>10} "
          f"{'max':>10} {'findings':>9} exit")
    for r in rows:
        print(f"{r['resources']:>10,} {r['output']:>8} {r['cpu_min']:>9.1f} {r['cpu_median']:>8.1f} "
              f"{mib(r['peak_min']):>10} {mib(r['peak_median']):>10} {mib(r['peak_max']):>10} {r['findings']:>9,} "
              f"{r['exit']}")
    for output, ratio in ratios.items():
        verdict = "met" if ratio <= 1.2 else "NOT met"
        print(f"peak memory {args.large:,} / {args.small:,} ({output}): {ratio:.2f}x (target <= 1.2x: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
