"""Heavy work over HTTP on a real `mapper serve` (issue 18, parts 2 and 3): a time limit, a
bounded queue, cancelling when the client goes away, answers as jobs, and a quick stop."""

from __future__ import annotations

import signal
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.dense_seed import dense_store
from tests.serving import serving

pytestmark = pytest.mark.slow

EXACT = "/analysis/brokers"  # exact betweenness on the dense store: about 9 s


@pytest.fixture(scope="module")
def dense(tmp_path_factory) -> str:
    return str(dense_store(tmp_path_factory.mktemp("dense")))


@pytest.fixture(scope="module")
def server(dense):
    with serving(dense, "--workers", "1", "--queue", "2", "--time-limit", "4") as served:
        ready(served.url)
        yield served


def ready(url: str) -> None:
    """Wait until the worker answers (it starts in the background with the server)."""
    assert httpx.get(f"{url}/analysis/mixing", timeout=60).status_code == 200


def until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def send_and_hang_up(url: str, path: str, after: float) -> None:
    """GET `path` on a raw connection, then close it after `after` seconds without reading."""
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port)) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: {address.netloc}\r\n\r\n".encode())
        time.sleep(after)


def test_an_async_request_answers_202_and_its_job_the_same_answer(server):
    path = "/analysis/brokers?sample=50&top=3"
    asked = httpx.get(server.url + path, headers={"Prefer": "respond-async"})
    assert asked.status_code == 202
    job = asked.json()["job"]
    assert asked.headers["location"] == job["url"] == f"/jobs/{job['id']}"
    assert asked.headers["preference-applied"] == "respond-async"
    assert job["status"] == "running" and job["request"] == path
    assert asked.headers["x-content-type-options"] == "nosniff"

    assert until(lambda: httpx.get(server.url + job["url"]).status_code == 200, 60)
    answer = httpx.get(server.url + job["url"])
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == httpx.get(server.url + path).json()  # cached: the very same


def test_a_job_keeps_the_answer_status_and_media_type(server):
    bad = httpx.get(server.url + "/analysis/brokers?sample=0", headers={"Prefer": "respond-async"})
    url = server.url + bad.json()["job"]["url"]
    assert until(lambda: httpx.get(url).status_code != 202, 30)
    assert httpx.get(url).status_code == 422
    assert httpx.get(url).json() == httpx.get(server.url + "/analysis/brokers?sample=0").json()

    table = httpx.get(
        server.url + "/analysis/mixing?format=csv", headers={"Prefer": "wait=5, respond-async"}
    )
    url = server.url + table.json()["job"]["url"]
    assert until(lambda: httpx.get(url).status_code == 200, 30)
    assert httpx.get(url).headers["content-type"].startswith("text/csv")


def test_a_running_job_says_so_and_an_unknown_one_is_404(server):
    running = httpx.get(
        server.url + "/analysis/brokers?sample=2999", headers={"Prefer": "respond-async"}
    )
    status = httpx.get(server.url + running.json()["job"]["url"])
    assert status.status_code == 202 and status.headers["retry-after"] == "1"
    assert status.json()["job"]["status"] == "running"
    unknown = httpx.get(server.url + "/jobs/no-such-job")
    assert unknown.status_code == 404 and unknown.json()["error"]["type"] == "JobNotFound"
    # light routes ignore the preference
    assert (
        httpx.get(server.url + "/sectors", headers={"Prefer": "respond-async"}).status_code == 200
    )
    # the job runs into the time limit; its answer says so
    job = server.url + running.json()["job"]["url"]
    assert until(lambda: httpx.get(job).status_code != 202, 30)
    assert httpx.get(job).json()["error"]["type"] == "WorkTimedOut"


def test_an_analysis_past_the_time_limit_is_503_naming_it(server):
    started = time.monotonic()
    answer = httpx.get(server.url + EXACT, timeout=60)
    assert answer.status_code == 503
    error = answer.json()["error"]
    assert error["type"] == "WorkTimedOut" and "time limit of 4 s" in error["message"]
    assert time.monotonic() - started < 8
    assert httpx.get(server.url + "/analysis/mixing?year_from=2012", timeout=60).status_code == 200


def test_a_full_queue_is_503_with_retry_after(server):
    threads = [
        threading.Thread(target=send_and_hang_up, args=(server.url, f"{EXACT}?sample={k}", 2.0))
        for k in (2999, 2998, 2997)  # one running, two waiting
    ]
    for thread in threads:
        thread.start()
        time.sleep(0.3)
    busy = httpx.get(server.url + f"{EXACT}?sample=2996", timeout=30)
    assert busy.status_code == 503
    assert busy.json()["error"]["type"] == "ServerBusy" and busy.headers["retry-after"] == "5"
    for thread in threads:
        thread.join()


def test_a_client_that_hangs_up_stops_its_worker(server):
    ready(server.url)
    (before,) = server.workers()
    send_and_hang_up(server.url, f"{EXACT}?sample=2990", 1.0)
    assert until(lambda: before not in server.workers(), 3), "the worker went on for nobody"
    assert until(lambda: len(server.workers()) == 1, 30)  # and a fresh one is started
    ready(server.url)


def test_sigterm_stops_the_server_within_5_s(dense):
    with serving(dense, "--workers", "1") as served:
        ready(served.url)
        workers = served.workers()
        hanging = threading.Thread(
            target=lambda: httpx.get(served.url + EXACT, timeout=30), daemon=True
        )
        hanging.start()
        time.sleep(1.0)
        started = time.monotonic()
        served.process.send_signal(signal.SIGTERM)
        served.process.wait(timeout=10)
        assert time.monotonic() - started < 5
        for pid in workers:
            assert not Path(f"/proc/{pid}").exists() or _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True
