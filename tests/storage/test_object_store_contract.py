"""One contract, two backends: the local folder and the real S3 server (SeaweedFS, auth on).

Tests taking the ``store`` fixture run on both; the ``s3_``/``local_`` ones check what only one backend has (S3's
credentials and connection failures, the local store's files, signatures and /files route).
"""
from __future__ import annotations

import io
import os
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from server.config import Config
from server.storage import (
    LocalObjectStore,
    ObjectNotFound,
    ObjectStore,
    ObjectStoreError,
    ObjectStoreUnavailable,
    S3ObjectStore,
    SignedUrlRefused,
    make_store,
)
from tests.storage.helpers import Fetch, S3Settings, http_get, tampered

MB = 1024 * 1024


def now() -> datetime:
    return datetime.now(timezone.utc)


class Explodes(io.RawIOBase):
    """A client upload that breaks off after some bytes."""

    def __init__(self, good: bytes):
        self.good = io.BytesIO(good)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.good.read(size)
        if not data:
            raise ConnectionResetError("client went away")
        return data


# --- both backends ---------------------------------------------------------------------------------------------------

def test_round_trip_is_byte_for_byte(store: ObjectStore, prefix: str) -> None:
    data = bytes(range(256)) * 4 + os.urandom(100_000) + b"\r\n\x00"
    info = store.put(prefix + "photo.jpg", data, content_type="image/jpeg")
    assert (info.key, info.size, info.content_type) == (prefix + "photo.jpg", len(data), "image/jpeg")
    assert store.get(prefix + "photo.jpg") == data


def test_5_mb_stream_with_length_round_trips(store: ObjectStore, prefix: str) -> None:
    data = os.urandom(5 * MB + 123)
    info = store.put(prefix + "video.mp4", io.BytesIO(data), content_type="video/mp4", length=len(data))
    assert info.size == len(data)
    assert store.get(prefix + "video.mp4") == data


def test_stream_of_unknown_length_round_trips(store: ObjectStore, prefix: str) -> None:
    data = os.urandom(6 * MB)  # more than one S3 part
    store.put(prefix + "scan.pdf", io.BytesIO(data), content_type="application/pdf")
    assert store.get(prefix + "scan.pdf") == data and store.stat(prefix + "scan.pdf").size == len(data)


def test_stream_with_length_reads_only_that_many_bytes(store: ObjectStore, prefix: str) -> None:
    store.put(prefix + "head", io.BytesIO(b"0123456789"), content_type="text/plain", length=4)
    assert store.get(prefix + "head") == b"0123"


def test_empty_objects_round_trip(store: ObjectStore, prefix: str) -> None:
    store.put(prefix + "empty-bytes", b"", content_type="text/plain")
    store.put(prefix + "empty-stream", io.BytesIO(b""), content_type="text/plain", length=0)
    for key in ("empty-bytes", "empty-stream"):
        assert store.get(prefix + key) == b""
        assert store.stat(prefix + key).size == 0


def test_put_overwrites_bytes_and_content_type(store: ObjectStore, prefix: str) -> None:
    store.put(prefix + "k", b"first version", content_type="text/plain")
    store.put(prefix + "k", b"\x89PNG2", content_type="image/png")
    assert store.get(prefix + "k") == b"\x89PNG2"
    st = store.stat(prefix + "k")
    assert (st.size, st.content_type) == (5, "image/png")


def test_stat_gives_size_content_type_and_an_aware_utc_time(store: ObjectStore, prefix: str) -> None:
    before = now()
    store.put(prefix + "s.heic", b"x" * 1234, content_type="image/heic")
    st = store.stat(prefix + "s.heic")
    assert (st.key, st.size, st.content_type) == (prefix + "s.heic", 1234, "image/heic")
    assert st.last_modified.utcoffset() == timedelta(0)
    if isinstance(store, S3ObjectStore):  # the local store is dated by the fake clock instead (tested below)
        assert before - timedelta(minutes=1) < st.last_modified < now() + timedelta(minutes=1)


def test_get_and_stat_of_a_missing_object_raise_not_found(store: ObjectStore, prefix: str) -> None:
    with pytest.raises(ObjectNotFound) as exc:
        store.get(prefix + "never-written")
    assert exc.value.key == prefix + "never-written"
    with pytest.raises(ObjectNotFound):
        store.stat(prefix + "never-written")


