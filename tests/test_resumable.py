"""Resumable photo uploads (tus 1.0): a photo cut off half-way resumes where it stopped, over a real socket and into
the real S3 server, and ends as the same photo record POST /photos makes."""
from __future__ import annotations

import base64
import hashlib
import http.client
import io
import random
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.serving import make_server

from server.app import create_app
from server.evidence.models import Photo
from server.storage import S3ObjectStore
from server.uploads import service as uploads
from server.uploads.models import ResumableUpload
from tests.photos import jpeg
from tests.photos import upload as post_photo
from tests.test_evidence import _s3_env

TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_TYPE = "application/offset+octet-stream"


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def create(client: Any, headers: dict[str, str] | None, length: int, *, purpose: str = "visit",
           client_uuid: str | None = None, **extra: str) -> Any:
    meta = metadata(client_uuid=client_uuid or str(uuid.uuid4()), purpose=purpose, filename="IMG_0001.jpg", **extra)
    return client.post("/api/v1/uploads", headers={**TUS, **(headers or {}), "Upload-Length": str(length),
                                                   "Upload-Metadata": meta})


def patch(client: Any, headers: dict[str, str] | None, location: str, offset: int, data: bytes) -> Any:
    return client.patch(location, data=data, headers={**TUS, **(headers or {}), "Upload-Offset": str(offset),
                                                      "Content-Type": OFFSET_TYPE})


def head(client: Any, headers: dict[str, str] | None, location: str) -> Any:
    return client.head(location, headers={**TUS, **(headers or {})})


def big_photo(seed: int) -> bytes:
    return jpeg(seed, size=(1600, 1200))


def phone_sized_photo(seed: int) -> bytes:
    """About 4 MB, like a phone camera's JPEG: noise does not compress."""
    image = Image.frombytes("RGB", (2600, 1950), random.Random(seed).randbytes(2600 * 1950 * 3))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "HUAWEI", "NOVA 9"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def stored_original(session: Any, store: Any, photo_uuid: str) -> bytes:
    session.rollback()
    photo = session.scalar(select(Photo).where(Photo.client_uuid == photo_uuid))
    return store.get(photo.original_key)


# --- the protocol, in process -----------------------------------------------------------------------------------

def test_options_tells_what_the_server_supports(client, app):
    resp = client.options("/api/v1/uploads")
    assert resp.status_code == 204
    assert resp.headers["Tus-Version"] == "1.0.0"
    assert set(resp.headers["Tus-Extension"].split(",")) == {"creation", "expiration", "termination"}
    assert int(resp.headers["Tus-Max-Size"]) == app.extensions["gridpatrol.config"].photo_max_bytes


def test_an_upload_cut_at_half_resumes_and_makes_the_same_photo_as_post_photos(client, world, session):
    data, headers = big_photo(1), world.headers("m1")
    created = create(client, headers, len(data), lat="29.2", lng="120.05")
    assert created.status_code == 201, created.get_json()
    assert created.headers["Tus-Resumable"] == "1.0.0" and created.headers["Upload-Offset"] == "0"
    location = created.headers["Location"]
    half = len(data) // 2
    # the phone announced the whole photo, and the network died after half of it: the server keeps that half
    cut = client.patch(location, input_stream=io.BytesIO(data[:half]), content_length=len(data),
                       headers={**TUS, **headers, "Upload-Offset": "0", "Content-Type": OFFSET_TYPE})
    assert cut.status_code == 204
    where = head(client, headers, location)
    assert where.status_code == 200 and int(where.headers["Upload-Offset"]) == half
    assert where.headers["Upload-Length"] == str(len(data)) and "Upload-Photo-Id" not in where.headers
    sent = half
    rest = patch(client, headers, location, half, data[half:])
    sent += len(data) - half
    assert rest.status_code == 204, rest.get_json()
    assert int(rest.headers["Upload-Offset"]) == len(data)
    photo_id = rest.headers["Upload-Photo-Id"]
    assert sent <= 1.1 * len(data)
    assert hashlib.sha256(stored_original(session, world.app.extensions["gridpatrol.store"], photo_id)).hexdigest() \
        == hashlib.sha256(data).hexdigest()
    # the same record POST /photos makes: facts, flags and URLs through the photo API
    photo = client.get(f"/api/v1/photos/{photo_id}", headers=headers).get_json()
    assert photo["sha256"] == hashlib.sha256(data).hexdigest() and photo["purpose"] == "visit"
    assert photo["camera"] == "HUAWEI NOVA 9" and photo["size"] == len(data)
    assert head(client, headers, location).headers["Upload-Photo-Id"] == photo_id
    state = client.get(location, headers=headers).get_json()
    assert state["photo_id"] == photo_id and state["offset"] == state["length"] == len(data)


