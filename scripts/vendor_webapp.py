"""Refresh the field client's third-party files (server/webapp/static/vendor/) from the npm registry.

Each package is fetched as its registry tarball (the URL and SRI integrity from ``npm view``; ``npm pack`` when the
direct download fails), checked against that integrity, and the few files the client loads are copied out with the
package's licence.  ``vendor/manifest.json`` records name, version, tarball, integrity, licence and the SHA-256 of
every file written; tests/webapp/test_vendor.py checks the files against it.

    .venv/bin/python scripts/vendor_webapp.py            # fetch the pinned versions
    .venv/bin/python scripts/vendor_webapp.py --check    # only verify the files against the manifest
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "server" / "webapp" / "static" / "vendor"

# (package, version, {file in the tarball: file written}, licence file, [(file written, old text, new text)])
# Browsers without import maps cannot resolve the bare specifier "preact" inside hooks, and an inline import map
# would need a CSP exception: the one import is rewritten to a relative path instead (recorded in the manifest).
PACKAGES = [
    ("weui", "2.6.26", {"dist/style/weui.min.css": "weui.min.css"}, "LICENSE.txt", []),
    ("preact", "10.29.8", {"dist/preact.module.js": "preact.module.js", "hooks/dist/hooks.module.js": "hooks.module.js"},
     "LICENSE", [("hooks.module.js", 'from"preact"', 'from"./preact.module.js"')]),
    ("htm", "3.1.1", {"dist/htm.module.js": "htm.module.js"}, "LICENSE", []),
    ("idb", "8.0.3", {"build/index.js": "idb.js"}, "LICENSE", []),
]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_view(spec: str) -> tuple[str, str]:
    out = subprocess.run(["npm", "view", spec, "dist.tarball", "dist.integrity", "--json"], check=True,
                         capture_output=True, text=True, timeout=120).stdout
    info = json.loads(out)
    return info["dist.tarball"], info["dist.integrity"]


def fetch_tarball(name: str, version: str) -> tuple[bytes, str, str]:
    url, integrity = npm_view(f"{name}@{version}")
    try:
        with urllib.request.urlopen(url, timeout=120) as resp:
            data = resp.read()
    except OSError:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["npm", "pack", f"{name}@{version}", "--silent"], cwd=tmp, check=True, timeout=300,
                           capture_output=True)
            data = next(Path(tmp).glob("*.tgz")).read_bytes()
    algo, _, expected = integrity.partition("-")
    if base64.b64encode(hashlib.new(algo, data).digest()).decode() != expected:
        raise SystemExit(f"{name}@{version}: tarball does not match the registry's integrity {integrity}")
    return data, url, integrity


def refresh() -> None:
    manifest = {"note": "fetched by scripts/vendor_webapp.py; sha256 is of the file as served", "packages": []}
    for name, version, files, licence, rewrites in PACKAGES:
        data, url, integrity = fetch_tarball(name, version)
        out_dir = VENDOR / name
        out_dir.mkdir(parents=True, exist_ok=True)
        written: dict[str, bytes] = {}
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for member_path, target in {**files, licence: licence}.items():
                extracted = tar.extractfile(f"package/{member_path}")
                assert extracted is not None, member_path
                written[target] = extracted.read()
        upstream = {target: sha256(content) for target, content in written.items()}
        for target, old, new in rewrites:
            text = written[target].decode()
            if text.count(old) != 1:
                raise SystemExit(f"{name}: expected one {old!r} in {target}")
            written[target] = text.replace(old, new).encode()
        for target, content in written.items():
            (out_dir / target).write_bytes(content)
        manifest["packages"].append({
            "name": name, "version": version, "tarball": url, "integrity": integrity,
            "license": f"{name}/{licence}",
            "files": {f"{name}/{t}": sha256(c) for t, c in written.items()},
            "upstream_sha256": {f"{name}/{t}": h for t, h in upstream.items()},
            "rewrites": [{"file": f"{name}/{t}", "from": o, "to": n} for t, o, n in rewrites],
        })
        print(f"{name}@{version}: {', '.join(written)}")
    (VENDOR / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def check() -> int:
    manifest = json.loads((VENDOR / "manifest.json").read_text())
    bad = [path for pkg in manifest["packages"] for path, digest in pkg["files"].items()
           if not (VENDOR / path).is_file() or sha256((VENDOR / path).read_bytes()) != digest]
    for path in bad:
        print(f"mismatch: {path}", file=sys.stderr)
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the vendored files, fetch nothing")
    args = parser.parse_args()
    if args.check:
        return check()
    refresh()
    return check()


if __name__ == "__main__":
    sys.exit(main())
