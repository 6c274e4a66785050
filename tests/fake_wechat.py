"""A small fake of WeChat's code2Session endpoint on loopback, so the real HTTP client code runs in tests."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


class FakeWeChat:
    """Codes map to openids; a code works once, like WeChat's (errcode 40163 the second time)."""

    def __init__(self, app_id: str, secret: str):
        self.app_id, self.secret = app_id, secret
        self.codes: dict[str, str] = {}
        self.used: set[str] = set()
        self.requests: list[dict[str, list[str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                query = parse_qs(url.query)
                fake.requests.append(query)
                body = fake.answer(url.path, query)
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, path: str, query: dict[str, list[str]]) -> dict[str, Any]:
        if path != "/sns/jscode2session":
            return {"errcode": 404, "errmsg": "not found"}
        if query.get("appid") != [self.app_id] or query.get("secret") != [self.secret]:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if query.get("grant_type") != ["authorization_code"]:
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        code = (query.get("js_code") or [""])[0]
        if code in self.used:
            return {"errcode": 40163, "errmsg": "code been used"}
        if code not in self.codes:
            return {"errcode": 40029, "errmsg": "invalid code"}
        self.used.add(code)
        return {"openid": self.codes[code], "session_key": "fake-session-key"}

    def __enter__(self) -> "FakeWeChat":
        self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
