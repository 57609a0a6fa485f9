"""Validation throughput: ours against two Python peers, on the same corpora, in the same run.

    python benchmarks/validate_throughput.py [--count N] [--seed S] [--repeat R] [--corpora clean,findings] [--json]

Every tool starts from the same JSON bytes and must say whether each resource is valid:
- conformance: `read_json` + `Validator.validate` (base R4, one process), then `Node.release()` of the tree, as
  `validate` and `check` do with each document they are done with;
- fhir.resources 8 (R4B models): `json.loads` + `model_validate` (the `bench` extra);
- jsonschema: `json.loads` + a compiled Draft 6 validator for the resource's definition in the R4
  JSON schema shipped in the core package (`openapi/fhir.schema.json`), reused across resources.
Two corpora of the same `--count` resources: `clean` (valid, no findings) and `findings`
(`corpus.with_findings`: a dom-6 warning on every resource, extensible-binding misses; ours locates
every issue by line and column, as a report needs). Setup (loading definitions, compiling schemas, the
first few resources) is timed apart from the steady-state passes. Before each of our passes the validator
forgets the primitive values that passed (`Validator.forget_passed_values`): otherwise every later pass would
find every id and timestamp of the corpus already checked, which new data never is. Passes are CPU seconds of this
process (`time.process_time`, so other work on a shared machine costs us nothing), interleaved: each
round times every tool on every corpus (A B A B ...), and min and median of `--repeat` rounds are
reported. Ratios are ours/peer in resources per CPU second (from the medians): above 1 means we are faster.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
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
    corpus: str = "clean"
    note: str = ""
    setup_seconds: float = 0.0
    seconds: float = 0.0  # the median pass
    seconds_min: float = 0.0
    passes: list[float] = field(default_factory=list)
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
            result.root.release()  # done with the document, as `validate` and `check` are (see Node.release)
        return not any(i.severity.is_error for i in issues)

    check.new_pass = validator.forget_passed_values  # type: ignore[attr-defined]
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

def set_up(setup: Callable[[], tuple[str, str, Check]], fallback_name: str, corpus: Corpus,
           label: str) -> tuple[Result, Check | None]:
    """Set the tool up and warm it on the corpus's first resources (timed as setup)."""
    started = time.process_time()
    try:
        name, version, check = setup()
        for data in corpus.items[:WARMUP]:
            check(data)
    except Unavailable as exc:
        return Result(fallback_name, "", False, corpus=label, note=str(exc)), None
    return Result(name, version, True, corpus=label, setup_seconds=time.process_time() - started,
                  resources=len(corpus.items)), check


def one_pass(result: Result, check: Check, corpus: Corpus) -> None:
    """Time one pass over the corpus in CPU seconds."""
    new_pass = getattr(check, "new_pass", None)
    if new_pass is not None:
        new_pass()  # (ours: values that passed in an earlier pass are forgotten; a real run sees new data)
    gc.collect()
    invalid = 0
    started = time.process_time()
    for data in corpus.items:
        if not check(data):
            invalid += 1
    result.passes.append(time.process_time() - started)
    result.invalid = invalid


def finish(result: Result) -> None:
    if result.passes:
        result.seconds = statistics.median(result.passes)
        result.seconds_min = min(result.passes)
        result.resources_per_second = result.resources / result.seconds if result.seconds else 0.0


def add_ratios(results: list[Result]) -> None:
    ours = results[0]
    for r in results[1:]:
        if ours.available and r.available and r.resources_per_second:
            r.ours_over_this = ours.resources_per_second / r.resources_per_second


def render_table(corpora: dict[str, Corpus], results: list[Result], repeat: int) -> str:
    lines = []
    for label, corpus in corpora.items():
        kinds = ", ".join(f"{n} {t}" for t, n in sorted(corpus.types.items()))
        lines.append(f"corpus {label}: {len(corpus.items)} resources ({kinds}), {corpus.total_bytes / 1e6:.1f} MB of "
                     f"JSON, seed {corpus.seed}")
    lines += [f"CPU seconds; min and median of {repeat} interleaved passes", "",
              f"{'tool':<44} {'corpus':<9} {'setup s':>8} {'min s':>7} {'median s':>8} {'res/s':>7} {'invalid':>7} "
              f"{'ours/this':>9}"]
    for r in results:
        if not r.available:
            lines.append(f"{r.name:<44} {r.corpus:<9} unavailable: {r.note}")
            continue
        ratio = f"{r.ours_over_this:.2f}x" if r.ours_over_this is not None else "-"
        lines.append(f"{r.name:<44} {r.corpus:<9} {r.setup_seconds:>8.2f} {r.seconds_min:>7.2f} {r.seconds:>8.2f} "
                     f"{r.resources_per_second:>7.0f} {r.invalid:>7} {ratio:>9}")
    ours = {r.corpus: r for r in results if r is results[0] or r.name == results[0].name}
    if "clean" in ours and "findings" in ours and ours["clean"].available:
        lines.append("")
        lines.append(f"ours, findings / clean CPU time: {ours['findings'].seconds / ours['clean'].seconds:.2f} "
                     "(target <= 1.15)")
    lines.append("")
    lines.append("ours/this > 1 means conformance validated more resources per CPU second than that tool. "
                 "'invalid' should be 0: both corpora are valid R4 (their findings are warnings).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=3000, help="resources in the corpus (default 3000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved timed passes per tool and corpus (default 3)")
    parser.add_argument("--corpora", default="clean,findings", help="clean, findings or both (default both)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)
    if args.count < 1 or args.repeat < 1:
        parser.error("--count and --repeat must be at least 1")
    corpora = {label: build_corpus(args.count, args.seed, findings=label == "findings")
               for label in args.corpora.split(",") if label in ("clean", "findings")}
    tools: list[tuple[Result, Check | None, Corpus]] = []
    for label, corpus in corpora.items():
        for setup, name in zip(TOOLS, FALLBACK_NAMES, strict=True):
            tools.append((*set_up(setup, name, corpus, label), corpus))
    for _ in range(args.repeat):  # interleaved: every tool on every corpus in each round
        for result, check, corpus in tools:
            if check is not None:
                one_pass(result, check, corpus)
    results = []
    for label in corpora:
        group = [r for r, _, _ in tools if r.corpus == label]
        for r in group:
            finish(r)
        add_ratios(group)
        results += group
    if args.json:
        payload = {
            "benchmark": "validate_throughput",
            "python": sys.version.split()[0],
            "corpora": {label: {"resources": len(c.items), "types": c.types, "bytes": c.total_bytes, "seed": c.seed}
                        for label, c in corpora.items()},
            "repeat": args.repeat,
            "tools": [asdict(r) for r in results],
        }
        print(json.dumps(payload, indent=2))
    else:
        print(render_table(corpora, results, args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
