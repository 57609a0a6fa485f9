"""`conformance run PROFILE`: a profile's scenarios against a target (default: the built-in server)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from enum import StrEnum
from pathlib import Path

import typer

from conformance.cli.command_line import command_line
from conformance.cli.errors import fail, stderr
from conformance.cli.loading import load_named_suite
from conformance.cli.publishing import finish, show
from conformance.cli.scope import run_scope, select_scenarios
from conformance.packages import PackageCache
from conformance.profiles import Profile
from conformance.reports.publish import Plan, PublishOptions, prepare
from conformance.reports.terminal import escape
from conformance.results import RunResult, Scope
from conformance.scenarios import (
    Auth,
    BasicAuth,
    HttpLimits,
    HttpSettings,
    Redactor,
    Runner,
    Target,
    build_auth,
    builtin_credentials,
    load_run_packages,
    parse_target,
    resolve_inputs,
)

BUILTIN = "builtin"
MB = 1024 * 1024


class AuthMode(StrEnum):
    none = "none"
    bearer = "bearer"
    client_credentials = "client-credentials"
    jwt = "jwt"


class OutputFormat(StrEnum):  # the names of reports.outputs.RUN_OUTPUTS (tested)
    text = "text"
    json = "json"


def run(
    ctx: typer.Context,
    profile: str = typer.Argument(..., help="A profile id (see `conformance profiles list`) or a profile folder."),
    target: str = typer.Option(BUILTIN, "--target", help="The FHIR base URL to test, or 'builtin' (the reference server, started for the run)."),
    fault: list[str] = typer.Option([], "--fault", help="Make the built-in server break one rule on purpose (repeatable)."),
    auth: AuthMode = typer.Option(AuthMode.none, "--auth", help="none, bearer, client-credentials or jwt (signed client assertion, RS512)."),
    token_file: Path | None = typer.Option(None, "--token-file", help="Bearer token file (or the variable named below)."),
    client_id: str | None = typer.Option(None, "--client-id", envvar="CONFORMANCE_CLIENT_ID", help="OAuth2 client id."),
    client_secret_file: Path | None = typer.Option(None, "--client-secret-file", help="Client secret file (or the variable named below)."),
    private_key: Path | None = typer.Option(None, "--private-key", help="PEM RSA private key that signs the JWT client assertion."),
    kid: str | None = typer.Option(None, "--kid", help="Key id of the signing key (the JWT header's kid)."),
    token_url: str | None = typer.Option(None, "--token-url", help="The OAuth2 token endpoint."),
    ca_bundle: Path | None = typer.Option(None, "--ca-bundle", help="CA certificates to verify the target's TLS certificate with."),
    client_cert: Path | None = typer.Option(None, "--client-cert", help="Client certificate (PEM) for mutual TLS."),
    client_key: Path | None = typer.Option(None, "--client-key", help="The client certificate's private key (PEM)."),
    connect_timeout: float = typer.Option(10.0, "--connect-timeout", min=0.1, help="Seconds to wait for a connection."),
    read_timeout: float = typer.Option(30.0, "--read-timeout", min=0.1, help="Seconds to wait for a response."),
    max_response_mb: float = typer.Option(50.0, "--max-response-mb", min=0.001, help="Largest response body read, in MB as received."),
    max_decompressed_mb: float = typer.Option(50.0, "--max-decompressed-mb", min=0.001, help="Largest response body after gzip/deflate is undone, in MB."),
    request_deadline: float = typer.Option(60.0, "--request-deadline", min=0.1, help="Seconds one request may take in all (connect, headers and body)."),
    run_deadline: float = typer.Option(3600.0, "--run-deadline", min=1.0, help="Seconds the whole run may take; scenarios after it are not run."),
    max_json_depth: int = typer.Option(256, "--max-json-depth", min=1, help="Deepest nesting of a JSON response body that is parsed."),
    input_: list[str] = typer.Option([], "--input", help="An input value, NAME=VALUE (repeatable; never a secret)."),
    inputs_file: list[Path] = typer.Option([], "--inputs", help="A YAML file of input values (secrets may go here)."),
    scenario: list[str] = typer.Option([], "--scenario", help="Run only these scenario ids (repeatable): a PARTIAL run, not a conformance verdict."),
    requirement: list[str] = typer.Option([], "--requirement", help="Run only the scenarios that evidence these requirement ids (repeatable): a PARTIAL run."),
    environment: str | None = typer.Option(None, "--environment", "-e", help="The profile environment the target is (e.g. sandbox, integration, production); requirements that do not apply there are 'not applicable'."),
    attestations: Path | None = typer.Option(None, "--attestations", help="A YAML file of an assessor's attestations for the profile's manual requirements."),
    ig: list[str] = typer.Option([], "--ig", help="More FHIR packages: ID#VERSION, a folder, a .tgz (repeatable)."),
    profiles_dir: list[Path] = typer.Option([], "--profiles-dir", help="A folder of profiles to search first (repeatable)."),
    package_cache: Path | None = typer.Option(None, "--package-cache", help="FHIR package cache (default: ~/.fhir/packages)."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text or json (the results document)."),
    report: list[str] = typer.Option([], "--report", help="Report formats to write: json, junit, html, testreport, sarif, markdown, outcome or all (comma-separated, repeatable)."),
    report_dir: Path | None = typer.Option(None, "--report-dir", help="Folder for the report files (results.json alone when no --report is given)."),
    evidence: Path | None = typer.Option(None, "--evidence", help="Write a verifiable evidence pack (zip) to this file."),
    sign_key: Path | None = typer.Option(None, "--sign-key", help="Ed25519 private key (PEM) that signs the evidence pack."),
    include_inputs: bool = typer.Option(False, "--include-inputs", help="Put the checked inputs themselves in the evidence pack."),
    baseline: Path | None = typer.Option(None, "--baseline", help="A YAML file of accepted findings (shown as accepted; expired entries fail)."),
    write_baseline: Path | None = typer.Option(None, "--write-baseline", help="Start a baseline file from this run's failures."),
    require_all: bool = typer.Option(False, "--require-all", help="A requirement not tested is exit 2 (for certification)."),
) -> None:
    """Run a profile's scenarios against a FHIR server and report a verdict per requirement."""
    suite = load_named_suite(profile, profiles_dir)
    inputs = resolve_inputs(suite.inputs, input_, inputs_file)
    selected, partial = select_scenarios(suite, scenario, requirement)
    scope = run_scope(suite.profile, environment, attestations, partial, require_all)
    packages = load_run_packages(suite.profile, ig, PackageCache.default(package_cache))
    publishing = PublishOptions(
        formats=report or (["json"] if report_dir is not None else []), report_dir=report_dir, evidence=evidence,
        sign_key=sign_key, include_inputs=include_inputs, baseline=baseline, write_baseline=write_baseline,
        require_all=require_all, profile_dir=suite.profile.folder,
        packages=packages.validator.definitions.packages.packages,
        profile_ids=frozenset({suite.profile.id, *suite.profile.aliases}))
    plan = prepare(publishing)  # a bad format, baseline or key stops here, before any request
    limits = HttpLimits(int(max_response_mb * MB), int(max_decompressed_mb * MB), request_deadline, run_deadline,
                        max_json_depth)
    http = _http_settings(ca_bundle, client_cert, client_key, connect_timeout, read_timeout, limits)
    command = command_line(ctx)
    with ExitStack() as stack:
        if target == BUILTIN:
            if auth is not AuthMode.none:
                fail("--auth applies to --target URL; the built-in target uses the profile's own credentials")
            the_target, the_auth = stack.enter_context(_builtin_target(suite.profile, fault))
        else:
            if fault:
                fail("--fault works only with the built-in target (no --target)")
            the_target, the_auth = _url_target(target, auth, token_file, client_id, client_secret_file,
                                               private_key, kid, token_url)
        runner = Runner(suite, the_target, packages, inputs, the_auth, http, only=selected, command=command)
        result = runner.run()
    _report(result, plan, scope, output, runner.target_unreachable, the_target)


