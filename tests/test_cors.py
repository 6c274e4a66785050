"""CORS for the public endpoints: off by default; for a configured origin, a tip-off page on another site may
submit, upload photos (also resumably) and track, and nothing that needs a login is opened to it."""
from __future__ import annotations

from dataclasses import replace

import pytest

from server.app import create_app

PORTAL = "https://portal.example.gov.cn"


@pytest.fixture
def cors_client(config, clock, engine, app):
    return create_app(replace(config, cors_origins=f"{PORTAL}, https://other.example"), clock=clock,
                      engine=engine).test_client()


def preflight(client, path: str, method: str, origin: str = PORTAL, headers: str = "content-type"):
    return client.options(path, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                         "Access-Control-Request-Headers": headers})


def test_off_by_default(client, world):
    resp = preflight(client, "/api/v1/tipoffs", "POST")
    assert "Access-Control-Allow-Origin" not in resp.headers
    got = client.get("/api/v1/tipoffs/categories", headers={"Origin": PORTAL})
    assert got.status_code == 200 and "Access-Control-Allow-Origin" not in got.headers


def test_a_configured_origin_may_submit_and_track_a_tipoff(cors_client, world):
    pre = preflight(cors_client, "/api/v1/tipoffs", "POST")
    assert pre.status_code in (200, 204)
    assert pre.headers["Access-Control-Allow-Origin"] == PORTAL
    assert pre.headers["Access-Control-Allow-Methods"] == "POST"
    assert "Content-Type" in pre.headers["Access-Control-Allow-Headers"]
    assert "Authorization" not in pre.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in pre.headers
    assert "Origin" in pre.headers["Vary"]
    sent = cors_client.post("/api/v1/tipoffs", headers={"Origin": PORTAL}, json={
        "category": "fire_escape", "description": "楼道堆满杂物, 堵住了安全出口", "location": {"lat": 29.2, "lng": 120.05}})
    assert sent.status_code == 201, sent.get_json()
    assert sent.headers["Access-Control-Allow-Origin"] == PORTAL
    assert "X-Request-Id" in sent.headers["Access-Control-Expose-Headers"]
    tracked = cors_client.get(f"/api/v1/tipoffs/track/{sent.get_json()['tracking_code']}",
                              headers={"Origin": PORTAL})
    assert tracked.status_code == 200 and tracked.headers["Access-Control-Allow-Origin"] == PORTAL
    refused = cors_client.post("/api/v1/tipoffs", headers={"Origin": PORTAL}, json={"category": "fire_escape"})
    assert refused.status_code == 422 and refused.headers["Access-Control-Allow-Origin"] == PORTAL  # readable
    cats = cors_client.get("/api/v1/tipoffs/categories", headers={"Origin": PORTAL})
    assert cats.headers["Access-Control-Allow-Origin"] == PORTAL


def test_tus_uploads_expose_their_headers_cross_origin(cors_client, world):
    pre = preflight(cors_client, "/api/v1/uploads", "POST", headers="tus-resumable,upload-length,upload-metadata")
    assert pre.headers["Access-Control-Allow-Origin"] == PORTAL
    for header in ("Tus-Resumable", "Upload-Length", "Upload-Metadata"):
        assert header in pre.headers["Access-Control-Allow-Headers"]
    opts = cors_client.options("/api/v1/uploads", headers={"Origin": PORTAL})  # tus discovery, not a preflight
    assert "Tus-Max-Size" in opts.headers["Access-Control-Expose-Headers"]
    patch = preflight(cors_client, "/api/v1/uploads/abc", "PATCH", headers="upload-offset,content-type")
    assert "PATCH" in patch.headers["Access-Control-Allow-Methods"]


def test_other_origins_and_endpoints_that_need_a_login_get_no_cors(cors_client, world):
    assert "Access-Control-Allow-Origin" not in preflight(cors_client, "/api/v1/tipoffs", "POST",
                                                          origin="https://evil.example").headers
    assert "Access-Control-Allow-Origin" not in preflight(cors_client, "/api/v1/tipoffs", "GET").headers  # triage list
    assert "Access-Control-Allow-Origin" not in preflight(cors_client, "/api/v1/hazards", "GET").headers
    listed = cors_client.get("/api/v1/tipoffs", headers={"Origin": PORTAL, **world.headers("town1")})
    assert "Access-Control-Allow-Origin" not in listed.headers
    assert "Access-Control-Allow-Origin" not in cors_client.get("/api/v1/me", headers={"Origin": PORTAL}).headers


def test_a_wildcard_allows_any_origin(config, clock, engine, app, world):
    client = create_app(replace(config, cors_origins="*"), clock=clock, engine=engine).test_client()
    resp = client.get("/open311/v2/services.json", headers={"Origin": "https://anywhere.example"})
    assert resp.status_code == 200 and resp.headers["Access-Control-Allow-Origin"] == "https://anywhere.example"
