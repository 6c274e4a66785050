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
    """Until the outbox holds nothing unsent (the page mirrors its count on <body data-outbox-waiting>)."""
    page.wait_for_function("() => document.body.dataset.outboxWaiting === '0'", timeout=timeout_ms, polling=200)


def answer_checklist(page: Any, photo: Path, hazard_item: str = "I02") -> None:
    """Answer every item of the patrol form as a member would: 是 everywhere, 否 (a hazard, described) on one item,
    a number in range, a photo where the item asks for one."""
    page.locator("[data-item]").first.wait_for()
    for item in page.locator("[data-item]").all():
        item_id = item.get_attribute("data-item")
        radios = item.get_by_role("radio")
        if radios.count():
            item.get_by_role("radio", name="否" if item_id == hazard_item else "是").click()
        elif item.locator("input[type=number]").count():
            item.get_by_role("spinbutton").fill("3")
        if item_id == hazard_item:
            item.get_by_label(f"问题描述 {item_id}").fill("车间安全出口被货物堵塞")
        if item.get_by_text("(必须拍照)").count():
            item.get_by_label("现场照片 拍照").set_input_files(str(photo))
            item.locator(".gp-thumb img").first.wait_for()
