"""Swagger UI (/docs) as a developer uses it: authorize with a member's token, open POST /photos, "Try it out",
choose a photo and fill the multipart fields, Execute: the server answers 201 and the photo is stored byte for byte."""
from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from tests.photos import jpeg
from tests.webapp.conftest import Live, live_headers


def test_try_it_out_uploads_a_photo_from_swagger_ui(browser: Any, live: Live, tmp_path: Any) -> None:
    data = jpeg(4711)
    photo = tmp_path / "scene.jpg"
    photo.write_bytes(data)
    headers = live_headers(live, "m1")
    token = headers["Authorization"].removeprefix("Bearer ")
    client_uuid = str(uuid.uuid4())

    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live.url)
    page = ctx.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto("/docs")
        page.get_by_role("button", name="Authorize").first.click()
        dialog = page.locator(".modal-ux")
        dialog.locator("input[type=text], input[type=password]").first.fill(token)
        dialog.get_by_role("button", name="Authorize").click()
        dialog.get_by_role("button", name="Close").click()

        op = page.locator("#operations-evidence-post_api_v1_photos")
        op.locator(".opblock-summary").click()
        op.get_by_role("button", name="Try it out").click()
        field = {name: op.locator(f"tr[data-property-name={name}]") for name in
                 ("client_uuid", "purpose", "lat", "lng", "coord_system", "file")}
        assert field["file"].count() == 1  # the whole multipart body is described, the file among its fields
        field["client_uuid"].get_by_placeholder("client_uuid").fill(client_uuid)
        field["purpose"].locator("select").select_option("hazard")
        field["lat"].get_by_placeholder("lat").fill("29.2")
        field["lng"].get_by_placeholder("lng").fill("120.05")
        field["coord_system"].locator("select").select_option("wgs84")
        field["file"].locator("input[type=file]").set_input_files(str(photo))
        op.get_by_role("button", name="Execute").click()

        answer = op.locator(".live-responses-table .response")
        answer.locator(".response-col_status").wait_for()
        status = answer.locator(".response-col_status").inner_text().strip()
        body = json.loads(answer.locator(".response-col_description pre.microlight").first.inner_text())
    finally:
        ctx.close()

    assert status == "201", body
    assert body["id"] == client_uuid and body["purpose"] == "hazard"
    stored = live.api().get(f"/api/v1/photos/{client_uuid}", headers=headers)
    assert stored.status_code == 200, stored.get_json()
    assert stored.get_json()["sha256"] == hashlib.sha256(data).hexdigest() and stored.get_json()["size"] == len(data)