def test_a_folder_of_keys_is_not_an_object(store: ObjectStore, prefix: str) -> None:
    store.put(prefix + "dir/file", b"x", content_type="text/plain")
    with pytest.raises(ObjectNotFound):
        store.get(prefix + "dir")
    with pytest.raises(ObjectNotFound):
        store.stat(prefix + "dir")


def test_delete_removes_and_is_idempotent(store: ObjectStore, prefix: str) -> None:
    store.put(prefix + "gone", b"x", content_type="text/plain")
    store.delete(prefix + "gone")
    store.delete(prefix + "gone")
    store.delete(prefix + "never-written")
    with pytest.raises(ObjectNotFound):
        store.get(prefix + "gone")


def test_a_short_stream_is_refused_and_stores_nothing(store: ObjectStore, prefix: str) -> None:
    store.put(prefix + "kept", b"old", content_type="text/plain")
    with pytest.raises(ValueError):
        store.put(prefix + "kept", io.BytesIO(b"only 13 bytes"), content_type="text/plain", length=100)
    with pytest.raises(ValueError):
        store.put(prefix + "new", io.BytesIO(b"short"), content_type="text/plain", length=100)
    with pytest.raises(ValueError):
        store.put(prefix + "new", b"abc", content_type="text/plain", length=4)
    assert store.get(prefix + "kept") == b"old"
    with pytest.raises(ObjectNotFound):
        store.stat(prefix + "new")


def test_a_broken_upload_leaves_the_previous_object(store: ObjectStore, prefix: str) -> None:
    store.put(prefix + "kept", b"old", content_type="text/plain")
    stream: BinaryIO = Explodes(b"partial" * 1000)  # type: ignore[assignment]
    with pytest.raises(ConnectionResetError):  # the client's error, not "store unavailable"
        store.put(prefix + "kept", stream, content_type="text/plain", length=1_000_000)
    assert store.get(prefix + "kept") == b"old"


BAD_KEYS = ["", "/abs", "a/../b", "..", "./a", "a/./b", "a\\b", "a\x00b", "a//b", "a/", "a\nb", "a\n", "a b",
            "a~b", "a?b", "a%2Fb", "中文.jpg", "x" * 513, "a/" + "x" * 201, ("x" * 200 + "/") * 2 + "x" * 111]


@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
def test_bad_keys_are_refused_by_every_method(store: ObjectStore, key: str) -> None:
    calls = [lambda: store.put(key, b"x", content_type="text/plain"), lambda: store.get(key),
             lambda: store.stat(key), lambda: store.delete(key), lambda: store.presigned_get(key)]
    for call in calls:
        with pytest.raises(ValueError):
            call()


def test_the_longest_and_plainest_keys_are_accepted(store: ObjectStore, prefix: str) -> None:
    longest = prefix + "x" * 200 + "/" + "y" * 200 + "/" + "z" * (512 - len(prefix) - 402)
    assert len(longest) == 512
    for key in (prefix + "evidence/2026/11/3F2a-9_b.v2.jpg", longest, prefix + "..."):
        store.put(key, b"ok", content_type="text/plain")
        assert store.get(key) == b"ok"


def test_list_older_than_returns_only_older_objects_under_the_prefix(store: ObjectStore, prefix: str) -> None:
    sibling = prefix.rstrip("/") + "-other/"
    store.put(prefix + "one", b"1", content_type="text/plain")
    store.put(prefix + "sub/two", b"22", content_type="image/png")
    store.put(sibling + "three", b"3", content_type="text/plain")
    later = now() + timedelta(hours=1)
    if isinstance(store, LocalObjectStore):  # stamped by the fake clock of the suite
        later = store.clock() + timedelta(hours=1)
    found = {o.key: o for o in store.list_older_than(prefix, later)}
    assert sorted(found) == [prefix + "one", prefix + "sub/two"]
    assert found[prefix + "sub/two"].size == 2 and found[prefix + "sub/two"].last_modified.tzinfo is not None
    assert list(store.list_older_than(prefix, later - timedelta(hours=3))) == []
    assert {o.key for o in store.list_older_than(prefix.rstrip("/"), later)} == {
        prefix + "one", prefix + "sub/two", sibling + "three"}


