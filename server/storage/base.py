"""The object store interface: photos and other evidence are kept byte-for-byte, under validated keys.

Two backends implement it (a local folder and S3 through the ``minio`` SDK) and one contract test suite runs
against both, so code written and tested against the zero-setup local store behaves the same on S3.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO, Iterator
from urllib.parse import quote

MAX_KEY_LENGTH = 512
# the local store turns segments into file names (255 bytes on Linux, and its metadata file adds a suffix)
MAX_SEGMENT_LENGTH = 200
# S3's own limits for presigned URLs; the local store keeps the same ones so that the backends agree.
MIN_URL_LIFETIME = timedelta(seconds=1)
MAX_URL_LIFETIME = timedelta(days=7)

_KEY_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")


class ObjectStoreError(Exception):
    """Base of every store error; anything not more specific is a 500 (misconfiguration, refused credentials)."""


class ObjectNotFound(ObjectStoreError):
    """No object under ``key``."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


class ObjectStoreUnavailable(ObjectStoreError):
    """The store cannot be reached or answers with a server error; the API answers 503 with a retry hint."""


@dataclass(frozen=True)
class ObjectInfo:
    """What a store knows about one object.

    ``content_type`` is ``""`` in :meth:`ObjectStore.list_older_than` results: S3 listings do not carry it, and
    the local store leaves it out too so that both backends answer alike (call :meth:`ObjectStore.stat`).
    """

    key: str
    size: int
    content_type: str
    last_modified: datetime  # aware, UTC
    etag: str | None = None


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe object key, else raise :class:`ValueError`.

    Keys become file paths in the local store and URL paths everywhere, so they are relative, slash-separated
    segments of ``[A-Za-z0-9._-]``, at most 512 characters, without empty, ``.`` or ``..`` segments: nothing that
    could climb out of a folder, need escaping, or mean different things to a filesystem and to S3.  A segment has
    at most 200 characters so that it fits in a file name.
    """
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"invalid object key: {key!r}")
    for segment in key.split("/"):
        if segment in (".", "..") or len(segment) > MAX_SEGMENT_LENGTH or not _KEY_SEGMENT.fullmatch(segment):
            raise ValueError(f"invalid object key: {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    """A listing prefix: ``""`` (everything) or the beginning of a valid key, e.g. ``"evidence/"``."""
    if prefix == "":
        return prefix
    check_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def check_cutoff(cutoff: datetime) -> datetime:
    """A naive cutoff would silently be compared in the server's local time; refuse it."""
    if cutoff.tzinfo is None or cutoff.utcoffset() is None:
        raise ValueError("cutoff must be an aware datetime")
    return cutoff


def check_expires(expires: timedelta) -> timedelta:
    if not MIN_URL_LIFETIME <= expires <= MAX_URL_LIFETIME:
        raise ValueError("expires must be between 1 second and 7 days")
    return expires


def content_disposition(download_name: str, *, inline: bool = False) -> str:
    """``attachment`` (or ``inline``: shown in the browser) with an ASCII fallback and the exact UTF-8 name (RFC
    6266), so Chinese file names survive and no input can break out of the header."""
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in download_name) or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(download_name, safe='')}"


class _SourceFailed(Exception):
    """Carries an error raised by the caller's stream through the SDK and the store's own error translation."""

    def __init__(self, original: BaseException):
        super().__init__(original)
        self.original = original


class UploadReader:
    """Reads the caller's stream for :meth:`ObjectStore.put`.

    With ``length``, exactly that many bytes are read and a stream that ends earlier raises :class:`ValueError`: a
    client that promised 5 MB and sent 3 gets an error, not a truncated photo under the key.  An error raised by
    the stream itself (a client gone away) reaches the caller of ``put`` unchanged (see :func:`source_errors`),
    rather than being mistaken for the store being down.
    """

    def __init__(self, stream: BinaryIO, length: int | None):
        if length is not None and length < 0:
            raise ValueError("length must not be negative")
        self._stream = stream
        self.remaining = length

    def read(self, size: int | None = -1) -> bytes:
        if self.remaining == 0:
            return b""
        want = -1 if size is None else size
        if self.remaining is not None:
            want = self.remaining if want < 0 else min(want, self.remaining)
        try:
            data = self._stream.read(want)
        except Exception as exc:
            raise _SourceFailed(exc) from exc
        if self.remaining is not None:
            if not data:
                raise ValueError(f"stream ended {self.remaining} bytes before the announced length")
            self.remaining -= len(data)
        return data


@contextmanager
def source_errors() -> Iterator[None]:
    """Around a backend's upload: re-raise the caller's stream error as itself."""
    try:
        yield
    except _SourceFailed as exc:
        raise exc.original from None


class ObjectStore(ABC):
    """Keys are checked with :func:`check_key` by every method; a bad key raises :class:`ValueError`."""

    @abstractmethod
    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str, length: int | None = None) -> ObjectInfo:
        """Store ``data`` under ``key``, replacing any previous object; readers see the old or the new object,
        never a part.  For a stream, ``length`` (if given) is the exact number of bytes to read; a stream that ends
        earlier raises :class:`ValueError` and stores nothing."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The object's bytes; :class:`ObjectNotFound` if missing."""

    @abstractmethod
    def stat(self, key: str) -> ObjectInfo:
        """Size, content type and time of the object; :class:`ObjectNotFound` if missing."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object.  Deleting a missing key is not an error: retries and sweeps stay simple."""

    @abstractmethod
    def presigned_get(self, key: str, *, expires: timedelta = timedelta(minutes=10),
                      download_name: str | None = None) -> str:
        """A URL that fetches the object without credentials until ``expires`` from now (1 s to 7 days).

        With ``download_name`` the answer carries ``Content-Disposition: attachment`` with that name."""

    @abstractmethod
    def list_older_than(self, prefix: str, cutoff: datetime) -> Iterator[ObjectInfo]:
        """Objects whose key starts with ``prefix`` (a plain string prefix, as in S3) and whose last_modified is
        before the aware ``cutoff``, in no particular order.  Deleting the yielded objects while iterating is
        allowed: the evidence sweep removes orphans this way."""

    @abstractmethod
    def ping(self) -> None:
        """Return if the store answers; raise :class:`ObjectStoreUnavailable` if it cannot be reached, or
        :class:`ObjectStoreError` if it answers but is unusable (refused credentials, missing bucket)."""
