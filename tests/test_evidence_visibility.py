"""Tip-off photos follow their tip-off's visibility: before triage only the tip-off queue's admins can read them
(facts, URLs, original); once the tip-off is a hazard, whoever sees the hazard.  A public upload learns nothing
about other photos, not even that the same bytes were uploaded before (staff still see the flag)."""
from __future__ import annotations

from sqlalchemy import select

from server.evidence.models import Photo
from tests.patrol_helpers import local
from tests.photos import jpeg, upload
from tests.test_tipoffs import PARTY, staff, submitted, tipoff_id


def _read(client, world, user, pid):
    return client.get(f"/api/v1/photos/{pid}", headers=world.headers(user)).status_code


def _original(client, world, user, pid):
    return client.get(f"/api/v1/photos/{pid}/original", headers=world.headers(user)).status_code


def test_a_tipoff_photo_is_readable_by_the_queues_admins_only_until_it_is_a_hazard(app, client, world, clock,
                                                                                  session):
    clock.set(local(2026, 11, 23, 9, 0))
    pid = upload(client, None, "tipoff", jpeg(901)).get_json()["id"]
    tid = tipoff_id(app, session, submitted(client, photo_ids=[pid]))
    session.rollback()
    assert session.scalar(select(Photo.area_id).where(Photo.client_uuid == pid)) == world.areas["G1"].id
    # the grid's member and the township's inspector cover the grid but may not see tip-offs: same 404 as missing
    for user in ("m1", "insp1", "inspc"):
        assert _read(client, world, user, pid) == 404, user
    for user in ("town1", "county"):
        assert _read(client, world, user, pid) == 200, user
    assert _original(client, world, "town1", pid) == 302
    assert _read(client, world, "town2", pid) == 404  # another township's queue
    # converted: the photos are the hazard's, seen by whoever sees the hazard
    converted = staff(client, world, "town1", f"/{tid}/convert", {"level": "general", **PARTY})
    assert converted.status_code == 200, converted.get_json()
    assert _read(client, world, "m1", pid) == 200
    assert _read(client, world, "m1b", pid) == 404 and _read(client, world, "m2", pid) == 404  # other grids


def test_a_rejected_tipoffs_photo_stays_with_the_queue(app, client, world, clock, session):
    clock.set(local(2026, 11, 23, 9, 0))
    pid = upload(client, None, "tipoff", jpeg(902)).get_json()["id"]
    tid = tipoff_id(app, session, submitted(client, photo_ids=[pid]))
    assert staff(client, world, "town1", f"/{tid}/reject", {"reason": "不属于安全隐患"}).status_code == 200
    assert _read(client, world, "m1", pid) == 404
    assert _read(client, world, "town1", pid) == 200


def test_a_public_upload_of_the_same_bytes_learns_nothing_about_the_other_photo(client, world):
    data = jpeg(903)
    members = upload(client, world.headers("m1"), "hazard", data)
    assert members.status_code == 201
    other = members.get_json()["id"]
    public = upload(client, None, "tipoff", data)
    assert public.status_code == 201, public.get_json()
    body = public.get_json()
    assert other not in public.get_data(as_text=True)
    assert "duplicate_sha256" not in {f["code"] for f in body["flags"]}
    retry = upload(client, None, "tipoff", data, client_uuid=body["id"])
    assert retry.status_code == 200 and other not in retry.get_data(as_text=True)
    # staff still see that the bytes were uploaded before, and which photo had them
    seen = client.get(f"/api/v1/photos/{body['id']}", headers=world.headers("county")).get_json()
    (dup,) = [f for f in seen["flags"] if f["code"] == "duplicate_sha256"]
    assert dup["detail"]["other_photo"] == other
    # a member uploading the same bytes is told, as before
    again = upload(client, world.headers("m1"), "hazard", data).get_json()
    assert "duplicate_sha256" in {f["code"] for f in again["flags"]}


def test_another_tipsters_photo_id_does_not_hand_over_that_photo(client):
    first = upload(client, None, "tipoff", jpeg(904))
    assert first.status_code == 201
    pid = first.get_json()["id"]
    # someone else sends other bytes under the id they learnt: refused, no URL of the first photo
    stranger = upload(client, None, "tipoff", jpeg(905), client_uuid=pid)
    assert stranger.status_code == 409 and stranger.get_json()["code"] == "client_uuid_conflict"
    assert "display_url" not in stranger.get_json()
    # the tipster's own retry (the same bytes) still finds the photo its first attempt stored
    retry = upload(client, None, "tipoff", jpeg(904), client_uuid=pid)
    assert retry.status_code == 200 and retry.get_json()["id"] == pid
