"""MinIO or any S3 server through the ``minio`` SDK.  The bucket is private; phones read through presigned URLs.

minio's default HTTP client waits 5 minutes to connect and retries 5 times, so a stopped server would hang each
request (and /readyz) for a long time.  Here connects time out after 3 s, a server that accepts the connection but
stops answering (frozen, swapping) after 5 s of silence, neither is retried (both settings:
``GRIDPATROL_S3_CONNECT_TIMEOUT``, ``GRIDPATROL_S3_READ_TIMEOUT``), and every connection-level failure becomes
:class:`ObjectStoreUnavailable`, which the API answers with 503 and a retry hint.
"""
from __future__ import annotations

import io
import os
from datetime import datetime, timedelta, timezone
from types import TracebackType
from typing import Any, BinaryIO, Callable, Iterator, TypeVar

import certifi
import urllib3
from minio import Minio
from minio.error import InvalidResponseError, MinioException, S3Error, ServerError
from typing_extensions import Self
from urllib3 import BaseHTTPResponse
from urllib3.connectionpool import ConnectionPool

from server.ops.metrics import store_error
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
    content_disposition,
    source_errors,
)

T = TypeVar("T")

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0  # silence on the socket, not the length of a transfer: a 20 MB upload that keeps flowing is fine
_MISSING_OBJECT = {"NoSuchKey", "NoSuchObject"}
_SERVER_TROUBLE = {"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "XMinioServerNotInitialized"}
_UNKNOWN_LENGTH_PART = 5 * 1024 * 1024  # S3's smallest part: bounds the memory a stream of unknown length takes


class _Retry(urllib3.Retry):
    """A read timeout is not retried: a server silent for the whole timeout will not answer the next one sooner,
    and the phone is better told 503 now than after two timeouts."""

    def increment(self, method: str | None = None, url: str | None = None,
                  response: BaseHTTPResponse | None = None, error: Exception | None = None,
                  _pool: ConnectionPool | None = None, _stacktrace: TracebackType | None = None) -> Self:
        if isinstance(error, urllib3.exceptions.ReadTimeoutError):
            raise urllib3.exceptions.MaxRetryError(_pool, url or "", error) from error  # type: ignore[arg-type]  # urllib3 gives the pool when it retries
        return super().increment(method, url, response, error, _pool, _stacktrace)


def make_http_client(secure: bool, *, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT,
                     retry: bool = True) -> urllib3.PoolManager:
    """Short timeouts and few retries: fail in seconds, not minutes, when the store is down or frozen.

    A refused or timed-out connect is not retried (a stopped server stays stopped for the next 0.2 s), nor is a read
    timeout; a dropped answer and a 5xx are retried once or twice, which covers a stale pooled connection and a busy
    server."""
    # a busy server's Retry-After could say minutes: not honoured, the API tells the phone to retry instead
    retries = _Retry(total=2, connect=0, read=1, status=2, backoff_factor=0.2,
                     status_forcelist=(500, 502, 503, 504), respect_retry_after_header=False,
                     ) if retry else urllib3.Retry(0)
    tls: dict[str, Any] = {"cert_reqs": "CERT_REQUIRED", "ca_certs": os.environ.get("SSL_CERT_FILE") or certifi.where()}
    return urllib3.PoolManager(timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout), maxsize=20,
                               retries=retries, **(tls if secure else {}))


