"""A local-folder object store: the zero-setup default.  URLs are signed with HMAC and served by the app itself
(``server/storage/routes.py``), so a development machine needs no S3 server.

Layout under ``root``::

    <key>                   the object's bytes, e.g. evidence/2026/11/3f2a.jpg
    ~meta/<key>~.json       {"content_type": ..., "etag": ...}
    <dir>/~put-XXXX         an upload in progress (renamed over <key> when complete)

Keys never contain ``~`` (see :func:`check_key`), so the side folder and the temporary files can never collide with
an object, and a listing recognises them by that character alone.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import stat as stat_mod
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO, Iterator
from urllib.parse import quote, urlencode

from server.common.timeutil import Clock, system_clock
from server.storage.base import (
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    ObjectStoreError,
    ObjectStoreUnavailable,
    UploadReader,
    check_cutoff,
    check_expires,
    check_key,
    check_prefix,
    source_errors,
)

_CHUNK = 1024 * 1024
_META_DIR = "~meta"
_TMP_PREFIX = "~put-"
_DIGITS = re.compile(r"[0-9]{1,12}")


def _is_key(name: str) -> bool:
    try:
        check_key(name)
    except ValueError:
        return False
    return True


def _may_hold(folder: str, prefix: str) -> bool:
    """Whether keys under ``folder`` (ending in "/") can start with ``prefix``."""
    return folder.startswith(prefix) or prefix.startswith(folder)


class SignedUrlRefused(Exception):
    """A /files URL that must not be served; ``code`` and the Chinese ``message`` go into the 403 answer."""

    MESSAGES = {
        "url_signature_invalid": "链接签名无效, 请重新获取链接",
        "url_expired": "链接已过期, 请刷新页面后重试",
    }

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code
        self.message = self.MESSAGES[code]


class LocalObjectStore(ObjectStore):
    """Objects as files under ``root``; ``clock`` stamps uploads and dates signed URLs (tests pass a fake one)."""

    def __init__(self, root: Path, *, public_url: str, signing_key: str, clock: Clock = system_clock):
        if not signing_key:
            raise ValueError("the local store needs a URL signing key")
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.public_url = public_url.rstrip("/")
        self.clock = clock
        self._signing_key = signing_key.encode()

    # --- paths ---------------------------------------------------------------------------------------------------

    def _data_path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _meta_path(self, key: str) -> Path:
        return self.root / _META_DIR / (check_key(key) + "~.json")

    # --- the interface -------------------------------------------------------------------------------------------

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str, length: int | None = None) -> ObjectInfo:
        path, meta_path = self._data_path(key), self._meta_path(key)
        if isinstance(data, (bytes, bytearray, memoryview)):
            if length is not None and length != len(data):
                raise ValueError("length does not match the data")
            chunks: Iterator[bytes] = iter([bytes(data)])
        else:
            reader = UploadReader(data, length)
            chunks = iter(lambda: reader.read(_CHUNK), b"")
        with source_errors():  # outermost: a failing client stream is not a failing disk
            try:
                self._write(path, meta_path, chunks, content_type)
            except (FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
                # S3 allows objects "a" and "a/b" side by side; a folder cannot.  Generated keys never do this.
                raise ObjectStoreError(f"key {key!r} collides with another object's folder in the local store") \
                    from exc
            except OSError as exc:
                raise ObjectStoreUnavailable(f"local store write failed: {exc}") from exc
        return self.stat(key)

    def get(self, key: str) -> bytes:
        handle, _ = self.open_file(key)
        with handle:
            return handle.read()

    def stat(self, key: str) -> ObjectInfo:
        handle, info = self.open_file(key)
        handle.close()
        return info

    def delete(self, key: str) -> None:
        path, meta_path = self._data_path(key), self._meta_path(key)
        for p, top in ((path, self.root), (meta_path, self.root / _META_DIR)):
            try:
                p.unlink()
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                continue
            self._prune_empty_dirs(p.parent, top)

    def presigned_get(self, key: str, *, expires: timedelta = timedelta(minutes=10),
                      download_name: str | None = None) -> str:
        check_key(key)
        exp = int((self.clock() + check_expires(expires)).timestamp())
        params: dict[str, str | int] = {"exp": exp, "sig": self._signature(key, exp, download_name)}
        if download_name is not None:
            params["name"] = download_name
        return f"{self.public_url}/files/{quote(key)}?{urlencode(params)}"

    def list_older_than(self, prefix: str, cutoff: datetime) -> Iterator[ObjectInfo]:
        return self._older_than(check_prefix(prefix), check_cutoff(cutoff))  # arguments checked now, not lazily

    def _older_than(self, prefix: str, cutoff: datetime) -> Iterator[ObjectInfo]:
        # walk only the folder the prefix points into, not the whole store
        top = self.root / prefix.rpartition("/")[0]
        for dirpath, dirnames, filenames in os.walk(top):
            here = Path(dirpath).relative_to(self.root)
            folder = "" if here == Path(".") else here.as_posix() + "/"
            # skip the metadata tree and folders whose keys cannot start with the prefix
            dirnames[:] = [d for d in dirnames if "~" not in d and _may_hold(f"{folder}{d}/", prefix)]
            for name in filenames:
                key = folder + name
                if not key.startswith(prefix) or not _is_key(key):  # "~" files are ours, odd names someone else's
                    continue
                try:
                    st = os.stat(Path(dirpath, name))
                except FileNotFoundError:  # deleted meanwhile (a concurrent sweep)
                    continue
                modified = datetime.fromtimestamp(st.st_mtime, timezone.utc)
                if modified < cutoff:
                    yield ObjectInfo(key=key, size=st.st_size, content_type="", last_modified=modified)

    def ping(self) -> None:
        if not self.root.is_dir() or not os.access(self.root, os.W_OK | os.X_OK):
            raise ObjectStoreUnavailable(f"local store folder {self.root} is missing or not writable")

    # --- local only: signed URLs and the /files route ------------------------------------------------------------

    def verify_signature(self, key: str, exp: str | int, sig: str, now: datetime, *,
                         download_name: str | None = None) -> None:
        """Return if a /files URL may be served at ``now``, else raise :class:`SignedUrlRefused`.

        The signature is checked first and in constant time, so a forged URL learns nothing, not even expiry."""
        exp_text = str(exp)
        try:
            check_key(key)
        except ValueError:
            raise SignedUrlRefused("url_signature_invalid") from None
        if not _DIGITS.fullmatch(exp_text) or not isinstance(sig, str) or not hmac.compare_digest(
                self._signature(key, int(exp_text), download_name).encode(), sig.encode("utf-8", "replace")):
            raise SignedUrlRefused("url_signature_invalid")
        if now.timestamp() >= int(exp_text):
            raise SignedUrlRefused("url_expired")

    def open_file(self, key: str) -> tuple[BinaryIO, ObjectInfo]:
        """An open handle and the facts of one object, taken from the same file (for the /files route, which
        streams it instead of loading it; not part of :class:`ObjectStore`).  The caller closes the handle."""
        path = self._data_path(key)
        try:
            handle = open(path, "rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectNotFound(key) from None
        st = os.fstat(handle.fileno())
        if not stat_mod.S_ISREG(st.st_mode):  # "a" when only "a/b" exists is a folder, not an object
            handle.close()
            raise ObjectNotFound(key)
        try:
            meta = json.loads(self._meta_path(key).read_bytes())
        except (OSError, ValueError):
            meta = {}
        info = ObjectInfo(key=key, size=st.st_size,
                          content_type=meta.get("content_type") or "application/octet-stream",
                          last_modified=datetime.fromtimestamp(st.st_mtime, timezone.utc),
                          etag=meta.get("etag"))
        return handle, info

    # --- helpers -------------------------------------------------------------------------------------------------

    def _signature(self, key: str, exp: int, download_name: str | None) -> str:
        # the download name is signed too: it ends up in a response header
        message = f"{key}\n{exp}\n{'' if download_name is None else 'name=' + download_name}"
        return hmac.new(self._signing_key, message.encode(), hashlib.sha256).hexdigest()

    def _temp_file(self, folder: Path) -> Path:
        """A new empty file in ``folder`` (same filesystem as the target, so the final rename is atomic).  Retried
        because a concurrent delete may prune the freshly made folder."""
        for attempt in range(3):
            folder.mkdir(parents=True, exist_ok=True)
            try:
                fd, name = tempfile.mkstemp(dir=folder, prefix=_TMP_PREFIX)
            except FileNotFoundError:
                if attempt == 2:
                    raise
                continue
            os.close(fd)
            return Path(name)
        raise AssertionError("unreachable")

    def _write(self, path: Path, meta_path: Path, chunks: Iterator[bytes], content_type: str) -> None:
        """Write to a temporary file beside the target and rename it over the target: readers (and a crash) see the
        old object or the new one, never a part."""
        digest = hashlib.md5(usedforsecurity=False)  # the same etag S3 gives a single-part upload
        tmp = self._temp_file(path.parent)
        try:
            with open(tmp, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                    digest.update(chunk)
            stamp = self.clock().timestamp()
            os.utime(tmp, (stamp, stamp))
            # metadata first: a new key appears only once its bytes are complete, with its content type
            self._write_atomically(meta_path, json.dumps(
                {"content_type": content_type, "etag": digest.hexdigest()}).encode())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _write_atomically(self, path: Path, content: bytes) -> None:
        tmp = self._temp_file(path.parent)
        try:
            tmp.write_bytes(content)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    @staticmethod
    def _prune_empty_dirs(folder: Path, top: Path) -> None:
        """Remove folders left empty by a delete, up to ``top``, so sweeps over millions of uploads leave no
        skeleton behind.  A folder that is not empty (or is refilled meanwhile) stops the climb."""
        while folder != top and top in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent
