#!/usr/bin/env python3
"""Write client_schema/openapi.json from the app, the document the mini-client and other tools are built on.

    .venv/bin/python scripts/export_openapi.py          # regenerate
    .venv/bin/python scripts/export_openapi.py --check  # exit 1 if the file differs from what the app serves
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET = ROOT / "client_schema" / "openapi.json"


def render() -> str:
    from server.app import create_app
    from server.config import Config

    tmp = tempfile.mkdtemp(prefix="gridpatrol-openapi-")
    app = create_app(Config(database_url=f"sqlite:///{tmp}/x.sqlite3", store_dir=f"{tmp}/objects",
                            url_signing_key="x", jwt_keys="x:x", testing=True))
    spec = app.test_client().get("/openapi.json").get_json()
    return json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        return 0 if TARGET.exists() and TARGET.read_text() == text else 1
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
