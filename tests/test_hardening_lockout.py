"""Lockout per username and client: a guesser locks out itself, not the owner; unknown usernames answer exactly
like known ones, lock alike, and the answers never say which usernames exist."""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD

ATTACKER, OWNER = "203.0.113.7", "198.51.100.20"


def login(client, username, password="wrong", ip=ATTACKER):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_a_guesser_locks_out_itself_and_the_owner_still_logs_in_from_their_phone(client, world):
    for _ in range(5):
        assert login(client, "m1").status_code == 401
    locked = login(client, "m1", PASSWORD)  # even the right password, from the guesser's address
    assert locked.status_code == 403 and locked.get_json()["code"] == "account_locked"
    assert login(client, "m1", PASSWORD, ip=OWNER).status_code == 200


@pytest.mark.parametrize("failures", [1, 5])
def test_unknown_and_known_usernames_answer_alike(client, world, failures):
    known = [login(client, "m1") for _ in range(failures + 1)]
    unknown = [login(client, "no-such-member") for _ in range(failures + 1)]
    assert [(r.status_code, r.get_json()["code"], r.get_json()["message"]) for r in known] == \
           [(r.status_code, r.get_json()["code"], r.get_json()["message"]) for r in unknown]
    assert known[-1].status_code == (403 if failures == 5 else 401)


def test_a_disabled_account_says_so_only_to_whoever_knows_its_password(client, world, session):
    user = world.users["m1b"]
    user.active = False
    session.commit()
    assert login(client, "m1b").get_json()["code"] == "invalid_credentials"
    assert login(client, "m1b", PASSWORD).get_json()["code"] == "account_disabled"


def test_a_success_clears_the_count_and_the_lock_expires(client, world, clock):
    for _ in range(4):
        login(client, "m1")
    assert login(client, "m1", PASSWORD).status_code == 200
    for _ in range(4):
        assert login(client, "m1").status_code == 401  # counting started again
    login(client, "m1")
    assert login(client, "m1", PASSWORD).status_code == 403
    clock.advance(minutes=16)
    assert login(client, "m1", PASSWORD).status_code == 200
