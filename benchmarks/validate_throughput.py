"""Validation throughput: ours against two Python peers, on the same corpus, in the same run.

    python benchmarks/validate_throughput.py [--count N] [--seed S] [--repeat R] [--json]

Every tool starts from the same JSON bytes and must say whether each resource is valid:
- conformance: `read_json` + `Validator.validate` (base R4, one process);
- fhir.resources 8 (R4B models): `json.loads` + `model_validate` (the `bench` extra);
- jsonschema: `json.loads` + a compiled Draft 6 validator for the resource's definition in the R4
  JSON schema shipped in the core package (`openapi/fhir.schema.json`), reused across resources.
Setup (loading definitions, compiling schemas, the first few resources) is timed apart from the
steady-state run, which is the fastest of `--repeat` passes (the machine may be busy). Ratios are ours/peer in resources per second: above 1 means we are faster.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import DEFAULT_SEED, Corpus, build_corpus  # noqa: E402

CORE = "hl7.fhir.r4.core#4.0.1"
WARMUP = 20

Check = Callable[[bytes], bool]  # True when the resource is valid


class Unavailable(Exception):
    """A tool that cannot run here (not installed, no package); reported, not fatal."""


@dataclass
class Result:
    name: str
    version: str
    available: bool
    note: str = ""
    setup_seconds: float = 0.0
    seconds: float = 0.0
    resources: int = 0
    invalid: int = 0
    resources_per_second: float = 0.0
    ours_over_this: float | None = None


def core_dir() -> Path:
    root = Path(os.environ.get("FHIR_PACKAGE_CACHE") or "~/.fhir/packages").expanduser()
    return root / CORE / "package"


# -- the tools -------------------------------------------------------------------------------------

def setup_ours() -> tuple[str, str, Check]:
    try:
        from conformance import __version__ as version
        from conformance.fhir.json_reader import read_json
        from conformance.validation import create_validator
    except ImportError as exc:
        raise Unavailable(f"validator not importable: {exc}") from exc
    from conformance.packages import PackageError

    try:
        validator = create_validator()
    except PackageError as exc:
        raise Unavailable(str(exc)) from exc

    def check(data: bytes) -> bool:
        result = read_json(data)
        issues = list(result.issues)
        if result.root is not None:
            issues += validator.validate(result.root)
        return not any(i.severity.is_error for i in issues)

    return "conformance (read_json + validate)", version, check


def setup_fhir_resources() -> tuple[str, str, Check]:
    try:
        import fhir.resources
        import pydantic
        from fhir.resources.R4B import get_fhir_model_class
    except ImportError as exc:
        raise Unavailable(f"install the bench extra (fhir.resources>=8,<9): {exc}") from exc
    models: dict[str, Any] = {}

    def check(data: bytes) -> bool:
        obj = json.loads(data)
        rt = obj.get("resourceType")
        model = models.get(rt)
        if model is None:
            try:
                model = models[rt] = get_fhir_model_class(rt)
            except (KeyError, ValueError):
                return False
        try:
            model.model_validate(obj)
        except (pydantic.ValidationError, ValueError, TypeError):
            return False
        return True

    return "fhir.resources (R4B model_validate)", fhir.resources.__version__, check


def setup_jsonschema() -> tuple[str, str, Check]:
    from importlib.metadata import version

    import jsonschema
    from referencing import Registry
    from referencing.jsonschema import DRAFT6

    path = core_dir() / "openapi" / "fhir.schema.json"
    if not path.is_file():
        raise Unavailable(f"{path} not found ({CORE} is not in the package cache)")
    schema = json.loads(path.read_bytes())
    base = schema["id"]  # http://hl7.org/fhir/json-schema/4.0 (draft-06, `id` not `$id`)
    registry: Registry[Any] = Registry().with_resource(base, DRAFT6.create_resource(schema))
    definitions = schema["definitions"]
    validators: dict[str, Any] = {}

    def check(data: bytes) -> bool:
        obj = json.loads(data)
        rt = obj.get("resourceType")
        v = validators.get(rt)
        if v is None:
            if rt not in definitions:
                return False
            v = validators[rt] = jsonschema.Draft6Validator({"$ref": f"{base}#/definitions/{rt}"},
                                                             registry=registry)
        return bool(v.is_valid(obj))

    return "jsonschema (R4 fhir.schema.json, Draft 6)", version("jsonschema"), check


TOOLS: list[Callable[[], tuple[str, str, Check]]] = [setup_ours, setup_fhir_resources, setup_jsonschema]
FALLBACK_NAMES = ["conformance (read_json + validate)", "fhir.resources (R4B model_validate)",
                  "jsonschema (R4 fhir.schema.json, Draft 6)"]


# -- measuring -------------------------------------------------------------------------------------

def measure(setup: Callable[[], tuple[str, str, Check]], fallback_name: str, corpus: Corpus,
            repeat: int = 1) -> Result:
    """Set the tool up, warm it, then time `repeat` passes over the corpus and keep the fastest."""
    started = time.perf_counter()
    try:
        name, version, check = setup()
        for data in corpus.items[:WARMUP]:
            check(data)
    except Unavailable as exc:
        return Result(fallback_name, "", False, note=str(exc))
    setup_seconds = time.perf_counter() - started
    seconds, invalid = float("inf"), 0
    for _ in range(repeat):
        gc.collect()
        invalid = 0
        started = time.perf_counter()
        for data in corpus.items:
            if not check(data):
                invalid += 1
        seconds = min(seconds, time.perf_counter() - started)
    n = len(corpus.items)
    return Result(name, version, True, setup_seconds=setup_seconds, seconds=seconds, resources=n,
                  invalid=invalid, resources_per_second=n / seconds if seconds else 0.0)


def add_ratios(results: list[Result]) -> None:
    ours = results[0]
    for r in results[1:]:
        if ours.available and r.available and r.resources_per_second:
            r.ours_over_this = ours.resources_per_second / r.resources_per_second


def render_table(corpus: Corpus, results: list[Result], repeat: int) -> str:
    kinds = ", ".join(f"{n} {t}" for t, n in sorted(corpus.types.items()))
    lines = [f"corpus: {len(corpus.items)} resources ({kinds}), {corpus.total_bytes / 1e6:.1f} MB of JSON, "
             f"seed {corpus.seed}; run s = fastest of {repeat} passes",
             "",
             f"{'tool':<44} {'version':<11} {'setup s':>8} {'run s':>8} {'res/s':>9} {'invalid':>8} {'ours/this':>10}"]
    for r in results:
        if not r.available:
            lines.append(f"{r.name:<44} {'-':<11} unavailable: {r.note}")
            continue
        ratio = f"{r.ours_over_this:.2f}x" if r.ours_over_this is not None else "-"
        lines.append(f"{r.name:<44} {r.version:<11} {r.setup_seconds:>8.2f} {r.seconds:>8.2f} "
                     f"{r.resources_per_second:>9.0f} {r.invalid:>8} {ratio:>10}")
    lines.append("")
    lines.append("ours/this > 1 means conformance validated more resources per second than that tool. "
                 "'invalid' should be 0: the corpus is valid R4.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=3000, help="resources in the corpus (default 3000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per tool; the fastest counts (default 3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)
    if args.count < 1 or args.repeat < 1:
        parser.error("--count and --repeat must be at least 1")
    corpus = build_corpus(args.count, args.seed)
    results = [measure(setup, name, corpus, args.repeat) for setup, name in zip(TOOLS, FALLBACK_NAMES, strict=True)]
    add_ratios(results)
    if args.json:
        payload = {
            "benchmark": "validate_throughput",
            "python": sys.version.split()[0],
            "corpus": {"resources": len(corpus.items), "types": corpus.types, "bytes": corpus.total_bytes,
                       "seed": corpus.seed},
            "repeat": args.repeat,
            "tools": [asdict(r) for r in results],
        }
        print(json.dumps(payload, indent=2))
    else:
        print(render_table(corpus, results, args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
