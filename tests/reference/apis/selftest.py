"""The self-test every national API profile runs against its behaviour of the built-in server: `conformance run`
of the profile (JSON output) and the verdict per requirement, and the check that a fault fails exactly the
requirements it declares it breaks."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from conformance.cli import _register, app
from conformance.profiles import builtin_roots, find_profile, load_profile
from conformance.reference.apis.base import ApiFault

_register()
runner = CliRunner()


def profile(name: str) -> Any:
    return load_profile(find_profile(name, builtin_roots()))


def run(name: str, *args: str) -> tuple[int, dict[str, str]]:
    """The exit code of `conformance run NAME ARGS` and the status of each requirement."""
    result = runner.invoke(app, ["run", name, "--format", "json", *args])
    assert "Traceback" not in result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, {r["id"]: r["status"] for r in document["requirements"]}


def assert_fails_exactly(fault: ApiFault, code: int, statuses: dict[str, str]) -> None:
    """Exit 1, the fault's requirements failed, every other one passed (or not applicable)."""
    assert code == 1
    assert {rid for rid, status in statuses.items() if status not in ("passed", "not-applicable")} == set(fault.breaks)
    assert {statuses[rid] for rid in fault.breaks} == {"failed"}


def assert_faults_name_the_catalogue(name: str, faults: tuple[ApiFault, ...]) -> None:
    """Every fault breaks requirements of the profile, fault names are unique, and every family has a fault."""
    catalogue = {r.id for r in profile(name).requirements}
    assert all(f.breaks and set(f.breaks) <= catalogue for f in faults)
    assert len({f.name for f in faults}) == len(faults)
    assert {rid.rsplit("-", 1)[0] for rid in catalogue} == {rid.rsplit("-", 1)[0] for f in faults for rid in f.breaks}
