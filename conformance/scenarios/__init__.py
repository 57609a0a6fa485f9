"""Scripted scenarios against a running system: the model, loading, inputs, auth, HTTP and the runner.

    suite = load_suite(load_profile(folder))                       # every problem located, before any request
    inputs = resolve_inputs(suite.inputs, ["nhs_number=9000000009"])
    packages = load_run_packages(suite.profile, ig_specs, PackageCache.default())
    result = Runner(suite, Target(url), packages, inputs, auth).run()   # -> conformance.results.RunResult
"""

from conformance.scenarios.auth import (
    Auth,
    AuthError,
    BasicAuth,
    BearerAuth,
    ClientCredentialsAuth,
    JwtAssertionAuth,
    build_auth,
)
from conformance.scenarios.credentials import BuiltinCredentials, builtin_credentials
from conformance.scenarios.http import HttpSettings, TransportError
from conformance.scenarios.inputs import ENV_PREFIX, ResolvedInputs, resolve_inputs
from conformance.scenarios.limits import HttpLimits
from conformance.scenarios.loader import load_scenario_file, load_suite
from conformance.scenarios.model import Scenario, Step, Suite
from conformance.scenarios.packages import RunPackages, load_run_packages, shared_validator
from conformance.scenarios.redact import REDACTED, Redactor
from conformance.scenarios.runner import Runner, Target
from conformance.scenarios.target import TargetUrl, parse_target

__all__ = [
    "ENV_PREFIX",
    "REDACTED",
    "Auth",
    "AuthError",
    "BasicAuth",
    "BearerAuth",
    "BuiltinCredentials",
    "ClientCredentialsAuth",
    "HttpLimits",
    "HttpSettings",
    "JwtAssertionAuth",
    "Redactor",
    "ResolvedInputs",
    "RunPackages",
    "Runner",
    "Scenario",
    "Step",
    "Suite",
    "Target",
    "TargetUrl",
    "TransportError",
    "build_auth",
    "builtin_credentials",
    "load_run_packages",
    "load_scenario_file",
    "load_suite",
    "parse_target",
    "resolve_inputs",
    "shared_validator",
]
