"""Photo evidence end to end: upload as wx.uploadFile sends it, integrity, fraud flags, scoped URLs, the review
queue, and what happens when the object store or the database fails."""
from __future__ import annotations

import io
import os
import socket
import subprocess
import threading
import time
import uuid
import zipfile
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlalchemy import func, select, text

from server.app import create_app
from server.evidence import service as evidence
from server.evidence.models import Photo
from server.storage import S3ObjectStore
from tests.media.conftest import jpeg_with_size, png_with_size
from tests.patrol_helpers import checkin
from tests.photos import jpeg, photo_id, upload


def fetch(client, url):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def photo_count(session) -> int:
    session.rollback()
    return session.scalar(select(func.count(Photo.id)))


def test_upload_answers_urls_and_the_original_is_kept_byte_for_byte(client, world, session):
    data = jpeg(1, size=(640, 480))
    resp = upload(client, world.headers("m1"), "checkin", data, lat=29.2, lng=120.05,
                  claimed_time=datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc).isoformat())
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["format"] == "jpeg" and (body["width"], body["height"]) == (640, 480)
    assert body["camera"] == "HUAWEI NOVA 9" and body["flags"] == []
    display = fetch(client, body["display_url"])
    assert display.status_code == 200 and display.data[:2] == b"\xff\xd8"
    shown = Image.open(io.BytesIO(display.data))
    assert shown.getexif() == {} or 0x010F not in shown.getexif()  # derivatives carry no EXIF
    thumb = Image.open(io.BytesIO(fetch(client, body["thumbnail_url"]).data))
    assert max(thumb.size) <= 320
    original = client.get(f"/api/v1/photos/{body['id']}/original", headers=world.headers("town1"))
    assert original.status_code == 302
    assert fetch(client, original.headers["Location"]).data == data
    assert client.get(f"/api/v1/photos/{body['id']}/original", headers=world.headers("m1")).status_code == 403


def test_a_retry_answers_the_same_photo(client, world, session):
    pid = str(uuid.uuid4())
    first = upload(client, world.headers("m1"), "visit", jpeg(2), client_uuid=pid)
    again = upload(client, world.headers("m1"), "visit", jpeg(3), client_uuid=pid)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["sha256"] == first.get_json()["sha256"]
    assert photo_count(session) == 1


def test_the_same_upload_retried_concurrently_makes_one_photo(app, world, session):
    pid, data, headers = str(uuid.uuid4()), jpeg(4), world.headers("m1")
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def send() -> None:
        c = app.test_client()
        barrier.wait()
        statuses.append(upload(c, headers, "visit", data, client_uuid=pid).status_code)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 7 + [201]
    assert photo_count(session) == 1


def test_a_png_named_jpg_is_stored_as_what_it_is(client, world):
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buf, "PNG")
    resp = upload(client, world.headers("m1"), "visit", buf.getvalue(), filename="photo.jpg")
    assert resp.status_code == 201 and resp.get_json()["format"] == "png"
    assert {f["code"] for f in resp.get_json()["flags"]} == {"no_camera_exif"}


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("payload.txt", "hidden")
    return buf.getvalue()


@pytest.mark.parametrize("data,code", [
    (b"", "not_an_image"),
    (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "format_not_allowed"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "format_not_allowed"),
    (jpeg(5) + _zip(), "trailing_data"),
    (jpeg(6, size=(400, 300))[:-600], "corrupt"),
    (jpeg_with_size(jpeg(7), 30000, 30000), "too_many_pixels"),
], ids=["zero-bytes", "html", "svg", "jpeg+zip", "truncated", "bomb-jpeg"])
def test_bad_files_are_refused_and_nothing_is_kept(client, world, session, data, code, tmp_path):
    resp = upload(client, world.headers("m1"), "visit", data, filename="photo.jpg")
    assert resp.status_code == 422, resp.get_json()
    body = resp.get_json()
    assert body["code"] == code and "file" in body["detail"]["fields"]
    assert photo_count(session) == 0
    store_dir = world.app.extensions["gridpatrol.config"].store_dir
    assert not any(files for _, _, files in os.walk(store_dir))


