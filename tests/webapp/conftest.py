"""Browser tests of the field client: one Chromium (Debian's /usr/bin/chromium through Playwright) per session, a
live server per test (werkzeug in a thread) on the suite's database and, under ./scripts/test, the real S3 server;
a 390×844 phone context with geolocation granted at the test world's place P1 (inside grid G1 of member m1)."""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest

from server.app import create_app
from server.storage import S3ObjectStore
from server.webapp.testing import CHROMIUM as DEFAULT_CHROMIUM
from server.webapp.testing import launch_chromium, serve_in_thread, watch_errors

CHROMIUM = os.environ.get("GRIDPATROL_TEST_CHROMIUM", DEFAULT_CHROMIUM)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
P1 = {"latitude": 29.2, "longitude": 120.05, "accuracy": 12}
REQUIRE_SERVERS = os.environ.get("GRIDPATROL_REQUIRE_SERVERS") == "1"


class OffsetClock:
    """Real time, which the browser also lives in, plus an offset a test may move (to expire a token)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def advance(self, **kw: Any) -> None:
        self.offset += timedelta(**kw)


@dataclass
class Live:
    url: str
    app: Any
    clock: OffsetClock
    store: Any
    world: Any

    def api(self) -> Any:
        return self.app.test_client()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if REQUIRE_SERVERS:
            pytest.fail(f"{CHROMIUM} is missing (scripts/test installs it)")
        pytest.skip("no chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = launch_chromium(p, CHROMIUM)
        yield b
        b.close()


@pytest.fixture(scope="session")
def webapp_bucket() -> Iterator[tuple[str, str, str, str] | None]:
    endpoint = os.environ.get("GRIDPATROL_TEST_S3_ENDPOINT")
    if not endpoint:
        yield None
        return
    access, secret = os.environ["GRIDPATROL_TEST_S3_ACCESS_KEY"], os.environ["GRIDPATROL_TEST_S3_SECRET_KEY"]
    name = f"gp-webapp-{uuid.uuid4().hex[:10]}"
    store = S3ObjectStore(endpoint, access, secret, name)
    store.ensure_bucket()
    yield endpoint, access, secret, name
    for obj in store.client.list_objects(name, recursive=True):
        store.client.remove_object(name, obj.object_name)
    store.client.remove_bucket(name)


@pytest.fixture
def live(config: Any, engine: Any, world: Any, checklists_loaded: None,
         webapp_bucket: tuple[str, str, str, str] | None) -> Iterator[Live]:
    clock = OffsetClock()
    store = None
    cfg = config
    if webapp_bucket:
        endpoint, access, secret, bucket = webapp_bucket
        store = S3ObjectStore(endpoint, access, secret, bucket)
        cfg = replace(cfg, store="s3")

    def make(url: str) -> Any:
        return create_app(replace(cfg, public_url=url), clock=clock, engine=engine, store=store)

    with serve_in_thread(make) as (url, app):
        yield Live(url, app, clock, app.extensions["gridpatrol.store"], world)


@pytest.fixture
def phone(browser: Any, live: Live) -> Iterator[Any]:
    """A phone-sized page on the live server, geolocation granted at P1."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                              has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai",
                              geolocation=P1, permissions=["geolocation"], base_url=live.url)
    page = ctx.new_page()
    page.set_default_timeout(15000)
    errors = watch_errors(page)
    yield page
    if errors:
        print("browser errors:", *errors, sep="\n  ")
    try:
        SCREENSHOTS.parent.joinpath("last-failure.png").parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(os.environ.get("TMPDIR", "/tmp")) / "gridpatrol-webapp-last.png"))
    except Exception:
        pass
    ctx.close()


PIN_TAB_BAR = """(on) => { const bar = document.querySelector('.gp-tabbar'); if (!bar) return;
  bar.style.position = on ? 'absolute' : ''; bar.parentElement.style.position = on ? 'relative' : ''; }"""


def shot(page: Any, name: str, full_page: bool = True) -> None:
    """A screenshot for docs/screenshots; a whole page shows the field app's fixed tab bar where a person sees it
    once scrolled to the end (below the last button), not across the middle of the page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if full_page:
        page.evaluate(PIN_TAB_BAR, True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
    if full_page:
        page.evaluate(PIN_TAB_BAR, False)


def live_headers(live: Live, username: str) -> dict[str, str]:
    """A bearer token for the live server's clock (the world's own tokens follow the suite's fake clock)."""
    from server.auth import tokens

    user = live.world.users[username]
    token = tokens.issue_access_token(live.app.extensions["gridpatrol.config"], user.id, user.role, live.clock())
    return {"Authorization": f"Bearer {token}"}
