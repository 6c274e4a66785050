"""One contract, two backends: the local folder and the real S3 server (SeaweedFS, auth on)."""
from __future__ import annotations

import io
import os
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from flask import Flask

from server.storage import LocalObjectStore, ObjectNotFound, ObjectStoreUnavailable, S3ObjectStore
from server.storage.routes import blp as files_blp
from tests.storage.conftest import make_s3, s3_settings


def fetch(store, url):
    """GET a presigned URL: over HTTP for S3; through the app's /files route for the local store."""
    if isinstance(store, LocalObjectStore):
        app = Flask(__name__)
        app.register_blueprint(files_blp)
        app.extensions["gridpatrol.store"] = store
        parts = urlsplit(url)
        resp = app.test_client().get(f"{parts.path}?{parts.query}")
        return resp.status_code, resp.data, resp.headers
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers


def test_round_trip_is_byte_for_byte(store, prefix):
    data = os.urandom(100_000) + b"\x00\xff" * 10
    info = store.put(prefix + "a.jpg", data, content_type="image/jpeg")
    assert info.size == len(data)
    assert store.get(prefix + "a.jpg") == data
    st = store.stat(prefix + "a.jpg")
    assert st.content_type == "image/jpeg" and st.size == len(data)
    assert st.last_modified.tzinfo is not None


def test_streamed_put_of_5_mb_and_empty_objects(store, prefix):
    data = os.urandom(5 * 1024 * 1024)
    store.put(prefix + "big", io.BytesIO(data), content_type="application/octet-stream", length=len(data))
    assert store.get(prefix + "big") == data
    store.put(prefix + "empty", b"", content_type="text/plain")
    assert store.get(prefix + "empty") == b"" and store.stat(prefix + "empty").size == 0


def test_put_overwrites(store, prefix):
    store.put(prefix + "k", b"one", content_type="text/plain")
    store.put(prefix + "k", b"two", content_type="text/plain")
    assert store.get(prefix + "k") == b"two"


def test_missing_objects_raise_not_found_and_delete_is_idempotent(store, prefix):
    with pytest.raises(ObjectNotFound):
        store.get(prefix + "nope")
    with pytest.raises(ObjectNotFound):
        store.stat(prefix + "nope")
    store.put(prefix + "gone", b"x", content_type="text/plain")
    store.delete(prefix + "gone")
    store.delete(prefix + "gone")
    with pytest.raises(ObjectNotFound):
        store.get(prefix + "gone")


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a\\b", "a\x00b", "a//b", "x" * 513, "中文.jpg", "a b"])
def test_bad_keys_are_refused(store, key):
    with pytest.raises(ValueError):
        store.put(key, b"x", content_type="text/plain")


def test_list_older_than_returns_only_older_objects_under_the_prefix(store, prefix):
    store.put(prefix + "one", b"1", content_type="text/plain")
    store.put(prefix + "sub/two", b"2", content_type="text/plain")
    store.put("other/" + prefix + "three", b"3", content_type="text/plain")
    future = datetime.now(timezone.utc) + timedelta(minutes=5)
    past = datetime.now(timezone.utc) - timedelta(minutes=5)
    assert sorted(o.key for o in store.list_older_than(prefix, future)) == [prefix + "one", prefix + "sub/two"]
    assert list(store.list_older_than(prefix, past)) == []


def test_presigned_url_fetches_the_bytes(store, prefix):
    store.put(prefix + "p.png", b"\x89PNG-bytes", content_type="image/png")
    status, body, _ = fetch(store, store.presigned_get(prefix + "p.png"))
    assert status == 200 and body == b"\x89PNG-bytes"


def test_tampered_presigned_url_is_refused(store, prefix):
    store.put(prefix + "p", b"secret", content_type="text/plain")
    url = store.presigned_get(prefix + "p")
    sig_param = "X-Amz-Signature=" if isinstance(store, S3ObjectStore) else "sig="
    head, _, tail = url.partition(sig_param)
    flipped = ("0" if tail[0] != "0" else "1") + tail[1:]
    status, body, _ = fetch(store, head + sig_param + flipped)
    assert status == 403 and body != b"secret"


def test_expired_presigned_url_is_refused(store, prefix):
    store.put(prefix + "e", b"x", content_type="text/plain")
    if isinstance(store, LocalObjectStore):
        url = store.presigned_get(prefix + "e", expires=timedelta(seconds=60),
                                  now=datetime.now(timezone.utc) - timedelta(minutes=5))
    else:
        url = store.presigned_get(prefix + "e", expires=timedelta(seconds=1))
        time.sleep(2.1)
    status, _, _ = fetch(store, url)
    assert status == 403


def test_ping_answers(store):
    store.ping()


def test_s3_refuses_a_wrong_secret_key(s3_bucket):
    make_s3(s3_bucket)
    endpoint, access, _ = s3_settings()
    wrong = S3ObjectStore(endpoint, access, "not-the-secret", s3_bucket)
    with pytest.raises(Exception) as exc:
        wrong.put("t/x", b"x", content_type="text/plain")
    assert "SignatureDoesNotMatch" in str(exc.value) or "AccessDenied" in str(exc.value)


def test_s3_on_a_closed_port_is_unavailable_quickly():
    if s3_settings() is None:
        pytest.skip("no S3 server")
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    dead = S3ObjectStore(f"127.0.0.1:{port}", "a", "b", "bucket")
    started = time.monotonic()
    with pytest.raises(ObjectStoreUnavailable):
        dead.put("k", b"x", content_type="text/plain")
    assert time.monotonic() - started < 5


def test_local_files_route_sets_nosniff_and_private_cache(tmp_path):
    store = LocalObjectStore(tmp_path, public_url="http://testserver", signing_key="k")
    store.put("a/b.html", b"<script>", content_type="image/jpeg")
    status, body, headers = fetch(store, store.presigned_get("a/b.html"))
    assert status == 200 and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"].startswith("private, max-age=")
    status, _, _ = fetch(store, store.presigned_get("a/missing"))
    assert status == 404