def test_a_png_bomb_header_is_refused(client, world, session):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "PNG")
    resp = upload(client, world.headers("m1"), "visit", png_with_size(buf.getvalue(), 30000, 30000))
    assert resp.status_code == 422 and resp.get_json()["code"] == "too_many_pixels"


def test_a_file_over_the_limit_is_413_without_reading_the_body(config, clock, engine, world):
    """A real HTTP server and a client that announces 50 MB but sends a few bytes: the answer must come at once,
    which it can only do if the server did not wait to read the body."""
    from werkzeug.serving import make_server

    app = create_app(replace(config, photo_max_bytes=10_000), clock=clock, engine=engine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        token = world.headers("m1")["Authorization"]
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock:
            sock.sendall((f"POST /api/v1/photos HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\n"
                          "Content-Type: multipart/form-data; boundary=xyz\r\n"
                          f"Content-Length: {50 * 1024 * 1024}\r\n\r\n--xyz\r\n").encode())
            started = time.monotonic()
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
            answer = b"".join(chunks).decode(errors="replace")
        assert answer.startswith("HTTP/1.1 413"), answer[:200]
        assert "payload_too_large" in answer
        assert time.monotonic() - started < 3
    finally:
        server.shutdown()


@pytest.mark.parametrize("gps,taken,expected", [
    ((0.0, 0.0), None, None),                                     # (0,0): no fix, dropped
    ((95.0, 200.0), None, None),                                  # out of range, dropped
    (None, datetime(1900, 1, 1, tzinfo=timezone.utc), None),      # implausible dates are dropped
    (None, datetime(2100, 1, 1, tzinfo=timezone.utc), None),
])
def test_implausible_exif_is_ignored_not_refused(client, world, gps, taken, expected):
    resp = upload(client, world.headers("m1"), "visit", jpeg(8, gps=gps, taken=taken))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["exif_location"] is None and body["exif_time"] is None


def test_a_malformed_exif_block_does_not_stop_the_upload(client, world):
    data = bytearray(jpeg(9, taken=datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)))
    at = data.find(b"Exif\0\0")
    data[at + 10: at + 30] = b"\xff" * 20  # trample the TIFF header and first IFD entries
    resp = upload(client, world.headers("m1"), "visit", bytes(data))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["exif_time"] is None and body["camera"] is None
    assert {f["code"] for f in body["flags"]} == {"no_camera_exif"}


def test_a_heic_from_an_iphone_is_accepted(client, world):
    import pillow_heif
    heif = pillow_heif.from_pillow(Image.new("RGB", (64, 48), "blue"))
    buf = io.BytesIO()
    heif.save(buf, quality=80)
    resp = upload(client, world.headers("m1"), "visit", buf.getvalue(), filename="IMG_0001.HEIC")
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["format"] == "heif"


def test_a_member_cannot_see_another_townships_photo(client, world):
    pid = upload(client, world.headers("m2"), "visit", jpeg(10)).get_json()["id"]
    assert client.get(f"/api/v1/photos/{pid}", headers=world.headers("m1")).status_code == 404
    assert client.get(f"/api/v1/photos/{pid}", headers=world.headers("town1")).status_code == 404
    assert client.get(f"/api/v1/photos/{pid}", headers=world.headers("town2")).status_code == 200
    assert client.get(f"/api/v1/photos/{pid}/original", headers=world.headers("town1")).status_code == 404


def test_public_uploads_only_for_tipoffs(client, world):
    assert upload(client, None, "tipoff", jpeg(11)).status_code == 201
    resp = upload(client, None, "checkin", jpeg(12))
    assert resp.status_code == 401


# --- fraud signals ------------------------------------------------------------------------------------------------

def codes(resp) -> set[str]:
    return {f["code"] for f in resp.get_json()["flags"]}


