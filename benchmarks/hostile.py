"""Time and peak memory of `conformance run`, `check` and `validate` against hostile targets and files.

    .venv/bin/python benchmarks/hostile.py [--repeat 3] [--json]

Each case runs the real CLI in a child process (peak resident memory sampled with psutil every
50 ms) against a tiny server on 127.0.0.1 or a crafted file, interleaved over `--repeat` rounds;
the table gives the minimum and median wall time and peak memory. What each case would cost
without the limits is in issue 13 (6.4 GB for an endless body, 2.2 GB for a 1 GiB gzip, a hang
for a trickle, 3 GB / 3 min for a 1 MB gzip of newlines): no peer is run here, because
reproducing those would take gigabytes from a machine shared with other work. The tests
(`tests/scenarios/test_hostile_targets.py`, `tests/files/test_hostile_files.py`) assert the
outcomes; this script only measures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
HOSTILE_PROFILE = REPO / "fixtures" / "scenarios" / "profiles" / "hostile"
EXPORT_PROFILE = REPO / "fixtures" / "files" / "profiles" / "export-checks"
EXPORT = REPO / "fixtures" / "files" / "exports" / "good"
MB = 1024 * 1024


# -- hostile targets -------------------------------------------------------------------------------
def _ok(conn: socket.socket) -> None:
    body = b'{"resourceType": "Bundle", "type": "searchset"}'
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: "
                 + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)


def deep(conn: socket.socket, stop: threading.Event) -> None:
    body = b"[" * 10_000 + b"]" * 10_000
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: "
                 + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)


def endless(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nConnection: close\r\n\r\n")
    chunk = b"x" * 65536
    for _ in range(200_000):
        if stop.is_set():
            return
        conn.sendall(chunk)


def gzip_gib(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Encoding: gzip\r\n"
                 b"Connection: close\r\n\r\n")
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * MB
    for _ in range(1024):
        if stop.is_set():
            return
        conn.sendall(compressor.compress(zeros))
    conn.sendall(compressor.flush())


def trickle(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: 100000\r\n\r\n")
    for _ in range(100_000):
        if stop.wait(0.2):
            return
        conn.sendall(b" ")


class Server:
    def __init__(self, behaviour: Callable[[socket.socket, threading.Event], None]) -> None:
        self.behaviour, self.stop = behaviour, threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.threads: list[threading.Thread] = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> str:
        self.acceptor.start()
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/fhir"

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
            except (TimeoutError, OSError):
                continue
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(t)
            t.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            if b"/Patient/hostile" in head.split(b"\r\n")[0]:
                self.behaviour(conn, self.stop)
            else:
                _ok(conn)


# -- hostile files -----------------------------------------------------------------------------------
def newline_bomb(folder: Path) -> Path:
    export = folder / "export"
    shutil.copytree(EXPORT, export)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    with open(export / "Patient.ndjson.gz", "wb") as out:
        out.write(compressor.compress(b'{"resourceType": "Patient", "id": "p1"}\n'))
        for _ in range(1024):  # 1 GiB of newlines, about 1 MB on disk
            out.write(compressor.compress(b"\n" * MB))
        out.write(compressor.flush())
    return export


def link_loops(folder: Path) -> Path:
    export = folder / "loops"
    shutil.copytree(EXPORT, export)
    (export / "loop").symlink_to(export, target_is_directory=True)
    (export / "up").symlink_to("..", target_is_directory=True)
    return export


def big_integer(folder: Path) -> Path:
    path = folder / "big.json"
    path.write_text('{"resourceType": "Patient", "multipleBirthInteger": ' + "9" * 100_000 + "}")
    return path


# -- measuring ----------------------------------------------------------------------------------------
def measure(args: list[str], cwd: Path) -> tuple[float, int, int]:
    env = {**os.environ, "NO_COLOR": "1"}
    started = time.perf_counter()
    child = psutil.Popen([sys.executable, "-m", "conformance", *args], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    peak = 0
    while child.poll() is None:
        with contextlib.suppress(psutil.Error):
            peak = max(peak, child.memory_info().rss)
        time.sleep(0.05)
    return time.perf_counter() - started, peak, child.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="conformance-hostile-"))
    try:
        bomb, loops, big = newline_bomb(work), link_loops(work), big_integer(work)
        run = ["run", str(HOSTILE_PROFILE), "--report-dir", str(work / "reports"), "--target"]
        cases: list[tuple[str, Callable[[], contextlib.AbstractContextManager[str]] | None, list[str]]] = [
            ("run: JSON 10,000 deep", lambda: Server(deep), run),
            ("run: endless body", lambda: Server(endless), run),
            ("run: 1 GiB gzip", lambda: Server(gzip_gib), run),
            ("run: 1 byte / 0.2 s (--request-deadline 5)", lambda: Server(trickle), run),
            ("check: 1 MB gzip of 1 GiB newlines", None,
             ["check", str(EXPORT_PROFILE), str(bomb), "--workers", "1", "--format", "json"]),
            ("validate: '**' over link loops", None, ["validate", f"{loops}/**/*.ndjson", "--workers", "1"]),
            ("validate: a 100,000-digit integer", None, ["validate", str(big), "--workers", "1"]),
        ]
        results: dict[str, list[tuple[float, int, int]]] = {name: [] for name, _, _ in cases}
        for _ in range(options.repeat):  # interleaved: a busy moment slows every case alike
            for name, server, args in cases:
                if server is None:
                    results[name].append(measure(args, work))
                    continue
                with server() as url:
                    extra = ["--request-deadline", "5"] if "deadline" in name else []
                    results[name].append(measure([*args, url, *extra], work))
        rows = [{"case": name, "exit": sorted({r[2] for r in runs}),
                 "seconds_min": round(min(r[0] for r in runs), 2),
                 "seconds_median": round(statistics.median(r[0] for r in runs), 2),
                 "peak_mb_min": round(min(r[1] for r in runs) / MB),
                 "peak_mb_median": round(statistics.median(r[1] for r in runs) / MB)}
                for name, runs in results.items()]
        if options.json:
            print(json.dumps(rows, indent=2))
            return
        print(f"{'case':<46} {'exit':>6} {'s min':>7} {'s med':>7} {'MB min':>7} {'MB med':>7}")
        for r in rows:
            print(f"{r['case']:<46} {','.join(map(str, r['exit'])):>6} {r['seconds_min']:>7} "
                  f"{r['seconds_median']:>7} {r['peak_mb_min']:>7} {r['peak_mb_median']:>7}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
