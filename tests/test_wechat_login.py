"""WeChat mini-program login through a fake code2Session server on loopback."""
from __future__ import annotations

from dataclasses import replace

import pytest

from server.app import create_app
from tests.fake_wechat import FakeWeChat


@pytest.fixture
def wechat(config):
    with FakeWeChat(config.wechat_app_id, config.wechat_app_secret) as fake:
        yield fake


@pytest.fixture
def wx_client(app, config, clock, engine, wechat):
    application = create_app(replace(config, wechat_api_base=wechat.base_url), clock=clock, engine=engine)
    return application.test_client()


def issue_code(client, world, admin, member):
    resp = client.post(f"/api/v1/users/{world.users[member].id}/binding-code", headers=world.headers(admin))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["code"]


def test_first_login_binds_with_the_admins_code_then_code_alone_works(wx_client, world, wechat):
    binding = issue_code(wx_client, world, "town1", "m1")
    wechat.codes.update({"c1": "openid-m1", "c2": "openid-m1"})
    unbound = wx_client.post("/api/v1/auth/wechat", json={"code": "c1"})
    assert unbound.status_code == 403 and unbound.get_json()["code"] == "wechat_not_bound"
    wechat.used.clear()
    bound = wx_client.post("/api/v1/auth/wechat", json={"code": "c1", "binding_code": binding.lower()})
    assert bound.status_code == 200, bound.get_json()
    me = wx_client.get("/api/v1/me", headers={"Authorization": f"Bearer {bound.get_json()['access_token']}"})
    assert me.get_json()["username"] == "m1" and me.get_json()["wechat_bound"] is True
    again = wx_client.post("/api/v1/auth/wechat", json={"code": "c2"})
    assert again.status_code == 200
    # the request really carried the app's credentials
    assert wechat.requests[-1]["appid"] == ["wx-test-app"]


def test_binding_code_is_single_use(wx_client, world, wechat):
    binding = issue_code(wx_client, world, "town1", "m1")
    wechat.codes.update({"a": "openid-1", "b": "openid-2"})
    assert wx_client.post("/api/v1/auth/wechat", json={"code": "a", "binding_code": binding}).status_code == 200
    second = wx_client.post("/api/v1/auth/wechat", json={"code": "b", "binding_code": binding})
    assert second.status_code == 403 and second.get_json()["code"] == "binding_code_invalid"


def test_binding_code_expires(wx_client, world, wechat, clock):
    binding = issue_code(wx_client, world, "town1", "m1")
    clock.advance(hours=73)
    wechat.codes["a"] = "openid-1"
    resp = wx_client.post("/api/v1/auth/wechat", json={"code": "a", "binding_code": binding})
    assert resp.get_json()["code"] == "binding_code_invalid"


def test_invalid_or_reused_wechat_code_is_401(wx_client, world, wechat):
    resp = wx_client.post("/api/v1/auth/wechat", json={"code": "never-issued"})
    assert resp.status_code == 401 and resp.get_json()["code"] == "wechat_code_invalid"
    assert resp.get_json()["detail"]["errcode"] == 40029


def test_township_admin_cannot_issue_codes_for_another_townships_member(wx_client, world):
    resp = wx_client.post(f"/api/v1/users/{world.users['m2'].id}/binding-code", headers=world.headers("town1"))
    assert resp.status_code == 404


def test_unreachable_wechat_is_503(client, world):
    # the default test config points code2Session at a closed port
    resp = client.post("/api/v1/auth/wechat", json={"code": "x"})
    assert resp.status_code == 503 and resp.get_json()["code"] == "wechat_unavailable"
