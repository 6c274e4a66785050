"""Signed links: the printable order and the XLSX exports open in a browser without a Bearer header, for a few
minutes, exactly the URL that was signed, as the user who asked, with their scope checked as usual."""
from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import openpyxl

from tests.test_hazards import Loop, ok


def sign(client, world, user: str, path: str):
    return client.post("/api/v1/links", headers=world.headers(user), json={"path": path})


def open_link(client, url: str):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")  # no Authorization header, as a browser opening a link


def ordered_hazard(client, world) -> int:
    loop = Loop(client, world)
    hid = loop.create()
    ok(loop.order(hid))
    return hid


def test_a_signed_link_opens_the_printable_order_without_a_token(client, world, clock):
    hid = ordered_hazard(client, world)
    assert client.get(f"/api/v1/hazards/{hid}/order.html").status_code == 401
    signed = sign(client, world, "m1", f"/api/v1/hazards/{hid}/order.html")
    assert signed.status_code == 201, signed.get_json()
    body = signed.get_json()
    assert body["url"].startswith(f"http://localhost/api/v1/hazards/{hid}/order.html?")
    assert body["url"] == f"http://localhost{body['path']}"  # the path alone, for pages of this app
    page = open_link(client, body["url"])
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "责令限期整改指令书" in page.get_data(as_text=True)
    clock.advance(minutes=4)
    assert open_link(client, body["url"]).status_code == 200  # reusable until it expires


def test_a_link_keeps_its_query_and_opens_an_export(client, world):
    ordered_hazard(client, world)
    Loop(client, world).create()  # reported, not ordered: filtered out
    url = sign(client, world, "town1", "/api/v1/hazards/export.xlsx?status=ordered").get_json()["url"]
    resp = open_link(client, url)
    assert resp.status_code == 200, resp.get_json()
    rows = list(openpyxl.load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
    assert rows[1][0] == "编号" and len(rows[2:]) == 1  # the filter the link was made with applies
    assert open_link(client, sign(client, world, "m1", "/api/v1/hazards/export.xlsx").get_json()["url"]
                     ).status_code == 403  # the role's permission applies too
    # the query is part of what was signed: another filter is another link
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["status"] = "closed"
    assert client.get(f"{parts.path}?{urlencode(query)}").get_json()["code"] == "link_signature_invalid"


def test_tampered_expired_and_other_path_links_are_refused(client, world, clock):
    hid = ordered_hazard(client, world)
    url = sign(client, world, "town1", f"/api/v1/hazards/{hid}/order.html").get_json()["url"]
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    tampered_sig = {**query, "link_sig": ("0" if query["link_sig"][0] != "0" else "1") + query["link_sig"][1:]}
    other_user = {**query, "link_uid": str(world.users["county"].id)}
    later = {**query, "link_exp": str(int(query["link_exp"]) + 3600)}
    for forged in (tampered_sig, other_user, later):
        resp = client.get(f"{parts.path}?{urlencode(forged)}")
        assert resp.status_code == 403 and resp.get_json()["code"] == "link_signature_invalid", forged
    other = ordered_hazard(client, world)
    moved = client.get(f"/api/v1/hazards/{other}/order.html?{parts.query}")
    assert moved.status_code == 403 and moved.get_json()["code"] == "link_signature_invalid"
    assert client.get(f"/api/v1/hazards/{hid}?{parts.query}").status_code == 403  # not the JSON either
    assert client.post(f"{parts.path}?{parts.query}").status_code in (401, 405)   # GET only
    clock.advance(seconds=301)
    expired = open_link(client, url)
    assert expired.status_code == 403 and expired.get_json()["code"] == "link_expired"
    assert "过期" in expired.get_json()["message"]


def test_a_link_of_a_user_without_scope_answers_404_as_usual(client, world, session):
    hid = ordered_hazard(client, world)  # in township 1
    url = sign(client, world, "m2", f"/api/v1/hazards/{hid}/order.html").get_json()["url"]
    assert open_link(client, url).status_code == 404
    # and a link stops working when its user does
    good = sign(client, world, "m1", f"/api/v1/hazards/{hid}/order.html").get_json()["url"]
    user = session.get(type(world.users["m1"]), world.users["m1"].id)
    user.active = False
    session.commit()
    assert open_link(client, good).status_code == 401


def test_only_documents_may_be_linked(client, world):
    for path in ("/api/v1/hazards", "/api/v1/me", "https://evil.example/api/v1/x.html", "/api/v1/../x.html",
                 "/api/v1/hazards/1/order.html?link_sig=1", "/docs/x.html"):
        resp = sign(client, world, "town1", path)
        assert resp.status_code == 422 and resp.get_json()["code"] == "link_path_not_allowed", path
    assert client.post("/api/v1/links", json={"path": "/api/v1/hazards/export.xlsx"}).status_code == 401


def test_a_link_lifetime_follows_the_config(client, world, clock):
    body = sign(client, world, "town1", "/api/v1/hazards/export.xlsx").get_json()
    assert body["expires_at"].startswith((clock() + timedelta(seconds=300)).strftime("%Y-%m-%dT%H:%M"))


def test_a_link_opens_the_rewards_ledger_export_for_the_county_only(client, world):
    path = "/api/v1/tipoffs/rewards/export.xlsx?start=2026-11-01&end=2026-11-30&period=month"
    county = open_link(client, sign(client, world, "county", path).get_json()["url"])
    assert county.status_code == 200, county.get_json()
    assert county.mimetype.endswith("spreadsheetml.sheet") and county.data[:2] == b"PK"
    town = open_link(client, sign(client, world, "town1", path).get_json()["url"])
    assert town.status_code == 403 and town.get_json()["code"] == "forbidden"  # tipoff:reward is the county's
