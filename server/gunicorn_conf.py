"""gunicorn settings for production (``gunicorn -c python:server.gunicorn_conf ...``): request-line and header
limits above the app's own, so the app answers 414/431 in the API's error shape; gunicorn's own refusals (beyond
those limits, or requests it cannot parse) in that shape too instead of its HTML page; multiprocess metrics."""
from __future__ import annotations

import json
from typing import Any

from gunicorn import util  # type: ignore[import-untyped]  # gunicorn ships no type information

# the app refuses URLs over 4 KiB and header fields over 8 KiB with its own JSON answer (server/ops/routes.py);
# gunicorn's own refusal is left for what is larger still (8190 is the most gunicorn allows for the request line)
limit_request_line = 8190
limit_request_field_size = 16 * 1024

# gunicorn's refusals by status: the API's code for each (the rest: the generic code of the status)
GUNICORN_CODES = {414: "uri_too_long", 431: "header_too_large"}


def json_error(sock: Any, status_int: int, reason: str, _mesg: str) -> None:
    """gunicorn's ``util.write_error`` in the API's error shape {code, message, detail}.  gunicorn's own text
    (which may quote the refused request line) is left out: the reason phrase is enough to act on."""
    from server.errors import _STATUS_CODES, CODES

    code = GUNICORN_CODES.get(status_int) or _STATUS_CODES.get(status_int, ("http_error", "请求错误"))[0]
    message = CODES[code][1] if code in CODES else "请求错误"
    body = json.dumps({"code": code, "message": message, "detail": {"status": status_int, "reason": reason}},
                      ensure_ascii=False).encode("utf-8")
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


def post_fork(_server: Any, _worker: Any) -> None:
    """Each worker answers the requests gunicorn itself refuses with :func:`json_error`."""
    util.write_error = json_error


def child_exit(_server: Any, worker: Any) -> None:
    """A dead worker's metric files are merged into the totals and not reported as live any more."""
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
