"""`ReferenceServer`: the reference FHIR server in a background thread, stopped cleanly.

Stopping closes every open connection (keep-alive ones too) and joins every thread, so a
test or a conformance run never leaves a thread or a socket behind.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sqlite3
import ssl
import threading
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any

from conformance.reference import apis
from conformance.reference.apis import ApiBehaviour, ApiContext
from conformance.reference.app import FHIR_BASE_PATH, TOKEN_PATH, ReferenceApp
from conformance.reference.auth import Authenticator
from conformance.reference.config import BUILTIN_SEED, ConfigError, ServerConfig
from conformance.reference.handler import RequestHandler
from conformance.reference.search import index_rows
from conformance.reference.seed import load_seed
from conformance.reference.service import FhirService
from conformance.reference.store import Store

log = logging.getLogger("conformance.reference")


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = False  # joined on close
    block_on_close = True
    # the listen backlog: socketserver's default of 5 resets a burst of concurrent clients (a load
    # test, a parallel suite) before the accept loop catches up; the OS caps it at somaxconn
    request_queue_size = 512

    def __init__(self, address: tuple[str, int], app: ReferenceApp | None = None) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, RequestHandler)

    def get_request(self) -> tuple[Any, Any]:
        request, address = super().get_request()
        with self._open_lock:
            self._open.add(request)
        return request, address

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            open_now = list(self._open)
        for sock in open_now:
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class ReferenceServer:
    """The built-in reference FHIR server; use as a context manager (or `start()` / `stop()`)."""

    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._store: Store | None = None
        self.origin = ""  # scheme://host:port, kept after stop() for reports
        self._port = 0
        self.api: ApiBehaviour | None = apis.behaviour(self.config.api) if self.config.api else None
        self.base_path = self.api.base_path if self.api else FHIR_BASE_PATH

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> ReferenceServer:
        """Load the seed, bind, and serve in a background thread. Raises ConfigError when it cannot."""
        if self._thread is not None:
            raise RuntimeError("the server is already running")
        config = self.config
        auth = Authenticator(config)
        context = _tls_context(config) if config.tls else None
        store = _seeded_store(config, self.api)
        try:
            httpd = _HttpServer((config.host, config.port))
        except OSError as exc:
            store.close()
            raise ConfigError(f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}") from None
        if context is not None:
            httpd.socket = context.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
        scheme = "https" if context else "http"
        self._port = int(httpd.server_address[1])
        self.origin = f"{scheme}://{_url_host(config.host)}:{self._port}"
        if self.api is not None:
            service = self.api.service(ApiContext(config, store, auth, self.base_url, self.token_url))
            httpd.app = ReferenceApp(service, auth, self.token_url, scheme, (), self.base_path)
        else:
            generic = FhirService(config, store, auth, self.base_url, self.token_url)
            httpd.app = ReferenceApp(generic, auth, self.token_url, scheme, config.faults)
        self._httpd, self._store = httpd, store
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01},
                                        name=f"conformance-reference-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections, join every thread. Safe to call twice."""
        httpd, thread, store = self._httpd, self._thread, self._store
        self._httpd = self._thread = self._store = None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()  # joins the connection threads
        if thread is not None:
            thread.join()
        if store is not None:
            store.close()

    def __enter__(self) -> ReferenceServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- where it is ----------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def port(self) -> int:
        """The port listened on (the free one picked for port 0); 0 before start()."""
        return self._port

    @property
    def base_url(self) -> str:
        """The FHIR base URL, e.g. http://127.0.0.1:54321/FHIR/R4 (an API behaviour's own base path)."""
        return self.origin + self.base_path

    @property
    def token_url(self) -> str:
        """The OAuth2 token endpoint (the `aud` of signed JWT client assertions)."""
        return self.origin + TOKEN_PATH


def _seeded_store(config: ServerConfig, api: ApiBehaviour | None) -> Store:
    """The store, seeded unless it already holds resources (a database file kept from an earlier run).

    An API behaviour keeps no SQL search index: it searches its records itself.
    """
    if api is not None:
        seed = load_seed(config.seed_dir or api.seed, api.seed_problem)
    else:
        seed = load_seed(config.seed_dir or BUILTIN_SEED)
    try:
        store = Store(config.database)
        if store.is_empty():
            for resource in seed:
                rtype, rid = resource["resourceType"], resource["id"]
                store.write(rtype, rid, resource, index_rows(rtype, resource) if api is None else ())
    except sqlite3.Error as exc:
        raise ConfigError(f"cannot use the database {config.database or '(in memory)'}: {exc}") from None
    return store


def _tls_context(config: ServerConfig) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(config.tls_cert), str(config.tls_key))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot load the TLS certificate {config.tls_cert} and key {config.tls_key}: {exc}") from None
    if config.client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        try:
            context.load_verify_locations(cafile=str(config.client_ca))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot load the client CA {config.client_ca}: {exc}") from None
    return context


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host
