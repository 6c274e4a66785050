"""Pages of the field client: /app/ (members, later admins), /report and /track/<code> (the public), the service
worker and the static tree under a build-stamped path."""
from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, redirect, request

STATIC = Path(__file__).resolve().parent / "static"
YEAR = 365 * 24 * 3600

blp = Blueprint("webapp", __name__)

mimetypes.add_type("text/javascript", ".js")  # some systems map .js to application/x-javascript; modules need this
mimetypes.add_type("text/css", ".css")


@lru_cache(maxsize=1)
def static_files() -> dict[str, bytes]:
    """Every file of the static tree by its path (the tree is part of the package and never changes while running)."""
    return {p.relative_to(STATIC).as_posix(): p.read_bytes() for p in sorted(STATIC.rglob("*"))
            if p.is_file() and p.name != "sw.js"}


@lru_cache(maxsize=1)
def build_id() -> str:
    """A digest of the whole static tree: it is the version in every asset URL, so assets can be cached for a year
    and a new release is fetched at once (relative imports between modules stay inside the stamped folder)."""
    digest = hashlib.sha256()
    for path, data in static_files().items():
        digest.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
    digest.update((STATIC / "sw.js").read_bytes())
    return digest.hexdigest()[:12]


@lru_cache(maxsize=None)
def gzipped(path: str) -> bytes:
    return gzip.compress(static_files()[path], 9, mtime=0)


def asset(path: str) -> str:
    return f"/app/s/{build_id()}/{path}"


def module_graph(entry: str) -> list[str]:
    """The entry module and every module it imports, so the page can preload them all at once instead of discovering
    them import by import (one round trip each on a 400 ms link)."""
    import re

    seen: list[str] = []
    todo = [entry]
    pattern = re.compile(rb"""(?:import|export)\s*(?:[^'";]*?\sfrom\s*)?["'](\.{1,2}/[^"']+)["']""")
    while todo:
        path = todo.pop()
        if path in seen or path not in static_files():
            continue
        seen.append(path)
        base = path.rsplit("/", 1)[0]
        for match in pattern.finditer(static_files()[path]):
            parts = base.split("/") + match.group(1).decode().split("/")
            resolved: list[str] = []
            for part in parts:
                if part == "..":
                    resolved.pop()
                elif part != ".":
                    resolved.append(part)
            todo.append("/".join(resolved))
    return seen


def image_origins() -> str:
    """Where photos are shown from: signed URLs of the object store (S3 or this app's /files)."""
    cached = current_app.extensions.get("gridpatrol.webapp.img")
    if cached is None:
        origins = {"'self'", "data:", "blob:"}
        try:
            parts = urlsplit(current_app.extensions["gridpatrol.store"].presigned_get("csp-probe"))
            if parts.scheme and parts.netloc:
                origins.add(f"{parts.scheme}://{parts.netloc}")
        except Exception:  # a store that cannot sign offline only loses photo previews, not the page
            pass
        cached = " ".join(sorted(origins))
        current_app.extensions["gridpatrol.webapp.img"] = cached
    return cached


def csp() -> str:
    return ("default-src 'self'; script-src 'self'; style-src 'self'; "
            f"img-src {image_origins()}; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")


def page(title: str, entry: str, *, body_attrs: str = "") -> Response:
    preload = "\n".join(f'<link rel="modulepreload" href="{asset(p)}">' for p in module_graph(entry))
    html = f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1,viewport-fit=cover">
<meta name="format-detection" content="telephone=no">
<title>{title}</title>
<link rel="stylesheet" href="{asset('vendor/weui/weui.min.css')}">
<link rel="stylesheet" href="{asset('css/app.css')}">
{preload}
<script type="module" src="{asset(entry)}"></script>
</head>
<body{body_attrs}>
<div id="root"><div class="gp-boot">正在加载…</div></div>
<noscript>请在微信或手机浏览器中打开, 并允许运行脚本。</noscript>
</body>
</html>
"""
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@blp.after_app_request
def _security_headers(response: Response) -> Response:
    if request.blueprint == "webapp":
        response.headers.setdefault("Content-Security-Policy", csp())
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


@blp.get("/app")
def app_no_slash() -> Any:
    return redirect("/app/", code=301)


@blp.get("/app/")
def app_page() -> Response:
    return page("网格巡查", "js/app.js")


@blp.get("/app/sw.js")
def service_worker() -> Response:
    """The worker's script names this build and its shell files, so every release installs a fresh worker.
    The shell is what a member needs offline: not the console (admins, online) nor the public pages (outside the
    worker's /app/ scope), which a member's phone would otherwise download on its first visit."""
    shell = ["/app/"] + [asset(p) for p in static_files() if not p.startswith(("vendor/manifest", "js/console/",
                                                                                "js/public/", "css/console"))
                         and not p.endswith(("LICENSE", "LICENSE.txt"))]
    text = (STATIC / "sw.js").read_text().replace("__BUILD__", build_id()).replace("__SHELL__", json.dumps(shell))
    response = Response(text, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/app/"
    return response


@blp.get("/app/s/<build>/<path:path>")
def static_file(build: str, path: str) -> Response:
    data = static_files().get(path)
    if data is None:
        abort(404)
    mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    gzip_ok = "gzip" in request.headers.get("Accept-Encoding", "") and mimetype.startswith(("text/", "application/json"))
    response = Response(gzipped(path) if gzip_ok else data, mimetype=mimetype)
    response.vary.add("Accept-Encoding")
    if gzip_ok:  # the first load on a 3G link is mostly text: a fifth of the bytes (nginx would do the same)
        response.headers["Content-Encoding"] = "gzip"
    if build == build_id():
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:  # a page of an older release: answer today's file, but let nobody keep it under the old name
        response.headers["Cache-Control"] = "no-cache"
    response.set_etag(hashlib.sha256(data).hexdigest()[:16] + ("-gz" if gzip_ok else ""))
    return response.make_conditional(request)  # type: ignore[return-value]  # werkzeug types it as its base class


@blp.get("/report")
def report_page() -> Response:
    return page("举报安全隐患", "js/public/report.js")


@blp.get("/track")
def track_form_page() -> Response:
    return page("举报进度查询", "js/public/track.js")


@blp.get("/track/<code>")
def track_page(code: str) -> Response:
    return page("举报进度查询", "js/public/track.js")
