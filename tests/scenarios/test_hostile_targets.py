"""`conformance run` against targets that misbehave on purpose: every run ends within its deadline
with exit 1 or 2, writes its reports, keeps its memory bounded, and leaks no secret.

Each hostile behaviour is a tiny server on 127.0.0.1 (a raw socket, so it can do what no proper
server would), stopped by its test; every server loop is bounded. The run is a real `conformance
run` in a child process, whose peak memory is sampled with psutil. Bounds are generous: they
catch "grows with what the target sends" (gigabytes), not small regressions; no timing is
asserted beyond "ended before its deadline plus a wide margin".
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import os
import socket
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]
PROFILE = REPO / "fixtures" / "scenarios" / "profiles" / "hostile"
MB = 1024 * 1024
PEAK_BOUND = 400 * MB  # the run's own footprint is ~100 MB; a hostile body of gigabytes must not add to it
pytestmark = pytest.mark.core

Behaviour = Callable[[socket.socket, bytes, threading.Event], None]


class HostileServer:
    """Accepts connections on 127.0.0.1 and hands each (with its request head) to `behaviour`."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.stop = threading.Event()
        self.requests: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.threads: list[threading.Thread] = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/fhir"

    def __enter__(self) -> HostileServer:
        self.acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.acceptor.join(5)
        for t in self.threads:
            t.join(5)
        self.sock.close()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            head = b""
            try:
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                self.requests.append(head)
                if b" /fhir/Patient/hostile" in head.split(b"\r\n")[0]:
                    self.behaviour(conn, head, self.stop)
                else:
                    _answer(conn, b'{"resourceType": "Bundle", "type": "searchset", "total": 0}')
            except OSError:
                return


def _answer(conn: socket.socket, body: bytes, extra: str = "") -> None:
    conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: {len(body)}\r\n"
                 f"{extra}Connection: close\r\n\r\n".encode() + body)