def test_objects_can_be_deleted_while_listing(store: ObjectStore, prefix: str) -> None:
    for i in range(5):
        store.put(f"{prefix}d{i}/x", b"x", content_type="text/plain")
    cutoff = (store.clock() if isinstance(store, LocalObjectStore) else now()) + timedelta(hours=1)
    for info in store.list_older_than(prefix, cutoff):
        store.delete(info.key)
    assert list(store.list_older_than(prefix, cutoff)) == []


def test_list_older_than_refuses_a_naive_cutoff_and_a_bad_prefix(store: ObjectStore) -> None:
    with pytest.raises(ValueError):
        list(store.list_older_than("t/", datetime(2030, 1, 1)))
    with pytest.raises(ValueError):
        list(store.list_older_than("../", now()))


def test_presigned_url_gives_the_bytes_and_the_content_type(store: ObjectStore, prefix: str, fetch: Fetch) -> None:
    data = b"\x89PNG\r\n\x1a\n" + os.urandom(3000)
    store.put(prefix + "p.png", data, content_type="image/png")
    got = fetch(store.presigned_get(prefix + "p.png"))
    assert (got.status, got.body, got.headers["content-type"]) == (200, data, "image/png")
    assert "content-disposition" not in got.headers


def test_presigned_url_with_a_chinese_download_name(store: ObjectStore, prefix: str, fetch: Fetch) -> None:
    store.put(prefix + "r.xlsx", b"PK..", content_type="application/vnd.ms-excel")
    name = '隐患台账 "11月".xlsx'
    got = fetch(store.presigned_get(prefix + "r.xlsx", download_name=name))
    assert got.status == 200 and got.body == b"PK.."
    disposition = got.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition


def test_a_tampered_signature_is_refused(store: ObjectStore, prefix: str, fetch: Fetch) -> None:
    store.put(prefix + "hidden.jpg", b"JPEG-bytes-of-a-hazard", content_type="image/jpeg")
    got = fetch(tampered(store.presigned_get(prefix + "hidden.jpg")))
    assert got.status == 403 and b"JPEG-bytes" not in got.body
    assert b"url_signature_invalid" in got.body or b"SignatureDoesNotMatch" in got.body


def test_a_url_for_one_object_does_not_open_another(store: ObjectStore, prefix: str, fetch: Fetch) -> None:
    store.put(prefix + "mine.jpg", b"mine", content_type="image/jpeg")
    store.put(prefix + "your.jpg", b"yours", content_type="image/jpeg")
    got = fetch(store.presigned_get(prefix + "mine.jpg").replace("mine.jpg", "your.jpg"))
    assert got.status == 403 and got.body != b"yours"


def test_the_download_name_cannot_be_changed(store: ObjectStore, prefix: str, fetch: Fetch) -> None:
    store.put(prefix + "a.jpg", b"a", content_type="image/jpeg")
    path, _, query = store.presigned_get(prefix + "a.jpg", download_name="a.jpg").partition("?")
    assert "a.jpg" in query
    assert fetch(path + "?" + query.replace("a.jpg", "a.html")).status == 403


def test_an_unsigned_url_is_refused(store: ObjectStore, prefix: str, fetch: Fetch) -> None:
    store.put(prefix + "private.jpg", b"private", content_type="image/jpeg")
    got = fetch(store.presigned_get(prefix + "private.jpg").partition("?")[0] + "?")
    assert got.status == 403 and got.body != b"private"


def test_an_expired_url_is_refused(store: ObjectStore, prefix: str, fetch: Fetch) -> None:
    store.put(prefix + "e.jpg", b"x", content_type="image/jpeg")
    url = store.presigned_get(prefix + "e.jpg", expires=timedelta(seconds=1))
    if isinstance(store, LocalObjectStore):
        store.clock.advance(seconds=1)  # type: ignore[attr-defined]
    else:  # the S3 server's clock decides: wait until 1 s after the URL's own (whole-second) date, not longer
        signed = datetime.strptime(parse_qs(urlsplit(url).query)["X-Amz-Date"][0], "%Y%m%dT%H%M%S%z")
        time.sleep(max(0.0, (signed + timedelta(seconds=1.25) - now()).total_seconds()))
    got = fetch(url)
    assert got.status == 403 and "expired" in got.body.decode()