def test_fraud_flags_are_those_of_post_photos(client, world, session):
    data, headers = jpeg(2, camera=False), world.headers("m1")
    post_photo(client, headers, "visit", data)  # the same bytes once before
    location = create(client, headers, len(data)).headers["Location"]
    photo_id = patch(client, headers, location, 0, data).headers["Upload-Photo-Id"]
    flags = {f["code"] for f in client.get(f"/api/v1/photos/{photo_id}", headers=headers).get_json()["flags"]}
    assert flags == {"duplicate_sha256", "no_camera_exif"}


def test_a_retried_create_resumes_and_a_finished_client_uuid_answers_its_photo(client, world, session):
    data, headers, pid = jpeg(3), world.headers("m1"), str(uuid.uuid4())
    first = create(client, headers, len(data), client_uuid=pid)
    assert patch(client, headers, first.headers["Location"], 0, data[:100]).status_code == 204
    again = create(client, headers, len(data), client_uuid=pid)  # the answer to the first POST was lost
    assert again.status_code == 200
    assert again.headers["Location"] == first.headers["Location"] and again.headers["Upload-Offset"] == "100"
    patch(client, headers, first.headers["Location"], 100, data[100:])
    post = post_photo(client, headers, "visit", data, client_uuid=pid)  # and POST /photos agrees
    assert post.status_code == 200 and post.get_json()["id"] == pid
    other = str(uuid.uuid4())
    assert post_photo(client, headers, "visit", jpeg(4), client_uuid=other).status_code == 201
    done = create(client, headers, 123, client_uuid=other)   # a photo already there under this UUID
    assert done.headers["Upload-Photo-Id"] == other and done.headers["Upload-Offset"] == "123"
    assert create(client, world.headers("m2"), 10, client_uuid=pid).status_code == 409
    under_way = str(uuid.uuid4())
    started = create(client, headers, 5000, client_uuid=under_way)
    patch(client, headers, started.headers["Location"], 0, b"x" * 10)
    post_photo(client, headers, "visit", jpeg(11), client_uuid=under_way)  # the phone fell back to POST /photos
    resumed = create(client, headers, 5000, client_uuid=under_way)
    assert resumed.headers["Upload-Photo-Id"] == under_way and resumed.headers["Upload-Offset"] == "5000"
    session.rollback()
    assert session.scalar(select(func.count(Photo.id))) == 3


def test_a_patch_at_the_wrong_offset_is_refused_with_the_right_one(client, world):
    data, headers = jpeg(5), world.headers("m1")
    location = create(client, headers, len(data)).headers["Location"]
    patch(client, headers, location, 0, data[:50])
    stale = patch(client, headers, location, 0, data[:50])  # a retry whose first answer was lost
    assert stale.status_code == 409 and stale.get_json()["code"] == "upload_offset_mismatch"
    assert stale.headers["Upload-Offset"] == "50" and stale.get_json()["detail"] == {"offset": 50}
    too_long = patch(client, headers, location, 50, data[50:] + b"x")
    assert too_long.status_code == 413 and too_long.get_json()["code"] == "upload_exceeds_length"
    assert head(client, headers, location).headers["Upload-Offset"] == "50"


def test_protocol_errors_answer_the_error_shape(client, world):
    headers = world.headers("m1")
    no_version = client.post("/api/v1/uploads", headers={**headers, "Upload-Length": "10",
                                                         "Upload-Metadata": metadata(purpose="visit")})
    assert no_version.status_code == 412 and no_version.headers["Tus-Version"] == "1.0.0"
    assert no_version.get_json()["code"] == "tus_version_unsupported"
    no_length = client.post("/api/v1/uploads", headers={**TUS, **headers})
    assert no_length.status_code == 400 and no_length.get_json()["code"] == "tus_header_missing"
    bad_meta = client.post("/api/v1/uploads", headers={**TUS, **headers, "Upload-Length": "10",
                                                       "Upload-Metadata": "purpose !!!"})
    assert bad_meta.status_code == 400 and bad_meta.get_json()["code"] == "tus_header_invalid"
    missing = client.post("/api/v1/uploads", headers={**TUS, **headers, "Upload-Length": "10",
                                                      "Upload-Metadata": metadata(purpose="selfie")})
    assert missing.status_code == 422
    assert set(missing.get_json()["detail"]["fields"]) == {"client_uuid", "purpose"}
    huge = create(client, headers, 10**9)
    assert huge.status_code == 413 and huge.get_json()["code"] == "payload_too_large"
    location = create(client, headers, 10).headers["Location"]
    wrong_type = client.patch(location, data=b"0123456789", headers={**TUS, **headers, "Upload-Offset": "0",
                                                                    "Content-Type": "image/jpeg"})
    assert wrong_type.status_code == 415 and "offset+octet-stream" in wrong_type.get_json()["message"]
    assert client.get("/api/v1/uploads/nope", headers=headers).status_code == 404


