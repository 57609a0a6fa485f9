"""FHIRPath speed: our engine against fhirpathpy 2.2.4, same expressions, same inputs, same run.

    python benchmarks/fhirpath_speed.py [--seconds 1.0] [--json]

Both engines compile every expression once (ours: `conformance.fhirpath.compile`; fhirpathpy:
`fhirpathpy.compile(expr, models['r4'])`) and then evaluate it repeatedly; the figure is
evaluations per CPU second, the best of three timed rounds of at least `--seconds` of CPU each.

Cases:
- the official FHIRPath R4 suite (`../shared/fhirpath-suite-r4`): every expression that both
  engines evaluate without error on its input (inputs read by our readers; fhirpathpy gets the
  same resources as JSON);
- R4 core invariants on the sample resources in `fixtures/fhirpath/`: ele-1 on every element of
  a Patient, pat-1 on each Patient.contact, obs-6 and obs-7 on an Observation, bdl-7 on a
  Bundle, dom-3 on a Patient with contained resources, txt-1 on a narrative.

fhirpathpy lacks some functions the invariants use; where an equally cheap stand-in exists it is
used for fhirpathpy only and the row says so (`hasValue()` → `empty().not()`: fhirpathpy
evaluates both sides of `or`, so its work is unchanged). dom-3 applies `as()` to a collection,
which fhirpathpy refuses, so a row with the R5 form of dom-3 (`ofType()`) is run by both;
txt-1 (`htmlChecks()`) has no fhirpathpy counterpart and is reported for ours alone.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from conformance.fhir.json_reader import read_json  # noqa: E402
from conformance.fhir.tree import Node  # noqa: E402
from conformance.fhirpath import EvaluationContext, compile, default_model  # noqa: E402
from conformance.fhirpath.context import Env  # noqa: E402

SUITE = REPO.parent / "shared" / "fhirpath-suite-r4"
FIXTURES = REPO / "fixtures" / "fhirpath"

ELE_1 = "hasValue() or (children().count() > id.count())"
PAT_1 = "name.exists() or telecom.exists() or address.exists() or organization.exists()"
OBS_6 = "dataAbsentReason.empty() or value.empty()"
OBS_7 = "value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()"
BDL_7 = ("(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId)"
         ".isDistinct()")
DOM_3 = ("contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | "
         "%resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = "
         "'#').exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) "
         "= '#').exists()).not()).trace('unmatched', id).empty()")
DOM_3_R5 = DOM_3.replace(".as(", ".ofType(").replace("where(as(", "where(ofType(")
TXT_1 = "htmlChecks()"
QUIET = {"traceFn": lambda *args: None}  # fhirpathpy prints trace() output unless given a sink


@dataclass
class Row:
    case: str
    expressions: int
    evaluations: int  # evaluations per round
    ours_per_second: float
    peer_per_second: float | None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return None if not self.peer_per_second else self.ours_per_second / self.peer_per_second


@dataclass
class Work:
    """One case: a list of zero-argument calls, each doing one evaluation."""

    case: str
    ours: list[Callable[[], Any]] = field(default_factory=list)
    peer: list[Callable[[], Any]] = field(default_factory=list)
    expressions: int = 0
    note: str = ""


def rate(calls: list[Callable[[], Any]], seconds: float) -> float:
    """Evaluations per CPU second (`time.process_time`, so other work on the machine costs us nothing): best of
    three rounds, each at least `seconds` of CPU long."""
    if not calls:
        return 0.0
    for call in calls:  # warm caches (types, conversions, regexes)
        call()
    best = 0.0
    for _ in range(3):
        done = 0
        start = time.process_time()
        while True:
            for call in calls:
                call()
            done += len(calls)
            elapsed = time.process_time() - start
            if elapsed >= seconds:
                break
        best = max(best, done / elapsed)
    return best


# -- inputs ---------------------------------------------------------------------------------------

def load_node(path: Path) -> Node:
    if path.suffix == ".xml":
        from conformance.fhir.xml_reader import read_xml

        result = read_xml(path.read_bytes())
    else:
        result = read_json(path.read_bytes())
    if result.root is None:
        raise SystemExit(f"cannot read {path}: {result.issues}")
    return result.root


_JSON_NUMBER = {"integer", "positiveInt", "unsignedInt", "decimal", "integer64"}


def node_to_json(node: Node, env: Env) -> dict[str, Any]:
    """Our tree → FHIR JSON (arrays from the definitions' cardinalities), for fhirpathpy."""
    out: dict[str, Any] = {}
    if node.resource_type:
        out["resourceType"] = node.resource_type
    key = env.type_key(node)
    groups: dict[str, list[Node]] = {}
    for c in node.children:
        groups.setdefault(c.name, []).append(c)
    for name, group in groups.items():
        info = env.model.child(key, name) if key else None
        many = info.many if info is not None else len(group) > 1
        values: list[Any] = []
        extras: list[Any] = []
        for c in group:
            tname = env.type_name(c)
            primitive = c.value is not None or (tname[:1].islower() and tname != "")
            if primitive:
                values.append(_primitive(c.value, tname))
                extra = {k: v for k, v in node_to_json(c, env).items() if k != "resourceType"}
                extras.append(extra or None)
            else:
                values.append(node_to_json(c, env))
                extras.append(None)
        out[name] = values if many else values[0]
        if any(e is not None for e in extras):
            out["_" + name] = extras if many else extras[0]
    return out


def _primitive(value: str | None, tname: str) -> Any:
    if value is None:
        return None
    if tname == "boolean":
        return value == "true"
    if tname in _JSON_NUMBER:
        return float(value) if any(ch in value for ch in ".eE") else int(value)
    return value


# -- cases ----------------------------------------------------------------------------------------

def suite_work(fp: Any, model: Any, r4: Any) -> Work | None:
    """Every suite expression both engines evaluate without error."""
    if not (SUITE / "tests-fhir-r4.xml").is_file():
        return None
    from lxml import etree

    work = Work("official R4 suite: each test's expression")
    inputs: dict[str, tuple[Node, dict[str, Any]]] = {}
    root = etree.parse(str(SUITE / "tests-fhir-r4.xml")).getroot()
    for test in root.iter("test"):
        expr_el = test.find("expression")
        if expr_el is None or expr_el.get("invalid") or "strict" in (test.get("mode") or ""):
            continue
        text = expr_el.text or ""
        name = test.get("inputfile")
        if name is not None and name not in inputs:
            loaded = load_node(SUITE / name)
            env = Env(EvaluationContext(model=model), [loaded])
            data = (json.loads((SUITE / name).read_text(encoding="utf-8")) if name.endswith(".json")
                    else node_to_json(loaded, env))
            inputs[name] = (loaded, data)
        node: Node | None = inputs[name][0] if name is not None else None
        data = inputs[name][1] if name is not None else {}
        ctx = EvaluationContext(model=model)
        try:
            ours = compile(text)
            ours.evaluate(node, context=ctx)
            theirs = fp.compile(text, r4, QUIET)
            theirs(data, {"resource": data})
        except Exception:  # noqa: BLE001 - either engine failing excludes the expression
            continue
        work.ours.append(partial(ours.evaluate, node, context=ctx))
        work.peer.append(partial(theirs, data, {"resource": data}))
        work.expressions += 1
    return work


def invariant_work(case: str, expression: str, resource: str, focus_path: str | None, fp: Any, model: Any,
                   r4: Any, peer_expression: str | None, note: str = "") -> Work:
    node = load_node(FIXTURES / resource)
    data = json.loads((FIXTURES / resource).read_text(encoding="utf-8"))
    ctx = EvaluationContext(model=model, enforce_as_singleton=False)
    ours = compile(expression)
    if focus_path == "*":
        foci = list(node.iter_tree())[1:]
    elif focus_path:
        foci = compile(focus_path).evaluate(node, context=ctx)
    else:
        foci = [node]
    work = Work(case, expressions=1, note=note)
    work.ours = [partial(ours.evaluate, n, context=ctx) for n in foci]
    if peer_expression is not None:
        theirs = fp.compile(peer_expression, r4, QUIET)
        variables = {"resource": data}
        if focus_path == "*":
            peer_foci = [n for n in fp.evaluate(data, "descendants()", None, r4, options={"returnRawData": True})
                         if not str(getattr(n, "path", "")).endswith(".resourceType")]
        elif focus_path:
            peer_foci = fp.evaluate(data, focus_path, None, r4, options={"returnRawData": True})
        else:
            peer_foci = [data]
        try:
            for f in peer_foci:
                theirs(f, variables)
        except Exception as exc:  # noqa: BLE001
            work.note = f"fhirpathpy fails: {type(exc).__name__}: {str(exc)[:60]}"
        else:
            work.peer = [partial(theirs, f, variables) for f in peer_foci]
    return work


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="minimum length of each timed round")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    args = parser.parse_args()
    try:
        import fhirpathpy
        from fhirpathpy.models import models
    except ImportError:
        print("fhirpathpy is not installed: .venv/bin/pip install -e '.[bench]'", file=sys.stderr)
        return 2
    model = default_model()
    if not model.has_type("Patient"):
        print("hl7.fhir.r4.core#4.0.1 is not in the package cache (see README)", file=sys.stderr)
        return 2
    r4 = models["r4"]
    stand_in = "fhirpathpy: hasValue() → empty().not()"
    works: list[Work] = []
    suite = suite_work(fhirpathpy, model, r4)
    if suite is not None:
        works.append(suite)
    works += [
        invariant_work("ele-1 on every element of a Patient", ELE_1, "patient.json", "*", fhirpathpy, model, r4,
                       ELE_1.replace("hasValue()", "empty().not()"), stand_in),
        invariant_work("pat-1 on each Patient.contact", PAT_1, "patient.json", "Patient.contact", fhirpathpy,
                       model, r4, PAT_1),
        invariant_work("obs-6 on an Observation", OBS_6, "weight.json", None, fhirpathpy, model, r4, OBS_6),
        invariant_work("obs-7 on an Observation", OBS_7, "observation.json", None, fhirpathpy, model, r4, OBS_7),
        invariant_work("bdl-7 on a Bundle", BDL_7, "bundle.json", None, fhirpathpy, model, r4, BDL_7),
        invariant_work("dom-3 (R4 form, as()) on contained", DOM_3, "patient-contained.json", None, fhirpathpy,
                       model, r4, DOM_3),
        invariant_work("dom-3 (R5 form, ofType()) on contained", DOM_3_R5, "patient-contained.json", None,
                       fhirpathpy, model, r4, DOM_3_R5),
        invariant_work("txt-1 on a narrative", TXT_1, "patient.json", "Patient.text.div", fhirpathpy, model, r4,
                       None, "fhirpathpy has no htmlChecks(); ours parses each narrative text once (cached)"),
    ]
    rows: list[Row] = []
    for w in works:
        ours = rate(w.ours, args.seconds)
        peer = rate(w.peer, args.seconds) if w.peer else None
        rows.append(Row(w.case, w.expressions, len(w.ours), ours, peer, w.note))
    ratios = [r.ratio for r in rows if r.ratio]
    geo = math.exp(sum(math.log(x) for x in ratios) / len(ratios)) if ratios else None
    if args.json:
        print(json.dumps({"fhirpathpy": getattr(fhirpathpy, "__version__", "2.2.4"),
                          "rows": [asdict(r) | {"ratio": r.ratio} for r in rows],
                          "geometric_mean_ratio": geo}, indent=2))
        return 0
    print(f"{'case':<46} {'evals':>6} {'ours/s':>11} {'fhirpathpy/s':>13} {'ratio':>8}")
    for r in rows:
        peer_text = f"{r.peer_per_second:,.0f}" if r.peer_per_second else "n/a"
        ratio = f"{r.ratio:,.1f}x" if r.ratio else "-"
        print(f"{r.case:<46} {r.evaluations:>6} {r.ours_per_second:>11,.0f} {peer_text:>13} {ratio:>8}")
        if r.note:
            print(f"    {r.note}")
    if geo is not None:
        print(f"{'geometric mean of the ratios':<46} {'':>6} {'':>11} {'':>13} {geo:>7,.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
