"""The published OpenAPI document is one a client can be built on: it validates against the OpenAPI 3.0 schema,
and a generated Python client has every endpoint the clients use, the photo upload with its whole body."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from openapi_spec_validator import validate

DOCUMENT = Path(__file__).resolve().parents[1] / "client_schema" / "openapi.json"
# what the generator cannot represent, and why that is fine: binary downloads (PNG/XLSX/HTML are fetched by a
# browser from a signed link, not by a typed client) and the tus PATCH (a tus client library speaks it)
UNSUPPORTED_OK = re.compile(r"Unsupported content[ _]type (image/png|text/html|application/vnd\.openxmlformats"
                            r"[\w.-]*|application/offset\+octet-stream)")


def test_the_document_validates_as_openapi_3():
    spec = json.loads(DOCUMENT.read_text())
    assert spec["openapi"].startswith("3.0")
    validate(spec)


def test_pagination_and_amounts_are_documented_as_sent():
    spec = json.loads(DOCUMENT.read_text())
    header = spec["components"]["headers"]["PAGINATION"]
    assert "schema" not in header and "application/json" in header["content"]  # JSON text, not an object
    amount = spec["components"]["schemas"]["RewardIn"]["properties"]["amount"]
    assert amount["minimum"] == 0 and not isinstance(amount["minimum"], str)


def test_a_generated_python_client_covers_the_api(tmp_path):
    cli = Path(sys.executable).with_name("openapi-python-client")
    run = subprocess.run([str(cli), "generate", "--path", str(DOCUMENT), "--meta", "none", "--output-path",
                          str(tmp_path / "client")], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    warnings = [block for block in run.stdout.split("WARNING parsing ")[1:]]
    unexplained = [w.splitlines()[0] for w in warnings if not UNSUPPORTED_OK.search(w)]
    assert unexplained == [], "\n".join(unexplained)
    root = tmp_path / "client"
    modules = {p.relative_to(root / "api").as_posix() for p in (root / "api").rglob("*.py")}
    for needed in ("evidence/post_api_v1_photos.py", "hazards/post_api_v1_hazards.py", "phone/post_api_v1_sync.py",
                   "phone/get_api_v1_me_today.py", "phone/get_api_v1_me_grid.py", "review/get_api_v1_reviews.py"):
        assert needed in modules, sorted(modules)
    upload = (root / "models" / "photo_upload.py").read_text()
    for field in ("file", "client_uuid", "purpose", "claimed_time", "place_id"):
        assert f"{field}:" in upload
    # the generated package imports (its models and endpoint functions are valid Python)
    sys.path.insert(0, str(tmp_path))
    try:
        __import__("client.api.evidence.post_api_v1_photos")
        __import__("client.models.photo_upload")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "client" or m.startswith("client.")]:
            del sys.modules[name]
