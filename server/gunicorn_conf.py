"""gunicorn settings for production (``gunicorn -c python:server.gunicorn_conf ...``): request-line and header
limits above the app's own, so the app answers 414/431 in the API's error shape, and multiprocess metrics."""
from __future__ import annotations

from typing import Any

# the app refuses URLs over 4 KiB and header fields over 8 KiB with its own JSON answer (server/ops/routes.py);
# gunicorn's plain pages are left for what is larger still (8190 is the most gunicorn allows for the request line)
limit_request_line = 8190
limit_request_field_size = 16 * 1024


def child_exit(_server: Any, worker: Any) -> None:
    """A dead worker's metric files are merged into the totals and not reported as live any more."""
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
