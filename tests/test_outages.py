"""Outages of the real servers: PostgreSQL stopped (``pg_ctl -m immediate``) and started again, the S3 server frozen
with SIGSTOP, PostgreSQL lost in the middle of an upload.  Requests answer 503 with Retry-After, nothing half-done is
kept, and the app recovers without a restart."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from server.app import create_app
from server.evidence import service as evidence
from server.evidence.models import Photo
from server.storage.s3 import S3ObjectStore
from tests.photos import jpeg, upload
from tests.test_evidence import _s3_env


def _pg_commands(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL outage")
    stop, start = os.environ.get("GRIDPATROL_TEST_PG_STOP"), os.environ.get("GRIDPATROL_TEST_PG_START")
    if not (stop and start):
        if os.environ.get("GRIDPATROL_REQUIRE_SERVERS") == "1":
            pytest.fail("GRIDPATROL_TEST_PG_STOP/START not set by ./scripts/test")
        pytest.skip("needs ./scripts/test's PostgreSQL stop/start commands")
    return stop, start


def _sh(command: str) -> None:
    subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _checkpoint(engine) -> None:
    """The test server runs with synchronous_commit=off: an immediate stop could lose the last commits (the test's
    own world), which is the test setup's trade-off, not the app's."""
    with engine.connect() as conn:
        conn.execute(text("CHECKPOINT"))


def _photo_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Photo))


def _db_errors(client) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("gridpatrol_database_errors_total{"))


def _until_ok(call, tries: int = 50):
    for _ in range(tries):
        resp = call()
        if resp.status_code != 503:
            return resp
        time.sleep(0.2)
    return resp


def test_postgresql_stopped_answers_503_database_unavailable_and_recovers_without_restart(client, world, engine):
    stop, start = _pg_commands(engine)
    headers = world.headers("m1")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    errors_before = _db_errors(client)
    _checkpoint(engine)
    _sh(stop)
    try:
        for resp in (client.get("/api/v1/me", headers=headers),
                     client.post("/api/v1/auth/login", json={"username": "m1", "password": "x"}),
                     client.get("/api/v1/places", headers=headers)):
            assert resp.status_code == 503, resp.get_data(as_text=True)
            body = resp.get_json()
            assert body["code"] == "database_unavailable" and set(body) == {"code", "message", "detail"}
            assert int(resp.headers["Retry-After"]) > 0
        ready = client.get("/readyz")
        assert ready.status_code == 503
        checks = ready.get_json()["detail"]["checks"]
        assert checks["database"].startswith("error") and checks["object_store"] == "ok"
    finally:
        _sh(start)
    assert _until_ok(lambda: client.get("/api/v1/me", headers=headers)).status_code == 200
    assert client.get("/readyz").status_code == 200
    assert _db_errors(client) >= errors_before + 3  # counted in /metrics


@pytest.fixture
def s3_pid():
    """The running S3 server's pid (a fault test in test_evidence may have restarted it under a new one)."""
    _endpoint, _a, _s, s3_dir = _s3_env()
    found = subprocess.run(["pgrep", "-f", "--", f"-dir={s3_dir}/data"], capture_output=True, text=True).stdout.split()
    if not found:
        pytest.fail("the S3 server is not running")
    return int(found[0])


def test_a_frozen_s3_server_fails_uploads_fast_with_503_and_keeps_no_row(config, clock, engine, world, s3_pid):
    endpoint, access, secret, _dir = _s3_env()
    read_timeout = 1.5
    store = S3ObjectStore(endpoint, access, secret, f"gp-freeze-{uuid.uuid4().hex[:8]}", connect_timeout=1.0,
                          read_timeout=read_timeout, ping_timeout=1.0)
    store.ensure_bucket()
    app = create_app(replace(config, store="s3"), clock=clock, engine=engine, store=store)
    client = app.test_client()
    os.kill(s3_pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        resp = upload(client, world.headers("m1"), "visit", jpeg(31))
        took = time.monotonic() - started
        assert resp.status_code == 503 and resp.get_json()["code"] == "object_store_unavailable"
        assert resp.headers["Retry-After"]
        # one timeout, not a retried one (and not minio's default of minutes): the setting is honoured
        assert took < 2 * read_timeout + 1, took
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.get_json()["detail"]["checks"]["object_store"].startswith("error")
        assert _photo_rows(engine) == 0
    finally:
        os.kill(s3_pid, signal.SIGCONT)
    assert _until_ok(lambda: upload(client, world.headers("m1"), "visit", jpeg(31))).status_code == 201


def test_postgresql_lost_in_the_middle_of_an_upload_leaves_orphans_that_the_sweep_counts_and_removes(
        client, world, engine, clock, database_url):
    stop, start = _pg_commands(engine)
    store = world.app.extensions["gridpatrol.store"]
    kept = upload(client, world.headers("m1"), "visit", jpeg(32))
    assert kept.status_code == 201
    _checkpoint(engine)
    # writers to photos wait (readers do not): the upload stores its objects and then blocks on its insert
    locker = create_engine(database_url, poolclass=None)
    watcher = create_engine(database_url, isolation_level="AUTOCOMMIT")
    lock_conn = locker.connect()
    lock_conn.execute(text("LOCK TABLE photos IN EXCLUSIVE MODE"))
    answers = []
    sender = threading.Thread(target=lambda: answers.append(upload(client, world.headers("m1"), "visit", jpeg(33))))
    sender.start()
    try:
        with watcher.connect() as conn:
            for _ in range(200):
                if conn.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'photos'::regclass")):
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the upload never reached its insert")
        _sh(stop)
        sender.join(30)
    finally:
        for conn_engine in (locker, watcher):
            try:
                conn_engine.dispose()
            except Exception:
                pass
        _sh(start)
    (failed,) = answers
    assert failed.status_code == 503 and failed.get_json()["code"] == "database_unavailable"
    assert _until_ok(lambda: client.get("/readyz")).status_code == 200

    from server.db import make_sessionmaker
    session = make_sessionmaker(engine)()
    try:
        assert session.scalar(select(func.count()).select_from(Photo)) == 1
        assert evidence.sweep(session, store, clock(), timedelta(hours=24)) == []  # within the grace period
        deleted = evidence.sweep(session, store, clock() + timedelta(days=2), timedelta(hours=24))
        # the interrupted upload's original, display image and thumbnail; the kept photo's three stay
        assert len(deleted) == 3
        photo = session.scalar(select(Photo))
        assert photo.client_uuid == kept.get_json()["id"]
        for key in (photo.original_key, photo.display_key, photo.thumbnail_key):
            store.stat(key)  # the kept photo's objects are all there
    finally:
        session.close()