def _url_target(target: str, auth: AuthMode, token_file: Path | None, client_id: str | None,
                client_secret_file: Path | None, private_key: Path | None, kid: str | None,
                token_url: str | None) -> tuple[Target, Auth]:
    """`--target URL`: user-info becomes Basic credentials, secrets in it are redacted everywhere."""
    try:
        url = parse_target(target)
    except ValueError:
        fail(f"--target {Redactor().url(target)!r} is not an http(s) URL",
             "give the FHIR base URL, e.g. https://example.org/FHIR/R4")
    the_target = Target(url.base, url.shown, url.query, url.secrets)
    if url.user is not None or url.password is not None:
        if auth is not AuthMode.none:
            fail(f"--target {url.shown} carries a user name and password, and --auth {auth.value} is given too",
                 "give the credentials one way only (the URL's user-info is sent as HTTP Basic auth)")
        return the_target, BasicAuth(url.user or "", url.password or "")
    return the_target, _auth(auth, token_file, client_id, client_secret_file, private_key, kid, token_url)


def _report(result: RunResult, plan: Plan, scope: Scope, output: OutputFormat, unreachable: str,
            target: Target) -> None:
    done = show(result, plan, scope, output=output.value, unreachable=unreachable)
    if unreachable:
        stderr.print(f"[bold red]conformance: error:[/] the target {escape(target.label or target.base_url)} could not be reached: "
                     f"{escape(unreachable)}", markup=True)
        stderr.print("  check that it is running and the URL, port and TLS options are right", markup=False)
    finish(done)