@pytest.mark.parametrize("expires", [timedelta(0), timedelta(milliseconds=500), timedelta(days=7, seconds=1)])
def test_url_lifetimes_outside_1_second_to_7_days_are_refused(store: ObjectStore, prefix: str,
                                                             expires: timedelta) -> None:
    with pytest.raises(ValueError):
        store.presigned_get(prefix + "x", expires=expires)


def test_ping_answers(store: ObjectStore) -> None:
    store.ping()


# --- S3 only ---------------------------------------------------------------------------------------------------------

@pytest.mark.s3
def test_s3_refuses_a_wrong_secret_key(s3_settings: S3Settings, s3_store: S3ObjectStore, prefix: str) -> None:
    s3_store.put(prefix + "x", b"x", content_type="text/plain")
    wrong = S3ObjectStore(s3_settings.endpoint, s3_settings.access_key, "not-the-secret", s3_store.bucket)
    for call in (lambda: wrong.put(prefix + "y", b"y", content_type="text/plain"), lambda: wrong.get(prefix + "x"),
                 wrong.ping):
        with pytest.raises(ObjectStoreError) as exc:
            call()
        assert not isinstance(exc.value, (ObjectNotFound, ObjectStoreUnavailable))
    with pytest.raises(ObjectNotFound):
        s3_store.stat(prefix + "y")


@pytest.mark.s3
def test_s3_url_signed_with_a_wrong_key_is_refused(s3_settings: S3Settings, s3_store: S3ObjectStore,
                                                   prefix: str) -> None:
    s3_store.put(prefix + "x", b"x", content_type="text/plain")
    wrong = S3ObjectStore(s3_settings.endpoint, s3_settings.access_key, "not-the-secret", s3_store.bucket)
    assert http_get(wrong.presigned_get(prefix + "x")).status == 403


def test_s3_on_a_closed_port_is_unavailable_within_seconds() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = S3ObjectStore(f"127.0.0.1:{port}", "access", "secret", "bucket")
    started = time.monotonic()
    for call in (dead.ping, dead.ensure_bucket, lambda: dead.put("k", b"x", content_type="text/plain"),
                 lambda: dead.get("k"), lambda: dead.stat("k"), lambda: dead.delete("k"),
                 lambda: list(dead.list_older_than("", now()))):
        with pytest.raises(ObjectStoreUnavailable):
            call()
    assert time.monotonic() - started < 5


def test_s3_ping_gives_up_quickly_on_a_server_that_never_answers() -> None:
    with socket.socket() as hung:  # accepts connections (the kernel's backlog) and never says a word
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        store = S3ObjectStore(f"127.0.0.1:{hung.getsockname()[1]}", "access", "secret", "bucket", ping_timeout=0.3)
        started = time.monotonic()
        with pytest.raises(ObjectStoreUnavailable):
            store.ping()
        assert time.monotonic() - started < 2


