"""The object store interface: photos and other evidence are kept byte-for-byte, under validated keys."""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO, Iterator

_KEY_RE = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")


class ObjectStoreError(Exception):
    """Base of every store error."""


class ObjectNotFound(ObjectStoreError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


class ObjectStoreUnavailable(ObjectStoreError):
    """The store cannot be reached; the API answers 503 with a retry hint."""


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    content_type: str
    last_modified: datetime
    etag: str | None = None


def check_key(key: str) -> str:
    """Keys are relative, slash-separated, plain ASCII: nothing that could escape a folder or confuse a URL."""
    if not isinstance(key, str) or not key or len(key) > 512 or not _KEY_RE.match(key) or any(
            part in (".", "..") for part in key.split("/")):
        raise ValueError(f"invalid object key: {key!r}")
    return key


class ObjectStore(ABC):
    @abstractmethod
    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str, length: int | None = None) -> ObjectInfo:
        ...

    @abstractmethod
    def get(self, key: str) -> bytes:
        ...

    @abstractmethod
    def stat(self, key: str) -> ObjectInfo:
        ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Deleting a missing key is not an error."""

    @abstractmethod
    def presigned_get(self, key: str, *, expires: timedelta = timedelta(minutes=10),
                      download_name: str | None = None) -> str:
        """A short-lived URL that fetches the object without credentials."""

    @abstractmethod
    def list_older_than(self, prefix: str, cutoff: datetime) -> Iterator[ObjectInfo]:
        """Objects under ``prefix`` last modified before ``cutoff`` (the orphan sweep)."""

    @abstractmethod
    def ping(self) -> None:
        """Raise :class:`ObjectStoreUnavailable` unless the store answers."""