@contextmanager
def _builtin_target(profile: Profile, faults: list[str]) -> Iterator[tuple[Target, Auth]]:
    """Start the reference server with the profile's settings on a free port; stop it afterwards."""
    try:
        from conformance.reference import ReferenceServer, ServerConfig
    except ImportError:
        fail("the built-in reference server is not part of this installation", "give --target URL")
    with tempfile.TemporaryDirectory(prefix="conformance-builtin-") as folder:
        credentials = builtin_credentials(profile.reference.auth, Path(folder))
        try:
            config = ServerConfig(host="127.0.0.1", port=0, seed_dir=profile.reference.seed,
                                  faults=frozenset(faults), api=profile.reference.api, **credentials.server)
            server = ReferenceServer(config).start()
        except (ValueError, OSError) as exc:  # ConfigError is a ValueError: an unknown fault, a port in use
            fail(f"the built-in reference server could not start: {exc}")
        try:
            yield Target(server.base_url, f"builtin ({server.base_url})"), credentials.auth_for(server.token_url)
        finally:
            server.stop()


def _auth(mode: AuthMode, token_file: Path | None, client_id: str | None, client_secret_file: Path | None,
          private_key: Path | None, kid: str | None, token_url: str | None) -> Auth:
    token = _secret(token_file, "CONFORMANCE_TOKEN") if mode is AuthMode.bearer else None
    secret = _secret(client_secret_file, "CONFORMANCE_CLIENT_SECRET") if mode is AuthMode.client_credentials else None
    pem = _read(private_key) if private_key is not None else None
    return build_auth(mode.value, token=token, client_id=client_id, client_secret=secret, private_key_pem=pem,
                      kid=kid, token_url=token_url, private_key_name=str(private_key))


def _secret(path: Path | None, env: str) -> str | None:
    if path is not None:
        return _read(path).decode("utf-8", errors="replace").strip()
    return os.environ.get(env) or None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")


def _http_settings(ca_bundle: Path | None, client_cert: Path | None, client_key: Path | None,
                   connect_timeout: float, read_timeout: float, limits: HttpLimits) -> HttpSettings:
    for option, path in (("--ca-bundle", ca_bundle), ("--client-cert", client_cert), ("--client-key", client_key)):
        if path is not None and not path.is_file():
            fail(f"{option} {path}: no such file")
    if client_key is not None and client_cert is None:
        fail("--client-key needs --client-cert")
    return HttpSettings(connect_timeout, read_timeout, str(ca_bundle) if ca_bundle else True,
                        str(client_cert) if client_cert else None, str(client_key) if client_key else None, limits)


# Under the options, at the help's full width (a long name in the options table's help column was cut short).
EPILOG = ("Secrets may come from the environment instead of files: CONFORMANCE_TOKEN (--auth bearer), "
          "CONFORMANCE_CLIENT_SECRET (--auth client-credentials).")


def register(app: typer.Typer) -> None:
    app.command("run", epilog=EPILOG)(run)


__all__ = ["register", "run"]
