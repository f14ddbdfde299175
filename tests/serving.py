"""`mapper serve` in its own process on loopback, for the tests that need a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """A running `mapper serve`: its base URL and its process."""

    def __init__(self, url: str, process: subprocess.Popen, log: Path):
        self.url = url
        self.process = process
        self.log = log

    def output(self) -> str:
        """What the server wrote to stderr so far (its log)."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def workers(self) -> set[int]:
        """The process ids of its analysis workers (its spawned children)."""
        found = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parent = int(stat.rpartition(")")[2].split()[1])
            if parent == self.process.pid and b"spawn_main" in command:
                found.add(int(entry.name))
        return found


@contextmanager
def serving(store: str, *options: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """`mapper --store STORE serve --no-warm OPTIONS` until the block ends (then SIGTERM)."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="mapper-serve-", suffix=".log")[1])
    stderr = log.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from mapper.cli import cli; cli(prog_name='mapper')",
            "--store",
            store,
            "serve",
            "--no-warm",
            "--port",
            str(port),
            *options,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log.read_text(encoding="utf-8", errors="replace")
            assert time.monotonic() < deadline, "mapper serve did not answer"
            time.sleep(0.2)
        yield Served(url, process, log)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        stderr.close()
        log.unlink()
