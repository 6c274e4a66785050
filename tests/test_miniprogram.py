"""The WeChat mini-program cannot run here: its JSON files are checked, its pages exist, and the endpoints its
login path calls are those the API serves, with the ticket in the web-view URL's fragment, never a token."""
from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "miniprogram"
OPENAPI = Path(__file__).resolve().parent.parent / "client_schema" / "openapi.json"


def load(name: str) -> dict:
    return json.loads((ROOT / name).read_text(encoding="utf-8"))


def test_every_json_file_parses_and_the_project_points_at_the_app():
    for path in ROOT.rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
    project = load("project.config.json")
    assert project["compileType"] == "miniprogram"
    assert (ROOT / project["miniprogramRoot"] / "app.json").is_file()
    assert project["appid"]
    app = load("app.json")
    assert (ROOT / app["sitemapLocation"]).is_file()


def test_every_page_listed_exists_with_its_files_and_no_page_is_unlisted():
    pages = load("app.json")["pages"]
    assert pages[0] == "pages/login/login"  # the first page is the one the mini-program opens with
    for page in pages:
        for ext in (".js", ".wxml", ".json"):
            assert (ROOT / f"{page}{ext}").is_file(), f"{page}{ext}"
        json.loads((ROOT / f"{page}.json").read_text(encoding="utf-8"))
    on_disk = {str(p.relative_to(ROOT).with_suffix("")) for p in (ROOT / "pages").rglob("*.wxml")}
    assert on_disk == set(pages)


def test_every_required_module_exists():
    for js in ROOT.rglob("*.js"):
        for target in re.findall(r"require\('([^']+)'\)", js.read_text(encoding="utf-8")):
            assert (js.parent / target).resolve().is_file(), f"{js.name} requires {target}"


def test_the_login_path_calls_endpoints_the_api_serves():
    paths = json.loads(OPENAPI.read_text(encoding="utf-8"))["paths"]
    login = (ROOT / "pages/login/login.js").read_text(encoding="utf-8")
    called = re.findall(r"api\.post\('([^']+)'", login)
    assert called == ["/api/v1/auth/wechat", "/api/v1/auth/tickets"]
    for path in called + ["/api/v1/auth/ticket"]:  # the last one is the H5 page's side of the exchange
        assert "post" in paths[path], path
    assert "binding_code" in login and "wechat_not_bound" in login and "wx.login" in (ROOT / "api.js").read_text()


def test_the_web_view_opens_the_h5_app_with_the_ticket_in_the_fragment_only():
    wxml = (ROOT / "pages/webview/webview.wxml").read_text(encoding="utf-8")
    assert re.search(r'<web-view\s+src="\{\{url\}\}"', wxml)
    js = (ROOT / "pages/webview/webview.js").read_text(encoding="utf-8")
    assert "'/app/'" in js and "'#ticket='" in js
    everything = "".join(p.read_text(encoding="utf-8") for p in ROOT.rglob("*.js"))
    assert "access_token" not in everything.replace("login.body.access_token", "")  # used once, never stored
    assert "setStorage" not in everything  # the mini-program keeps no tokens
