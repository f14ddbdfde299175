"""Latency under load measured by wrk (Debian's `wrk`), a compiled load generator in its own
process: the benchmark's Python client threads share the GIL and the two cores with the server,
and their own overhead set a floor under every percentile (a bare route's p99 was 129 ms with
them). wrk keeps `connections` requests in flight (closed loop, no think time), each request's
path taken in turn from `paths`.

    run_wrk("http://127.0.0.1:8000", ["/actors?q=umea", ...], seconds=20, connections=16)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["run_wrk", "wrk_available"]

# The paths, then a request() that cycles through them and a done() that prints the figures as
# one JSON line (latencies in microseconds; statuses counted per class in response()).
_SCRIPT = """
local paths = {%s}
local counter = 0
local statuses = {}
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = id * 7919
  ok, other = 0, 0
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end

function response(status, headers, body)
  if status == %d then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local ok_total, other_total = 0, 0
  for _, thread in ipairs(threads) do
    ok_total = ok_total + thread:get("ok")
    other_total = other_total + thread:get("other")
  end
  io.write(string.format(
    '{"requests": %%d, "seconds": %%f, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, '
    .. '"max_us": %%d, "mean_us": %%f, "expected_status": %%d, "other_status": %%d, '
    .. '"connect_errors": %%d, "read_errors": %%d, "timeouts": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, ok_total, other_total,
    summary.errors.connect, summary.errors.read, summary.errors.timeout))
end
"""


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(
    base: str,
    paths: list[str],
    *,
    seconds: float,
    connections: int = 16,
    threads: int = 1,
    expected: int = 200,
) -> dict:
    """wrk against `base` for `seconds`; its figures (ms, counts, requests per second)."""
    quoted = ", ".join(json.dumps(path) for path in paths)
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "paths.lua"
        script.write_text(_SCRIPT % (quoted, expected), encoding="utf-8")
        done = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "30s",
                "-s",
                str(script),
                base,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    line = next(line for line in reversed(done.stdout.splitlines()) if line.startswith("{"))
    raw = json.loads(line)
    return {
        "client": "wrk",
        "connections": connections,
        "requests": raw["requests"],
        "rps": round(raw["requests"] / raw["seconds"], 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "mean_ms": round(raw["mean_us"] / 1000, 2),
        "unexpected_status": raw["other_status"],
        "errors": raw["connect_errors"] + raw["read_errors"] + raw["timeouts"],
    }