def test_the_same_bytes_twice_are_flagged_and_stored_once(client, world, session):
    data = jpeg(13)
    first = upload(client, world.headers("m1"), "visit", data)
    second = upload(client, world.headers("m1b"), "visit", data)
    assert codes(first) == set() and "duplicate_sha256" in codes(second)
    rows = session.scalars(select(Photo.original_key)).all()
    assert len(rows) == 2 and len(set(rows)) == 1


def test_a_recompressed_copy_of_my_own_photo_is_flagged(client, world):
    original = jpeg(14, size=(320, 240))
    img = Image.open(io.BytesIO(original)).resize((300, 225))
    buf = io.BytesIO()
    exif = Image.open(io.BytesIO(original)).getexif()
    img.save(buf, "JPEG", quality=60, exif=exif)
    upload(client, world.headers("m1"), "visit", original)
    assert "near_duplicate" in codes(upload(client, world.headers("m1"), "visit", buf.getvalue()))


def test_exif_time_and_place_far_from_the_claim_are_flagged(client, world):
    taken = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
    resp = upload(client, world.headers("m1"), "visit", jpeg(15, taken=taken, gps=(29.3, 120.05)),
                  claimed_time=datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc).isoformat(), lat=29.2, lng=120.05,
                  place_id=world.places["P1"].id)
    assert {"exif_time_far", "exif_gps_far", "exif_gps_far_from_place"} <= codes(resp)
    messages = [f["message"] for f in resp.get_json()["flags"]]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages)


def test_a_screenshot_without_camera_exif_is_flagged(client, world):
    assert codes(upload(client, world.headers("m1"), "visit", jpeg(16, camera=False))) == {"no_camera_exif"}


# --- records name real photos -------------------------------------------------------------------------------------

def test_records_must_name_photos_that_exist_are_mine_and_fit_the_purpose(client, patrol_world, clock):
    headers = patrol_world.headers("m1")
    missing = client.post("/api/v1/checkins", headers=headers, json=checkin(clock(), photo_ids=[str(uuid.uuid4())]))
    assert missing.status_code == 422 and missing.get_json()["code"] == "photo_invalid"
    wrong_purpose = client.post("/api/v1/checkins", headers=headers,
                                json=checkin(clock(), photo_ids=[photo_id("m1", "publicity")]))
    assert wrong_purpose.status_code == 422
    others = client.post("/api/v1/checkins", headers=headers, json=checkin(clock(), photo_ids=[photo_id("m2", "checkin")]))
    assert others.status_code == 422


# --- the review queue ---------------------------------------------------------------------------------------------

def test_review_queue_flagged_first_decisions_audited_and_reasons_shown(client, patrol_world, clock):
    w = patrol_world
    screenshot = upload(client, w.headers("m1"), "checkin", jpeg(17, camera=False)).get_json()["id"]
    clean = client.post("/api/v1/checkins", headers=w.headers("m1"), json=checkin(clock())).get_json()
    flagged = client.post("/api/v1/checkins", headers=w.headers("m1"),
                          json=checkin(clock(), photo_ids=[screenshot])).get_json()
    assert "photo_no_camera_exif" in flagged["flags"]
    queue = client.get("/api/v1/reviews", headers=w.headers("town1")).get_json()
    assert [i["id"] for i in queue][:2] == [flagged["id"], clean["id"]]
    assert client.get("/api/v1/reviews", headers=w.headers("town2")).get_json() == []
    # another township's admin cannot decide it
    assert client.post(f"/api/v1/reviews/checkin/{flagged['id']}", headers=w.headers("town2"),
                       json={"decision": "approve"}).status_code == 404
    # bulk approve leaves the flagged one for a person
    # and approves only what it names: an empty body is refused, not "everything"
    assert client.post("/api/v1/reviews/bulk-approve", headers=w.headers("town1"), json={}).status_code == 422
    both = {"type": "checkin", "ids": [flagged["id"], clean["id"]]}
    assert client.post("/api/v1/reviews/bulk-approve", headers=w.headers("town1"), json=both).get_json() == {"approved": 1}
    no_reason = client.post(f"/api/v1/reviews/checkin/{flagged['id']}", headers=w.headers("town1"),
                            json={"decision": "reject"})
    assert no_reason.status_code == 422
    rejected = client.post(f"/api/v1/reviews/checkin/{flagged['id']}", headers=w.headers("town1"),
                           json={"decision": "reject", "reason": "照片为截图, 请现场拍摄"})
    assert rejected.get_json()["review_status"] == "rejected"
    again = client.post(f"/api/v1/reviews/checkin/{flagged['id']}", headers=w.headers("town1"),
                        json={"decision": "approve"})
    assert again.status_code == 409
    mine = client.get(f"/api/v1/checkins/{flagged['id']}", headers=w.headers("m1")).get_json()
    assert mine["review_reason"] == "照片为截图, 请现场拍摄"
    log = client.get(f"/api/v1/audit?object_type=checkins&object_id={flagged['id']}",
                     headers=w.headers("county")).get_json()
    assert log[0]["summary"]["review_status"] == {"from": "pending", "to": "rejected"}
    assert log[0]["actor_name"] == "town1"


