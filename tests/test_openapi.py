"""The published OpenAPI document is the one the app serves, and it documents the error shape."""
from __future__ import annotations

import json
from pathlib import Path

PUBLISHED = Path(__file__).resolve().parent.parent / "client_schema" / "openapi.json"


def test_published_openapi_matches_the_app(client):
    served = json.dumps(client.get("/openapi.json").get_json(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert PUBLISHED.read_text() == served, (
        "client_schema/openapi.json is out of date; regenerate it with: .venv/bin/python scripts/export_openapi.py")


def test_every_operation_documents_the_error_shape(client):
    spec = client.get("/openapi.json").get_json()
    error = spec["components"]["schemas"]["ErrorOut"]
    assert set(error["properties"]) == {"code", "message", "detail"}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method == "parameters":
                continue
            assert "default" in op["responses"], f"{method.upper()} {path} does not document errors"


def test_swagger_ui_is_served_offline(client):
    page = client.get("/docs")
    assert page.status_code == 200 and b"/docs-static/swagger-ui-bundle.js" in page.data
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200