def test_s3_server_errors_are_unavailable_not_bugs() -> None:
    class Busy(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(503)
            self.send_header("Retry-After", "3600")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_HEAD = do_PUT = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        store = S3ObjectStore(f"127.0.0.1:{server.server_port}", "access", "secret", "bucket")
        for call in (lambda: store.get("k"), store.ping):  # after two quick retries for get
            with pytest.raises(ObjectStoreUnavailable):
                call()
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.s3
def test_s3_ping_fails_when_the_bucket_is_missing(s3_settings: S3Settings) -> None:
    store = S3ObjectStore(s3_settings.endpoint, s3_settings.access_key, s3_settings.secret_key, "gp-test-absent")
    with pytest.raises(ObjectStoreError):
        store.ping()


@pytest.mark.s3
def test_make_store_creates_the_s3_bucket(s3_settings: S3Settings) -> None:
    bucket = f"gp-test-made-{os.urandom(4).hex()}"
    config = Config(store="s3", s3_endpoint=s3_settings.endpoint, s3_access_key=s3_settings.access_key,
                    s3_secret_key=s3_settings.secret_key, s3_bucket=bucket)
    store = make_store(config)
    try:
        assert isinstance(store, S3ObjectStore) and store.bucket == bucket
        store.ping()
        make_store(config).ping()  # a second app server finds it there
    finally:
        store.client.remove_bucket(bucket)


# --- local only ------------------------------------------------------------------------------------------------------

def test_make_store_builds_the_local_store_from_config(tmp_path: Path) -> None:
    config = Config(store="local", store_dir=str(tmp_path / "objs"), public_url="https://gp.example.cn/",
                    url_signing_key="k")
    store = make_store(config)
    assert isinstance(store, LocalObjectStore) and store.root == tmp_path / "objs"
    assert store.presigned_get("a/b.jpg").startswith("https://gp.example.cn/files/a/b.jpg?exp=")
    with pytest.raises(ValueError):
        make_store(Config(store="ftp", store_dir=str(tmp_path)))


def test_local_objects_are_plain_files_under_the_key(local_store: LocalObjectStore) -> None:
    local_store.put("evidence/2026/a.jpg", b"jpeg", content_type="image/jpeg")
    assert (local_store.root / "evidence/2026/a.jpg").read_bytes() == b"jpeg"
    files = sorted(p.relative_to(local_store.root).as_posix() for p in local_store.root.rglob("*") if p.is_file())
    assert files == ["evidence/2026/a.jpg", "~meta/evidence/2026/a.jpg~.json"]


def test_local_broken_upload_leaves_no_file_behind(local_store: LocalObjectStore) -> None:
    stream: BinaryIO = Explodes(b"partial")  # type: ignore[assignment]
    with pytest.raises(ConnectionResetError):
        local_store.put("a/b.jpg", stream, content_type="image/jpeg")
    assert [p for p in local_store.root.rglob("*") if p.is_file()] == []


def test_local_delete_prunes_empty_folders(local_store: LocalObjectStore) -> None:
    local_store.put("a/b/c.jpg", b"1", content_type="image/jpeg")
    local_store.put("a/d.jpg", b"2", content_type="image/jpeg")
    local_store.delete("a/b/c.jpg")
    assert not (local_store.root / "a/b").exists() and (local_store.root / "a/d.jpg").exists()
    local_store.delete("a/d.jpg")
    assert sorted(p.name for p in local_store.root.iterdir()) == ["~meta"]
    local_store.put("a/b/c.jpg", b"3", content_type="image/jpeg")  # and folders come back when needed
    assert local_store.get("a/b/c.jpg") == b"3"


def test_local_key_that_collides_with_a_folder_is_a_store_error(local_store: LocalObjectStore) -> None:
    local_store.put("a/b", b"x", content_type="text/plain")
    with pytest.raises(ObjectStoreError):
        local_store.put("a", b"y", content_type="text/plain")
    with pytest.raises(ObjectStoreError):
        local_store.put("a/b/c", b"z", content_type="text/plain")
    assert local_store.get("a/b") == b"x"


def test_local_uploads_are_stamped_by_the_store_clock(local_store: LocalObjectStore) -> None:
    stamped = local_store.clock()
    assert abs(local_store.put("a.jpg", b"x", content_type="image/jpeg").last_modified - stamped) < timedelta(
        seconds=1)


def test_local_list_older_than_uses_the_file_time(local_store: LocalObjectStore) -> None:
    local_store.put("tmp/old.jpg", b"o", content_type="image/jpeg")
    local_store.put("tmp/new.jpg", b"n", content_type="image/jpeg")
    two_days_ago = (local_store.clock() - timedelta(days=2)).timestamp()
    os.utime(local_store.root / "tmp/old.jpg", (two_days_ago, two_days_ago))
    cutoff = local_store.clock() - timedelta(days=1)
    assert [o.key for o in local_store.list_older_than("tmp/", cutoff)] == ["tmp/old.jpg"]


def test_local_signature_checks(local_store: LocalObjectStore) -> None:
    url = local_store.presigned_get("a/b.jpg", expires=timedelta(minutes=10))
    q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    t = local_store.clock()
    local_store.verify_signature("a/b.jpg", q["exp"], q["sig"], t)
    local_store.verify_signature("a/b.jpg", int(q["exp"]), q["sig"], t + timedelta(minutes=9, seconds=59))
    refusals = {
        "url_expired": [("a/b.jpg", q["exp"], q["sig"], t + timedelta(minutes=10)),
                        ("a/b.jpg", q["exp"], q["sig"], t + timedelta(days=1))],
        "url_signature_invalid": [("a/b.jpg", q["exp"], q["sig"][:-1] + "x", t),
                                  ("a/b.jpg", q["exp"], "", t),
                                  ("a/b.jpg", q["exp"], "签名", t),
                                  ("a/c.jpg", q["exp"], q["sig"], t),
                                  ("a/b.jpg", str(int(q["exp"]) + 3600), q["sig"], t),
                                  ("a/b.jpg", " " + q["exp"], q["sig"], t),
                                  ("a/b.jpg", "", q["sig"], t),
                                  ("../b.jpg", q["exp"], q["sig"], t)],
    }
    for code, cases in refusals.items():
        for case in cases:
            with pytest.raises(SignedUrlRefused) as exc:
                local_store.verify_signature(*case)
            assert exc.value.code == code
    with pytest.raises(SignedUrlRefused):
        local_store.verify_signature("a/b.jpg", q["exp"], q["sig"], t, download_name="b.jpg")
    other_key = LocalObjectStore(local_store.root, public_url="http://files.test", signing_key="another-key",
                                 clock=local_store.clock)
    with pytest.raises(SignedUrlRefused):
        other_key.verify_signature("a/b.jpg", q["exp"], q["sig"], t)


def test_local_files_route_serves_with_safety_and_cache_headers(local_store: LocalObjectStore,
                                                               files_client) -> None:
    local_store.put("a/b.html", b"<script>alert(1)</script>", content_type="image/jpeg")
    url = local_store.presigned_get("a/b.html", expires=timedelta(minutes=10))
    resp = files_client.get(url.removeprefix(local_store.public_url))
    assert resp.status_code == 200 and resp.data == b"<script>alert(1)</script>"
    assert resp.headers["Content-Type"] == "image/jpeg"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    assert resp.headers["Cache-Control"] == "private, max-age=600"
    local_store.clock.advance(minutes=4)  # type: ignore[attr-defined]
    assert files_client.get(url.removeprefix(local_store.public_url)).headers["Cache-Control"] == \
        "private, max-age=360"


def test_local_files_route_keeps_text_content_types_exact(local_store: LocalObjectStore, files_client) -> None:
    local_store.put("n.txt", "巡查记录".encode("gbk"), content_type="text/plain; charset=gbk")
    resp = files_client.get(local_store.presigned_get("n.txt").removeprefix(local_store.public_url))
    assert resp.headers["Content-Type"] == "text/plain; charset=gbk" and resp.data == "巡查记录".encode("gbk")


def test_local_files_route_refusals_are_json_in_chinese(local_store: LocalObjectStore, files_client) -> None:
    local_store.put("a.jpg", b"x", content_type="image/jpeg")
    path = local_store.presigned_get("a.jpg", expires=timedelta(seconds=30)).removeprefix(local_store.public_url)
    cases = [(tampered(path), 403, "url_signature_invalid"), ("/files/a.jpg", 403, "url_signature_invalid"),
             ("/files/..%2Fetc%2Fpasswd?exp=1&sig=0", 403, "url_signature_invalid")]
    for target, status, code in cases:
        resp = files_client.get(target)
        assert resp.status_code == status and resp.json["code"] == code, target
        assert resp.json["detail"] == {} and "链接" in resp.json["message"]
    local_store.clock.advance(seconds=30)  # type: ignore[attr-defined]
    resp = files_client.get(path)
    assert resp.status_code == 403 and resp.json["code"] == "url_expired" and "过期" in resp.json["message"]


def test_local_files_route_answers_404_for_a_deleted_object(local_store: LocalObjectStore, files_client) -> None:
    local_store.put("a.jpg", b"x", content_type="image/jpeg")
    path = local_store.presigned_get("a.jpg").removeprefix(local_store.public_url)
    local_store.delete("a.jpg")
    resp = files_client.get(path)
    assert resp.status_code == 404 and resp.json == {"code": "not_found", "message": "文件不存在或已被删除",
                                                     "detail": {}}


def test_local_files_route_supports_ranges_and_revalidation(local_store: LocalObjectStore, files_client) -> None:
    local_store.put("v.mp4", bytes(range(100)), content_type="video/mp4")
    path = local_store.presigned_get("v.mp4").removeprefix(local_store.public_url)
    part = files_client.get(path, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == bytes(range(10, 20))
    etag = files_client.get(path).headers["ETag"]
    assert files_client.get(path, headers={"If-None-Match": etag}).status_code == 304
