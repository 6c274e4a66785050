"""Steps a member takes in the browser, written as a person does them (labels and buttons, not CSS paths)."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from tests.factories import PASSWORD


def log_in(page: Any, username: str = "m1", password: str = PASSWORD) -> None:
    page.goto("/app/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("进岗打卡").first.wait_for()


def photo_file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def outbox_counts(page: Any) -> dict[str, int]:
    return page.evaluate("""async () => {
      const m = await import('/app/s/' + document.querySelector('script[type=module]').src.split('/app/s/')[1].split('/')[0] + '/js/outbox.js');
      const s = m.snapshot();
      const by = {};
      s.items.forEach((i) => { by[i.state] = (by[i.state] || 0) + 1; });
      return Object.assign({waiting: s.waiting, photos: s.photosWaiting, records: s.recordsWaiting}, by);
    }""")


def wait_all_sent(page: Any, timeout_ms: int = 30000) -> None:
    page.wait_for_function("""async () => {
      const src = document.querySelector('script[type=module]').src;
      const m = await import(src.replace(/js\\/app\\.js$/, 'js/outbox.js'));
      return m.snapshot().waiting === 0;
    }""", timeout=timeout_ms, polling=300)