# --- faults -------------------------------------------------------------------------------------------------------

def _s3_env():
    if not os.environ.get("GRIDPATROL_TEST_S3_ENDPOINT"):
        if os.environ.get("GRIDPATROL_REQUIRE_SERVERS") == "1":
            pytest.fail("no S3 server")
        pytest.skip("no S3 server (run through ./scripts/test)")
    return (os.environ["GRIDPATROL_TEST_S3_ENDPOINT"], os.environ["GRIDPATROL_TEST_S3_ACCESS_KEY"],
            os.environ["GRIDPATROL_TEST_S3_SECRET_KEY"], os.environ["GRIDPATROL_TEST_S3_DIR"])


def _wait_port(port: int, up: bool, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.3).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.1)
    raise AssertionError(f"port {port} did not go {'up' if up else 'down'}")


def test_store_down_answers_503_and_keeps_no_row_then_works_again(config, clock, engine, world, session):
    endpoint, access, secret, s3_dir = _s3_env()
    store = S3ObjectStore(endpoint, access, secret, f"gp-fault-{uuid.uuid4().hex[:8]}")
    store.ensure_bucket()
    app = create_app(replace(config, store="s3"), clock=clock, engine=engine, store=store)
    client = app.test_client()
    port = int(endpoint.rsplit(":", 1)[1])
    subprocess.run(["pkill", "-9", "-f", "--", f"-dir={s3_dir}/data"], check=False)
    _wait_port(port, up=False)
    try:
        down = upload(client, world.headers("m1"), "visit", jpeg(18))
        assert down.status_code == 503 and down.get_json()["code"] == "object_store_unavailable"
        assert down.headers["Retry-After"]
        assert photo_count(session) == 0
    finally:
        subprocess.Popen(["bash", f"{s3_dir}/start.sh"], start_new_session=True)
        _wait_port(port, up=True)
    for _ in range(50):  # the S3 gateway answers a little after its port opens
        up = upload(client, world.headers("m1"), "visit", jpeg(18))
        if up.status_code != 503:
            break
        time.sleep(0.2)
    assert up.status_code == 201, up.get_json()


