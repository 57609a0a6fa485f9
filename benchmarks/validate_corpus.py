"""Whole-process validation of an NDJSON export, clean and with typical findings, against peers.

    python benchmarks/validate_corpus.py [--count 30000] [--repeat 3] [--no-medplum] [--json]

Two files of the same `--count` Patients and Observations: `clean` (no findings) and `findings`
(`corpus.with_findings`: a dom-6 warning on every resource, extensible-binding misses). Each tool runs as
a whole process on each file, interleaved (harness.py), min and median CPU seconds of `--repeat` runs:

- conformance: `conformance validate FILE --format json --max-repeats 0` (every finding located and written);
- fhir.resources 8 (R4B): `json.loads` + `model_validate` per line (fhir_resources_validate.py);
- Medplum `validateResource` per line, where Node is available.

Printed: the table; what findings cost us (findings / clean; target ≤ 1.15) and our speed relative to
fhir.resources on each corpus (its CPU time / ours; target ≥ 1.0 with findings).
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
from harness import HERE, Series, interleaved, measure, medplum_setup, mib, ours  # noqa: E402


def write(folder: Path, count: int) -> dict[str, Path]:
    base = generate_resources(count)
    out = {}
    for name, resources in (("clean", base), ("findings", with_findings(base))):
        path = folder / f"{name}.ndjson"
        with path.open("w", encoding="utf-8") as stream:
            for r in resources:
                stream.write(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n")
        out[name] = path
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-medplum", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    medplum, medplum_env, note = (None, {}, "Medplum skipped (--no-medplum)") if args.no_medplum else medplum_setup()
    try:
        import fhir.resources  # noqa: F401
        peer_ok = True
    except ImportError:
        peer_ok, note = False, note + "; fhir.resources skipped: install the bench extra"
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="conformance-corpus-") as tmp:
        files = write(Path(tmp), args.count)
        series: dict[tuple[str, str], Series] = {}
        plan = []
        for corpus, path in files.items():
            s = series[("conformance", corpus)] = Series("conformance", corpus)
            plan.append((s, lambda p=path: measure(ours("validate", str(p), "--format", "json", "--max-repeats", "0"))))
            if peer_ok:
                s = series[("fhir.resources", corpus)] = Series("fhir.resources", corpus)
                plan.append((s, lambda p=path: measure([sys.executable, str(HERE / "fhir_resources_validate.py"), str(p)])))
            if medplum is not None:
                s = series[("medplum", corpus)] = Series("medplum", corpus)
                plan.append((s, lambda p=path: measure([*medplum, str(p)], env=medplum_env)))
        interleaved(plan, args.repeat)
    for (tool, corpus), s in series.items():
        rows.append({"tool": tool, "corpus": corpus, "cpu_min": s.min, "cpu_median": s.median,
                     "runs": [r.cpu_seconds for r in s.runs], "peak_rss": s.peak_rss})
    med = {(r["tool"], r["corpus"]): r["cpu_median"] for r in rows}
    ratios: dict[str, float] = {}
    if ("conformance", "clean") in med:
        ratios["ours findings/clean"] = med[("conformance", "findings")] / med[("conformance", "clean")]
    for corpus in ("clean", "findings"):
        for peer in ("fhir.resources", "medplum"):
            if (peer, corpus) in med:
                ratios[f"{peer}/ours ({corpus})"] = med[(peer, corpus)] / med[("conformance", corpus)]
    if args.json:
        print(json.dumps({"count": args.count, "repeat": args.repeat, "note": note, "rows": rows, "ratios": ratios},
                         indent=1))
        return 0
    print(f"{args.count:,} resources as NDJSON, whole-process CPU seconds, min/median of {args.repeat} interleaved "
          f"runs; {note}")
    print(f"{'tool':<15} {'corpus':<9} {'min s':>7} {'median s':>8} {'peak RSS':>9}")
    for r in rows:
        print(f"{r['tool']:<15} {r['corpus']:<9} {r['cpu_min']:7.2f} {r['cpu_median']:8.2f} {mib(r['peak_rss']):>9}")
    for name, value in ratios.items():
        print(f"{name}: {value:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
