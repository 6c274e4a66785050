"""Fixtures for the object store contract: a local folder per test, and one bucket per session on the real S3 server
(SeaweedFS with auth on) that ./scripts/test starts; each test works under its own key prefix, removed afterwards."""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.storage import LocalObjectStore, ObjectStore, S3ObjectStore
from server.storage.routes import blp as files_blp
from tests.storage.helpers import Fetch, Fetched, S3Settings, http_get

REQUIRE_SERVERS = os.environ.get("GRIDPATROL_REQUIRE_SERVERS") == "1"


@pytest.fixture(scope="session")
def s3_settings() -> S3Settings:
    names = ("GRIDPATROL_TEST_S3_ENDPOINT", "GRIDPATROL_TEST_S3_ACCESS_KEY", "GRIDPATROL_TEST_S3_SECRET_KEY")
    values = [os.environ.get(name, "") for name in names]
    if not all(values):
        if REQUIRE_SERVERS:
            pytest.fail(f"{', '.join(names)} must be set (./scripts/test starts the S3 server)")
        pytest.skip("no S3 server: run through ./scripts/test")
    return S3Settings(*values)


@pytest.fixture(scope="session")
def s3_bucket(s3_settings: S3Settings) -> Iterator[str]:
    """A fresh bucket for this run, emptied and removed at the end."""
    name = f"gp-test-{uuid.uuid4().hex[:12]}"
    store = S3ObjectStore(s3_settings.endpoint, s3_settings.access_key, s3_settings.secret_key, name)
    store.ensure_bucket()
    yield name
    for obj in store.client.list_objects(name, recursive=True):
        store.client.remove_object(name, obj.object_name)
    store.client.remove_bucket(name)


@pytest.fixture
def s3_store(s3_settings: S3Settings, s3_bucket: str) -> S3ObjectStore:
    return S3ObjectStore(s3_settings.endpoint, s3_settings.access_key, s3_settings.secret_key, s3_bucket)


@pytest.fixture
def local_store(tmp_path: Path, clock: Callable) -> LocalObjectStore:
    """Dated by the suite's fake clock (tests/conftest.py), so expiry is tested by moving it, not by sleeping."""
    return LocalObjectStore(tmp_path / "objects", public_url="http://files.test", signing_key="test-signing-key",
                            clock=clock)


@pytest.fixture
def prefix() -> str:
    """This test's own corner of the store: ``t/<hex>/``.  Sibling keys ``t/<hex>-other/...`` check that listings
    treat the prefix as a plain string prefix; teardown removes both."""
    return f"t/{uuid.uuid4().hex}/"


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def store(request: pytest.FixtureRequest, prefix: str) -> Iterator[ObjectStore]:
    backend: ObjectStore = request.getfixturevalue(f"{request.param}_store")
    yield backend
    if isinstance(backend, S3ObjectStore):
        for obj in backend.client.list_objects(backend.bucket, prefix=prefix.rstrip("/"), recursive=True):
            backend.client.remove_object(backend.bucket, obj.object_name)


class BufferedClient(FlaskClient):
    """Reads each answer whole and closes it, as a WSGI server would; otherwise streamed files stay open."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture
def files_client(local_store: LocalObjectStore) -> FlaskClient:
    """The /files route in a bare Flask app, as the app factory registers it when the store is local."""
    app = Flask(__name__)
    app.test_client_class = BufferedClient
    app.register_blueprint(files_blp)
    app.extensions["gridpatrol.store"] = local_store
    return app.test_client()


@pytest.fixture
def fetch(store: ObjectStore, request: pytest.FixtureRequest) -> Fetch:
    """GET a presigned URL as a phone would: over HTTP from S3, through the /files route for the local store."""
    if isinstance(store, LocalObjectStore):
        client: FlaskClient = request.getfixturevalue("files_client")

        def via_app(url: str, headers: dict[str, str] | None = None) -> Fetched:
            parts = urlsplit(url)
            assert f"{parts.scheme}://{parts.netloc}" == store.public_url
            resp = client.get(f"{parts.path}?{parts.query}", headers=headers or {})
            return Fetched(resp.status_code, resp.get_data(), {k.lower(): v for k, v in resp.headers.items()})

        return via_app

    return http_get
