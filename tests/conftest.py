"""Fixtures per real component: the database named by GRIDPATROL_TEST_DATABASE_URL (./scripts/test runs the suite
once on PostgreSQL and once on SQLite), a clean schema per test, a clock the tests move by hand."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from server.app import create_app
from server.config import Config
from server.db import Base, make_engine
from server.models import import_all

REQUIRE_SERVERS = os.environ.get("GRIDPATROL_REQUIRE_SERVERS") == "1"


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: Any) -> datetime:
        self.now += timedelta(**kw)
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment


def _database_url() -> str:
    url = os.environ.get("GRIDPATROL_TEST_DATABASE_URL")
    if url:
        return url
    if REQUIRE_SERVERS:
        pytest.exit("GRIDPATROL_TEST_DATABASE_URL is not set; run the suite through ./scripts/test", 2)
    return f"sqlite:///{tempfile.mkdtemp(prefix='gridpatrol-')}/test.sqlite3"


@pytest.fixture(scope="session")
def database_url() -> str:
    return _database_url()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    from server.migrate import upgrade

    import_all()
    eng = make_engine(database_url)
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}"'))
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    with eng.begin() as conn:
        upgrade(connection=conn)  # the suite runs on the real migrations, not create_all
    yield eng
    eng.dispose()


_EXISTING: dict[str, list[str]] = {}


def _tables(engine: Engine) -> list[str]:
    """The app's tables that the migrations made, parents first (looked up once: no test changes the schema)."""
    from sqlalchemy import inspect as sa_inspect

    key = str(engine.url)
    if key not in _EXISTING:
        existing = set(sa_inspect(engine).get_table_names())
        _EXISTING[key] = [t.name for t in Base.metadata.sorted_tables if t.name in existing]
    return _EXISTING[key]


def _truncate(engine: Engine) -> None:
    from server.org.index import invalidate

    invalidate()
    tables = _tables(engine)
    if engine.dialect.name == "postgresql":
        # DELETE every row and rewind the sequences: on tables of a few rows this is about 5x cheaper than one
        # TRUNCATE ... RESTART IDENTITY CASCADE, which creates new files for every table (twice per test).  The
        # replica role skips the triggers: foreign-key checks and audit_log's append-only guard.
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica; " + "; ".join(f'DELETE FROM "{t}"' for t in reversed(tables))
                                 + "; SELECT setval(c.oid, 1, false) FROM pg_class c"
                                 " WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace")
        return
    raw = engine.raw_connection()  # outside SQLAlchemy's BEGIN, where PRAGMA foreign_keys takes effect
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA foreign_keys=OFF")  # areas reference areas; order within a table is arbitrary
        cur.execute("BEGIN")
        for t in reversed(tables):
            cur.execute(f'DELETE FROM "{t}"')
        if cur.execute("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'").fetchone():
            cur.execute("DELETE FROM sqlite_sequence")
        cur.execute("COMMIT")
        cur.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> Config:
    return _test_config(database_url, tmp_path)


def _test_config(database_url: str, folder: Path | str) -> Config:
    """The suite's settings: its keys (tokens made by ``World`` verify), a local store in ``folder``."""
    return Config(
        database_url=database_url, store="local", store_dir=str(Path(folder) / "objects"),
        public_url="http://localhost", url_signing_key="test-signing-key",
        jwt_keys="k2:test-key-two-0123456789abcdef0123,k1:test-key-one-0123456789abcdef0123",
        wechat_app_id="wx-test-app", wechat_app_secret="wx-test-secret", wechat_api_base="http://127.0.0.1:9",
        ratelimit_storage_uri="memory://", ratelimit_login="1000 per minute", testing=True,
        tipoff_phone_key="GcxE4NVqmPCNZdESTMyzq8UiS8B9u3J4cl3T4tFbL7Q=", tipoff_hash_key="test-tipoff-hash-key",
        ratelimit_tipoff="1000 per minute", ratelimit_tipoff_phone="1000 per minute",
        ratelimit_tipoff_track="1000 per minute",
        jobs_wait_seconds=30.0,  # a loaded machine must not turn the ranking tests' 201 into a 202 (test_jobs sets its own)
    )


@pytest.fixture
def app(config: Config, clock: FakeClock, engine: Engine) -> Iterator[Any]:
    _truncate(engine)
    application = create_app(config, clock=clock, engine=engine)
    yield application
    _finish_jobs()
    _truncate(engine)


def _finish_jobs() -> None:
    """Let jobs a test started in the app's threads (server/jobs, embedded mode) end before the tables are emptied:
    a job still writing would wait on the cleanup and the cleanup on it."""
    import threading

    for thread in threading.enumerate():
        if thread.name.startswith("job-"):
            thread.join(timeout=120)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture(scope="session")
def side_engine(database_url: str, engine: Engine) -> Iterator[Engine]:
    """The tests' own connection: on SQLite it must not hold the write lock while the app under test writes."""
    eng = make_engine(database_url, sqlite_immediate=False)
    yield eng
    eng.dispose()


@pytest.fixture
def session(app: Any, side_engine: Engine) -> Iterator[Any]:
    from server.audit.service import CLI, install, set_context
    from server.db import make_sessionmaker

    factory = make_sessionmaker(side_engine)
    install(factory)
    s = factory()
    set_context(s, CLI)
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def world(app: Any, session: Any) -> Any:
    from tests.factories import build_world

    return build_world(app, session)


@pytest.fixture
def checklists_loaded(session: Any) -> None:
    from server.checklists.service import load_directory

    load_directory(session)
    session.commit()


@pytest.fixture
def patrol_world(world: Any, checklists_loaded: None, client: Any) -> Any:
    """The world with checklists loaded and, for each member, one uploaded photo per purpose (ids from
    tests.photos.photo_id), so records can name real photos."""
    from tests.photos import PURPOSES, jpeg, photo_id, upload

    for n, user in enumerate(("m1", "m1b", "m2")):
        for k, purpose in enumerate(PURPOSES):
            resp = upload(client, world.headers(user), purpose, jpeg(100 * n + k), client_uuid=photo_id(user, purpose))
            assert resp.status_code == 201, resp.get_json()
    return world