def test_who_may_upload_follows_post_photos(client, world):
    data = jpeg(6)
    assert create(client, None, len(data), purpose="visit").status_code == 401
    public = create(client, None, len(data), purpose="tipoff")
    assert public.status_code == 201
    location = public.headers["Location"]
    done = patch(client, None, location, 0, data)
    assert done.status_code == 204 and done.headers["Upload-Photo-Id"]
    mine = create(client, world.headers("m1"), len(data)).headers["Location"]
    for stranger in (None, world.headers("m2"), world.headers("town1")):
        assert head(client, stranger, mine).status_code == 404
        assert patch(client, stranger, mine, 0, data).status_code == 404
    assert head(client, world.headers("m1"), mine).headers["Upload-Offset"] == "0"


def test_bytes_that_are_no_photo_fail_once_complete_and_say_why(client, world):
    headers = world.headers("m1")
    location = create(client, headers, 2000).headers["Location"]
    assert patch(client, headers, location, 0, b"x" * 1000).status_code == 204
    last = patch(client, headers, location, 1000, b"y" * 1000)
    assert last.status_code == 422 and last.get_json()["message"]
    state = client.get(location, headers=headers).get_json()
    assert state["offset"] == 2000 and state["photo_id"] is None and state["error"]["code"] == last.get_json()["code"]


def test_abandoned_uploads_expire_and_the_sweep_removes_their_parts(client, world, session, clock):
    store, headers = world.app.extensions["gridpatrol.store"], world.headers("m1")
    data = jpeg(7)
    abandoned = create(client, headers, len(data)).headers["Location"]
    patch(client, headers, abandoned, 0, data[:500])
    finished = create(client, headers, len(data)).headers["Location"]
    patch(client, headers, finished, 0, data[:500])
    patch(client, headers, finished, 500, data[500:]).close()  # a server closes each answer: the parts go then
    everything = clock() + timedelta(days=9)
    assert [o.key for o in store.list_older_than("uploads/", everything)] == [
        f"uploads/{abandoned.rsplit('/', 1)[1]}/{0:012d}"]
    # a part whose database change was lost (or whose deletion failed) is an orphan, left alone for the grace period
    store.put("uploads/gone-token/000000000000", b"x", content_type="application/octet-stream")
    session.rollback()
    assert uploads.sweep(session, store, clock(), timedelta(hours=24)) == []
    session.commit()
    clock.advance(hours=25)
    expired = head(client, world.headers("m1"), abandoned)
    assert expired.status_code == 410 and expired.data == b""  # HEAD has no body: the status says it
    runner = world.app.test_cli_runner()
    from server.cli import evidence_sweep
    result = runner.invoke(evidence_sweep, [])
    assert result.exit_code == 0, result.output
    assert "deleted 2 upload parts" in result.output
    assert list(store.list_older_than("uploads/", everything)) == []
    session.rollback()
    assert session.scalar(select(func.count(ResumableUpload.id))) == 0  # the finished one expired as well
    assert session.scalar(select(func.count(Photo.id))) == 1  # but its photo stays


def test_termination_removes_the_parts(client, world, clock):
    store, headers, data = world.app.extensions["gridpatrol.store"], world.headers("m1"), jpeg(8)
    location = create(client, headers, len(data)).headers["Location"]
    patch(client, headers, location, 0, data[:100])
    assert client.delete(location, headers={**TUS, **headers}).status_code == 204
    assert list(store.list_older_than("uploads/", clock() + timedelta(days=1))) == []
    assert head(client, headers, location).status_code == 404


# --- over a real socket, into the real S3 server -------------------------------------------------------------------

