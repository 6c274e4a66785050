"""The framework floor: a bare Flask JSON endpoint served the same way as the real app (gunicorn, same workers)."""
from __future__ import annotations

import uuid

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/api/v1/checkins")
def echo() -> object:
    body = request.get_json()
    return jsonify({"id": uuid.uuid4().hex, "client_uuid": body["client_uuid"], "counted": True}), 201
