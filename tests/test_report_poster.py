"""The printable 扫码举报 poster: an A4 page whose QR code, decoded as a phone's camera would, opens the township's
public report page; for the admins who handle tip-offs, within their scope."""
from __future__ import annotations

import io
from urllib.parse import urlsplit

import zxingcpp
from PIL import Image


def poster(client, world, user: str, area: str):
    return client.get(f"/api/v1/areas/{world.areas[area].id}/report-poster.png", headers=world.headers(user))


def decoded(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_the_township_poster_is_a4_and_its_qr_opens_the_townships_report_page(client, world):
    resp = poster(client, world, "town1", "T1")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    image = Image.open(io.BytesIO(resp.data))
    assert image.size == (1240, 1754)  # A4 at 150 dpi
    assert round(image.info["dpi"][0]) == 150
    assert decoded(resp.data) == ["http://localhost/report?township=330799001"]
    # the title band is drawn (red with white text), not left empty
    band = image.crop((0, 0, 1240, 330)).convert("RGB").getcolors(1240 * 330)
    assert {colour for _, colour in band} >= {(200, 16, 46), (255, 255, 255)}


def test_the_county_poster_points_at_the_report_page_without_a_township(client, world):
    resp = poster(client, world, "county", "C")
    assert decoded(resp.data) == ["http://localhost/report"]
    assert poster(client, world, "county", "T2").status_code == 200


def test_only_tipoff_admins_in_scope_get_a_poster(client, world):
    assert poster(client, world, "town2", "T1").status_code == 404  # another township: as if missing
    assert poster(client, world, "town1", "C").status_code == 404
    assert poster(client, world, "m1", "T1").status_code == 403
    assert poster(client, world, "insp1", "T1").status_code == 403
    village = poster(client, world, "town1", "V1")
    assert village.status_code == 422 and village.get_json()["code"] == "poster_township_only"


def test_a_signed_link_opens_the_poster_in_a_browser(client, world):
    path = f"/api/v1/areas/{world.areas['T1'].id}/report-poster.png"
    url = client.post("/api/v1/links", headers=world.headers("town1"), json={"path": path}).get_json()["url"]
    parts = urlsplit(url)
    resp = client.get(f"{parts.path}?{parts.query}")
    assert resp.status_code == 200 and decoded(resp.data) == ["http://localhost/report?township=330799001"]


def test_a_binding_code_answer_carries_a_qr_of_the_code_for_the_mini_program_to_scan(client, world):
    import base64

    body = client.post(f"/api/v1/users/{world.users['m1'].id}/binding-code", headers=world.headers("town1")).get_json()
    prefix = "data:image/png;base64,"
    assert body["qr_png"].startswith(prefix)
    assert decoded(base64.b64decode(body["qr_png"][len(prefix):])) == [body["code"]]
