"""The honest floor of a correct clock-in: the same checks and writes as POST /api/v1/checkins, by hand-written SQL.

A bare Flask endpoint (served by the same gunicorn, on the same PostgreSQL) that verifies the access token with the
app's own code, then in four statements and a commit: the member (active) with each of their grids' geofence
answer (PostGIS), the photos checked and marked attached, the clock-in inserted with "counted" decided in the same
statement (the partial unique index settles races), and the audit entry.  No ORM, no schema library, no response
serializer: what a clock-in costs when only the database work is left.
"""
from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import psycopg
from flask import Flask, jsonify, request

from server.auth.tokens import decode_access_token
from server.common.geo import distance_m
from server.common.timeutil import local_day
from server.config import Config

app = Flask(__name__)
CONFIG = Config.from_env()
DSN = CONFIG.database_url.replace("postgresql+psycopg://", "postgresql://")
_local = threading.local()

MEMBER = """
SELECT u.active, u.username, a.id, ST_Intersects(a.geom, p.pt), ST_X(ST_ClosestPoint(a.geom, p.pt)),
       ST_Y(ST_ClosestPoint(a.geom, p.pt))
FROM users u JOIN user_areas ua ON ua.user_id = u.id JOIN areas a ON a.id = ua.area_id,
     (SELECT ST_SetSRID(ST_MakePoint(%(lng)s, %(lat)s), 4326) AS pt) p
WHERE u.id = %(user_id)s AND a.level = 'grid'"""
PHOTOS = """
UPDATE photos SET attached_to = COALESCE(attached_to, %(record)s)
WHERE client_uuid = ANY(%(ids)s) AND uploader_id = %(user_id)s AND purpose = 'checkin'
RETURNING client_uuid, attached_to, flags"""
INSERT = """
INSERT INTO checkins (client_uuid, user_id, area_id, device_time, received_at, occurred_at, day, lat, lng, accuracy,
                      photo_ids, flags, review_status, created_at, updated_at, counted, geofence, distance_m)
VALUES (%(client_uuid)s, %(user_id)s, %(area_id)s, %(device_time)s, %(now)s, %(device_time)s, %(day)s, %(lat)s,
        %(lng)s, %(accuracy)s, %(photo_ids)s, %(flags)s, 'pending', %(now)s, %(now)s,
        NOT EXISTS (SELECT 1 FROM checkins WHERE user_id = %(user_id)s AND day = %(day)s AND counted),
        %(geofence)s, %(distance_m)s)
ON CONFLICT DO NOTHING RETURNING id, counted"""
AUDIT = """
INSERT INTO audit_log (at, actor_id, actor_name, action, object_type, object_id, area_id, summary)
VALUES (%(now)s, %(user_id)s, %(username)s, 'checkins.create', 'checkins', %(id)s, %(area_id)s, %(summary)s)"""


def _conn() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(DSN)
    return conn


@app.post("/api/v1/checkins")
def check_in() -> object:
    now = datetime.now(UTC)
    header = request.headers.get("Authorization", "")
    user_id = int(decode_access_token(CONFIG, header.partition(" ")[2], now)["sub"])
    body = request.get_json()
    lat, lng = float(body["location"]["lat"]), float(body["location"]["lng"])
    device_time = datetime.fromisoformat(body["device_time"]).astimezone(UTC)
    photo_ids = list(dict.fromkeys(body["photo_ids"]))
    conn = _conn()
    with conn.cursor() as cur:
        rows = cur.execute(MEMBER, {"lng": lng, "lat": lat, "user_id": user_id}).fetchall()
        if not rows or not rows[0][0]:
            conn.rollback()
            return jsonify({"code": "token_invalid"}), 401
        username = rows[0][1]
        outside, grid_id = min((0.0 if inside else distance_m(lat, lng, y, x), gid) for _, _, gid, inside, x, y in rows)
        record = f"checkins:{body['client_uuid']}"
        photos = cur.execute(PHOTOS, {"record": record, "ids": photo_ids, "user_id": user_id}).fetchall()
        if len(photos) != len(photo_ids):
            conn.rollback()
            return jsonify({"code": "photo_invalid"}), 422
        in_area = outside <= CONFIG.geofence_tolerance_m
        flags = sorted({*([] if in_area else ["out_of_area"]),
                        *(["photo_reused"] if any(p[1] != record for p in photos) else []),
                        *(f"photo_{f['code']}" for p in photos for f in p[2])})
        naive_now, naive_device = now.replace(tzinfo=None), device_time.replace(tzinfo=None)
        values = {"client_uuid": body["client_uuid"], "user_id": user_id, "area_id": grid_id,
                  "device_time": naive_device, "now": naive_now, "day": local_day(device_time), "lat": lat,
                  "lng": lng, "accuracy": body["location"].get("accuracy"), "photo_ids": json.dumps(photo_ids),
                  "flags": json.dumps(flags), "geofence": "in_area" if in_area else "out_of_area",
                  "distance_m": round(outside, 1)}
        made = cur.execute(INSERT, values).fetchone()
        if made is None:  # a retry of the same client_uuid, or a race for "counted" lost: the app answers these
            conn.rollback()
            return jsonify({"code": "conflict"}), 409
        summary = {k: str(v) for k, v in values.items() if k != "now"}
        cur.execute(AUDIT, {"now": naive_now, "user_id": user_id, "username": username, "id": str(made[0]),
                            "area_id": grid_id, "summary": json.dumps(summary)})
    conn.commit()
    return jsonify({"id": made[0], "client_uuid": body["client_uuid"], "counted": made[1]}), 201