class S3ObjectStore(ObjectStore):
    """One private bucket.

    There is no ``clock``: presigned URLs are dated by this machine's real clock and judged by the S3 server's, so a
    fake app clock could only make them wrong.  ``ping`` goes through a second client that waits at most
    ``ping_timeout`` for an answer, so /readyz stays quick even when the server accepts connections but hangs.
    """

    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str, *, secure: bool = False,
                 region: str = "us-east-1", ping_timeout: float = 2.0, connect_timeout: float = CONNECT_TIMEOUT,
                 read_timeout: float = READ_TIMEOUT):
        if "://" in endpoint:
            raise ValueError("GRIDPATROL_S3_ENDPOINT is host:port without a scheme; use GRIDPATROL_S3_SECURE for TLS")
        self.bucket = bucket
        # with the region given, presigning needs no request to the server
        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region,
                            http_client=make_http_client(secure, connect_timeout=connect_timeout,
                                                         read_timeout=read_timeout))
        self._probe = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region,
                            http_client=make_http_client(secure, connect_timeout=min(connect_timeout, ping_timeout),
                                                         read_timeout=ping_timeout, retry=False))

    def ensure_bucket(self) -> None:
        """Create the bucket if it is missing.  No bucket policy is ever set: the bucket stays private."""
        def create() -> None:
            if self.client.bucket_exists(self.bucket):
                return
            try:
                self.client.make_bucket(self.bucket)
            except S3Error as exc:  # another app server created it a moment ago
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

        self._call(create)

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str, length: int | None = None) -> ObjectInfo:
        check_key(key)
        stream: BinaryIO
        if isinstance(data, (bytes, bytearray, memoryview)):
            if length is not None and length != len(data):
                raise ValueError("length does not match the data")
            stream, length = io.BytesIO(data), len(data)
        else:
            # a short stream becomes ValueError (minio's own bare IOError looks like a network error), and the
            # stream's own errors reach the caller unchanged rather than as "store unavailable"
            stream = UploadReader(data, length)  # type: ignore[assignment]  # minio reads any read()-able
        with source_errors():
            self._call(lambda: self.client.put_object(
                self.bucket, key, stream, -1 if length is None else length, content_type=content_type,
                part_size=0 if length is not None else _UNKNOWN_LENGTH_PART))
        return self.stat(key)

    def get(self, key: str) -> bytes:
        check_key(key)

        def read() -> bytes:
            response = self.client.get_object(self.bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        return self._call(read, key=key)

    def stat(self, key: str) -> ObjectInfo:
        check_key(key)
        st = self._call(lambda: self.client.stat_object(self.bucket, key), key=key)
        return ObjectInfo(key=key, size=int(st.size or 0), content_type=st.content_type or "application/octet-stream",
                          # never seen missing; "now" would keep the object out of an orphan sweep, the safe side
                          last_modified=st.last_modified or datetime.now(timezone.utc), etag=st.etag)

    def delete(self, key: str) -> None:
        check_key(key)
        try:
            self._call(lambda: self.client.remove_object(self.bucket, key), key=key)
        except ObjectNotFound:
            pass

    def presigned_get(self, key: str, *, expires: timedelta = timedelta(minutes=10),
                      download_name: str | None = None) -> str:
        check_key(key)
        check_expires(expires)
        headers: dict[str, str | list[str] | tuple[str]] | None = None if download_name is None else {
            "response-content-disposition": content_disposition(download_name)}
        return self._call(lambda: self.client.presigned_get_object(self.bucket, key, expires=expires,
                                                                   response_headers=headers))

    def list_older_than(self, prefix: str, cutoff: datetime) -> Iterator[ObjectInfo]:
        return self._older_than(check_prefix(prefix), check_cutoff(cutoff))  # arguments checked now, not lazily

    def _older_than(self, prefix: str, cutoff: datetime) -> Iterator[ObjectInfo]:
        # the listing is paged lazily: errors come while iterating, so the whole loop is guarded
        listing = self._call(lambda: iter(self.client.list_objects(self.bucket, prefix=prefix or None,
                                                                  recursive=True)))
        while (obj := self._call(lambda: next(listing, None))) is not None:
            if obj.is_dir or obj.last_modified is None or not obj.last_modified < cutoff:
                continue
            try:
                check_key(obj.object_name)
            except ValueError:  # written by something else; not ours to sweep
                continue
            yield ObjectInfo(key=obj.object_name, size=int(obj.size or 0), content_type="",
                             last_modified=obj.last_modified, etag=obj.etag)

    def ping(self) -> None:
        if not self._call(lambda: self._probe.bucket_exists(self.bucket)):
            raise ObjectStoreError(f"bucket {self.bucket!r} does not exist")

    @staticmethod
    def _call(fn: Callable[[], T], *, key: str | None = None) -> T:
        """Run one SDK call and translate its errors into the store's own."""
        try:
            return fn()
        except S3Error as exc:
            if key is not None and exc.code in _MISSING_OBJECT:
                raise ObjectNotFound(key) from exc
            store_error(exc.code or "S3Error")
            if exc.code in _SERVER_TROUBLE:
                raise ObjectStoreUnavailable(f"S3 {exc.code}: {exc.message}") from exc
            raise ObjectStoreError(f"S3 {exc.code}: {exc.message}") from exc
        except (ServerError, InvalidResponseError) as exc:  # a 5xx without an S3 body, or a proxy's error page
            store_error(type(exc).__name__)
            raise ObjectStoreUnavailable(str(exc)) from exc
        except MinioException as exc:
            store_error(type(exc).__name__)
            raise ObjectStoreError(str(exc)) from exc
        except (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError) as exc:
            store_error("unreachable")
            raise ObjectStoreUnavailable(f"S3 server unreachable: {exc}") from exc
