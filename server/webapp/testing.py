"""Support for the field client's browser tests and benchmark: the app served in a thread, Debian's chromium."""
from __future__ import annotations

import os
import socket
import threading
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_in_thread(make_app: Callable[[str], Any]) -> Iterator[tuple[str, Any]]:
    """Serve ``make_app(url)`` (it learns its own URL first, for signed local-store links) with werkzeug's threaded
    server on a free loopback port; stopped on exit."""
    from werkzeug.serving import make_server

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = make_app(url)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url, app
    finally:
        server.shutdown()
        thread.join(5)


def launch_chromium(playwright: Any, executable: str = CHROMIUM, extra_args: list[str] | None = None) -> Any:
    # a Chinese user's browser: its own UI language zh-CN (date inputs show 年/月/日; needs Debian's chromium-l10n)
    # (LANGUAGE only: a LANG naming a locale the system lacks would cost chromium its UTF-8 file names)
    env = dict(os.environ, LANGUAGE="zh_CN")
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS + ["--lang=zh-CN"] + (extra_args or []),
                                      env=env)


def watch_errors(page: Any) -> list[str]:
    """Collect the page's script errors (and console errors other than failed loads, which offline tests cause on
    purpose) into ``page.js_errors``, so a test can assert that nothing broke behind what it clicked."""
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text
            and "net::ERR" not in m.text else None)
    page.js_errors = errors
    return errors


def bench_app(url: str, db_url: str, tmp: Path, bucket_prefix: str) -> tuple[Any, Any]:
    """A benchmark's app on a migrated database: the local store under ``tmp``, or the real S3 server that
    ./scripts/bench/run names in GRIDPATROL_BENCH_S3_* (a bucket of this process's own)."""
    from server.app import create_app
    from server.config import Config
    from server.db import make_engine
    from server.migrate import upgrade
    from server.models import import_all
    from server.storage import S3ObjectStore

    import_all()
    engine = make_engine(db_url)
    with engine.begin() as conn:
        upgrade(connection=conn)
    cfg = Config(database_url=db_url, store="local", store_dir=str(tmp / "objects"), public_url=url,
                 url_signing_key="bench", jwt_keys="bench:bench-secret-key-0123456789abcdef0123",
                 ratelimit_storage_uri="memory://", ratelimit_login="1000 per minute", testing=True,
                 tipoff_phone_key="GcxE4NVqmPCNZdESTMyzq8UiS8B9u3J4cl3T4tFbL7Q=", tipoff_hash_key="bench")
    store = None
    if os.environ.get("GRIDPATROL_BENCH_S3_ENDPOINT"):
        store = S3ObjectStore(os.environ["GRIDPATROL_BENCH_S3_ENDPOINT"], os.environ["GRIDPATROL_BENCH_S3_ACCESS_KEY"],
                              os.environ["GRIDPATROL_BENCH_S3_SECRET_KEY"], f"{bucket_prefix}-{os.getpid()}")
        store.ensure_bucket()
        cfg = replace(cfg, store="s3")
    return create_app(cfg, engine=engine, store=store), engine
