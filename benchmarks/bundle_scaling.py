"""How `validate` scales with the size of one Bundle: 1,000 / 10,000 / 100,000 entries.

    python benchmarks/bundle_scaling.py [--sizes 1000,10000,100000] [--repeat 3] [--corpora clean,findings]
                                        [--no-medplum] [--json]

Each size is one `collection` Bundle of the benchmark corpus (Patients and Observations, one to two),
every entry with a `fullUrl` so references between entries resolve; references to practitioners and
organisations point outside the Bundle with absolute URLs. Two corpora per size: `clean` (no findings)
and `findings` (`corpus.with_findings`: no narrative anywhere, extensible-binding misses, an unresolved
reference on every fourth Observation — a finding on every entry).

Measured per run: whole-process CPU time and peak memory of `conformance validate BUNDLE --format json
--max-repeats 0` (every finding listed: the worst case for reporting)
and, where Node is available, of Medplum's `validateResource` on the same file (harness.py), interleaved,
min and median of `--repeat` runs. Printed: the table, and the growth ratios time(10k)/time(1k) and
time(100k)/time(10k) per tool and corpus — linear scaling is a ratio of about 10 (targets: ≤ 12, and a
100,000-entry Bundle in under 60 s CPU).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import generate_resources, with_findings  # noqa: E402
from harness import Series, fmt_seconds, interleaved, measure, medplum_setup, mib, ours  # noqa: E402

BASE = "https://example.org/fhir/"
DIRECTORY = "https://directory.example.org/fhir/"


def bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    entries = []
    for r in resources:
        for key in ("performer", "generalPractitioner"):
            for ref in r.get(key, ()):
                ref["reference"] = DIRECTORY + ref["reference"]
        entries.append({"fullUrl": f"{BASE}{r['resourceType']}/{r['id']}", "resource": r})
    return {"resourceType": "Bundle", "id": "scaling", "type": "collection", "entry": entries}


def write_bundles(folder: Path, sizes: list[int], corpora: list[str]) -> dict[tuple[int, str], Path]:
    out = {}
    for size in sizes:
        base = generate_resources(size)
        for corpus in corpora:
            resources = with_findings(base) if corpus == "findings" else json.loads(json.dumps(base))
            path = folder / f"bundle-{size}-{corpus}.json"
            path.write_text(json.dumps(bundle(resources), separators=(",", ":")), encoding="utf-8")
            out[(size, corpus)] = path
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpora", default="clean,findings")
    parser.add_argument("--no-medplum", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    corpora = args.corpora.split(",")
    medplum, medplum_env, note = (None, {}, "Medplum skipped (--no-medplum)") if args.no_medplum else medplum_setup()
    print(note, file=sys.stderr)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="conformance-bundles-") as tmp:
        files = write_bundles(Path(tmp), sizes, corpora)
        table: dict[tuple[int, str, str], Series] = {}
        for size in sizes:
            for corpus in corpora:
                path = files[(size, corpus)]
                plan = []
                s = table[(size, corpus, "conformance")] = Series("conformance", f"{size}/{corpus}")
                plan.append((s, lambda p=path: measure(ours("validate", str(p), "--format", "json", "--max-repeats", "0"))))
                if medplum is not None:
                    m = table[(size, corpus, "medplum")] = Series("medplum", f"{size}/{corpus}")
                    plan.append((m, lambda p=path: measure([*medplum, str(p)], env=medplum_env)))
                interleaved(plan, args.repeat)
                for series in (x for x, _ in plan):
                    findings = _findings(series)
                    rows.append({"entries": size, "corpus": corpus, "tool": series.tool,
                                 "cpu_min": series.min, "cpu_median": series.median,
                                 "runs": [r.cpu_seconds for r in series.runs], "peak_rss": series.peak_rss,
                                 "findings": findings})
                    print(f"{size:>7} {corpus:<9} {series.tool:<12} {fmt_seconds(series)}  "
                          f"{mib(series.peak_rss):>10}  findings {findings}", file=sys.stderr, flush=True)
    ratios = _ratios(rows, sizes)
    if args.json:
        print(json.dumps({"note": note, "repeat": args.repeat, "rows": rows, "ratios": ratios}, indent=1))
        return 0
    print(f"\nBundle scaling (whole-process CPU seconds, min and median of {args.repeat}, interleaved); {note}")
    print(f"{'entries':>8} {'corpus':<9} {'tool':<12} {'min s':>8} {'median s':>8} {'peak RSS':>10} findings")
    for r in rows:
        print(f"{r['entries']:>8} {r['corpus']:<9} {r['tool']:<12} {r['cpu_min']:8.2f} {r['cpu_median']:8.2f} "
              f"{mib(r['peak_rss']):>10} {r['findings']}")
    for (tool, corpus, a, b), ratio in ratios.items():
        print(f"growth {tool} {corpus}: time({b})/time({a}) = {ratio:.1f} (linear: {b / a:.0f}; target <= 12)")
    big = [r for r in rows if r["tool"] == "conformance" and r["entries"] >= 100_000]
    for r in big:
        verdict = "met" if r["cpu_median"] < 60 else "NOT met"
        print(f"{r['entries']}-entry Bundle ({r['corpus']}): {r['cpu_median']:.1f} s CPU (target < 60 s: {verdict})")
    return 0


def _findings(series: Series) -> Any:
    if series.tool == "conformance":
        try:
            doc = json.loads(series.runs[-1].stdout)
            return sum(len(f["issues"]) for f in doc["files"])
        except (ValueError, KeyError):
            return "?"
    try:
        return json.loads(series.runs[-1].stdout.strip().splitlines()[-1])["issues"]
    except (ValueError, KeyError, IndexError):
        return "?"


def _ratios(rows: list[dict[str, Any]], sizes: list[int]) -> dict[tuple[str, str, int, int], float]:
    by = {(r["tool"], r["corpus"], r["entries"]): r["cpu_median"] for r in rows}
    out = {}
    for tool, corpus, _ in by:
        for a, b in zip(sizes, sizes[1:], strict=False):
            if (tool, corpus, a) in by and (tool, corpus, b) in by and by[(tool, corpus, a)]:
                out[(tool, corpus, a, b)] = by[(tool, corpus, b)] / by[(tool, corpus, a)]
    return out


if __name__ == "__main__":
    raise SystemExit(main())
