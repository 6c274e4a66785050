"""A real gunicorn serving the app on loopback, for tests of what only several worker processes show (shared rate
limits, multiprocess metrics).  Started on the test database with the test's keys; stopped by its pid."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import httpx

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Live:
    url: str
    access_log: Path
    proc: subprocess.Popen[bytes]

    def worker_pids(self) -> list[str]:
        """The worker pid of each request served so far, from the access log (format: pid status path)."""
        return [line.split()[0] for line in self.access_log.read_text().splitlines() if line.strip()]


@contextmanager
def gunicorn(config: Any, *, workers: int = 2, env: dict[str, str] | None = None) -> Iterator[Live]:
    work = Path(tempfile.mkdtemp(prefix="gridpatrol-live-"))
    port = _free_port()
    app_env = {
        "GRIDPATROL_DATABASE_URL": config.database_url, "GRIDPATROL_JWT_KEYS": config.jwt_keys,
        "GRIDPATROL_VAR_DIR": str(work / "var"), "GRIDPATROL_STORE": "local",
        "GRIDPATROL_STORE_DIR": str(work / "objects"), "GRIDPATROL_URL_SIGNING_KEY": config.url_signing_key,
        "GRIDPATROL_TIPOFF_PHONE_KEY": config.tipoff_phone_key, "GRIDPATROL_TIPOFF_HASH_KEY": config.tipoff_hash_key,
        "GRIDPATROL_LOG_LEVEL": "WARNING", "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"),
    } | (env or {})
    (work / "metrics").mkdir()
    log = work / "access.log"
    log.touch()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--config", "python:server.gunicorn_conf", "--access-logfile", str(log),
         "--access-logformat", "%(p)s %(s)s %(U)s", "server.app:create_app()"],
        cwd=ROOT, env={**os.environ, **app_env}, stdout=subprocess.DEVNULL, stderr=open(work / "err.log", "wb"),
        start_new_session=True)
    live = Live(f"http://127.0.0.1:{port}", log, proc)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(live.url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start:\n" + (work / "err.log").read_text()[-3000:])
            time.sleep(0.2)
        yield live
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
