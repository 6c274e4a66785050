"""Support for the field client's browser tests and benchmark: the app served in a thread, Debian's chromium."""
from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
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
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS + (extra_args or []))
