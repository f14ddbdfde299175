"""Writes are protected: POST /load needs the configured bearer token; reads stay public.

Also: the upload limit is enforced while the body streams in, uploaded files are named and
validated as on the command line, and every refusal comes in the API's one error shape.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

import api.security
from api.app import create_app
from api.security import DEFAULT_MAX_UPLOAD_BYTES, APISettings
from mapper.cli import cli
from mapper.service import MapperService
from mapper.stores.embedded import EmbeddedStore
from tests.test_store_contract import state

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seed_data"
BROKEN = Path(__file__).parent / "seed" / "broken"
TOKEN = "s3cret-token-åäö"
AUTH = {"Authorization": f"Bearer {TOKEN}".encode()}


def seed_parts(*paths: Path) -> list[tuple[str, tuple[str, bytes]]]:
    return [("files", (path.name, path.read_bytes())) for path in paths]


SEED_FILES = sorted(SEED.glob("*.csv"))
DOCUMENTS = sorted((SEED / "documents").glob("*.txt"))


@pytest.fixture
def service(embedded_store):
    return MapperService(embedded_store)


@pytest.fixture
def client(service):
    app = create_app(service, APISettings(api_token=TOKEN))
    return TestClient(app, raise_server_exceptions=False)


def assert_error(response, status: int, kind: str, needle: str = "") -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert (error["status"], error["type"]) == (status, kind)
    assert needle in error["message"]
    return error


# -- who may write -------------------------------------------------------------------------------


READS = [
    "/health",
    "/actors",
    "/actors/vinnova",
    "/collaborations",
    "/sectors",
    "/analysis/mixing",
    "/analysis/gaps?permutations=20",
    "/analysis/brokers",
    "/analysis/funding",
    "/map",
]


@pytest.mark.parametrize("path", READS)
def test_reads_are_public_even_with_a_token_configured(client, service, path):
    service.load([SEED])
    assert client.get(path).status_code == 200


def test_without_a_configured_token_writes_are_disabled_with_a_403(service):
    client = TestClient(create_app(service), raise_server_exceptions=False)
    response = client.post("/load", files=seed_parts(*SEED_FILES), headers=AUTH)
    error = assert_error(response, 403, "WritesDisabled", "set MAPPER_API_TOKEN")
    assert "disabled" in error["message"]
    assert service.info().counts.actors == 0


@pytest.mark.parametrize(
    ("headers", "needle"),
    [
        ({}, "no bearer token was sent"),
        ({"Authorization": "Bearer"}, "no bearer token was sent"),
        ({"Authorization": "Bearer wrong"}, "the bearer token is wrong"),
        ({"Authorization": f"Bearer {TOKEN}x"}, "the bearer token is wrong"),
        ({"Authorization": f"Bearer {TOKEN[:-1]}"}, "the bearer token is wrong"),
        ({"Authorization": f"Basic {TOKEN}"}, "the bearer token is wrong"),
        ({"Authorization": TOKEN}, "no bearer token was sent"),
        ({"X-Api-Token": TOKEN}, "no bearer token was sent"),
    ],
)
def test_a_missing_or_wrong_token_is_a_401_asking_for_a_bearer(client, service, headers, needle):
    headers = {name: value.encode() for name, value in headers.items()}
    response = client.post("/load", files=seed_parts(*SEED_FILES), headers=headers)
    assert_error(response, 401, "Unauthorized", needle)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert service.info().counts.actors == 0


def test_the_token_is_compared_in_constant_time(client, monkeypatch):
    calls = []

    def spy(a, b):
        calls.append((a, b))
        return False

    monkeypatch.setattr(api.security.hmac, "compare_digest", spy)
    assert client.post("/load", files=seed_parts(*SEED_FILES), headers=AUTH).status_code == 401
    assert calls == [(TOKEN.encode(), TOKEN.encode())]


def test_the_scheme_is_case_insensitive(client):
    response = client.post(
        "/load",
        files=seed_parts(*SEED_FILES),
        headers={"Authorization": f"bearer {TOKEN}".encode()},
    )
    assert response.status_code == 200


def test_auth_is_checked_before_the_body_is_read(service):
    """A refused client cannot make the server read (or spool) its upload."""
    app = create_app(service, APISettings(api_token=TOKEN))
    read = []

    async def receive():
        read.append(1)
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    status = asyncio.run(_call(app, receive, headers=[(b"content-type", b"multipart/form-data")]))
    assert status == 401
    assert read == []


# -- what a load does ----------------------------------------------------------------------------


def test_load_writes_the_files_like_the_cli_does(client, service, tmp_path):
    response = client.post("/load", files=seed_parts(*SEED_FILES, *DOCUMENTS), headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["files"] == [path.name for path in SEED_FILES]
    with EmbeddedStore(tmp_path / "cli.db") as other:
        expected = MapperService(other).load([SEED])
        assert body["summary"] == expected.summary()
        assert body["actors"] == expected.actors.model_dump()
        assert state(other) == state(service.store)
    again = client.post("/load", files=seed_parts(*SEED_FILES), headers=AUTH).json()
    assert again["actors"]["unchanged"] == body["actors"]["created"]


def test_a_load_is_a_dataset_and_replace_needs_its_name(client, service):
    response = client.post("/load?replace=true", files=seed_parts(*SEED_FILES), headers=AUTH)
    assert_error(response, 422, "InvalidParameter", "replace needs the name")
    assert service.info().counts.actors == 0
    response = client.post("/load?dataset=seed", files=seed_parts(*SEED_FILES), headers=AUTH)
    assert response.json()["dataset"] == "seed"
    actors = [path for path in SEED_FILES if path.name == "actors.csv"]
    response = client.post(
        "/load?dataset=seed&replace=true", files=seed_parts(*actors), headers=AUTH
    )
    body = response.json()
    assert response.status_code == 200, response.text
    assert body["relations"]["removed"] and not body["actors"]["removed"]
    assert [d.name for d in service.datasets()] == ["seed"]


def test_a_kumu_and_a_jsonl_file_load_too(client, service):
    formats = Path(__file__).parent / "seed" / "formats"
    for name in ("kumu.json", "seed.jsonl"):
        response = client.post("/load", files=seed_parts(formats / name), headers=AUTH)
        assert response.status_code == 200, response.text
    assert service.info().counts.actors > 0


def test_a_broken_file_is_a_422_listing_every_problem_and_writes_nothing(client, service):
    service.load([SEED])
    before = state(service.store)
    broken = [BROKEN / "actors_three_problems.csv", BROKEN / "relations_unknown_id.csv"]
    response = client.post("/load", files=seed_parts(*SEED_FILES, *broken), headers=AUTH)
    error = assert_error(response, 422, "SeedValidationFailed", "nothing was written")
    expected = service.validate([SEED, *broken]).errors
    wanted = [(Path(e.path).name, e.line, e.field, e.problem) for e in expected]
    got = [(p["file"], p["line"], p["field"], p["problem"]) for p in error["problems"]]
    assert got == wanted
    assert ("actors_three_problems.csv", 2, "sector") in [p[:3] for p in got]
    assert all("mapper-upload-" not in json.dumps(p) for p in error["problems"])
    assert state(service.store) == before


def test_uploaded_documents_are_checked_like_a_documents_folder(client, service):
    actors = b"id,name,sector,source_document,source_quote\nx,X,public,doc.txt,not in there\n"
    files = [("files", ("actors.csv", actors)), ("files", ("doc.txt", b"Something else."))]
    error = assert_error(
        client.post("/load", files=files, headers=AUTH), 422, "SeedValidationFailed"
    )
    assert [(p["file"], p["line"], p["field"]) for p in error["problems"]] == [
        ("actors.csv", 2, "source_quote")
    ]
    files[1] = ("files", ("doc.txt", b"It is not in there, really."))
    assert client.post("/load", files=files, headers=AUTH).status_code == 200


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("people.xlsx", "cannot read '.xlsx'"),
        ("actors", "files without a suffix"),
        (".hidden.csv", "has no usable file name"),
        ("a" * 300 + ".csv", "longer than 200 bytes"),
        ("bad\x1bname.csv", "control characters"),
    ],
)
def test_a_file_name_that_cannot_be_used_is_a_422_naming_it(client, service, name, needle):
    files = [("files", (name, b"id,name,sector\nx,X,public\n"))]
    error = assert_error(
        client.post("/load", files=files, headers=AUTH), 422, "SeedValidationFailed"
    )
    assert needle in error["problems"][0]["problem"]
    assert service.info().counts.actors == 0


def test_a_path_in_a_file_name_is_dropped(client, service):
    """`../../actors.csv` is stored as actors.csv inside the upload's own temporary folder."""
    files = [("files", ("../../../tmp/actors.csv", b"id,name,sector\nx,X,public\n"))]
    response = client.post("/load", files=files, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json()["files"] == ["actors.csv"]
    files = [("files", ("..\\..\\actors.csv", b"id,name,sector\ny,Y,public\n"))]
    assert client.post("/load", files=files, headers=AUTH).json()["files"] == ["actors.csv"]


def test_the_same_file_name_twice_is_a_422(client):
    files = seed_parts(SEED_FILES[0], SEED_FILES[0])
    error = assert_error(
        client.post("/load", files=files, headers=AUTH), 422, "SeedValidationFailed"
    )
    assert "uploaded twice" in error["problems"][0]["problem"]


def test_no_files_is_a_422_naming_the_parameter(client):
    response = client.post("/load", data={"files": "actors.csv"}, files=[], headers=AUTH)
    assert response.status_code in (415, 422)
    response = client.post(
        "/load",
        files=[("files", ("doc.txt", b"only a document"))],
        headers=AUTH,
    )
    error = assert_error(response, 422, "InvalidParameter", "no seed files")
    assert error["parameter"] == "files"


def test_a_body_that_is_not_multipart_is_a_415(client):
    response = client.post(
        "/load", content=b'{"actors": []}', headers={**AUTH, "Content-Type": "application/json"}
    )
    assert_error(response, 415, "UnsupportedMediaType", "multipart/form-data")


def test_a_broken_multipart_body_is_a_400_in_the_error_shape(client):
    headers = {**AUTH, "Content-Type": "multipart/form-data"}  # no boundary
    response = client.post("/load", content=b"--x\r\nnonsense", headers=headers)
    assert_error(response, 400, "HTTPError")


# -- upload size ---------------------------------------------------------------------------------


def test_the_default_upload_limit_is_50_mb():
    assert DEFAULT_MAX_UPLOAD_BYTES == APISettings().max_upload_bytes == 50 * 1024 * 1024
    assert APISettings.from_env({}).max_upload_bytes == DEFAULT_MAX_UPLOAD_BYTES


def test_an_upload_over_the_limit_is_a_413_and_writes_nothing(service):
    app = create_app(service, APISettings(api_token=TOKEN, max_upload_bytes=10_000))
    client = TestClient(app, raise_server_exceptions=False)
    big = b"id,name,sector\n" + b"".join(b"a%d,A,public\n" % i for i in range(2000))
    response = client.post("/load", files=[("files", ("actors.csv", big))], headers=AUTH)
    assert_error(response, 413, "UploadTooLarge", "10000 bytes")
    assert "MAPPER_MAX_UPLOAD_BYTES" in response.json()["error"]["message"]
    assert service.info().counts.actors == 0
    small = [("files", ("actors.csv", big[:2000].rsplit(b"\n", 1)[0] + b"\n"))]
    assert client.post("/load", files=small, headers=AUTH).status_code == 200


async def _call(app, receive, headers, sent=None) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/load",
        "raw_path": b"/load",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    messages = []

    async def send(message):
        messages.append(message)

    await app(scope, receive, send)
    if sent is not None:
        sent.extend(messages)
    return messages[0]["status"]


def test_the_limit_is_enforced_while_streaming_not_after_reading_everything(service):
    """A chunked upload without Content-Length that never ends is cut off just past the limit."""
    limit, chunk = 100_000, 8192
    app = create_app(service, APISettings(api_token=TOKEN, max_upload_bytes=limit))
    boundary = b"xyzzy"
    head = (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="files"; '
        b'filename="actors.csv"\r\nContent-Type: text/csv\r\n\r\nid,name,sector\n'
    )
    chunks_read = 0

    async def receive():
        nonlocal chunks_read
        chunks_read += 1
        body = head if chunks_read == 1 else b"a,A,public\n" * (chunk // 11)
        return {"type": "http.request", "body": body, "more_body": True}

    headers = [
        (b"content-type", b"multipart/form-data; boundary=" + boundary),
        (b"authorization", f"Bearer {TOKEN}".encode()),
    ]
    sent: list = []
    status = asyncio.run(_call(app, receive, headers, sent))
    assert status == 413
    assert chunks_read * chunk <= limit + 2 * chunk
    assert json.loads(sent[1]["body"])["error"]["type"] == "UploadTooLarge"
    assert service.info().counts.actors == 0


def test_a_declared_content_length_over_the_limit_is_refused_before_reading(service):
    app = create_app(service, APISettings(api_token=TOKEN, max_upload_bytes=1000))
    read = []

    async def receive():
        read.append(1)
        return {"type": "http.request", "body": b"", "more_body": False}

    headers = [
        (b"content-type", b"multipart/form-data; boundary=x"),
        (b"content-length", b"1000000"),
        (b"authorization", f"Bearer {TOKEN}".encode()),
    ]
    assert asyncio.run(_call(app, receive, headers)) == 413
    assert read == []


# -- configuration at the edge -------------------------------------------------------------------


def test_settings_come_from_the_environment_only_at_the_edge(service, monkeypatch):
    token = "a-token-of-thirty-two-characters"
    settings = APISettings.from_env({"MAPPER_API_TOKEN": token, "MAPPER_MAX_UPLOAD_BYTES": "123"})
    assert (settings.api_token, settings.max_upload_bytes) == (token, 123)
    with pytest.raises(ValueError, match="MAPPER_API_TOKEN is 3 characters long; use at least 32"):
        APISettings.from_env({"MAPPER_API_TOKEN": "abc"})
    assert APISettings.from_env({"MAPPER_API_TOKEN": ""}).writes_enabled is False
    with pytest.raises(ValueError, match="MAPPER_MAX_UPLOAD_BYTES='lots'"):
        APISettings.from_env({"MAPPER_MAX_UPLOAD_BYTES": "lots"})
    # Handlers read what create_app was given, never the environment.
    monkeypatch.setenv("MAPPER_API_TOKEN", "from-the-environment")
    one = TestClient(create_app(service, APISettings(api_token="one")))
    two = TestClient(create_app(service))
    files = seed_parts(*SEED_FILES)
    bearer = {"Authorization": "Bearer from-the-environment"}
    assert one.post("/load", files=files, headers=bearer).status_code == 401
    assert two.post("/load", files=files, headers=bearer).status_code == 403
    assert (
        one.post("/load", files=files, headers={"Authorization": "Bearer one"}).status_code == 200
    )


def test_mapper_serve_passes_the_token_and_limit_to_the_app(tmp_path, monkeypatch):
    import uvicorn

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.update(app=app, **kwargs))
    env = {
        "MAPPER_API_TOKEN": "served-token-of-thirty-two-chars",
        "MAPPER_MAX_UPLOAD_BYTES": "4096",
    }
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "m.db"), "serve"], env=env)
    assert result.exit_code == 0, result.output
    settings = served["app"].state.api_settings
    assert (settings.api_token, settings.max_upload_bytes) == (
        "served-token-of-thirty-two-chars",
        4096,
    )

    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "m.db"), "serve"], env={})
    assert "set MAPPER_API_TOKEN" in result.output
    assert served["app"].state.api_settings.writes_enabled is False

    bad = {"MAPPER_MAX_UPLOAD_BYTES": "-5"}
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "m.db"), "serve"], env=bad)
    assert result.exit_code == 1
    assert "MAPPER_MAX_UPLOAD_BYTES='-5' is not a positive whole number" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_openapi_document_describes_the_upload_and_the_refusals(client):
    operation = client.get("/openapi.json").json()["paths"]["/load"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"200", "401", "403", "413", "415", "422"} <= set(operation["responses"])
