"""The field client's static tree: vendored files match their manifest, no innerHTML, nothing newer than ES2020,
strict CSP on its pages, long-cached build-stamped assets, the service worker's scope."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from server.webapp import routes

STATIC = Path(routes.__file__).resolve().parent / "static"
OWN_JS = [p for p in STATIC.rglob("*.js") if "vendor" not in p.parts]


def test_every_vendored_file_matches_its_manifest_entry():
    manifest = json.loads((STATIC / "vendor" / "manifest.json").read_text())
    names = {pkg["name"] for pkg in manifest["packages"]}
    assert {"weui", "preact", "htm", "idb"} <= names
    listed = set()
    for pkg in manifest["packages"]:
        assert pkg["version"] and pkg["integrity"].startswith("sha512-") and pkg["tarball"].startswith("https://")
        assert (STATIC / "vendor" / pkg["license"]).is_file(), pkg["license"]
        for path, digest in pkg["files"].items():
            listed.add(path)
            assert hashlib.sha256((STATIC / "vendor" / path).read_bytes()).hexdigest() == digest, path
    on_disk = {p.relative_to(STATIC / "vendor").as_posix() for p in (STATIC / "vendor").rglob("*") if p.is_file()}
    assert on_disk - {"manifest.json"} == listed  # nothing unlisted is served
    weui = next(p for p in manifest["packages"] if p["name"] == "weui")
    assert weui["version"].startswith("2.6.")


def test_no_inner_html_and_nothing_newer_than_es2020_in_our_code():
    assert OWN_JS, "the client's modules are missing"
    newer = re.compile(r"\?\?=|\|\|=|&&=|\bstatic\s*\{|this\.#|^\s*#[A-Za-z_]\w*\s*[=;(]|\.at\(|\breplaceAll\(|structuredClone\(",
                       re.M)
    for path in OWN_JS + [STATIC / "sw.js"]:
        text = path.read_text()
        assert "innerHTML" not in text and "outerHTML" not in text and "insertAdjacentHTML" not in text, path
        assert "dangerouslySetInnerHTML" not in text, path
        assert not newer.search(text), (path, newer.search(text))
        # no top-level await: every await sits inside a function (a crude check: no await at column 0)
        assert not re.search(r"^await\b", text, re.M), path


def test_pages_carry_a_strict_csp_and_no_inline_code(client):
    for url in ("/app/", "/report", "/track", "/track/ABCD1234EF"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "style-src 'self';" in csp and "unsafe-inline" not in csp
        assert "object-src 'none'" in csp
        page = resp.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url   # every script is a file
        assert "style=" not in page and "<style" not in page and " on" + "click=" not in page.lower()


def test_assets_are_build_stamped_and_cached_for_a_year(client):
    page = client.get("/app/").get_data(as_text=True)
    src = re.search(r'<script type="module" src="([^"]+)"', page).group(1)
    assert re.fullmatch(r"/app/s/[0-9a-f]{12}/js/app\.js", src)
    resp = client.get(src, headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200 and resp.mimetype == "text/javascript"
    assert "immutable" in resp.headers["Cache-Control"] and resp.headers["Content-Encoding"] == "gzip"
    assert client.get(src, headers={"If-None-Match": resp.headers["ETag"], "Accept-Encoding": "gzip"}).status_code == 304
    preloads = re.findall(r'<link rel="modulepreload" href="([^"]+)"', page)
    assert any(p.endswith("/js/outbox.js") for p in preloads) and any(p.endswith("preact.module.js") for p in preloads)
    stale = client.get(src.replace(src.split("/")[3], "000000000000"))
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
    assert client.get("/app/s/x/../../../server/app.py").status_code == 404


def test_service_worker_names_this_build_and_its_scope(client):
    resp = client.get("/app/sw.js")
    assert resp.headers["Service-Worker-Allowed"] == "/app/" and resp.headers["Cache-Control"] == "no-cache"
    text = resp.get_data(as_text=True)
    assert routes.build_id() in text and "__SHELL__" not in text and "/js/outbox.js" in text


def test_root_leads_to_the_app(client):
    assert client.get("/").headers["Location"].endswith("/app/")
