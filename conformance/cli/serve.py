"""`conformance serve`: the built-in reference FHIR server, in the foreground until Ctrl-C."""

from __future__ import annotations

import logging
import secrets
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import typer

from conformance.cli.errors import fail
from conformance.reference import AUTH_MODES, FAULTS, ReferenceServer, ServerConfig

# a profile's `reference.auth` -> the server's auth mode
_PROFILE_AUTH = {"none": "none", "bearer": "bearer", "client-credentials": "oauth2", "jwt": "oauth2"}


def serve(
    profile: str | None = typer.Option(None, "--profile", help="Start as this conformance profile's built-in target (its reference auth mode and seed)."),
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="Port to listen on; 0 picks a free one."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    auth: str | None = typer.Option(None, "--auth", help=f"Auth mode: {', '.join(AUTH_MODES)} (default: the profile's, else none)."),
    api: str | None = typer.Option(None, "--api", help="Serve a national API's behaviour (e.g. pds) at its specification's base path (default: the profile's, else the generic FHIR server)."),
    fault: list[str] = typer.Option([], "--fault", help="Break one rule on purpose (repeatable): a fault listed below; in an API mode its own faults (--list-faults)."),
    list_faults: bool = typer.Option(False, "--list-faults", help="List the faults this server (or API mode) can commit, with the requirements each breaks, and exit."),
    seed: Path | None = typer.Option(None, "--seed", help="Folder of JSON resources to start with (default: the profile's, else the built-in Patients)."),
    database: Path | None = typer.Option(None, "--database", help="SQLite file to keep the data in (default: in memory)."),
    tls_cert: Path | None = typer.Option(None, "--tls-cert", help="Serve HTTPS with this certificate (PEM)."),
    tls_key: Path | None = typer.Option(None, "--tls-key", help="The certificate's private key (PEM)."),
    client_ca: Path | None = typer.Option(None, "--client-ca", help="Require client certificates issued by this CA (mutual TLS)."),
    token: list[str] = typer.Option([], "--token", help="A static bearer token to accept (repeatable; bearer and oauth2 modes)."),
    client: list[str] = typer.Option([], "--client", help="An OAuth2 client as ID:SECRET (repeatable; oauth2 mode)."),
    jwks: Path | None = typer.Option(None, "--jwks", help="JWKS file whose keys verify signed JWT client assertions (oauth2 mode)."),
    no_validate: bool = typer.Option(False, "--no-validate", help="Store created and updated resources without validating them."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not log each request on stderr."),
) -> None:
    """Run the built-in reference FHIR R4 server until Ctrl-C, printing its base URL."""
    profile_auth, profile_seed, profile_api = _profile_settings(profile) if profile else (None, None, None)
    api = api or profile_api
    if list_faults:
        _list_faults(api)
        return
    mode = auth or profile_auth or "none"
    if mode not in AUTH_MODES:
        fail(f"unknown auth mode '{mode}'", f"use one of {', '.join(AUTH_MODES)}")
    clients = dict(_client(c) for c in client)
    generated: list[str] = []
    if mode == "bearer" and not token:
        token = [secrets.token_urlsafe(24)]
        generated.append(f"bearer token:     {token[0]}")
    if mode == "oauth2" and not clients and jwks is None:
        clients = {"conformance-client": secrets.token_urlsafe(24)}
        generated.append(f"client id:        conformance-client\nclient secret:    {clients['conformance-client']}")
    config = ServerConfig(host=host, port=port, seed_dir=seed or profile_seed, faults=frozenset(fault), auth=mode,
                          tls_cert=tls_cert, tls_key=tls_key, client_ca=client_ca, jwks_file=jwks, clients=clients,
                          static_tokens=frozenset(token), validate_on_write=not no_validate, database=database,
                          api=api)
    server = ReferenceServer(config).start()
    logger = logging.getLogger("conformance.reference")
    level, access_log = logger.level, _access_log(logger, quiet)
    try:
        typer.echo(f"FHIR base URL:    {server.base_url}")
        if mode == "oauth2":
            typer.echo(f"token URL:        {server.token_url}")
        for line in generated:
            typer.echo(line)
        if config.api:
            typer.echo(f"API behaviour:    {config.api}")
        typer.echo(f"auth: {mode}; faults: {', '.join(sorted(config.faults)) or 'none'}. Press Ctrl-C to stop.")
        _wait_for_stop(server)
    finally:
        server.stop()
        logger.removeHandler(access_log)
        logger.setLevel(level)


def _access_log(logger: logging.Logger, quiet: bool) -> logging.Handler:
    """Requests (method, path, status — never headers or bodies) logged on stderr while serving."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    handler.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return handler


def _wait_for_stop(server: ReferenceServer) -> None:
    """Block until Ctrl-C or SIGTERM."""
    stop = threading.Event()
    previous: Any = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _client(value: str) -> tuple[str, str]:
    client_id, sep, secret = value.partition(":")
    if not sep or not client_id or not secret:
        fail(f"--client {client_id or value!r}...: give the client as ID:SECRET")
    return client_id, secret


def _list_faults(api: str | None) -> None:
    if api is None:
        for name, description in FAULTS.items():
            typer.echo(f"{name}: {description}")
        return
    from conformance.reference.apis import behaviour

    found = behaviour(api)
    for f in found.faults:
        typer.echo(f"{f.name}: {f.description} (breaks {', '.join(f.breaks)})")


def _profile_settings(name: str) -> tuple[str | None, Path | None, str | None]:
    """A profile's reference auth mode (as the server's), seed folder and API behaviour."""
    from conformance.cli.loading import load_named_profile

    settings = load_named_profile(name).reference
    return _PROFILE_AUTH.get(settings.auth, settings.auth), settings.seed, settings.api


# The fault names are listed under the options, at the help's full width: in the options table's narrow help
# column a name longer than the column was cut short with an ellipsis at 80 columns.
EPILOG = f"Faults of the generic server (--fault): {', '.join(FAULTS)}."


def register(app: typer.Typer) -> None:
    app.command("serve", epilog=EPILOG)(serve)
