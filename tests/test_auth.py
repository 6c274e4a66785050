"""Password login, token rotation and reuse detection, lockout, forged tokens, WeChat binding."""
from __future__ import annotations

import base64
import json

import jwt
import pytest

from tests.factories import PASSWORD


def login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_login_answers_the_token_contract_and_me_works(client, world):
    resp = login(client, "m1")
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) >= {"access_token", "refresh_token", "expires_in"}
    assert body["expires_in"] == 900
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.get_json()["username"] == "m1"
    assert [a["code"] for a in me.get_json()["areas"]] == ["330799001001001"]


def test_access_token_claims_are_pinned(client, world, config):
    token = login(client, "m1").get_json()["access_token"]
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "HS256", "kid": "k2", "typ": "JWT"}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == "gridpatrol" and claims["aud"] == "gridpatrol-api"
    assert claims["exp"] - claims["iat"] == 900


def test_wrong_password_is_401_with_the_error_shape(client, world):
    resp = login(client, "m1", "nope")
    assert resp.status_code == 401
    assert resp.get_json() == {"code": "invalid_credentials", "message": "用户名或密码错误", "detail": {}}
    assert login(client, "nobody", "nope").get_json()["code"] == "invalid_credentials"


def test_lockout_after_repeated_failures_and_it_expires(client, world, clock):
    for _ in range(5):
        assert login(client, "m1", "wrong").status_code == 401
    locked = login(client, "m1")
    assert locked.status_code == 403
    assert locked.get_json()["code"] == "account_locked"
    clock.advance(minutes=16)
    assert login(client, "m1").status_code == 200


def test_failed_logins_are_audited_even_though_the_answer_is_an_error(client, world, session):
    from server.audit.models import AuditEntry
    login(client, "m1", "wrong")
    actions = [e.action for e in session.query(AuditEntry).all()]
    assert "auth.login_failed" in actions


def test_refresh_rotates_and_a_replayed_token_revokes_the_family(client, world):
    first = login(client, "m1").get_json()
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    new = second.get_json()
    assert new["refresh_token"] != first["refresh_token"]
    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert replay.get_json()["code"] == "refresh_reused"
    # the thief's replay also killed the legitimate holder's newer token
    after = client.post("/api/v1/auth/refresh", json={"refresh_token": new["refresh_token"]})
    assert after.status_code == 401
    assert after.get_json()["code"] == "refresh_invalid"


def test_logout_revokes_the_refresh_token(client, world):
    pair = login(client, "m1").get_json()
    out = client.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]},
                      headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert out.status_code == 204
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401


def test_expired_refresh_token_is_refused(client, world, clock):
    pair = login(client, "m1").get_json()
    clock.advance(days=31)
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401


def test_expired_access_token_is_401_token_expired(client, world, clock):
    headers = world.headers("m1")
    clock.advance(seconds=901)
    resp = client.get("/api/v1/me", headers=headers)
    assert resp.status_code == 401
    assert resp.get_json()["code"] == "token_expired"


def _forge(claims: dict, header: dict, key: str = "") -> str:
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return f"{enc(header)}.{enc(claims)}." + (key and base64.urlsafe_b64encode(key.encode()).decode())


@pytest.mark.parametrize("kind", ["alg_none", "wrong_key", "unknown_kid", "wrong_audience", "garbage", "no_exp"])
def test_forged_tokens_are_refused(client, world, clock, kind):
    now = int(clock().timestamp())
    claims = {"sub": str(world.users["county"].id), "role": "county_admin", "iss": "gridpatrol",
              "aud": "gridpatrol-api", "iat": now, "exp": now + 600, "typ": "access"}
    if kind == "alg_none":
        token = _forge(claims, {"alg": "none", "kid": "k2", "typ": "JWT"})
    elif kind == "wrong_key":
        token = jwt.encode(claims, "attacker-key-0123456789abcdef0123", algorithm="HS256", headers={"kid": "k2"})
    elif kind == "unknown_kid":
        token = jwt.encode(claims, "test-key-two-0123456789abcdef0123", algorithm="HS256", headers={"kid": "k9"})
    elif kind == "wrong_audience":
        token = jwt.encode(claims | {"aud": "other"}, "test-key-two-0123456789abcdef0123", algorithm="HS256",
                           headers={"kid": "k2"})
    elif kind == "no_exp":
        token = jwt.encode({k: v for k, v in claims.items() if k != "exp"}, "test-key-two-0123456789abcdef0123",
                           algorithm="HS256", headers={"kid": "k2"})
    else:
        token = "not.a.jwt"
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401
    assert resp.get_json()["code"] == "token_invalid"


def test_a_token_signed_with_the_older_key_still_verifies(client, world, clock):
    """Key rotation: k2 signs now, k1 signed yesterday's tokens, both verify until k1 is removed."""
    now = int(clock().timestamp())
    claims = {"sub": str(world.users["m1"].id), "role": "member", "iss": "gridpatrol", "aud": "gridpatrol-api",
              "iat": now, "exp": now + 600, "typ": "access"}
    token = jwt.encode(claims, "test-key-one-0123456789abcdef0123", algorithm="HS256", headers={"kid": "k1"})
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_deactivated_user_token_stops_working(client, world, session):
    headers = world.headers("m1")
    user = session.get(type(world.users["m1"]), world.users["m1"].id)
    user.active = False
    session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_missing_token_is_401(client, world):
    resp = client.get("/api/v1/me")
    assert resp.status_code == 401
    assert resp.get_json()["code"] == "unauthorized"