def _deep_json(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
    _answer(conn, b"[" * 10_000 + b"]" * 10_000)


def _endless_body(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nConnection: close\r\n\r\n")
    chunk = b'{"resourceType": "Patient", "id": "' + b"x" * 65536
    for _ in range(200_000):  # 12 GB at most: bounded, and far past any limit
        if stop.is_set():
            return
        conn.sendall(chunk)


def _gzip_bomb(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
    """1 GiB of zeros, gzip-compressed on the fly (about 1 MB on the wire)."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Encoding: gzip\r\n"
                 b"Connection: close\r\n\r\n")
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * MB
    for _ in range(1024):
        if stop.is_set():
            return
        conn.sendall(compressor.compress(zeros))
    conn.sendall(compressor.flush())


def _trickle(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
    """A valid response, one byte every 0.2 s: every socket read gets data well within its timeout."""
    body = b'{"resourceType": "Patient", "id": "hostile"}' + b" " * 100_000
    response = (f"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n").encode() + body
    for i in range(len(response)):
        if stop.wait(0.2):
            return
        conn.sendall(response[i:i + 1])


def _trickled_headers(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for _ in range(10_000):
        if stop.wait(0.2):
            return
        conn.sendall(b"X")  # one endless header line, a byte at a time


class RunOutcome:
    def __init__(self, code: int, stdout: str, stderr: str, seconds: float, peak: int, reports: Path) -> None:
        self.code, self.stdout, self.stderr, self.seconds, self.peak = code, stdout, stderr, seconds, peak
        self.reports = reports

    @property
    def results(self) -> dict:  # type: ignore[type-arg]
        return json.loads((self.reports / "results.json").read_text())

    def step(self, test_id: str) -> dict:  # type: ignore[type-arg]
        return next(t for g in self.results["groups"] for t in g["tests"] if t["id"] == test_id)

    def everything(self) -> bytes:
        """stdout, stderr and every byte of every report and evidence member."""
        out = [self.stdout.encode(), self.stderr.encode()]
        for path in sorted(self.reports.rglob("*")):
            if path.suffix == ".zip":
                with zipfile.ZipFile(path) as pack:
                    out += [pack.read(name) for name in pack.namelist()]
            elif path.is_file():
                out.append(path.read_bytes())
        return b"\n".join(out)


def run_against(target: str, tmp_path: Path, *options: str, timeout: float = 120) -> RunOutcome:
    reports = tmp_path / "reports"
    args = [sys.executable, "-m", "conformance", "run", str(PROFILE), "--target", target,
            "--report", "all", "--report-dir", str(reports), "--evidence", str(reports / "evidence.zip"), *options]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    started = time.monotonic()
    child = psutil.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    peak = 0
    holder: dict[str, bytes] = {}

    def communicate() -> None:
        holder["out"], holder["err"] = child.communicate()

    reader = threading.Thread(target=communicate, daemon=True)
    reader.start()
    while reader.is_alive() and time.monotonic() - started < timeout:
        with contextlib.suppress(psutil.Error):
            peak = max(peak, child.memory_info().rss)
        reader.join(0.05)
    if reader.is_alive():
        child.kill()
        reader.join(10)
        pytest.fail(f"the run did not end within {timeout} s")
    stdout, stderr = holder.get("out", b""), holder.get("err", b"")
    return RunOutcome(child.returncode, stdout.decode(errors="replace"), stderr.decode(errors="replace"),
                   time.monotonic() - started, peak, reports)


def assert_bounded_and_reported(outcome: RunOutcome, code: str) -> None:
    assert outcome.code in (1, 2), outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert outcome.peak < PEAK_BOUND, f"peak memory {outcome.peak / MB:.0f} MB"
    hostile, after = outcome.step("hostile/read"), outcome.step("after/read")
    assert hostile["outcome"] == "error"
    assert [f["code"] for f in hostile["findings"]] == [code]
    assert hostile["findings"][0]["location"] == "hostile/read"
    assert after["outcome"] == "pass"  # the run went on
    for name in ("results.json", "junit.xml", "report.html", "evidence.zip"):
        assert (outcome.reports / name).is_file(), name


@pytest.mark.parametrize(("behaviour", "code", "options"), [
    (_deep_json, "http.response-too-deep", ()),
    (_endless_body, "http.response-too-large", ()),
    (_gzip_bomb, "http.response-too-large", ()),
    (_trickle, "http.request-deadline", ("--request-deadline", "3")),
    (_trickled_headers, "http.request-deadline", ("--request-deadline", "3")),
], ids=["json-10000-deep", "endless-body", "gzip-1GiB", "one-byte-per-0.2s", "trickled-headers"])
def test_a_hostile_answer_fails_its_step_with_its_code_and_the_run_goes_on(
        behaviour: Behaviour, code: str, options: tuple[str, ...], tmp_path: Path) -> None:
    with HostileServer(behaviour) as server:
        outcome = run_against(server.base, tmp_path, *options)
    assert_bounded_and_reported(outcome, code)


def test_the_request_deadline_holds_over_a_trickle_that_beats_every_read_timeout(tmp_path: Path) -> None:
    with HostileServer(_trickle) as server:
        outcome = run_against(server.base, tmp_path, "--request-deadline", "2", "--read-timeout", "30")
    message = outcome.step("hostile/read")["message"]
    assert message == f"no complete response from {server.base}/Patient/hostile within 2 s (--request-deadline)"
    assert outcome.seconds < 60  # a 100 kB trickle would take 6 hours


def test_the_run_deadline_ends_the_request_in_flight_and_skips_the_rest(tmp_path: Path) -> None:
    with HostileServer(_trickle) as server:
        outcome = run_against(server.base, tmp_path, "--run-deadline", "2")
    assert outcome.code == 2
    hostile, after = outcome.step("hostile/read"), outcome.step("after/read")
    assert [f["code"] for f in hostile["findings"]] == ["http.run-deadline"]
    assert after["outcome"] == "skip" and after["message"].startswith("not run: the run's deadline of 2 s passed")
    assert outcome.seconds < 60


def test_limits_are_options_of_run(tmp_path: Path) -> None:
    with HostileServer(_endless_body) as server:
        outcome = run_against(server.base, tmp_path, "--max-response-mb", "1")
    assert outcome.step("hostile/read")["message"] == (
        f"the response from {server.base}/Patient/hostile is more than 1,048,576 bytes (received), over the limit "
        "of 1,048,576; it was not read further")


# -- credentials in the target URL --------------------------------------------------------------------
USER, PASSWORD, API_KEY = "alice-the-tester", "pa55-w0rd/with+signs", "KEY-0123456789abcdef"


def _echo_secrets(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
    """Answers with every credential it was sent, encoded every way a careless server might."""
    auth = next((line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")
                 if line.lower().startswith(b"authorization:")), b"")
    pair = f"{USER}:{PASSWORD}".encode()
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "access_token", "valueString": PASSWORD},
        {"name": "echo", "valueString": auth.decode()},
        {"name": "b64", "valueBase64Binary": base64.b64encode(b"prefix " + pair + b" suffix").decode()},
        {"name": "b64key", "valueBase64Binary": base64.b64encode(API_KEY.encode()).decode()},
        {"name": "url", "valueUri": f"http://x/?k={quote(API_KEY)}&p={quote_plus(PASSWORD)}"},
        {"name": "raw", "valueString": f"{USER} {PASSWORD} {API_KEY}"}]}
    _answer(conn, json.dumps(body).encode(), extra=f"X-Echo: {API_KEY}\r\n")


def forms(secret: str) -> list[bytes]:
    raw = secret.encode()
    return [raw, quote(secret, safe="").encode(), quote_plus(secret).encode(), base64.b64encode(raw),
            base64.urlsafe_b64encode(raw).rstrip(b"=")]


def test_credentials_in_the_target_url_never_leave_the_process(tmp_path: Path) -> None:
    with HostileServer(_echo_secrets) as server:
        target = (f"http://{quote(USER)}:{quote(PASSWORD, safe='')}@127.0.0.1:{server.port}/fhir"
                  f"?apikey={quote(API_KEY)}&tenant=t1")
        outcome = run_against(target, tmp_path)
        requests = list(server.requests)
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    found = outcome.everything()
    leaks = [f for s in (USER, PASSWORD, API_KEY, f"{USER}:{PASSWORD}") for f in forms(s) if f in found]
    assert leaks == []
    assert b"[redacted]" in found
    # the user-info went as Basic auth, the base's own query joined to every request (not glued to the path)
    lines = [r.split(b"\r\n")[0].decode() for r in requests]
    assert lines == [f"GET /fhir/Patient/hostile?apikey={API_KEY}&tenant=t1 HTTP/1.1",
                     f"GET /fhir/Patient?apikey={API_KEY}&tenant=t1&family=Smith HTTP/1.1"]
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode())
    assert all(b"Authorization: Basic " + basic in r for r in requests)
    assert outcome.results["target"] == f"http://127.0.0.1:{server.port}/fhir?apikey=[redacted]&tenant=t1"


def test_user_info_and_auth_options_together_are_refused_without_echoing_the_password(tmp_path: Path) -> None:
    target = f"http://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:9/fhir"
    done = subprocess.run([sys.executable, "-m", "conformance", "run", str(PROFILE), "--target", target,
                           "--auth", "bearer"], capture_output=True, env={**os.environ, "CONFORMANCE_TOKEN": "t0k3n"},
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    assert b"carries a user name and password" in done.stderr
    assert not [f for f in forms(PASSWORD) if f in done.stderr + done.stdout]


def _gzip_ok(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
    body = gzip.compress(b'{"resourceType": "Patient", "id": "hostile"}')
    _answer(conn, body, extra="Content-Encoding: gzip\r\n")


def test_a_well_behaved_gzip_answer_is_read_as_before(tmp_path: Path) -> None:
    with HostileServer(_gzip_ok) as server:
        outcome = run_against(server.base, tmp_path)
    assert outcome.code == 0, outcome.stdout
    assert outcome.step("hostile/read")["exchanges"][0]["response"]["body"] == (
        '{"resourceType": "Patient", "id": "hostile"}')


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    yield
