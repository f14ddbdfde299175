"""Start a real Neo4j 5.26 Community server (embedded, Bolt only) for tests.

The server is the small Java launcher in ``tools/neo4j-test-server`` (built with
Maven on first use).  Typical use::

    with Neo4jTestServer() as server:
        driver = neo4j.GraphDatabase.driver(server.uri, auth=None)

The child process watches its stdin; we keep the write end of a pipe open, so
when this Python process goes away (even via SIGKILL) the server exits too.

This module deliberately does not import pytest, so it can be used from
fixtures, scripts or a REPL alike.
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO

REPO_ROOT = Path(__file__).resolve().parent.parent
TOOL_DIR = REPO_ROOT / "tools" / "neo4j-test-server"
BUILD_SCRIPT = TOOL_DIR / "build.sh"
JAR_PATH = TOOL_DIR / "target" / "neo4j-test-server.jar"

READY_RE = re.compile(r"^NEO4J_READY (?P<uri>bolt://\S+) version=(?P<version>\S+)\s*$")
STDERR_TAIL_LINES = 40
DEFAULT_JVM_OPTS: tuple[str, ...] = ("-Xmx768m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError")


def java_available() -> bool:
    """True if a ``java`` executable that can run the launcher is on PATH."""
    java = shutil.which("java")
    if java is None:
        return False
    try:
        result = subprocess.run(
            [java, "-version"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    if result.returncode != 0:
        return False
    match = re.search(rb'version "(\d+)', result.stderr)
    return match is not None and int(match.group(1)) >= 17


def build_jar(timeout: float = 900) -> Path:
    """Build the launcher jar if needed (idempotent) and return its path."""
    try:
        result = subprocess.run(
            ["bash", str(BUILD_SCRIPT)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"{BUILD_SCRIPT} timed out after {timeout:.0f}s") from exc
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-STDERR_TAIL_LINES:])
        raise RuntimeError(f"{BUILD_SCRIPT} failed with exit code {result.returncode}:\n{tail}")
    jar = Path(result.stdout.strip().splitlines()[-1])
    if not jar.is_file():
        raise RuntimeError(f"{BUILD_SCRIPT} reported {jar}, which does not exist")
    return jar


class Neo4jTestServer:
    """One Neo4j server process with Bolt on a loopback port and auth disabled.

    ``port=0`` (the default) lets the server pick a free port; several servers
    can run side by side.  ``data_dir=None`` uses a fresh temporary directory
    that the server deletes on exit.  ``tx_memory`` (e.g. "10m"; "0" for no limit
    but the heap) sets dbms.memory.transaction.total.max.
    """

    def __init__(
        self,
        port: int = 0,
        data_dir: str | os.PathLike[str] | None = None,
        jvm_opts: tuple[str, ...] = DEFAULT_JVM_OPTS,
        java: str = "java",
        tx_memory: str | None = None,
    ) -> None:
        self.port = port
        self.tx_memory = tx_memory
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.jvm_opts = jvm_opts
        self.java = java
        self.uri: str | None = None
        self.version: str | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        self._stderr_thread: threading.Thread | None = None
        self._stdout_thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self, timeout: float = 180) -> str:
        """Launch the server, wait until Bolt answers, and return its URI.

        Builds the launcher jar first if it is missing or stale.  Raises
        ``RuntimeError`` (with the server's last output) if the server exits
        early or is not ready within ``timeout`` seconds.
        """
        if self._proc is not None:
            raise RuntimeError("Neo4jTestServer already started")
        # A first-time build (Maven downloads) has its own timeout and does not eat into ours.
        jar = JAR_PATH if self._jar_is_fresh() else build_jar()
        deadline = time.monotonic() + timeout

        cmd = [self.java, *self.jvm_opts, "-jar", str(jar), "--port", str(self.port)]
        if self.data_dir is not None:
            cmd += ["--data-dir", str(self.data_dir)]
        if self.tx_memory is not None:
            cmd += ["--tx-memory", self.tx_memory]
        self._stderr_tail.clear()
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,  # the server exits when this pipe closes
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
        )
        assert self._proc.stdout is not None and self._proc.stderr is not None
        self._stderr_thread = self._drain(self._proc.stderr, self._stderr_tail, "stderr")

        try:
            ready_line = self._wait_for_ready_line(deadline)
            match = READY_RE.match(ready_line)
            if match is None:  # pragma: no cover - guarded by _wait_for_ready_line
                raise self._failure(f"unexpected ready line {ready_line!r}")
            self.uri = match.group("uri")
            self.version = match.group("version")
            # Anything else on stdout is unexpected, but must not block the child.
            self._stdout_thread = self._drain(self._proc.stdout, self._stderr_tail, "stdout")
            self._wait_for_bolt(deadline)
        except BaseException:
            self.stop()
            raise
        return self.uri

    def stop(self, timeout: float = 30) -> None:
        """Ask the server to shut down (close its stdin); kill it if it takes too long."""
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for thread in (self._stderr_thread, self._stdout_thread):
            if thread is not None:
                thread.join(timeout=5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def stderr_tail(self) -> str:
        """The last lines the server wrote to stderr (useful in failure messages)."""
        return "\n".join(self._stderr_tail)

    def __enter__(self) -> Neo4jTestServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals ---------------------------------------------------------

    @staticmethod
    def _jar_is_fresh() -> bool:
        """Cheap check so we only shell out to build.sh when something changed."""
        if not JAR_PATH.is_file() or not (JAR_PATH.parent / "lib").is_dir():
            return False
        jar_mtime = JAR_PATH.stat().st_mtime
        inputs = [TOOL_DIR / "pom.xml", *(TOOL_DIR / "src").rglob("*")]
        return all(p.stat().st_mtime <= jar_mtime for p in inputs if p.is_file())

    @staticmethod
    def _drain(stream: IO[str], sink: collections.deque[str], name: str) -> threading.Thread:
        def run() -> None:
            try:
                for line in stream:
                    sink.append(line.rstrip("\n"))
            except (OSError, ValueError):
                pass  # stream closed under us during stop()

        thread = threading.Thread(target=run, name=f"neo4j-test-server-{name}", daemon=True)
        thread.start()
        return thread

    def _wait_for_ready_line(self, deadline: float) -> str:
        """Read stdout (in a helper thread, so we can time out) until NEO4J_READY."""
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        stdout = proc.stdout
        found: list[str] = []
        done = threading.Event()

        def reader() -> None:
            try:
                for line in stdout:
                    if READY_RE.match(line):
                        found.append(line.strip())
                        break
                    self._stderr_tail.append(line.rstrip("\n"))
            except (OSError, ValueError):
                pass
            finally:
                done.set()

        thread = threading.Thread(target=reader, name="neo4j-test-server-ready", daemon=True)
        thread.start()
        while not done.wait(0.1):
            if time.monotonic() > deadline:
                raise self._failure("timed out waiting for the NEO4J_READY line")
        thread.join()
        if not found:
            proc.wait(timeout=10)
            raise self._failure(f"server exited with code {proc.returncode} before it was ready")
        return found[0]

    def _wait_for_bolt(self, deadline: float) -> None:
        import neo4j  # imported lazily: java_available() etc. work without the driver

        assert self.uri is not None
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                raise self._failure("server exited while waiting for Bolt")
            try:
                with neo4j.GraphDatabase.driver(
                    self.uri, auth=None, connection_timeout=5
                ) as driver:
                    driver.verify_connectivity()
                return
            except Exception as exc:  # any failure means "not yet"
                last_error = exc
                time.sleep(0.2)
        raise self._failure(f"Bolt at {self.uri} did not answer: {last_error!r}")

    def _failure(self, message: str) -> RuntimeError:
        # Give the drain thread a moment to pick up the child's last words.
        proc = self._proc
        if self._stderr_thread is not None and proc is not None and proc.poll() is not None:
            self._stderr_thread.join(timeout=2)
        tail = self.stderr_tail or "<no output>"
        return RuntimeError(f"Neo4j test server: {message}\n--- last server output ---\n{tail}")


def external_uri() -> str | None:
    """The ``NEO4J_URI`` of an already running server to use instead, if set."""
    uri = os.environ.get("NEO4J_URI", "").strip()
    return uri or None
