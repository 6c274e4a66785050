from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from server.storage import LocalObjectStore, ObjectStore, S3ObjectStore


def s3_settings() -> tuple[str, str, str] | None:
    endpoint = os.environ.get("GRIDPATROL_TEST_S3_ENDPOINT")
    if not endpoint:
        if os.environ.get("GRIDPATROL_REQUIRE_SERVERS") == "1":
            pytest.fail("GRIDPATROL_TEST_S3_ENDPOINT is not set; run through ./scripts/test")
        return None
    return endpoint, os.environ["GRIDPATROL_TEST_S3_ACCESS_KEY"], os.environ["GRIDPATROL_TEST_S3_SECRET_KEY"]


@pytest.fixture(scope="session")
def s3_bucket() -> str:
    return f"gp-test-{uuid.uuid4().hex[:12]}"


def make_s3(bucket: str) -> S3ObjectStore:
    settings = s3_settings()
    if settings is None:
        pytest.skip("no S3 server (run through ./scripts/test)")
    endpoint, access, secret = settings
    store = S3ObjectStore(endpoint, access, secret, bucket)
    store.ensure_bucket()
    return store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path, s3_bucket: str) -> Iterator[ObjectStore]:
    if request.param == "local":
        yield LocalObjectStore(tmp_path / "store", public_url="http://testserver", signing_key="k")
    else:
        yield make_s3(s3_bucket)


@pytest.fixture
def prefix() -> str:
    return f"t/{uuid.uuid4().hex}/"
