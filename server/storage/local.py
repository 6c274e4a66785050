"""A local-folder object store: the zero-setup default.  URLs are signed with HMAC and served by the app."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO, Iterator
from urllib.parse import quote, urlencode

from server.storage.base import ObjectInfo, ObjectNotFound, ObjectStore, ObjectStoreUnavailable, check_key

_CHUNK = 1024 * 1024


class LocalObjectStore(ObjectStore):
    def __init__(self, root: Path, *, public_url: str, signing_key: str):
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.meta = self.root / "meta"
        self.objects.mkdir(parents=True, exist_ok=True)
        self.meta.mkdir(parents=True, exist_ok=True)
        self.public_url = public_url.rstrip("/")
        self._key = signing_key.encode()

    def _paths(self, key: str) -> tuple[Path, Path]:
        check_key(key)
        return self.objects / key, self.meta / (key + ".json")

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str, length: int | None = None) -> ObjectInfo:
        path, meta = self._paths(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta.parent.mkdir(parents=True, exist_ok=True)
        # write beside the target and rename: a crash never leaves a half-written object under the key
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        sha = hashlib.md5(usedforsecurity=False)
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(data, (bytes, bytearray, memoryview)):
                    out.write(data)
                    sha.update(data)
                else:
                    remaining = length
                    while remaining is None or remaining > 0:
                        chunk = data.read(_CHUNK if remaining is None else min(_CHUNK, remaining))
                        if not chunk:
                            break
                        out.write(chunk)
                        sha.update(chunk)
                        if remaining is not None:
                            remaining -= len(chunk)
            meta.write_text(json.dumps({"content_type": content_type, "etag": sha.hexdigest()}))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return self.stat(key)

    def get(self, key: str) -> bytes:
        path, _ = self._paths(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(key)

    def stat(self, key: str) -> ObjectInfo:
        path, meta = self._paths(key)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise ObjectNotFound(key)
        try:
            info = json.loads(meta.read_text())
        except (FileNotFoundError, ValueError):
            info = {}
        return ObjectInfo(key=key, size=st.st_size, content_type=info.get("content_type", "application/octet-stream"),
                          last_modified=datetime.fromtimestamp(st.st_mtime, timezone.utc), etag=info.get("etag"))

    def delete(self, key: str) -> None:
        path, meta = self._paths(key)
        path.unlink(missing_ok=True)
        meta.unlink(missing_ok=True)

    def _signature(self, key: str, exp: int, download_name: str | None) -> str:
        msg = f"{key}\n{exp}\n{download_name or ''}".encode()
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()

    def presigned_get(self, key: str, *, expires: timedelta = timedelta(minutes=10),
                      download_name: str | None = None, now: datetime | None = None) -> str:
        check_key(key)
        exp = int(((now or datetime.now(timezone.utc)) + expires).timestamp())
        params = {"exp": exp, "sig": self._signature(key, exp, download_name)}
        if download_name:
            params["name"] = download_name
        return f"{self.public_url}/files/{quote(key)}?{urlencode(params)}"

    def verify_signature(self, key: str, exp: str, sig: str, download_name: str | None = None,
                         now: datetime | None = None) -> str | None:
        """None when the URL is good, else "url_signature_invalid" or "url_expired"."""
        try:
            exp_i = int(exp)
            check_key(key)
        except (TypeError, ValueError):
            return "url_signature_invalid"
        if not hmac.compare_digest(self._signature(key, exp_i, download_name), sig or ""):
            return "url_signature_invalid"
        if exp_i < (now or datetime.now(timezone.utc)).timestamp():
            return "url_expired"
        return None

    def list_older_than(self, prefix: str, cutoff: datetime) -> Iterator[ObjectInfo]:
        base = self.objects
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if name.startswith(".upload-"):
                    continue
                key = Path(dirpath, name).relative_to(base).as_posix()
                if not key.startswith(prefix):
                    continue
                info = self.stat(key)
                if info.last_modified < cutoff:
                    yield info

    def ping(self) -> None:
        if not os.access(self.objects, os.W_OK):
            raise ObjectStoreUnavailable(f"{self.objects} is not writable")