def test_a_database_failure_leaves_an_orphan_that_the_sweep_removes_and_nothing_else(client, world, session, engine,
                                                                                   clock):
    store = world.app.extensions["gridpatrol.store"]
    kept = upload(client, world.headers("m1"), "visit", jpeg(19)).get_json()
    # a real database failure after the objects are stored: a trigger refuses the insert
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("CREATE FUNCTION refuse_photo() RETURNS trigger LANGUAGE plpgsql AS $$ "
                              "BEGIN RAISE EXCEPTION 'disk full'; END $$"))
            conn.execute(text("CREATE TRIGGER refuse_photo BEFORE INSERT ON photos FOR EACH ROW "
                              "EXECUTE FUNCTION refuse_photo()"))
        else:
            conn.execute(text("CREATE TRIGGER refuse_photo BEFORE INSERT ON photos "
                              "BEGIN SELECT RAISE(ABORT, 'disk full'); END"))
    try:
        failed = upload(client, world.headers("m1"), "visit", jpeg(20))
        assert failed.status_code == 500
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER refuse_photo" + (" ON photos" if engine.dialect.name == "postgresql"
                                                             else "")))
            if engine.dialect.name == "postgresql":
                conn.execute(text("DROP FUNCTION refuse_photo()"))
    everything = {o.key for prefix in ("originals/", "derived/")
                  for o in store.list_older_than(prefix, datetime.now(timezone.utc) + timedelta(days=1))}
    assert len(everything) == 6  # two originals, two displays, two thumbnails; one photo row
    session.rollback()
    # within the grace period nothing is touched
    assert evidence.sweep(session, store, clock(), timedelta(hours=24)) == []
    deleted = evidence.sweep(session, store, clock() + timedelta(days=2), timedelta(hours=24))
    assert len(deleted) == 3
    photo = session.scalar(select(Photo))
    remaining = {o.key for prefix in ("originals/", "derived/")
                 for o in store.list_older_than(prefix, datetime.now(timezone.utc) + timedelta(days=3))}
    assert remaining == {photo.original_key, photo.display_key, photo.thumbnail_key}
    assert fetch(client, client.get(f"/api/v1/photos/{kept['id']}", headers=world.headers("m1"))
                 .get_json()["display_url"]).status_code == 200


def test_the_sweep_command_runs(app, world):
    runner = app.test_cli_runner()
    from server.cli import evidence_sweep
    result = runner.invoke(evidence_sweep, ["--grace-hours", "1"])
    assert result.exit_code == 0, result.output
    assert "deleted 0 orphaned objects" in result.output


def test_a_phone_upload_reaches_a_review_decision_through_the_real_s3_server(config, clock, engine, patrol_world):
    """wx.uploadFile-style multipart → S3 (SeaweedFS) → a clock-in naming the photo → the township admin sees the
    flagged record first, fetches the evidence through a presigned URL and decides."""
    import urllib.request

    endpoint, access, secret, _ = _s3_env()
    store = S3ObjectStore(endpoint, access, secret, f"gp-e2e-{uuid.uuid4().hex[:8]}")
    store.ensure_bucket()
    client = create_app(replace(config, store="s3"), clock=clock, engine=engine, store=store).test_client()
    w = patrol_world
    data = jpeg(21, size=(800, 600), camera=False)
    photo = upload(client, w.headers("m1"), "checkin", data, lat=29.2, lng=120.05)
    assert photo.status_code == 201, photo.get_json()
    body = photo.get_json()
    with urllib.request.urlopen(body["display_url"], timeout=10) as resp:   # a real presigned GET
        assert resp.read()[:2] == b"\xff\xd8"
    ci = client.post("/api/v1/checkins", headers=w.headers("m1"), json=checkin(clock(), photo_ids=[body["id"]]))
    assert ci.status_code == 201 and "photo_no_camera_exif" in ci.get_json()["flags"]
    queue = client.get("/api/v1/reviews?flagged_only=true", headers=w.headers("town1")).get_json()
    assert [i["id"] for i in queue] == [ci.get_json()["id"]]
    original = client.get(f"/api/v1/photos/{body['id']}/original", headers=w.headers("town1"))
    with urllib.request.urlopen(original.headers["Location"], timeout=10) as resp:
        assert resp.read() == data  # byte-for-byte, from S3
    decided = client.post(f"/api/v1/reviews/checkin/{ci.get_json()['id']}", headers=w.headers("town1"),
                          json={"decision": "reject", "reason": "非现场拍摄"})
    assert decided.get_json()["review_status"] == "rejected"
