"""MinIO or any S3 server through the ``minio`` SDK.  The bucket is private; reads go through presigned URLs."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from typing import BinaryIO, Iterator

import urllib3
from minio import Minio
from minio.error import S3Error

from server.storage.base import ObjectInfo, ObjectNotFound, ObjectStore, ObjectStoreUnavailable, check_key

_MISSING = {"NoSuchKey", "NoSuchObject", "NoSuchBucket"}


def _http() -> urllib3.PoolManager:
    # minio's default client retries for a long time; a phone waiting on an upload wants a fast 503 instead
    return urllib3.PoolManager(timeout=urllib3.Timeout(connect=3.0, read=30.0), maxsize=20,
                               retries=urllib3.Retry(total=2, backoff_factor=0.2, connect=1,
                                                     status_forcelist=(500, 502, 503, 504)))


class S3ObjectStore(ObjectStore):
    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str, *, secure: bool = False,
                 region: str = "us-east-1"):
        self.bucket = bucket
        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region,
                            http_client=_http())

    def _call(self, fn, *args, key: str | None = None, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return fn(*args, **kwargs)
        except S3Error as exc:
            if exc.code in _MISSING and key is not None:
                raise ObjectNotFound(key) from exc
            raise
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ObjectStoreUnavailable(str(exc)) from exc

    def ensure_bucket(self) -> None:
        if not self._call(self.client.bucket_exists, self.bucket):
            try:
                self._call(self.client.make_bucket, self.bucket)
            except S3Error as exc:
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str, length: int | None = None) -> ObjectInfo:
        check_key(key)
        if isinstance(data, (bytes, bytearray, memoryview)):
            stream: BinaryIO = io.BytesIO(data)
            length = len(data)
        else:
            stream = data
        part_size = 0 if length is not None and length >= 0 else 10 * 1024 * 1024
        self._call(self.client.put_object, self.bucket, key, stream, -1 if length is None else length,
                   content_type=content_type, part_size=part_size, key=key)
        return self.stat(key)

    def get(self, key: str) -> bytes:
        check_key(key)
        resp = self._call(self.client.get_object, self.bucket, key, key=key)
        try:
            return resp.read()
        finally:
            resp.close()
            resp.release_conn()

    def stat(self, key: str) -> ObjectInfo:
        check_key(key)
        st = self._call(self.client.stat_object, self.bucket, key, key=key)
        return ObjectInfo(key=key, size=int(st.size or 0), content_type=st.content_type or "application/octet-stream",
                          last_modified=st.last_modified or datetime.now(timezone.utc), etag=st.etag)

    def delete(self, key: str) -> None:
        check_key(key)
        try:
            self._call(self.client.remove_object, self.bucket, key, key=key)
        except ObjectNotFound:
            pass

    def presigned_get(self, key: str, *, expires: timedelta = timedelta(minutes=10),
                      download_name: str | None = None) -> str:
        check_key(key)
        headers = None
        if download_name:
            headers = {"response-content-disposition": f'attachment; filename="{download_name}"'}
        return self._call(self.client.presigned_get_object, self.bucket, key, expires=expires,
                          response_headers=headers)

    def list_older_than(self, prefix: str, cutoff: datetime) -> Iterator[ObjectInfo]:
        for obj in self._call(self.client.list_objects, self.bucket, prefix=prefix, recursive=True):
            if obj.last_modified is not None and obj.last_modified < cutoff and not obj.is_dir:
                yield ObjectInfo(key=obj.object_name, size=int(obj.size or 0),
                                 content_type=obj.content_type or "application/octet-stream",
                                 last_modified=obj.last_modified, etag=obj.etag)

    def ping(self) -> None:
        try:
            self._call(self.client.bucket_exists, self.bucket)
        except S3Error as exc:
            raise ObjectStoreUnavailable(str(exc)) from exc
