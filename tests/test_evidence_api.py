"""The photo upload as its clients see it: one multipart body described whole, EXIF time written one way."""
from __future__ import annotations

import io
import uuid

from tests.patrol_helpers import local
from tests.photos import jpeg, upload


def test_exif_time_reads_the_same_on_upload_and_afterwards(client, world, clock):
    clock.set(local(2026, 11, 23, 15, 0))
    taken = local(2026, 11, 23, 14, 13, 7)
    resp = upload(client, world.headers("m1"), "checkin", jpeg(7, taken=taken))
    assert resp.status_code == 201, resp.get_json()
    on_upload = resp.get_json()["exif_time"]
    later = client.get(f"/api/v1/photos/{resp.get_json()['id']}", headers=world.headers("m1")).get_json()
    assert on_upload == later["exif_time"] == "2026-11-23T06:13:07+00:00"


def test_a_text_field_named_file_is_a_422_naming_the_file(client, world):
    body = {"client_uuid": str(uuid.uuid4()), "purpose": "checkin", "file": "not a file"}
    resp = client.post("/api/v1/photos", headers=world.headers("m1"), data=body, content_type="multipart/form-data")
    assert resp.status_code == 422 and "file" in resp.get_json()["detail"]["fields"]
    missing = client.post("/api/v1/photos", headers=world.headers("m1"), content_type="multipart/form-data",
                          data={"client_uuid": str(uuid.uuid4()), "purpose": "checkin"})
    assert missing.status_code == 422 and "file" in missing.get_json()["detail"]["fields"]
    fields_missing = client.post("/api/v1/photos", headers=world.headers("m1"), content_type="multipart/form-data",
                                 data={"file": (io.BytesIO(jpeg(3)), "a.jpg")})
    assert fields_missing.status_code == 422
    assert {"client_uuid", "purpose"} <= set(fields_missing.get_json()["detail"]["fields"])


def test_the_upload_is_documented_as_one_multipart_body(client):
    spec = client.get("/openapi.json").get_json()
    op = spec["paths"]["/api/v1/photos"]["post"]
    assert not any(p.get("in") == "formData" for p in op.get("parameters", []))
    schema_ref = op["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert {"file", "client_uuid", "purpose", "claimed_time", "lat", "lng", "place_id"} <= set(schema["properties"])
    assert schema["properties"]["file"] == {**schema["properties"]["file"], "type": "string", "format": "binary"}
    assert {"file", "client_uuid", "purpose"} <= set(schema["required"])