@pytest.fixture
def live_s3(config, clock, engine, world) -> Iterator[tuple[int, S3ObjectStore]]:
    endpoint, access, secret, _ = _s3_env()
    store = S3ObjectStore(endpoint, access, secret, f"gp-tus-{uuid.uuid4().hex[:8]}")
    store.ensure_bucket()
    app = create_app(replace(config, store="s3"), clock=clock, engine=engine, store=store)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port, store
    finally:
        server.shutdown()
        for obj in store.client.list_objects(store.bucket, recursive=True):
            store.client.remove_object(store.bucket, obj.object_name)
        store.client.remove_bucket(store.bucket)


class Wire:
    """HTTP/1.1 over plain sockets to the live server, counting every byte the phone sends (headers too)."""

    def __init__(self, port: int):
        self.port, self.sent = port, 0

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes = b"", *,
             promised: int | None = None) -> http.client.HTTPResponse | None:
        """One request; with ``promised`` the request announces that many bytes, sends ``body`` and the
        connection dies (no answer)."""
        length = len(body) if promised is None else promised
        head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": "127.0.0.1", **headers,
                                                     "Content-Length": str(length)}.items())
        raw = f"{method} {path} HTTP/1.1\r\n{head}\r\n".encode() + body
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        sock.sendall(raw)
        self.sent += len(raw)
        if promised is not None:
            sock.shutdown(socket.SHUT_WR)
            sock.close()
            return None
        resp = http.client.HTTPResponse(sock, method=method)
        resp.begin()
        resp.read()
        sock.close()
        return resp


@pytest.mark.s3
def test_a_connection_dropped_mid_body_resumes_at_the_cut_into_real_s3(live_s3, world, session):
    port, store = live_s3
    wire = Wire(port)
    data, auth = phone_sized_photo(9), world.headers("m1")
    assert len(data) > 3_500_000
    meta = metadata(client_uuid=str(uuid.uuid4()), purpose="visit", filename="IMG_0002.jpg")
    created = wire.send("POST", "/api/v1/uploads", {**TUS, **auth, "Upload-Length": str(len(data)),
                                                    "Upload-Metadata": meta})
    assert created is not None and created.status == 201
    location = created.getheader("Location")
    half = len(data) // 2
    # a real TCP connection that promises the whole photo and dies after half of it
    patch_headers = {**TUS, **auth, "Content-Type": OFFSET_TYPE}
    wire.send("PATCH", location, {**patch_headers, "Upload-Offset": "0"}, data[:half], promised=len(data))
    deadline = time.monotonic() + 20
    while True:  # the server stores what arrived once it notices the cut
        where = wire.send("HEAD", location, {**TUS, **auth})
        assert where is not None
        if int(where.getheader("Upload-Offset")) == half or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    offset = int(where.getheader("Upload-Offset"))
    assert offset == half
    rest = wire.send("PATCH", location, {**patch_headers, "Upload-Offset": str(offset)}, data[offset:])
    assert rest is not None and rest.status == 204
    photo_id = rest.getheader("Upload-Photo-Id")
    # everything the phone sent, request lines and headers included, against the photo's size
    assert wire.sent <= 1.1 * len(data), wire.sent / len(data)
    print(f"resumed upload: {len(data)} bytes, {wire.sent} sent in all = {wire.sent / len(data):.4f}x")
    assert hashlib.sha256(stored_original(session, store, photo_id)).digest() == hashlib.sha256(data).digest()
    deadline = time.monotonic() + 10
    while list(store.list_older_than("uploads/", datetime.now(UTC) + timedelta(days=1))):
        assert time.monotonic() < deadline, "the parts of the finished upload were not deleted"
        time.sleep(0.05)  # deleted once the answer is sent, after the commit


def test_concurrent_patches_at_one_offset_store_the_bytes_once(app, world, session):
    data, headers = jpeg(10), world.headers("m1")
    location = create(app.test_client(), headers, len(data)).headers["Location"]
    attempts = 6
    barrier, statuses = threading.Barrier(attempts), []

    def send() -> None:
        c = app.test_client()
        barrier.wait()
        statuses.append(patch(c, headers, location, 0, data[:1000]).status_code)

    threads = [threading.Thread(target=send) for _ in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [204] + [409] * (attempts - 1)
    session.rollback()
    upload = session.scalar(select(ResumableUpload))
    assert upload.offset == 1000 and upload.parts == [[0, 1000]]
