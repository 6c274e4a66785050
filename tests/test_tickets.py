"""One-time login tickets for the mini-program's web-view: the mini-program's WeChat login becomes a ticket, the
H5 page spends it once for its own token pair; a second use, a late use or a forged ticket get nothing."""
from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import select

from server.app import create_app
from server.audit.models import AuditEntry
from server.auth.models import LoginTicket
from tests.fake_wechat import FakeWeChat


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_wechat_login_becomes_a_ticket_the_web_view_spends_once(config, clock, engine, world, session):
    """The mini-program's whole path: wx.login → /auth/wechat (binding code the first time) → /auth/tickets →
    the H5 page posts the ticket from its URL fragment and is logged in as the same member."""
    with FakeWeChat(config.wechat_app_id, config.wechat_app_secret) as wechat:
        client = create_app(replace(config, wechat_api_base=wechat.base_url), clock=clock, engine=engine).test_client()
        binding = client.post(f"/api/v1/users/{world.users['m1'].id}/binding-code",
                              headers=world.headers("town1")).get_json()["code"]
        wechat.codes["wx-code"] = "openid-m1"
        mini = client.post("/api/v1/auth/wechat", json={"code": "wx-code", "binding_code": binding}).get_json()
    issued = client.post("/api/v1/auth/tickets", headers=bearer(mini["access_token"]))
    assert issued.status_code == 201, issued.get_json()
    ticket = issued.get_json()
    assert ticket["expires_in"] == 60 and len(ticket["ticket"]) >= 40
    page = client.post("/api/v1/auth/ticket", json={"ticket": ticket["ticket"]})
    assert page.status_code == 200, page.get_json()
    pair = page.get_json()
    assert set(pair) == {"access_token", "refresh_token", "expires_in", "token_type"}
    assert pair["refresh_token"] != mini["refresh_token"]  # a login of its own, logged out on its own
    assert client.get("/api/v1/me", headers=bearer(pair["access_token"])).get_json()["username"] == "m1"
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 200
    again = client.post("/api/v1/auth/ticket", json={"ticket": ticket["ticket"]})
    assert again.status_code == 401 and again.get_json()["code"] == "ticket_used"
    assert "已使用" in again.get_json()["message"]
    session.rollback()
    # only the hash is kept, and the login is in the audit log like any other
    assert session.scalar(select(LoginTicket.ticket_hash)) != ticket["ticket"]
    methods = [e.summary.get("method") for e in session.scalars(select(AuditEntry).where(
        AuditEntry.action == "auth.login").order_by(AuditEntry.id))]
    assert methods == ["wechat", "ticket"]


def test_a_ticket_expires_after_a_minute(client, world, clock):
    ticket = client.post("/api/v1/auth/tickets", headers=world.headers("m1")).get_json()["ticket"]
    clock.advance(seconds=61)
    late = client.post("/api/v1/auth/ticket", json={"ticket": ticket})
    assert late.status_code == 401 and late.get_json()["code"] == "ticket_expired"
    assert late.get_json()["message"] == "登录票据已过期, 请返回小程序重新进入"


def test_forged_and_missing_tickets_get_nothing(client, world):
    forged = client.post("/api/v1/auth/ticket", json={"ticket": "x" * 43})
    assert forged.status_code == 401 and forged.get_json()["code"] == "ticket_invalid"
    assert client.post("/api/v1/auth/ticket", json={}).status_code == 422
    assert client.post("/api/v1/auth/tickets").status_code == 401  # only a logged-in client gets one


def test_a_disabled_account_cannot_spend_its_ticket(client, world, session):
    ticket = client.post("/api/v1/auth/tickets", headers=world.headers("m1")).get_json()["ticket"]
    user = session.get(type(world.users["m1"]), world.users["m1"].id)
    user.active = False
    session.commit()
    refused = client.post("/api/v1/auth/ticket", json={"ticket": ticket})
    assert refused.status_code == 403 and refused.get_json()["code"] == "account_disabled"


@pytest.mark.parametrize("attempts", [6])
def test_concurrent_exchanges_of_one_ticket_log_in_once(app, world, attempts):
    ticket = app.test_client().post("/api/v1/auth/tickets", headers=world.headers("m1")).get_json()["ticket"]
    barrier, statuses = threading.Barrier(attempts), []

    def spend() -> None:
        c = app.test_client()
        barrier.wait()
        statuses.append(c.post("/api/v1/auth/ticket", json={"ticket": ticket}).status_code)

    threads = [threading.Thread(target=spend) for _ in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [401] * (attempts - 1)


def test_old_tickets_are_cleared_as_new_ones_are_issued(client, world, clock, session):
    for _ in range(3):
        client.post("/api/v1/auth/tickets", headers=world.headers("m1"))
    client.post("/api/v1/auth/tickets", headers=world.headers("m2"))
    clock.advance(days=2)
    assert client.post("/api/v1/auth/tickets", headers=world.headers("m1")).status_code == 201
    session.rollback()
    owners = sorted(session.scalars(select(LoginTicket.user_id)))
    assert owners == sorted([world.users["m1"].id, world.users["m2"].id])  # m2's wait for m2's next ticket
